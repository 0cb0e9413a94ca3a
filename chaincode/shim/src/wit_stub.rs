//! [`WitStub`]: [`ChaincodeStub`] over the component's `fclocal:chaincode/stub`
//! imports, i.e. over fclocal's ledger.

use crate::bindings::fclocal::chaincode::{stub as host, types as wit};
use crate::types::{KeyModification, KeyValue, Timestamp};
use crate::{ChaincodeStub, composite, keys};

/// The stub fclocal hands to a chaincode: every call goes to the host, which
/// records the read/write set of the transaction being simulated.
///
/// The shim checks keys and names first, so chaincode gets Fabric's error
/// texts from the shim exactly as under [`MockStub`](crate::MockStub).
#[derive(Debug)]
pub struct WitStub {
    /// The function name followed by its parameters.
    args: Vec<String>,
}

impl WitStub {
    /// A stub for one call of `function` with `params`.
    pub fn new(function: impl Into<String>, params: Vec<String>) -> Self {
        let mut args = Vec::with_capacity(params.len() + 1);
        args.push(function.into());
        args.extend(params);
        WitStub { args }
    }

    /// The parameters after the function name.
    pub fn parameters(&self) -> &[String] {
        &self.args[1..]
    }
}

impl ChaincodeStub for WitStub {
    fn get_string_args(&self) -> Vec<String> {
        self.args.clone()
    }

    fn get_state(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        host::get_state(key)
    }

    fn put_state(&self, key: &str, value: &[u8]) -> Result<(), String> {
        keys::check_put_key(key)?;
        host::put_state(key, value)
    }

    fn del_state(&self, key: &str) -> Result<(), String> {
        host::del_state(key)
    }

    fn get_state_by_range(&self, start_key: &str, end_key: &str) -> Result<Vec<KeyValue>, String> {
        let (start, end) = keys::range_bounds(start_key, end_key)?;
        Ok(host::get_state_by_range(&start, &end)?
            .into_iter()
            .map(key_value)
            .collect())
    }

    fn get_state_by_partial_composite_key(
        &self,
        object_type: &str,
        attributes: &[&str],
    ) -> Result<Vec<KeyValue>, String> {
        composite::create_composite_key(object_type, attributes)?;
        let attributes: Vec<String> = attributes.iter().map(|a| a.to_string()).collect();
        Ok(
            host::get_state_by_partial_composite_key(object_type, &attributes)?
                .into_iter()
                .map(key_value)
                .collect(),
        )
    }

    fn get_history_for_key(&self, key: &str) -> Result<Vec<KeyModification>, String> {
        Ok(host::get_history_for_key(key)?
            .into_iter()
            .map(|m| KeyModification {
                tx_id: m.tx_id,
                value: m.value,
                timestamp: Timestamp {
                    seconds: m.timestamp_seconds,
                    nanos: m.timestamp_nanos,
                },
                is_delete: m.is_delete,
            })
            .collect())
    }

    fn get_tx_id(&self) -> String {
        host::tx_id()
    }

    fn get_channel_id(&self) -> String {
        host::channel_id()
    }

    fn get_creator(&self) -> Vec<u8> {
        host::creator()
    }

    fn get_tx_timestamp(&self) -> Timestamp {
        let t = host::tx_timestamp();
        Timestamp {
            seconds: t.seconds,
            nanos: t.nanos,
        }
    }

    fn set_event(&self, name: &str, payload: &[u8]) -> Result<(), String> {
        keys::check_event_name(name)?;
        host::set_event(name, payload)
    }

    fn invoke_function(
        &self,
        service: &str,
        function: &str,
        payload: &[u8],
    ) -> Result<Vec<u8>, String> {
        host::invoke_function(service, function, payload)
    }
}

fn key_value(kv: wit::Kv) -> KeyValue {
    KeyValue {
        key: kv.key,
        value: kv.value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Host calls only exist inside a component; natively only the argument
    // helpers and the shim-side checks (which fail before any host call)
    // can run.

    #[test]
    fn arguments_follow_fabric() {
        let stub = WitStub::new("transfer", vec!["m1".into(), "o2".into()]);
        assert_eq!(stub.parameters(), ["m1", "o2"]);
        assert_eq!(stub.get_string_args(), ["transfer", "m1", "o2"]);
        assert_eq!(
            stub.get_function_and_parameters(),
            (
                "transfer".to_string(),
                vec!["m1".to_string(), "o2".to_string()]
            )
        );
        assert_eq!(stub.get_args()[0], b"transfer");
    }

    #[test]
    fn shim_checks_run_before_host_calls() {
        let stub = WitStub::new("f", vec![]);
        assert_eq!(
            stub.put_state("", b"v").unwrap_err(),
            "key must not be an empty string"
        );
        assert!(stub.get_state_by_range("\u{0}a", "").is_err());
        assert!(
            stub.get_state_by_partial_composite_key("t\u{0}", &[])
                .is_err()
        );
        assert!(stub.set_event("", b"").is_err());
    }
}
