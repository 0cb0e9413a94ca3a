//! `init_marble`, `set_owner` and `delete_marble`.

use fclocal_chaincode_shim::Fault;

use super::{INC, UNITED, err, init_marble_text, ok, seeded, too_long};

#[test]
fn init_marble_stores_go_hand_built_json() {
    let stub = seeded();
    assert_eq!(
        stub.committed_str("m1").unwrap(),
        init_marble_text("m1", "blue", "35", ("o1", "amy", UNITED))
    );
    ok(&stub, "init_marble", &["m2", "ReD", "+035", "o2", INC]);
    assert_eq!(
        stub.committed_str("m2").unwrap(),
        init_marble_text("m2", "red", "35", ("o2", "bob", INC))
    );
    ok(&stub, "init_marble", &["m3", "x", "-7", "o2", INC]);
    assert!(stub.committed_str("m3").unwrap().contains("\"size\": -7, "));
}

#[test]
fn init_marble_checks_its_arguments() {
    let stub = seeded();
    let count = "Incorrect number of arguments. Expecting 5";
    assert_eq!(err(&stub, "init_marble", &["m2", "red", "35", "o1"]), count);
    assert_eq!(
        err(
            &stub,
            "init_marble",
            &["m2", "red", "35", "o1", UNITED, "x"]
        ),
        count
    );
    assert_eq!(
        err(&stub, "init_marble", &["m2", "red", "", "o1", UNITED]),
        "Argument 2 must be a non-empty string"
    );
    assert_eq!(
        err(
            &stub,
            "init_marble",
            &["m2", "red", "35", "o1", &too_long()]
        ),
        "Argument 4 must be <= 32 characters"
    );
    assert_eq!(
        err(&stub, "init_marble", &["m2", "red", "big", "o1", UNITED]),
        "3rd argument must be a numeric string"
    );
    assert_eq!(
        err(&stub, "init_marble", &["m2", "red", "3.5", "o1", UNITED]),
        "3rd argument must be a numeric string"
    );
}

