//! `Init` and the `init` invoke function.

use fclocal_chaincode_shim::{Fault, MockStub};

use super::{call, err, ok};
use crate::Marbles;

#[test]
fn instantiate_stores_selftest_and_ui_version() {
    let stub = MockStub::new();
    let response = stub.mock_init(&Marbles, &["12345"]);
    assert!(response.is_ok() && response.payload.is_empty());
    assert_eq!(stub.committed_str("selftest").as_deref(), Some("12345"));
    assert_eq!(stub.committed_str("marbles_ui").as_deref(), Some("4.0.1"));
}

#[test]
fn selftest_round_trips_through_atoi() {
    let stub = MockStub::new();
    assert!(stub.mock_init(&Marbles, &["+0042"]).is_ok());
    assert_eq!(stub.committed_str("selftest").as_deref(), Some("42"));
}

#[test]
fn a_non_numeric_argument_fails() {
    let stub = MockStub::new();
    let response = stub.mock_init(&Marbles, &["abc"]);
    assert_eq!(
        response.message,
        "Expecting a numeric string argument to Init() for instantiate"
    );
    assert_eq!(response.status, 500);
    assert_eq!(stub.committed("marbles_ui"), None);
}

#[test]
fn upgrade_and_other_argument_counts_skip_the_selftest() {
    for args in [&[""][..], &[], &["1", "2"], &["x", "y"]] {
        let stub = MockStub::new();
        assert!(stub.mock_init(&Marbles, args).is_ok(), "{args:?}");
        assert_eq!(stub.committed("selftest"), None, "{args:?}");
        assert_eq!(stub.committed_str("marbles_ui").as_deref(), Some("4.0.1"));
    }
}

#[test]
fn invoke_init_resets_like_instantiate() {
    let stub = MockStub::new();
    assert_eq!(ok(&stub, "init", &["7"]), "");
    assert_eq!(stub.committed_str("selftest").as_deref(), Some("7"));
    assert_eq!(
        err(&stub, "init", &["seven"]),
        "Expecting a numeric string argument to Init() for instantiate"
    );
}

#[test]
fn write_failures_are_returned_verbatim() {
    let stub = MockStub::new();
    stub.inject_fault(Fault::PutState("selftest".into()), "disk full");
    assert_eq!(call(&stub, "init", &["1"]).message, "disk full");
    stub.clear_faults();
    stub.inject_fault(Fault::PutState("marbles_ui".into()), "no ui");
    assert_eq!(stub.mock_init(&Marbles, &[]).message, "no ui");
}
