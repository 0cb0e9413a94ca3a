//! `validate-transfer` (`validateTransfer` in the template): scenario 3 of
//! the walkthrough, validation from chaincode. The Marbles chaincode's
//! `set_owner` calls it during simulation with the marble, the new owner and
//! how many marbles that owner already holds; it answers whether the
//! transfer is allowed under the rule its environment sets
//! (`MAX_MARBLES_PER_OWNER`, `BLOCKED_COLORS`; see [`rule`]).
//!
//! The rule lives here, not in chaincode, because the business changes it
//! often: editing `EnvironmentVariables` changes it without upgrading the
//! chaincode. Every endorser calls the function and the answer is recorded
//! in the transaction, so endorsers that got different answers disagree.
//!
//! Event: JSON `{"marble":{"id","color","size","owner":{"id","username","company"}},
//! "newOwner":{"id","username","company"},"newOwnerMarbleCount":N,"txId":"…"}`.
//! Result: `{"allowed":true}` or `{"allowed":false,"reason":"…"}`. Logs one
//! JSON line per decision (`"kind":"transfer-decision"`). A malformed event
//! or a malformed rule is a handled error, so the chaincode fails the
//! transfer instead of allowing it.

pub mod rule;

use fclocal_sdk::{Context, EventFunction, FunctionError};
use serde::Serialize;

use rule::{Decision, Rule, Transfer};

/// The decision line this function logs, for the logstore.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DecisionLog<'a> {
    kind: &'static str,
    tx_id: &'a str,
    marble: &'a str,
    color: &'a str,
    from: &'a str,
    to: &'a str,
    new_owner_marble_count: u64,
    allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

/// The exported function.
pub struct ValidateTransfer;

impl EventFunction for ValidateTransfer {
    fn handle(event: Vec<u8>, _ctx: Context) -> Result<Vec<u8>, FunctionError> {
        let transfer: Transfer = serde_json::from_slice(&event).map_err(|error| {
            FunctionError::new(format!(
                "invalid transfer JSON: {error}; expected {{\"marble\":{{\"id\",\"color\",\"size\",\"owner\":{{\"id\",\"username\",\"company\"}}}},\"newOwner\":{{\"id\",\"username\",\"company\"}},\"newOwnerMarbleCount\":N,\"txId\":\"…\"}}"
            ))
            .with_type("InvalidEvent")
        })?;
        let rule = Rule::from_env(|name| std::env::var(name).ok())
            .map_err(|message| FunctionError::new(message).with_type("InvalidConfiguration"))?;
        let decision = rule.decide(&transfer);
        log(&transfer, &decision)?;
        fclocal_sdk::event::to_json(&decision)
    }
}

fn log(transfer: &Transfer, decision: &Decision) -> Result<(), FunctionError> {
    let line = serde_json::to_string(&DecisionLog {
        kind: "transfer-decision",
        tx_id: &transfer.tx_id,
        marble: &transfer.marble.id,
        color: &transfer.marble.color,
        from: &transfer.marble.owner.id,
        to: &transfer.new_owner.id,
        new_owner_marble_count: transfer.new_owner_marble_count,
        allowed: decision.allowed,
        reason: decision.reason.as_deref(),
    })?;
    fclocal_sdk::info!("{line}");
    Ok(())
}

fclocal_sdk::export_event_function!(ValidateTransfer);
