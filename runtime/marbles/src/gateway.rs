//! The Marbles server's calls into the ledger, in process.
//!
//! Why in process rather than HTTP to `/ledger/v1`: the server lives in the
//! same binary as the ledger, so the gateway's own code path
//! ([`Ledger::evaluate_as`], [`Ledger::endorse_as`], [`Ledger::order`]) is one
//! function call away, with no JSON round trip, and it lets an invoke report
//! each step truthfully: `ordering` once both organizations endorsed,
//! `committing` once the orderer accepted the envelope, `finished` once the
//! block holding it committed VALID.

use std::sync::Arc;

use fclocal_ledger::endorse::EndorseError;
use fclocal_ledger::{CommitStatus, Ledger, LedgerError};
use serde_json::{Value, json};

/// The companies of the demo and the organization each one's client belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    /// As written in owners (`United Marbles`).
    pub name: String,
    /// The MSP id its transactions are submitted as.
    pub msp_id: String,
    /// The demo owners registered at startup.
    pub usernames: Vec<String>,
}

/// A step of an invoke, reported as a `tx_step` state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Both endorsements are in: the envelope goes to the orderer.
    Ordering,
    /// The orderer accepted it: waiting for its block.
    Committing,
}

impl Step {
    /// The classic state name.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Ordering => "ordering",
            Step::Committing => "committing",
        }
    }
}

/// A failed invoke: the classic failure state and the texts of `tx_error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeError {
    /// `endorsing_failed`, `ordering_failed` or `committing_failed`.
    pub state: &'static str,
    /// The chaincode's text (or `Commit code: <code>`).
    pub parsed: String,
    /// The whole error.
    pub raw: String,
    /// The transaction id, when one was assigned.
    pub tx_id: String,
}

/// Marbles' view of the ledger: one chaincode, per-company identities.
#[derive(Debug, Clone)]
pub struct Gateway {
    ledger: Arc<Ledger>,
    chaincode: String,
}

impl Gateway {
    /// A gateway to `chaincode` on `ledger`.
    pub fn new(ledger: Arc<Ledger>, chaincode: impl Into<String>) -> Gateway {
        Gateway {
            ledger,
            chaincode: chaincode.into(),
        }
    }

    /// The ledger (for heights and subscriptions).
    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    /// Runs a query as `msp_id`; a chaincode error becomes its text.
    pub async fn query(
        &self,
        msp_id: &str,
        function: &str,
        args: &[&str],
    ) -> Result<Vec<u8>, String> {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let response = self
            .ledger
            .evaluate_as(msp_id, &self.chaincode, function, &args)
            .await
            .map_err(|e| e.to_string())?;
        if response.is_success() {
            Ok(response.payload)
        } else {
            Err(response.message)
        }
    }

    /// `read_everything` as JSON.
    pub async fn read_everything(&self, msp_id: &str) -> Result<Value, String> {
        let payload = self.query(msp_id, "read_everything", &[""]).await?;
        serde_json::from_slice(&payload)
            .map_err(|e| format!("read_everything answered something that is not JSON: {e}"))
    }

    /// `getHistory [id]` on the first peer of every organization, as classic's
    /// `history` data: `{parsed, peers_agree, peer_payloads, error}`.
    pub async fn history(&self, marble_id: &str) -> Value {
        let mut payloads = Vec::new();
        let mut error = String::new();
        for org in &self.ledger.network().organizations {
            match self.query(&org.msp_id, "getHistory", &[marble_id]).await {
                Ok(payload) => payloads.push(String::from_utf8_lossy(&payload).into_owned()),
                Err(e) => {
                    error = e;
                    break;
                }
            }
        }
        let peers_agree = payloads.windows(2).all(|w| w[0] == w[1]);
        let parsed = payloads
            .first()
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
            .unwrap_or(Value::Null);
        json!({"parsed": parsed, "peers_agree": peers_agree, "peer_payloads": payloads, "error": error})
    }

    /// Submits `function args` as `msp_id`, calling `step` as it goes
    /// (endorse → order → commit).
    pub async fn invoke(
        &self,
        msp_id: &str,
        function: &str,
        args: &[String],
        mut step: impl FnMut(Step, &str),
    ) -> Result<CommitStatus, InvokeError> {
        let endorsed = self
            .ledger
            .endorse_as(msp_id, &self.chaincode, function, args)
            .await
            .map_err(|e| InvokeError {
                state: "endorsing_failed",
                parsed: chaincode_text(&e),
                raw: e.to_string(),
                tx_id: String::new(),
            })?;
        let tx_id = endorsed.tx_id.as_str().to_owned();
        step(Step::Ordering, &tx_id);
        let pending = self
            .ledger
            .order(endorsed.envelope)
            .map_err(|e| InvokeError {
                state: "ordering_failed",
                parsed: e.to_string(),
                raw: e.to_string(),
                tx_id: tx_id.clone(),
            })?;
        step(Step::Committing, &tx_id);
        let status = pending.committed().await.map_err(|e| InvokeError {
            state: "committing_failed",
            parsed: e.to_string(),
            raw: e.to_string(),
            tx_id: tx_id.clone(),
        })?;
        if status.code.is_valid() {
            Ok(status)
        } else {
            Err(InvokeError {
                state: "committing_failed",
                parsed: format!("Commit code: {}", status.code),
                raw: format!(
                    "transaction {tx_id} was committed in block {} as {}",
                    status.block_number, status.code
                ),
                tx_id,
            })
        }
    }
}

/// The chaincode's own words for an endorsement failure, else the whole error.
fn chaincode_text(error: &LedgerError) -> String {
    match error {
        LedgerError::Endorse(EndorseError::ChaincodeFailed { message, .. }) => message.clone(),
        other => other.to_string(),
    }
}