#[test]
fn init_marble_needs_an_existing_owner() {
    let stub = seeded();
    assert_eq!(
        err(&stub, "init_marble", &["m2", "red", "35", "o9", UNITED]),
        "Owner does not exist - o9, '' ''"
    );
    ok(&stub, "write", &["o3", r#"{"company":"X"}"#]);
    assert_eq!(
        err(&stub, "init_marble", &["m2", "red", "35", "o3", "X"]),
        "Owner does not exist - o3, '' 'X'"
    );
    stub.inject_fault(Fault::GetState("o1".into()), "db down");
    assert_eq!(
        err(&stub, "init_marble", &["m2", "red", "35", "o1", UNITED]),
        "Failed to get owner - o1"
    );
}

#[test]
fn init_marble_needs_the_owners_company() {
    let stub = seeded();
    assert_eq!(
        err(&stub, "init_marble", &["m2", "red", "35", "o1", INC]),
        "The company 'Marble Inc' cannot authorize creation for 'United Marbles'."
    );
}

#[test]
fn init_marble_refuses_existing_marbles() {
    let stub = seeded();
    assert_eq!(
        err(&stub, "init_marble", &["m1", "red", "1", "o1", UNITED]),
        "This marble already exists - m1"
    );
    // Any record whose `id` equals its key counts, owners included.
    assert_eq!(
        err(&stub, "init_marble", &["o2", "red", "1", "o1", UNITED]),
        "This marble already exists - o2"
    );
}

#[test]
fn a_failed_existence_check_lets_init_marble_overwrite() {
    let stub = seeded();
    stub.inject_fault(Fault::GetState("m1".into()), "db down");
    ok(&stub, "init_marble", &["m1", "red", "1", "o1", UNITED]);
    assert!(
        stub.committed_str("m1")
            .unwrap()
            .contains("\"color\": \"red\"")
    );
}

#[test]
fn unescaped_quotes_store_invalid_json_that_reads_as_missing() {
    let stub = seeded();
    ok(&stub, "init_marble", &["m2", "bl\"ue", "1", "o1", UNITED]);
    assert!(
        stub.committed_str("m2")
            .unwrap()
            .contains("\"color\": \"bl\"ue\"")
    );
    assert_eq!(
        err(&stub, "delete_marble", &["m2", UNITED]),
        "Marble does not exist - m2"
    );
    // ...so the same id can be created again.
    ok(&stub, "init_marble", &["m2", "blue", "1", "o1", UNITED]);
}

#[test]
fn init_marble_returns_put_errors() {
    let stub = seeded();
    stub.inject_fault(Fault::PutState("m2".into()), "no space");
    assert_eq!(
        err(&stub, "init_marble", &["m2", "red", "35", "o1", UNITED]),
        "no space"
    );
}

#[test]
fn set_owner_rewrites_the_marble_as_compact_go_json() {
    let stub = seeded();
    assert_eq!(ok(&stub, "set_owner", &["m1", "o2", UNITED]), "");
    assert_eq!(
        stub.committed_str("m1").unwrap(),
        r#"{"docType":"marble","id":"m1","color":"blue","size":35,"owner":{"id":"o2","username":"bob","company":"Marble Inc"}}"#
    );
    // Now only Marble Inc may move it.
    assert_eq!(
        err(&stub, "set_owner", &["m1", "o1", UNITED]),
        "The company 'United Marbles' cannot authorize transfers for 'Marble Inc'."
    );
    ok(&stub, "set_owner", &["m1", "o1", INC]);
}

#[test]
fn set_owner_escapes_html_like_go() {
    let stub = seeded();
    ok(&stub, "init_owner", &["o3", "<b>", "A&B"]);
    ok(&stub, "set_owner", &["m1", "o3", UNITED]);
    assert!(
        stub.committed_str("m1")
            .unwrap()
            .ends_with(r#""owner":{"id":"o3","username":"\u003cb\u003e","company":"A\u0026B"}}"#)
    );
}

#[test]
fn set_owner_ignores_whether_the_new_owner_is_enabled() {
    let stub = seeded();
    ok(&stub, "disable_owner", &["o2", INC]);
    ok(&stub, "set_owner", &["m1", "o2", UNITED]);
}

#[test]
fn set_owner_checks_its_arguments() {
    let stub = seeded();
    let count = "Incorrect number of arguments. Expecting 3";
    assert_eq!(err(&stub, "set_owner", &["m1", "o2"]), count);
    assert_eq!(err(&stub, "set_owner", &["m1", "o2", UNITED, "x"]), count);
    assert_eq!(
        err(&stub, "set_owner", &["m1", "", UNITED]),
        "Argument 1 must be a non-empty string"
    );
    assert_eq!(
        err(&stub, "set_owner", &[&too_long(), "o2", UNITED]),
        "Argument 0 must be <= 32 characters"
    );
}

#[test]
fn set_owner_needs_an_existing_new_owner() {
    let stub = seeded();
    assert_eq!(
        err(&stub, "set_owner", &["m1", "o9", UNITED]),
        "This owner does not exist - o9"
    );
    stub.inject_fault(Fault::GetState("o2".into()), "db down");
    assert_eq!(
        err(&stub, "set_owner", &["m1", "o2", UNITED]),
        "This owner does not exist - o2"
    );
}

#[test]
fn set_owner_on_a_missing_marble_blames_an_empty_company() {
    let stub = seeded();
    assert_eq!(
        err(&stub, "set_owner", &["m9", "o2", UNITED]),
        "The company 'United Marbles' cannot authorize transfers for ''."
    );
}

#[test]
fn set_owner_reports_marble_read_errors() {
    let stub = seeded();
    stub.inject_fault(Fault::GetState("m1".into()), "db down");
    assert_eq!(
        err(&stub, "set_owner", &["m1", "o2", UNITED]),
        "Failed to get marble"
    );
}

#[test]
fn set_owner_keeps_fields_go_would_keep() {
    // A record that is not a full marble is rewritten with zero values for
    // what it lacks and without what Marble does not know.
    let stub = seeded();
    ok(
        &stub,
        "write",
        &["m5", r#"{"owner":{"company":"X"},"a":1}"#],
    );
    ok(&stub, "set_owner", &["m5", "o2", "X"]);
    assert_eq!(
        stub.committed_str("m5").unwrap(),
        r#"{"docType":"","id":"","color":"","size":0,"owner":{"id":"o2","username":"bob","company":"Marble Inc"}}"#
    );
}

#[test]
fn set_owner_returns_put_errors() {
    let stub = seeded();
    stub.inject_fault(Fault::PutState("m1".into()), "no space");
    assert_eq!(err(&stub, "set_owner", &["m1", "o2", UNITED]), "no space");
}

#[test]
fn delete_marble_deletes_for_the_owners_company() {
    let stub = seeded();
    assert_eq!(ok(&stub, "delete_marble", &["m1", UNITED]), "");
    assert_eq!(stub.committed("m1"), None);
    assert_eq!(
        err(&stub, "delete_marble", &["m1", UNITED]),
        "Marble does not exist - m1"
    );
}

#[test]
fn delete_marble_checks_its_arguments() {
    let stub = seeded();
    let count = "Incorrect number of arguments. Expecting 2";
    assert_eq!(err(&stub, "delete_marble", &["m1"]), count);
    assert_eq!(err(&stub, "delete_marble", &["m1", UNITED, "x"]), count);
    assert_eq!(
        err(&stub, "delete_marble", &["", UNITED]),
        "Argument 0 must be a non-empty string"
    );
    assert_eq!(
        err(&stub, "delete_marble", &["m1", &too_long()]),
        "Argument 1 must be <= 32 characters"
    );
}

#[test]
fn delete_marble_errors() {
    let stub = seeded();
    assert_eq!(
        err(&stub, "delete_marble", &["m9", UNITED]),
        "Marble does not exist - m9"
    );
    assert_eq!(
        err(&stub, "delete_marble", &["m1", INC]),
        "The company 'Marble Inc' cannot authorize deletion for 'United Marbles'."
    );
    stub.inject_fault(Fault::DelState("m1".into()), "db down");
    assert_eq!(
        err(&stub, "delete_marble", &["m1", UNITED]),
        "Failed to delete state"
    );
    stub.clear_faults();
    stub.inject_fault(Fault::GetState("m1".into()), "db down");
    assert_eq!(
        err(&stub, "delete_marble", &["m1", UNITED]),
        "Failed to find marble - m1"
    );
}
