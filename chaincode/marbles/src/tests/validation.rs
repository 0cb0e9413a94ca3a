//! fclocal's addition to `set_owner`: the call to `marblesFC/validateTransfer`
//! (scenario 3), and `set_validation`.

use fclocal_chaincode_shim::{Fault, MockStub};

use super::{ALLOWED, INC, UNITED, call, err, ok, seeded};

/// What the function answers for every call.
fn answer(stub: &MockStub, result: Result<&'static str, &'static str>) {
    stub.on_invoke_function(move |_, _, _| {
        result
            .map(|text| text.as_bytes().to_vec())
            .map_err(str::to_string)
    });
}

const MOVED: &str = r#"{"docType":"marble","id":"m1","color":"blue","size":35,"owner":{"id":"o2","username":"bob","company":"Marble Inc"}}"#;

#[test]
fn an_allowed_transfer_commits_after_one_call_with_the_documented_payload() {
    let stub = seeded();
    ok(&stub, "init_marble", &["m2", "red", "16", "o2", INC]);
    ok(&stub, "init_marble", &["m3", "red", "16", "o2", INC]);
    ok(&stub, "set_owner", &["m1", "o2", UNITED]);
    assert_eq!(stub.committed_str("m1").unwrap(), MOVED);

    let calls = stub.function_calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(
        (call.service.as_str(), call.function.as_str()),
        ("marblesFC", "validateTransfer")
    );
    // The marble before the transfer, the new owner, and the two marbles
    // bob holds already (counted over the committed state).
    assert_eq!(
        call.payload_str(),
        format!(
            r#"{{"marble":{{"id":"m1","color":"blue","size":35,"owner":{{"id":"o1","username":"amy","company":"United Marbles"}}}},"newOwner":{{"id":"o2","username":"bob","company":"Marble Inc"}},"newOwnerMarbleCount":2,"txId":"{}"}}"#,
            call.tx_id
        )
    );
}

#[test]
fn the_payload_escapes_like_go() {
    let stub = seeded();
    ok(&stub, "init_owner", &["o3", "a\"<b>", "A&B"]);
    ok(&stub, "set_owner", &["m1", "o3", UNITED]);
    let payload = stub.function_calls()[0].payload_str();
    assert!(
        payload.contains(
            r#""newOwner":{"id":"o3","username":"a\"\u003cb\u003e","company":"A\u0026B"}"#
        ),
        "{payload}"
    );
}

