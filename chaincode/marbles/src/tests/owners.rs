//! `init_owner` and `disable_owner`.

use fclocal_chaincode_shim::{Fault, MockStub};

use super::{INC, UNITED, call, err, ok, seeded, too_long};

#[test]
fn init_owner_stores_an_enabled_owner_with_a_lowercase_username() {
    let stub = MockStub::new();
    assert_eq!(ok(&stub, "init_owner", &["o1", "AmY", UNITED]), "");
    assert_eq!(
        stub.committed_str("o1").unwrap(),
        r#"{"docType":"marble_owner","id":"o1","username":"amy","company":"United Marbles","enabled":true}"#
    );
}

#[test]
fn init_owner_marshals_like_go() {
    let stub = MockStub::new();
    ok(&stub, "init_owner", &["o<1>", "Ann\t\"Q\"", "A&B"]);
    assert_eq!(
        stub.committed_str("o<1>").unwrap(),
        r#"{"docType":"marble_owner","id":"o\u003c1\u003e","username":"ann\t\"q\"","company":"A\u0026B","enabled":true}"#
    );
}

#[test]
fn init_owner_checks_its_arguments() {
    let stub = MockStub::new();
    let count = "Incorrect number of arguments. Expecting 3";
    assert_eq!(err(&stub, "init_owner", &["o1", "amy"]), count);
    assert_eq!(err(&stub, "init_owner", &["o1", "amy", UNITED, "x"]), count);
    assert_eq!(
        err(&stub, "init_owner", &["o1", "", UNITED]),
        "Argument 1 must be a non-empty string"
    );
    assert_eq!(
        err(&stub, "init_owner", &["o1", "amy", &too_long()]),
        "Argument 2 must be <= 32 characters"
    );
}

#[test]
fn init_owner_refuses_existing_owners() {
    let stub = seeded();
    assert_eq!(
        err(&stub, "init_owner", &["o1", "zed", INC]),
        "This owner already exists - o1"
    );
}

#[test]
fn an_owner_without_username_counts_as_missing() {
    let stub = MockStub::new();
    ok(&stub, "write", &["o3", r#"{"company":"X"}"#]);
    ok(&stub, "init_owner", &["o3", "cy", INC]);
    assert!(
        stub.committed_str("o3")
            .unwrap()
            .contains(r#""username":"cy""#)
    );
}

#[test]
fn a_failed_existence_check_lets_init_owner_overwrite() {
    let stub = seeded();
    stub.inject_fault(Fault::GetState("o1".into()), "db down");
    ok(&stub, "init_owner", &["o1", "zed", INC]);
    assert!(
        stub.committed_str("o1")
            .unwrap()
            .contains(r#""username":"zed""#)
    );
}

#[test]
fn init_owner_returns_put_errors() {
    let stub = MockStub::new();
    stub.inject_fault(Fault::PutState("o1".into()), "no space");
    assert_eq!(err(&stub, "init_owner", &["o1", "amy", UNITED]), "no space");
}

#[test]
fn disable_owner_rewrites_the_owner_disabled() {
    let stub = seeded();
    assert_eq!(ok(&stub, "disable_owner", &["o1", UNITED]), "");
    assert_eq!(
        stub.committed_str("o1").unwrap(),
        r#"{"docType":"marble_owner","id":"o1","username":"amy","company":"United Marbles","enabled":false}"#
    );
    // Disabling twice is fine: the owner still exists.
    ok(&stub, "disable_owner", &["o1", UNITED]);
}

#[test]
fn disable_owner_checks_its_arguments() {
    let stub = seeded();
    let count = "Incorrect number of arguments. Expecting 2";
    assert_eq!(err(&stub, "disable_owner", &["o1"]), count);
    assert_eq!(err(&stub, "disable_owner", &["o1", UNITED, "x"]), count);
    assert_eq!(
        err(&stub, "disable_owner", &["", UNITED]),
        "Argument 0 must be a non-empty string"
    );
    assert_eq!(
        err(&stub, "disable_owner", &["o1", &too_long()]),
        "Argument 1 must be <= 32 characters"
    );
}

#[test]
fn disable_owner_needs_an_existing_owner_of_the_callers_company() {
    let stub = seeded();
    assert_eq!(
        err(&stub, "disable_owner", &["o9", UNITED]),
        "This owner does not exist - o9"
    );
    assert_eq!(
        err(&stub, "disable_owner", &["o1", INC]),
        "The company 'Marble Inc' cannot change another companies marble owner"
    );
    stub.inject_fault(Fault::GetState("o1".into()), "db down");
    assert_eq!(
        err(&stub, "disable_owner", &["o1", UNITED]),
        "This owner does not exist - o1"
    );
}

#[test]
fn disable_owner_returns_put_errors() {
    let stub = seeded();
    stub.inject_fault(Fault::PutState("o1".into()), "no space");
    assert_eq!(
        call(&stub, "disable_owner", &["o1", UNITED]).message,
        "no space"
    );
}
