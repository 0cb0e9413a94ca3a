//! [`ChaincodeStub`]: the chaincode's view of the ledger, Fabric's
//! `ChaincodeStubInterface`.

use crate::composite;
use crate::types::{KeyModification, KeyValue, Timestamp};

/// The ledger and the transaction being simulated, as a chaincode sees them.
///
/// It is a trait so that chaincode runs unchanged against fclocal
/// ([`WitStub`](crate::WitStub), over the component's imports) and against
/// the in-memory [`MockStub`](crate::MockStub) in native unit tests. Methods
/// take `&self`: a stub is shared by every helper of one call, and the
/// simulation it records lives on the host side (or in the mock's cells).
///
/// Semantics are Fabric's: reads see committed state only, never this
/// transaction's own writes; errors are plain messages, which chaincode
/// usually returns with [`Response::error`](crate::Response::error).
pub trait ChaincodeStub {
    /// Fabric's `GetStringArgs`: the function name followed by its
    /// parameters. During `init` the function name is `init`.
    fn get_string_args(&self) -> Vec<String>;

    /// The committed value of `key`; `None` when the key does not exist
    /// (Go's `(nil, nil)`).
    fn get_state(&self, key: &str) -> Result<Option<Vec<u8>>, String>;

    /// Writes `key` when the transaction commits. The key must not be empty;
    /// an empty value deletes the key, as on Fabric's peer.
    fn put_state(&self, key: &str, value: &[u8]) -> Result<(), String>;

    /// Deletes `key` when the transaction commits.
    fn del_state(&self, key: &str) -> Result<(), String>;

    /// Committed simple keys with `start_key <= key < end_key`, in byte
    /// order. An empty `start_key` means the first simple key, an empty
    /// `end_key` no upper bound; bounds must not start with U+0000.
    fn get_state_by_range(&self, start_key: &str, end_key: &str) -> Result<Vec<KeyValue>, String>;

    /// Committed composite keys of `object_type` whose leading attributes
    /// are `attributes`, in byte order.
    fn get_state_by_partial_composite_key(
        &self,
        object_type: &str,
        attributes: &[&str],
    ) -> Result<Vec<KeyValue>, String>;

    /// Every committed change of `key`, newest first (Fabric 2.0+).
    fn get_history_for_key(&self, key: &str) -> Result<Vec<KeyModification>, String>;

    /// The proposal's transaction id.
    fn get_tx_id(&self) -> String;

    /// The channel the proposal was sent on.
    fn get_channel_id(&self) -> String;

    /// The submitter's serialized identity.
    fn get_creator(&self) -> Vec<u8>;

    /// The client's timestamp for the transaction, the same on every peer:
    /// use it instead of a clock.
    fn get_tx_timestamp(&self) -> Timestamp;

    /// Sets the transaction's one chaincode event (a later call replaces
    /// it). The name must not be empty.
    fn set_event(&self, name: &str, payload: &[u8]) -> Result<(), String>;

    /// Calls the fclocal event function `service`/`function` with `payload`
    /// and returns its result; the call is recorded in the transaction.
    fn invoke_function(
        &self,
        service: &str,
        function: &str,
        payload: &[u8],
    ) -> Result<Vec<u8>, String>;

    /// Fabric's `GetArgs`: [`get_string_args`](Self::get_string_args) as bytes.
    fn get_args(&self) -> Vec<Vec<u8>> {
        self.get_string_args()
            .into_iter()
            .map(String::into_bytes)
            .collect()
    }

    /// Fabric's `GetFunctionAndParameters`: the first argument and the rest;
    /// an empty name and no parameters when there are no arguments.
    fn get_function_and_parameters(&self) -> (String, Vec<String>) {
        let mut args = self.get_string_args();
        if args.is_empty() {
            return (String::new(), Vec::new());
        }
        let function = args.remove(0);
        (function, args)
    }

    /// Fabric's `CreateCompositeKey` (see [`composite::create_composite_key`]).
    fn create_composite_key(
        &self,
        object_type: &str,
        attributes: &[&str],
    ) -> Result<String, String> {
        composite::create_composite_key(object_type, attributes)
    }

    /// Fabric's `SplitCompositeKey` (see [`composite::split_composite_key`]).
    fn split_composite_key(&self, composite_key: &str) -> Result<(String, Vec<String>), String> {
        composite::split_composite_key(composite_key)
    }
}