#[test]
fn a_denial_fails_with_the_functions_reason_and_writes_nothing() {
    let stub = seeded();
    answer(
        &stub,
        Ok(
            r#"{"allowed":false,"reason":"owner bob already holds 3 marbles; the limit is 3 (MAX_MARBLES_PER_OWNER)"}"#,
        ),
    );
    assert_eq!(
        err(&stub, "set_owner", &["m1", "o2", UNITED]),
        "Transfer denied by validateTransfer: owner bob already holds 3 marbles; the limit is 3 (MAX_MARBLES_PER_OWNER)"
    );
    answer(&stub, Ok(r#"{"allowed":false}"#));
    assert_eq!(
        err(&stub, "set_owner", &["m1", "o2", UNITED]),
        "Transfer denied by validateTransfer: (the function gave no reason)"
    );
}

#[test]
fn a_failed_call_fails_the_transfer_never_allows_it() {
    let stub = seeded();
    answer(
        &stub,
        Err(
            "function marblesFC/validateTransfer is not in template.yml (functions: marblesFC/hello); add it, or fix the name the chaincode calls",
        ),
    );
    assert_eq!(
        err(&stub, "set_owner", &["m1", "o2", UNITED]),
        "Transfer validation failed: function marblesFC/validateTransfer is not in template.yml (functions: marblesFC/hello); add it, or fix the name the chaincode calls"
    );
    for bad in [
        "Hello!",
        "",
        r#"{"allowed":"yes"}"#,
        "[true]",
        r#"{"reason":"x"}"#,
    ] {
        answer(&stub, Ok(bad));
        assert_eq!(
            err(&stub, "set_owner", &["m1", "o2", UNITED]),
            format!(
                r#"Transfer validation failed: marblesFC/validateTransfer answered `{bad}`; expected {{"allowed":true}} or {{"allowed":false,"reason":"…"}}"#
            )
        );
    }
    // No handler at all (a network without the function).
    let bare = MockStub::new();
    ok(&bare, "init_owner", &["o1", "amy", UNITED]);
    ok(&bare, "init_owner", &["o2", "bob", INC]);
    ok(&bare, "init_marble", &["m1", "blue", "35", "o1", UNITED]);
    let message = err(&bare, "set_owner", &["m1", "o2", UNITED]);
    assert!(
        message.starts_with("Transfer validation failed: "),
        "{message}"
    );
}

#[test]
fn a_failed_count_fails_the_transfer() {
    let stub = seeded();
    stub.inject_fault(Fault::Range, "iterator broke");
    // (`err` checks nothing changed with a range scan, which the fault breaks.)
    let response = call(&stub, "set_owner", &["m1", "o2", UNITED]);
    assert_eq!(
        (response.status, response.message.as_str()),
        (
            500,
            "Transfer validation failed: cannot count the marbles of o2: iterator broke"
        )
    );
    assert!(stub.function_calls().is_empty());
    stub.clear_faults();
    assert!(stub.committed_str("m1").unwrap().contains("\"id\": \"o1\""));
}

#[test]
fn classic_errors_come_first_and_call_nothing() {
    let stub = seeded();
    answer(&stub, Ok(r#"{"allowed":false,"reason":"no"}"#));
    for (args, message) in [
        (
            vec!["m1", "o2"],
            "Incorrect number of arguments. Expecting 3".to_string(),
        ),
        (
            vec!["m1", "", UNITED],
            "Argument 1 must be a non-empty string".into(),
        ),
        (
            vec!["m1", "o9", UNITED],
            "This owner does not exist - o9".into(),
        ),
        (
            vec!["m9", "o2", UNITED],
            "The company 'United Marbles' cannot authorize transfers for ''.".into(),
        ),
        (
            vec!["m1", "o2", INC],
            "The company 'Marble Inc' cannot authorize transfers for 'United Marbles'.".into(),
        ),
    ] {
        assert_eq!(err(&stub, "set_owner", &args), message);
    }
    stub.inject_fault(Fault::GetState("m1".into()), "db down");
    assert_eq!(
        err(&stub, "set_owner", &["m1", "o2", UNITED]),
        "Failed to get marble"
    );
    assert!(stub.function_calls().is_empty());
}

#[test]
fn other_functions_never_call_the_function() {
    let stub = seeded();
    ok(&stub, "init_marble", &["m2", "red", "16", "o2", INC]);
    ok(&stub, "delete_marble", &["m2", INC]);
    ok(&stub, "disable_owner", &["o2", INC]);
    ok(&stub, "read_everything", &[]);
    assert!(stub.function_calls().is_empty());
}

#[test]
fn set_validation_off_skips_the_call_and_on_restores_it() {
    let stub = seeded();
    answer(&stub, Err("no such function"));
    ok(&stub, "set_validation", &["off"]);
    assert_eq!(stub.committed_str("marbles_validation").unwrap(), "off");
    ok(&stub, "set_validation", &["off"]);
    ok(&stub, "set_owner", &["m1", "o2", UNITED]);
    assert_eq!(stub.committed_str("m1").unwrap(), MOVED);
    assert!(stub.function_calls().is_empty());

    ok(&stub, "set_validation", &["on"]);
    assert_eq!(
        err(&stub, "set_owner", &["m1", "o1", INC]),
        "Transfer validation failed: no such function"
    );
    answer(&stub, Ok(ALLOWED));
    ok(&stub, "set_owner", &["m1", "o1", INC]);
}

#[test]
fn set_validation_checks_its_argument_and_a_bad_switch_fails_closed() {
    let stub = seeded();
    assert_eq!(
        err(&stub, "set_validation", &[]),
        "Incorrect number of arguments. Expecting 1: on or off"
    );
    assert_eq!(
        err(&stub, "set_validation", &["Off"]),
        "set_validation expects `on` or `off`, got `Off`"
    );
    // The classic `write` can put anything there: refused, not guessed.
    ok(&stub, "write", &["marbles_validation", "no"]);
    assert_eq!(
        err(&stub, "set_owner", &["m1", "o2", UNITED]),
        "Transfer validation failed: state key marbles_validation holds `no`, expected `on` or `off`; fix it with set_validation"
    );
    assert_eq!(call(&stub, "read", &["marbles_validation"]).payload, b"no");
}
