//! `read_everything`, `getHistory` and `getMarblesByRange`.

use fclocal_chaincode_shim::{Fault, MockStub};

use super::{INC, UNITED, call, err, init_marble_text, ok, seeded};

const AMY: &str = r#"{"docType":"marble_owner","id":"o1","username":"amy","company":"United Marbles","enabled":true}"#;
const BOB: &str = r#"{"docType":"marble_owner","id":"o2","username":"bob","company":"Marble Inc","enabled":true}"#;
const M1: &str = r#"{"docType":"marble","id":"m1","color":"blue","size":35,"owner":{"id":"o1","username":"amy","company":"United Marbles"}}"#;
const ZERO_MARBLE: &str =
    r#"{"docType":"","id":"","color":"","size":0,"owner":{"id":"","username":"","company":""}}"#;

#[test]
fn read_everything_on_an_empty_ledger_has_null_lists() {
    let stub = MockStub::new();
    assert_eq!(
        ok(&stub, "read_everything", &[""]),
        r#"{"owners":null,"marbles":null}"#
    );
}

#[test]
fn read_everything_lists_owners_then_marbles() {
    let stub = seeded();
    stub.mock_init(&crate::Marbles, &["1"]);
    assert_eq!(
        ok(&stub, "read_everything", &[]),
        format!(r#"{{"owners":[{AMY},{BOB}],"marbles":[{M1}]}}"#)
    );
    // Arguments are ignored.
    assert_eq!(
        ok(&stub, "read_everything", &["", "x"]),
        ok(&stub, "read_everything", &[])
    );
}

#[test]
fn read_everything_hides_disabled_owners_but_not_their_marbles() {
    let stub = seeded();
    ok(&stub, "disable_owner", &["o1", UNITED]);
    assert_eq!(
        ok(&stub, "read_everything", &[]),
        format!(r#"{{"owners":[{BOB}],"marbles":[{M1}]}}"#)
    );
}

#[test]
fn read_everything_scans_only_the_app_id_ranges() {
    let stub = seeded();
    for key in ["marbles_ui", "m", "m9999999999999999999", "n1", "abc"] {
        ok(&stub, "write", &[key, "x"]);
    }
    ok(&stub, "write", &["m5", "not json"]);
    ok(&stub, "write", &["m6", r#"{"ID":"m6","SIZE":2}"#]);
    let m6 = ZERO_MARBLE
        .replacen(r#""id":"""#, r#""id":"m6""#, 1)
        .replace(r#""size":0"#, r#""size":2"#);
    assert_eq!(
        ok(&stub, "read_everything", &[]),
        format!(r#"{{"owners":[{AMY},{BOB}],"marbles":[{M1},{ZERO_MARBLE},{m6}]}}"#)
    );
}

#[test]
fn read_everything_returns_range_errors() {
    let stub = seeded();
    stub.inject_fault(Fault::Range, "iterator broke");
    assert_eq!(
        call(&stub, "read_everything", &[]).message,
        "iterator broke"
    );
}

#[test]
fn history_lists_each_committed_change_newest_first() {
    let stub = seeded(); // m1 created in tx3
    ok(&stub, "set_owner", &["m1", "o2", UNITED]); // tx4
    ok(&stub, "delete_marble", &["m1", INC]); // tx5
    let moved = M1.replace(
        r#"{"id":"o1","username":"amy","company":"United Marbles"}"#,
        r#"{"id":"o2","username":"bob","company":"Marble Inc"}"#,
    );
    assert_eq!(
        ok(&stub, "getHistory", &["m1"]),
        format!(
            r#"[{{"txId":"tx5","value":{ZERO_MARBLE}}},{{"txId":"tx4","value":{moved}}},{{"txId":"tx3","value":{M1}}}]"#
        )
    );
}

#[test]
fn history_merges_entries_into_one_marble_like_go() {
    let stub = MockStub::new();
    ok(&stub, "write", &["m7", r#"{"id":"m7","color":"red"}"#]); // tx1
    ok(&stub, "write", &["m7", "junk"]); // tx2
    ok(&stub, "write", &["m7", r#"{"size":5}"#]); // tx3
    // Newest first: tx3 sets size 5; tx2 is not JSON and repeats it; tx1
    // adds id and color but keeps the size from tx3.
    let size5 = ZERO_MARBLE.replace(r#""size":0"#, r#""size":5"#);
    let full = size5
        .replacen(r#""id":"""#, r#""id":"m7""#, 1)
        .replace(r#""color":"""#, r#""color":"red""#);
    assert_eq!(
        ok(&stub, "getHistory", &["m7"]),
        format!(
            r#"[{{"txId":"tx3","value":{size5}}},{{"txId":"tx2","value":{size5}}},{{"txId":"tx1","value":{full}}}]"#
        )
    );
}

#[test]
fn history_of_a_key_without_changes_is_null() {
    let stub = MockStub::new();
    assert_eq!(ok(&stub, "getHistory", &["m9"]), "null");
    // Not sanitized: an empty id is accepted.
    assert_eq!(ok(&stub, "getHistory", &[""]), "null");
}

#[test]
fn history_escapes_tx_ids_like_go() {
    let stub = MockStub::new();
    stub.set_tx_id("a<b");
    stub.mock_invoke(&crate::Marbles, "write", &["k", "v"]);
    assert!(ok(&stub, "getHistory", &["k"]).starts_with(r#"[{"txId":"a\u003cb","#));
}

#[test]
fn history_checks_its_arguments_and_returns_errors() {
    let stub = seeded();
    let count = "Incorrect number of arguments. Expecting 1";
    assert_eq!(err(&stub, "getHistory", &[]), count);
    assert_eq!(err(&stub, "getHistory", &["m1", "m2"]), count);
    stub.inject_fault(Fault::History("m1".into()), "history off");
    assert_eq!(err(&stub, "getHistory", &["m1"]), "history off");
}

#[test]
fn marbles_by_range_builds_key_record_pairs_by_hand() {
    let stub = seeded();
    ok(&stub, "init_marble", &["m2", "red", "7", "o2", INC]);
    let m1 = init_marble_text("m1", "blue", "35", ("o1", "amy", UNITED));
    let m2 = init_marble_text("m2", "red", "7", ("o2", "bob", INC));
    assert_eq!(
        ok(&stub, "getMarblesByRange", &["m1", "m3"]),
        format!(r#"[{{"Key":"m1", "Record":{m1}}},{{"Key":"m2", "Record":{m2}}}]"#)
    );
    // The end is exclusive.
    assert_eq!(
        ok(&stub, "getMarblesByRange", &["m1", "m2"]),
        format!(r#"[{{"Key":"m1", "Record":{m1}}}]"#)
    );
    assert_eq!(ok(&stub, "getMarblesByRange", &["x", "y"]), "[]");
}

#[test]
fn marbles_by_range_copies_keys_and_values_raw() {
    let stub = MockStub::new();
    ok(&stub, "write", &["k\"1", "not json"]);
    assert_eq!(
        ok(&stub, "getMarblesByRange", &["", ""]),
        r#"[{"Key":"k"1", "Record":not json}]"#
    );
}

#[test]
fn marbles_by_range_checks_its_arguments_and_returns_errors() {
    let stub = seeded();
    let count = "Incorrect number of arguments. Expecting 2";
    assert_eq!(err(&stub, "getMarblesByRange", &["m1"]), count);
    assert_eq!(err(&stub, "getMarblesByRange", &["m1", "m2", "m3"]), count);
    assert_eq!(
        err(&stub, "getMarblesByRange", &["\u{0}x", ""]),
        "first character of the key [\u{0}x] contains a null character which is not allowed"
    );
    stub.inject_fault(Fault::Range, "iterator broke");
    assert_eq!(
        call(&stub, "getMarblesByRange", &["a", "b"]).message,
        "iterator broke"
    );
}
