//! Native tests of every Marbles function against `MockStub`: results,
//! stored bytes, every error string, and the Go quirks.

mod dispatch;
mod generic;
mod init;
mod marbles_ops;
mod owners;
mod reads;
mod validation;

use fclocal_chaincode_shim::{ChaincodeStub, MockStub, Response};

use crate::Marbles;

pub const UNITED: &str = "United Marbles";
pub const INC: &str = "Marble Inc";

/// Runs one transaction (committed when it succeeds).
pub fn call(stub: &MockStub, function: &str, args: &[&str]) -> Response {
    stub.mock_invoke(&Marbles, function, args)
}

/// Runs one transaction that must succeed; returns its payload as text.
pub fn ok(stub: &MockStub, function: &str, args: &[&str]) -> String {
    let response = call(stub, function, args);
    assert_eq!(
        response.status, 200,
        "{function} {args:?}: {}",
        response.message
    );
    assert_eq!(response.message, "");
    String::from_utf8(response.payload).unwrap()
}

/// Runs one transaction that must fail like `shim.Error`; returns the
/// message. Asserts that nothing was committed.
pub fn err(stub: &MockStub, function: &str, args: &[&str]) -> String {
    let before = stub.get_state_by_range("", "").unwrap();
    let response = call(stub, function, args);
    assert_eq!(response.status, 500, "{function} {args:?} succeeded");
    assert!(response.payload.is_empty());
    assert_eq!(stub.get_state_by_range("", "").unwrap(), before);
    response.message
}

/// The text `init_marble` stores, spelled out independently of the code.
pub fn init_marble_text(id: &str, color: &str, size: &str, owner: (&str, &str, &str)) -> String {
    let (owner_id, username, company) = owner;
    "{\n\t\t\"docType\":\"marble\", \n\t\t\"id\": \"".to_string()
        + id
        + "\", \n\t\t\"color\": \""
        + color
        + "\", \n\t\t\"size\": "
        + size
        + ", \n\t\t\"owner\": {\n\t\t\t\"id\": \""
        + owner_id
        + "\", \n\t\t\t\"username\": \""
        + username
        + "\", \n\t\t\t\"company\": \""
        + company
        + "\"\n\t\t}\n\t}"
}

/// The answer of a `validateTransfer` that allows everything.
pub const ALLOWED: &str = r#"{"allowed":true}"#;

/// A ledger with owners `o1` (amy, United Marbles) and `o2` (bob, Marble
/// Inc) and marble `m1` (blue, 35, owned by `o1`), on a network whose
/// `validateTransfer` allows every transfer (as fclocal's demo does with no
/// rule set), so the classic tests see the classic behaviour.
pub fn seeded() -> MockStub {
    let stub = MockStub::new();
    stub.on_invoke_function(|_, _, _| Ok(ALLOWED.as_bytes().to_vec()));
    ok(&stub, "init_owner", &["o1", "amy", UNITED]);
    ok(&stub, "init_owner", &["o2", "bob", INC]);
    ok(&stub, "init_marble", &["m1", "blue", "35", "o1", UNITED]);
    stub
}

/// A 33-byte argument: one byte over the limit.
pub fn too_long() -> String {
    "x".repeat(33)
}
