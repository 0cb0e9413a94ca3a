//! What chaincode sees: the [`Chaincode`] trait it implements and the [`ChaincodeStub`] it
//! calls, modelled on Fabric's shim (`shim/interfaces.go`).
//!
//! Chaincode runs behind a trait so the ledger core knows nothing of WebAssembly: native
//! test chaincode implements it directly, and the engine will implement it for components.

use std::collections::HashMap;
use std::sync::Arc;

use thiserror::Error;

use crate::model::{ChaincodeResponse, Timestamp};
use crate::simulate::TxSimulator;
use crate::state::{KeyModification, KeyValue};

/// A smart contract. Must be deterministic: every endorser runs it and their outputs must
/// be byte-identical for the transaction to be built.
pub trait Chaincode: Send + Sync {
    /// Runs the `init` function (called when a proposal's function is `init`).
    fn init(&self, stub: &mut dyn ChaincodeStub, args: &[String]) -> ChaincodeResponse {
        let _ = (stub, args);
        ChaincodeResponse::success(Vec::new())
    }

    /// Runs `function` with `args`.
    fn invoke(
        &self,
        stub: &mut dyn ChaincodeStub,
        function: &str,
        args: &[String],
    ) -> ChaincodeResponse;

    /// Runs the proposal's `init` or function with a stub this call owns, and hands the
    /// stub back. Simulation always comes through here. Chaincode whose runtime must own
    /// its host state for the call (a wasmtime store is `'static`) overrides it and
    /// moves the stub in, so its stub calls are answered on this thread; the default
    /// lends the stub to [`Chaincode::init`] or [`Chaincode::invoke`].
    fn run_owned(&self, mut stub: TxSimulator) -> (TxSimulator, ChaincodeResponse) {
        let proposal = stub.proposal().clone();
        let response = if proposal.function == "init" {
            self.init(&mut stub, &proposal.args)
        } else {
            self.invoke(&mut stub, &proposal.function, &proposal.args)
        };
        (stub, response)
    }
}

/// The ledger as a running chaincode sees it. Reads come from a snapshot of committed
/// state and never see the transaction's own writes; writes are recorded, not applied.
pub trait ChaincodeStub {
    /// The committed value of `key`, `None` if absent. Recorded in the read set.
    fn get_state(&mut self, key: &str) -> Result<Option<Vec<u8>>, StubError>;

    /// Records a write of `key` (last write wins).
    fn put_state(&mut self, key: &str, value: &[u8]) -> Result<(), StubError>;

    /// Records a delete of `key`.
    fn del_state(&mut self, key: &str) -> Result<(), StubError>;

    /// Committed keys in `[start, end)`, in key order. An empty `start` begins after the
    /// composite-key space (Fabric uses `\u{1}`), an empty `end` is unbounded. Recorded as
    /// a range query so inserts into the range are caught as phantoms.
    fn get_state_by_range(&mut self, start: &str, end: &str) -> Result<Vec<KeyValue>, StubError>;

    /// Committed composite keys of `object_type` starting with `attributes`.
    fn get_state_by_partial_composite_key(
        &mut self,
        object_type: &str,
        attributes: &[&str],
    ) -> Result<Vec<KeyValue>, StubError>;

    /// Every committed change of `key`, newest first. Not re-checked at validation.
    fn get_history_for_key(&mut self, key: &str) -> Result<Vec<KeyModification>, StubError>;

    /// The transaction id.
    fn tx_id(&self) -> &str;

    /// The channel name.
    fn channel_id(&self) -> &str;

    /// The submitting client's serialized identity.
    fn creator(&self) -> &[u8];

    /// The client's timestamp from the proposal.
    fn tx_timestamp(&self) -> Timestamp;

    /// Sets the transaction's chaincode event; a later call replaces an earlier one (one
    /// event per transaction, as in Fabric).
    fn set_event(&mut self, name: &str, payload: &[u8]) -> Result<(), StubError>;

    /// Calls a Function Compute function; the call and its answer are recorded in the
    /// response payload.
    fn invoke_function(
        &mut self,
        service: &str,
        function: &str,
        payload: &[u8],
    ) -> Result<Vec<u8>, String>;
}

