//! `rewards`: the walkthrough's "additional business on commit". Subscribed
//! through an `MNSTopic` trigger to the ledger's block topic (`marbles-blocks`),
//! it grants the new owner of every VALID Marbles `set_owner` transaction
//! points, and prints one JSON line per grant,
//! `{"kind":"reward","owner","points","marble","txId","block"}`, so each owner's
//! total is one logstore query away (see the README).
//!
//! The rule lives here rather than in chaincode because it changes often and
//! does not need consensus. Points per transfer come from the
//! `POINTS_PER_TRANSFER` environment variable (default 10).
//!
//! Event: FC's MNS event with `NotifyContentFormat: JSON` (the block summary in
//! `Message`), or the block summary itself with `STREAM`. Result:
//! `{"block", "grants"}`.

use fclocal_sdk::{Context, EventFunction, FunctionError};

mod grants;

use grants::{BlockMessage, Grant};

/// Points per transfer when `POINTS_PER_TRANSFER` is not set.
const DEFAULT_POINTS: u64 = 10;

/// `POINTS_PER_TRANSFER`, checked: a bad value is the template's fault, so
/// every invocation fails naming the variable until it is fixed.
fn points_per_transfer() -> Result<u64, FunctionError> {
    match std::env::var("POINTS_PER_TRANSFER") {
        Err(_) => Ok(DEFAULT_POINTS),
        Ok(value) => grants::parse_points(&value)
            .map_err(|message| FunctionError::new(message).with_type("InvalidConfiguration")),
    }
}

/// The exported function.
pub struct Rewards;

impl EventFunction for Rewards {
    fn handle(event: Vec<u8>, _ctx: Context) -> Result<Vec<u8>, FunctionError> {
        let points = points_per_transfer()?;
        let block = BlockMessage::from_event(&event)
            .map_err(|message| FunctionError::new(message).with_type("InvalidEvent"))?;
        let grants: Vec<Grant> = block.grants(points);
        for grant in &grants {
            println!("{}", serde_json::to_string(grant)?);
        }
        fclocal_sdk::event::to_json(&serde_json::json!({
            "block": block.block_number,
            "grants": grants.len(),
        }))
    }
}

fclocal_sdk::export_event_function!(Rewards);
