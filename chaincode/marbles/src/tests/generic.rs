//! `read` and `write`.

use fclocal_chaincode_shim::{Fault, MockStub};

use super::{err, ok, too_long};

#[test]
fn read_returns_raw_bytes_or_nothing() {
    let stub = MockStub::new();
    assert_eq!(ok(&stub, "read", &["missing"]), "");
    ok(&stub, "write", &["abc", "test value"]);
    assert_eq!(ok(&stub, "read", &["abc"]), "test value");
}

#[test]
fn read_checks_its_arguments() {
    let stub = MockStub::new();
    let count = "Incorrect number of arguments. Expecting key of the var to query";
    assert_eq!(err(&stub, "read", &[]), count);
    assert_eq!(err(&stub, "read", &["a", "b"]), count);
    assert_eq!(
        err(&stub, "read", &[""]),
        "Argument 0 must be a non-empty string"
    );
    assert_eq!(
        err(&stub, "read", &[&too_long()]),
        "Argument 0 must be <= 32 characters"
    );
}

#[test]
fn read_reports_state_errors_as_json_text() {
    let stub = MockStub::new();
    stub.inject_fault(Fault::GetState("abc".into()), "db down");
    assert_eq!(
        err(&stub, "read", &["abc"]),
        r#"{"Error":"Failed to get state for abc"}"#
    );
}

#[test]
fn write_stores_the_value_bytes() {
    let stub = MockStub::new();
    assert_eq!(ok(&stub, "write", &["k", "v"]), "");
    assert_eq!(stub.committed_str("k").as_deref(), Some("v"));
    ok(&stub, "write", &["k", "w"]);
    assert_eq!(stub.committed_str("k").as_deref(), Some("w"));
}

#[test]
fn write_checks_its_arguments() {
    let stub = MockStub::new();
    let count = "Incorrect number of arguments. Expecting 2. key of the variable and value to set";
    assert_eq!(err(&stub, "write", &["k"]), count);
    assert_eq!(err(&stub, "write", &["k", "v", "x"]), count);
    assert_eq!(
        err(&stub, "write", &["k", ""]),
        "Argument 1 must be a non-empty string"
    );
    assert_eq!(
        err(&stub, "write", &["k", &too_long()]),
        "Argument 1 must be <= 32 characters"
    );
}

#[test]
fn write_returns_put_errors() {
    let stub = MockStub::new();
    stub.inject_fault(Fault::PutState("k".into()), "no space");
    assert_eq!(err(&stub, "write", &["k", "v"]), "no space");
}
