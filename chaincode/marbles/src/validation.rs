//! Scenario 3 of the walkthrough, not in the classic Go chaincode:
//! `set_owner` asks the Function Compute function `marblesFC/validateTransfer`
//! whether a transfer is allowed, during simulation, through the stub's
//! `invoke_function`. The transfer rule changes often, so it lives in the
//! function's environment, not here.
//!
//! - The call happens only after every classic check has passed, so every
//!   classic error (and its order) is unchanged.
//! - A denial fails the transaction with `Transfer denied by
//!   validateTransfer: <the function's reason>`; a call that fails (no such
//!   function, a crash, an answer that is not `{"allowed":…}`) fails it with
//!   `Transfer validation failed: <error>`. Nothing is ever allowed silently.
//! - Validation is on unless the state key [`VALIDATION_KEY`] holds `off`
//!   (set with `set_validation [on|off]`): fclocal's demo always has the
//!   function; a network without it switches validation off on the ledger,
//!   where every peer sees the same switch and the change is audited.
//! - The function is told how many marbles the new owner holds. They are
//!   counted with `read_everything`'s range scan (`m0`..`m9999999999999999999`),
//!   which is recorded as a range query: a marble created, moved or deleted
//!   by another transaction of the same block makes this transfer a
//!   `PHANTOM_READ_CONFLICT`, so two concurrent transfers cannot both pass
//!   a limit that only one of them fits. The price: transfers in the same
//!   block as any other marble write fail and must be retried.
//! - Every endorser calls the function and the call and answer are recorded
//!   in the transaction, so endorsers that got different answers disagree
//!   and the transaction is not built.

use fclocal_chaincode_shim::ChaincodeStub;

use crate::gojson::{Value, parse, push_string, unmarshal_into};
use crate::model::{Marble, Owner};
use crate::reads::MARBLES_RANGE;

/// The function's service in template.yml.
pub const SERVICE: &str = "marblesFC";
/// The function's name in template.yml.
pub const FUNCTION: &str = "validateTransfer";
/// State key switching validation: absent or `on` = on, `off` = off.
pub const VALIDATION_KEY: &str = "marbles_validation";

/// `set_validation [on|off]`: writes [`VALIDATION_KEY`].
///
/// Like the classic `write`, it is not authorized: Marbles trusts its
/// callers (authorization is by a company argument anyway).
pub fn set_validation(stub: &dyn ChaincodeStub, args: &[String]) -> Result<Vec<u8>, String> {
    let [value] = args else {
        return Err("Incorrect number of arguments. Expecting 1: on or off".into());
    };
    if value != "on" && value != "off" {
        return Err(format!(
            "set_validation expects `on` or `off`, got `{value}`"
        ));
    }
    stub.put_state(VALIDATION_KEY, value.as_bytes())?;
    Ok(Vec::new())
}

/// Asks `validateTransfer` whether `marble` (stored under `marble_id`) may
/// go to `new_owner` (stored under `new_owner_id`); `Err` is the message
/// the transaction fails with.
pub fn validate_transfer(
    stub: &dyn ChaincodeStub,
    marble_id: &str,
    marble: &Marble,
    new_owner_id: &str,
    new_owner: &Owner,
) -> Result<(), String> {
    let failed = |error: String| format!("Transfer validation failed: {error}");
    if !enabled(stub).map_err(failed)? {
        return Ok(());
    }
    let count = marbles_held_by(stub, new_owner_id).map_err(|error| {
        failed(format!(
            "cannot count the marbles of {new_owner_id}: {error}"
        ))
    })?;
    let payload = request(stub, marble_id, marble, new_owner_id, new_owner, count);
    let answer = stub
        .invoke_function(SERVICE, FUNCTION, payload.as_bytes())
        .map_err(failed)?;
    match read_answer(&answer) {
        Some((true, _)) => Ok(()),
        Some((false, reason)) => Err(format!(
            "Transfer denied by {FUNCTION}: {}",
            reason.unwrap_or_else(|| "(the function gave no reason)".into())
        )),
        None => Err(failed(format!(
            "{SERVICE}/{FUNCTION} answered `{}`; expected {{\"allowed\":true}} or {{\"allowed\":false,\"reason\":\"…\"}}",
            String::from_utf8_lossy(&answer)
        ))),
    }
}

/// Whether validation is on; a value other than `on`/`off` is an error, not
/// a guess.
fn enabled(stub: &dyn ChaincodeStub) -> Result<bool, String> {
    let value = stub
        .get_state(VALIDATION_KEY)
        .map_err(|error| format!("cannot read {VALIDATION_KEY}: {error}"))?;
    match value.as_deref() {
        None | Some(b"on") => Ok(true),
        Some(b"off") => Ok(false),
        Some(other) => Err(format!(
            "state key {VALIDATION_KEY} holds `{}`, expected `on` or `off`; fix it with set_validation",
            String::from_utf8_lossy(other)
        )),
    }
}

/// Marbles whose owner id is `owner_id`, by `read_everything`'s range scan.
fn marbles_held_by(stub: &dyn ChaincodeStub, owner_id: &str) -> Result<u64, String> {
    let mut count = 0;
    for kv in stub.get_state_by_range(MARBLES_RANGE.0, MARBLES_RANGE.1)? {
        let mut marble = Marble::default();
        unmarshal_into(&mut marble, &kv.value);
        if marble.owner.id == owner_id {
            count += 1;
        }
    }
    Ok(count)
}

/// The request: `{"marble":{"id","color","size","owner":{…}},"newOwner":{…},
/// "newOwnerMarbleCount":N,"txId":"…"}` (`functions/validate-transfer`).
fn request(
    stub: &dyn ChaincodeStub,
    marble_id: &str,
    marble: &Marble,
    new_owner_id: &str,
    new_owner: &Owner,
    count: u64,
) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("{\"marble\":{\"id\":");
    push_string(&mut out, marble_id);
    out.push_str(",\"color\":");
    push_string(&mut out, &marble.color);
    out.push_str(",\"size\":");
    out.push_str(&marble.size.to_string());
    out.push_str(",\"owner\":");
    push_owner(
        &mut out,
        &marble.owner.id,
        &marble.owner.username,
        &marble.owner.company,
    );
    out.push_str("},\"newOwner\":");
    push_owner(
        &mut out,
        new_owner_id,
        &new_owner.username,
        &new_owner.company,
    );
    out.push_str(",\"newOwnerMarbleCount\":");
    out.push_str(&count.to_string());
    out.push_str(",\"txId\":");
    push_string(&mut out, &stub.get_tx_id());
    out.push('}');
    out
}

fn push_owner(out: &mut String, id: &str, username: &str, company: &str) {
    out.push_str("{\"id\":");
    push_string(out, id);
    out.push_str(",\"username\":");
    push_string(out, username);
    out.push_str(",\"company\":");
    push_string(out, company);
    out.push('}');
}

/// `(allowed, reason)` from the answer, or `None` when it is not a JSON
/// object with a boolean `allowed`.
fn read_answer(answer: &[u8]) -> Option<(bool, Option<String>)> {
    let Value::Object(members) = parse(answer)? else {
        return None;
    };
    let field = |name: &str| {
        members
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    };
    let Some(Value::Bool(allowed)) = field("allowed") else {
        return None;
    };
    let reason = match field("reason") {
        Some(Value::String(reason)) if !reason.is_empty() => Some(reason.clone()),
        _ => None,
    };
    Some((*allowed, reason))
}