/// Errors a stub call returns to chaincode.
#[derive(Debug, Error)]
pub enum StubError {
    /// State keys must be non-empty.
    #[error("key must not be an empty string")]
    EmptyKey,
    /// A range bound was a composite key.
    #[error(
        "range key `{key}` starts with U+0000, which is reserved for composite keys; use get_state_by_partial_composite_key for those"
    )]
    CompositeRangeKey {
        /// The offending bound.
        key: String,
    },
    /// A composite key part contains a reserved character.
    #[error(
        "composite key part `{part}` contains U+0000 or U+10FFFF, which delimit composite keys; remove them from object types and attributes"
    )]
    BadCompositePart {
        /// The offending part.
        part: String,
    },
    /// `set_event` with an empty name.
    #[error("event name can not be empty")]
    EmptyEventName,
    /// Reading committed state failed.
    #[error("reading the ledger failed: {0}")]
    State(String),
}

/// Lets chaincode call Function Compute functions during simulation.
pub trait FunctionInvoker: Send + Sync {
    /// Invokes `service/function` with `payload`; the error is a message for chaincode.
    fn invoke(&self, service: &str, function: &str, payload: &[u8]) -> Result<Vec<u8>, String>;
}

/// The default invoker: every call fails, saying how to configure one.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoFunctionInvoker;

impl FunctionInvoker for NoFunctionInvoker {
    fn invoke(&self, service: &str, function: &str, _payload: &[u8]) -> Result<Vec<u8>, String> {
        Err(format!(
            "no function invoker configured: cannot call {service}/{function}; start the ledger with a FunctionInvoker to let chaincode call functions"
        ))
    }
}

/// The chaincodes installed on the channel, by name.
#[derive(Clone, Default)]
pub struct ChaincodeRegistry {
    chaincodes: HashMap<String, Arc<dyn Chaincode>>,
}

impl std::fmt::Debug for ChaincodeRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.chaincodes.keys().collect();
        names.sort();
        f.debug_struct("ChaincodeRegistry")
            .field("chaincodes", &names)
            .finish()
    }
}

impl ChaincodeRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) chaincode `name`.
    pub fn register(
        &mut self,
        name: impl Into<String>,
        chaincode: Arc<dyn Chaincode>,
    ) -> &mut Self {
        self.chaincodes.insert(name.into(), chaincode);
        self
    }

    /// The chaincode called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Chaincode>> {
        self.chaincodes.get(name)
    }

    /// Installed names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.chaincodes.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

/// Delimiter of composite key parts.
pub const COMPOSITE_DELIMITER: char = '\u{0}';
/// The largest code point: a partial composite key's range ends at `prefix + U+10FFFF`.
pub const MAX_UNICODE_RUNE: char = '\u{10FFFF}';

/// `\u{0}` object type `\u{0}` attr `\u{0}` …, as Fabric's `CreateCompositeKey`.
pub fn create_composite_key(object_type: &str, attributes: &[&str]) -> Result<String, StubError> {
    let mut key = String::with_capacity(
        2 + object_type.len() + attributes.iter().map(|a| a.len() + 1).sum::<usize>(),
    );
    key.push(COMPOSITE_DELIMITER);
    for part in std::iter::once(&object_type).chain(attributes) {
        if part.contains([COMPOSITE_DELIMITER, MAX_UNICODE_RUNE]) {
            return Err(StubError::BadCompositePart {
                part: (*part).to_string(),
            });
        }
        key.push_str(part);
        key.push(COMPOSITE_DELIMITER);
    }
    Ok(key)
}

/// Splits a composite key into its object type and attributes; `None` if it is not one.
pub fn split_composite_key(key: &str) -> Option<(String, Vec<String>)> {
    let rest = key.strip_prefix(COMPOSITE_DELIMITER)?;
    let rest = rest.strip_suffix(COMPOSITE_DELIMITER)?;
    let mut parts = rest.split(COMPOSITE_DELIMITER).map(str::to_string);
    let object_type = parts.next()?;
    Some((object_type, parts.collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_keys_round_trip_and_reject_delimiters() {
        let key = create_composite_key("color~name", &["blue", "m1"]).unwrap();
        assert_eq!(key, "\u{0}color~name\u{0}blue\u{0}m1\u{0}");
        assert_eq!(
            split_composite_key(&key).unwrap(),
            (
                "color~name".to_string(),
                vec!["blue".to_string(), "m1".to_string()]
            )
        );
        assert_eq!(split_composite_key("plain"), None);
        assert!(matches!(
            create_composite_key("t", &["a\u{0}b"]),
            Err(StubError::BadCompositePart { .. })
        ));
        assert!(create_composite_key("t\u{10FFFF}", &[]).is_err());
    }

    #[test]
    fn default_invoker_says_how_to_configure_one() {
        let err = NoFunctionInvoker.invoke("svc", "fn", b"").unwrap_err();
        assert!(err.starts_with("no function invoker configured"), "{err}");
    }
}
