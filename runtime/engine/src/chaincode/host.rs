//! What a chaincode's stub calls reach: the ledger's transaction simulator,
//! behind a trait so the engine knows nothing of read/write sets.

/// One key/value pair of a range or composite-key scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateEntry {
    /// The key (for composite keys, the full `\u{0}`-separated form).
    pub key: String,
    /// Its committed value.
    pub value: Vec<u8>,
}

/// One entry of a key's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyModification {
    /// The transaction that wrote it.
    pub tx_id: String,
    /// The value written (empty for a delete).
    pub value: Vec<u8>,
    /// The transaction's timestamp: seconds since the epoch.
    pub timestamp_seconds: i64,
    /// ...and nanoseconds.
    pub timestamp_nanos: u32,
    /// Whether the transaction deleted the key.
    pub is_delete: bool,
}

/// The transaction a chaincode call runs in: its stub calls, answered by the
/// ledger's simulator (which records the read/write set). Errors are
/// messages the chaincode sees, as Fabric's shim returns them.
///
/// `Any` lets [`crate::chaincode::PreparedChaincode::call`] hand the caller's
/// own host type back after the call.
pub trait ChaincodeHost: Send + std::any::Any {
    /// `GetState`: the committed value, `None` when absent (never the
    /// transaction's own writes).
    fn get_state(&mut self, key: &str) -> Result<Option<Vec<u8>>, String>;
    /// `PutState` (an empty value is a delete, as in Fabric).
    fn put_state(&mut self, key: &str, value: Vec<u8>) -> Result<(), String>;
    /// `DelState`.
    fn del_state(&mut self, key: &str) -> Result<(), String>;
    /// `GetStateByRange`: `[start, end)`, empty = unbounded.
    fn get_state_by_range(&mut self, start: &str, end: &str) -> Result<Vec<StateEntry>, String>;
    /// `GetStateByPartialCompositeKey`.
    fn get_state_by_partial_composite_key(
        &mut self,
        object_type: &str,
        attributes: &[String],
    ) -> Result<Vec<StateEntry>, String>;
    /// `GetHistoryForKey`, newest first.
    fn get_history_for_key(&mut self, key: &str) -> Result<Vec<KeyModification>, String>;
    /// `GetTxID`.
    fn tx_id(&self) -> String;
    /// `GetChannelID`.
    fn channel_id(&self) -> String;
    /// `GetCreator`: the submitter's identity bytes.
    fn creator(&self) -> Vec<u8>;
    /// `GetTxTimestamp`: the proposal's timestamp (seconds, nanoseconds).
    fn tx_timestamp(&self) -> (i64, u32);
    /// `SetEvent` (one per transaction; a later call replaces it).
    fn set_event(&mut self, name: &str, payload: Vec<u8>) -> Result<(), String>;
    /// Calls an fclocal event function and returns its result.
    fn invoke_function(
        &mut self,
        service: &str,
        function: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, String>;
}
