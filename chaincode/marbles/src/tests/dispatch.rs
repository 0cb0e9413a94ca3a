//! Function dispatch and the legacy `Query`.

use fclocal_chaincode_shim::MockStub;

use super::err;
use crate::Marbles;

#[test]
fn unknown_functions_are_named_in_the_error() {
    let stub = MockStub::new();
    assert_eq!(
        err(&stub, "nope", &[]),
        "Received unknown invoke function name - 'nope'"
    );
    // Names are case-sensitive, as Go's string comparison.
    assert_eq!(
        err(&stub, "Read", &["a"]),
        "Received unknown invoke function name - 'Read'"
    );
    assert_eq!(
        err(&stub, "get_history", &["a"]),
        "Received unknown invoke function name - 'get_history'"
    );
    assert_eq!(
        err(&stub, "", &[]),
        "Received unknown invoke function name - ''"
    );
}

#[test]
fn legacy_query_is_refused() {
    let stub = MockStub::new();
    let response = Marbles.query(&stub);
    assert_eq!(
        (response.status, response.message.as_str()),
        (500, "Unknown supported call - Query()")
    );
}
