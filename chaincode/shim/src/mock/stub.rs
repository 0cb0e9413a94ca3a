//! `ChaincodeStub` for [`MockStub`]: reads from the committed ledger, writes
//! into the transaction's write set, with the shim's checks and any injected
//! faults.

use super::{Fault, FunctionCall, MockStub};
use crate::types::{KeyModification, KeyValue, Timestamp};
use crate::{ChaincodeStub, composite, keys};

impl ChaincodeStub for MockStub {
    fn get_string_args(&self) -> Vec<String> {
        self.inner.borrow().tx.args.clone()
    }

    fn get_state(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        let inner = self.inner.borrow();
        inner.faults.check(&Fault::GetState(key.to_string()))?;
        Ok(inner.ledger.get(key))
    }

    fn put_state(&self, key: &str, value: &[u8]) -> Result<(), String> {
        keys::check_put_key(key)?;
        self.write(key, Some(value.to_vec()), Fault::PutState(key.to_string()))
    }

    fn del_state(&self, key: &str) -> Result<(), String> {
        self.write(key, None, Fault::DelState(key.to_string()))
    }

    fn get_state_by_range(&self, start_key: &str, end_key: &str) -> Result<Vec<KeyValue>, String> {
        let (start, end) = keys::range_bounds(start_key, end_key)?;
        let inner = self.inner.borrow();
        inner.faults.check(&Fault::Range)?;
        Ok(inner.ledger.range(&start, &end))
    }

    fn get_state_by_partial_composite_key(
        &self,
        object_type: &str,
        attributes: &[&str],
    ) -> Result<Vec<KeyValue>, String> {
        let (start, end) = composite::partial_key_range(object_type, attributes)?;
        let inner = self.inner.borrow();
        inner.faults.check(&Fault::Range)?;
        Ok(inner.ledger.range(&start, &end))
    }

    fn get_history_for_key(&self, key: &str) -> Result<Vec<KeyModification>, String> {
        let inner = self.inner.borrow();
        inner.faults.check(&Fault::History(key.to_string()))?;
        Ok(inner.ledger.history(key))
    }

    fn get_tx_id(&self) -> String {
        self.inner.borrow().tx.id.clone()
    }

    fn get_channel_id(&self) -> String {
        self.inner.borrow().channel_id.clone()
    }

    fn get_creator(&self) -> Vec<u8> {
        self.inner.borrow().creator.clone()
    }

    fn get_tx_timestamp(&self) -> Timestamp {
        self.inner.borrow().tx.timestamp
    }

    fn set_event(&self, name: &str, payload: &[u8]) -> Result<(), String> {
        keys::check_event_name(name)?;
        self.inner.borrow_mut().tx.event = Some((name.to_string(), payload.to_vec()));
        Ok(())
    }

    fn invoke_function(
        &self,
        service: &str,
        function: &str,
        payload: &[u8],
    ) -> Result<Vec<u8>, String> {
        self.function_calls.borrow_mut().push(FunctionCall {
            tx_id: self.get_tx_id(),
            service: service.to_string(),
            function: function.to_string(),
            payload: payload.to_vec(),
        });
        match &*self.function_handler.borrow() {
            Some(handler) => handler(service, function, payload),
            None => Err(format!(
                "MockStub: no handler for function {service}/{function} (see on_invoke_function)"
            )),
        }
    }
}
