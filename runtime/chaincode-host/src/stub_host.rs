//! The engine's [`ChaincodeHost`] over the ledger's own simulator: the
//! simulation's stub moves into the wasmtime store for the call, so every stub
//! call is a plain function call on the thread that runs the chaincode.

use fclocal_engine::chaincode::{ChaincodeHost, KeyModification, StateEntry};
use fclocal_ledger::chaincode::{ChaincodeStub, StubError};
use fclocal_ledger::simulate::TxSimulator;
use fclocal_ledger::state::{self, KeyValue};

/// The simulator, owned by the store for one call; [`StubHost::into_inner`]
/// hands it back with the read/write set recorded.
pub(crate) struct StubHost {
    stub: TxSimulator,
    /// The transaction's fixed facts, converted once.
    timestamp: (i64, u32),
}

impl StubHost {
    pub(crate) fn new(stub: TxSimulator) -> StubHost {
        let timestamp = split_nanos(stub.tx_timestamp().0);
        StubHost { stub, timestamp }
    }

    pub(crate) fn into_inner(self) -> TxSimulator {
        self.stub
    }
}

/// Nanoseconds since the epoch as (seconds, nanoseconds), Fabric's timestamp.
pub(crate) fn split_nanos(nanos: u64) -> (i64, u32) {
    (
        i64::try_from(nanos / 1_000_000_000).unwrap_or(i64::MAX),
        u32::try_from(nanos % 1_000_000_000).unwrap_or(0),
    )
}

fn text(error: StubError) -> String {
    error.to_string()
}

/// Range results as the engine's entries.
pub(crate) fn entries(found: Vec<KeyValue>) -> Vec<StateEntry> {
    found
        .into_iter()
        .map(|kv| StateEntry {
            key: kv.key,
            value: kv.value,
        })
        .collect()
}

/// A key's history as the engine's modifications.
pub(crate) fn history(found: Vec<state::KeyModification>) -> Vec<KeyModification> {
    found
        .into_iter()
        .map(|m| {
            let (timestamp_seconds, timestamp_nanos) = split_nanos(m.timestamp.0);
            KeyModification {
                tx_id: m.tx_id.as_str().to_owned(),
                value: m.value,
                timestamp_seconds,
                timestamp_nanos,
                is_delete: m.is_delete,
            }
        })
        .collect()
}

impl ChaincodeHost for StubHost {
    fn get_state(&mut self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.stub.get_state(key).map_err(text)
    }

    fn put_state(&mut self, key: &str, value: Vec<u8>) -> Result<(), String> {
        self.stub.put_state(key, &value).map_err(text)
    }

    fn del_state(&mut self, key: &str) -> Result<(), String> {
        self.stub.del_state(key).map_err(text)
    }

    fn get_state_by_range(&mut self, start: &str, end: &str) -> Result<Vec<StateEntry>, String> {
        self.stub
            .get_state_by_range(start, end)
            .map(entries)
            .map_err(text)
    }

    fn get_state_by_partial_composite_key(
        &mut self,
        object_type: &str,
        attributes: &[String],
    ) -> Result<Vec<StateEntry>, String> {
        let attributes: Vec<&str> = attributes.iter().map(String::as_str).collect();
        self.stub
            .get_state_by_partial_composite_key(object_type, &attributes)
            .map(entries)
            .map_err(text)
    }

    fn get_history_for_key(&mut self, key: &str) -> Result<Vec<KeyModification>, String> {
        self.stub
            .get_history_for_key(key)
            .map(history)
            .map_err(text)
    }

    fn tx_id(&self) -> String {
        self.stub.tx_id().to_owned()
    }

    fn channel_id(&self) -> String {
        self.stub.channel_id().to_owned()
    }

    fn creator(&self) -> Vec<u8> {
        self.stub.creator().to_owned()
    }

    fn tx_timestamp(&self) -> (i64, u32) {
        self.timestamp
    }

    fn set_event(&mut self, name: &str, payload: Vec<u8>) -> Result<(), String> {
        self.stub.set_event(name, &payload).map_err(text)
    }

    fn invoke_function(
        &mut self,
        service: &str,
        function: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, String> {
        self.stub.invoke_function(service, function, &payload)
    }
}
