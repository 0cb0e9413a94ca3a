//! The store's state during one chaincode call: WASI (deterministic, no
//! filesystem, no network), the memory limit, and the transaction's host.

use wasmtime::StoreLimits;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bindings::{StubHost, wit};
use super::host::ChaincodeHost;

/// Everything a chaincode's imports act upon.
pub(crate) struct ChaincodeState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: StoreLimits,
    pub(crate) host: Box<dyn ChaincodeHost>,
}

impl WasiView for ChaincodeState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl wit::Host for ChaincodeState {}

fn entries(found: Vec<super::StateEntry>) -> Vec<wit::Kv> {
    found
        .into_iter()
        .map(|entry| wit::Kv {
            key: entry.key,
            value: entry.value,
        })
        .collect()
}

impl StubHost for ChaincodeState {
    fn get_state(&mut self, key: String) -> Result<Option<Vec<u8>>, String> {
        self.host.get_state(&key)
    }

    fn put_state(&mut self, key: String, value: Vec<u8>) -> Result<(), String> {
        self.host.put_state(&key, value)
    }

    fn del_state(&mut self, key: String) -> Result<(), String> {
        self.host.del_state(&key)
    }

    fn get_state_by_range(&mut self, start: String, end: String) -> Result<Vec<wit::Kv>, String> {
        self.host.get_state_by_range(&start, &end).map(entries)
    }

    fn get_state_by_partial_composite_key(
        &mut self,
        object_type: String,
        attributes: Vec<String>,
    ) -> Result<Vec<wit::Kv>, String> {
        self.host
            .get_state_by_partial_composite_key(&object_type, &attributes)
            .map(entries)
    }

    fn get_history_for_key(&mut self, key: String) -> Result<Vec<wit::KeyModification>, String> {
        self.host.get_history_for_key(&key).map(|history| {
            history
                .into_iter()
                .map(|m| wit::KeyModification {
                    tx_id: m.tx_id,
                    value: m.value,
                    timestamp_seconds: m.timestamp_seconds,
                    timestamp_nanos: m.timestamp_nanos,
                    is_delete: m.is_delete,
                })
                .collect()
        })
    }

    fn tx_id(&mut self) -> String {
        self.host.tx_id()
    }

    fn channel_id(&mut self) -> String {
        self.host.channel_id()
    }

    fn creator(&mut self) -> Vec<u8> {
        self.host.creator()
    }

    fn tx_timestamp(&mut self) -> wit::Timestamp {
        let (seconds, nanos) = self.host.tx_timestamp();
        wit::Timestamp { seconds, nanos }
    }

    fn set_event(&mut self, name: String, payload: Vec<u8>) -> Result<(), String> {
        self.host.set_event(&name, payload)
    }

    fn invoke_function(
        &mut self,
        service: String,
        function: String,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, String> {
        self.host.invoke_function(&service, &function, payload)
    }
}
