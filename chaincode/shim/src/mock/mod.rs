//! [`MockStub`]: an in-memory ledger behind [`ChaincodeStub`] for native
//! chaincode unit tests (feature `mock`).
//!
//! Unlike Fabric's Go `shimtest.MockStub`, which writes straight into its
//! map, this mock keeps Fabric's *peer* semantics, the ones chaincode meets
//! in fclocal: a transaction's writes are buffered until
//! [`commit_tx`](MockStub::commit_tx), so reads and range scans never see
//! them; every committed write lands in the key's history; transaction ids
//! and timestamps are deterministic and can be set.

mod fault;
mod ledger;
mod stub;

use std::cell::RefCell;
use std::collections::BTreeMap;

pub use fault::Fault;
use fault::Faults;
use ledger::Ledger;

use crate::types::Timestamp;
use crate::{Chaincode, Response};

/// The first transaction's timestamp (2017-07-14T02:40:00Z, Marbles' era);
/// each later transaction is one second younger.
const FIRST_TX_SECONDS: i64 = 1_500_000_000;

/// A chaincode event as the peer delivers it after commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChaincodeEvent {
    /// The transaction that set it.
    pub tx_id: String,
    /// The event name.
    pub name: String,
    /// The event payload.
    pub payload: Vec<u8>,
}

/// A call chaincode made through `invoke_function`, as [`MockStub`] saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionCall {
    /// The transaction that made the call (`tx1`, `tx2`, …).
    pub tx_id: String,
    /// FC service name.
    pub service: String,
    /// FC function name.
    pub function: String,
    /// The payload sent.
    pub payload: Vec<u8>,
}

impl FunctionCall {
    /// [`payload`](Self::payload) as text (lossy), for assertions.
    pub fn payload_str(&self) -> String {
        String::from_utf8_lossy(&self.payload).into_owned()
    }
}

/// Answers `invoke_function` calls in tests: `(service, function, payload)`.
type FunctionHandler = dyn Fn(&str, &str, &[u8]) -> Result<Vec<u8>, String>;

/// An in-memory peer for one chaincode: committed state, history, and the
/// transaction being simulated.
///
/// ```
/// use fclocal_chaincode_shim::{ChaincodeStub, MockStub};
///
/// let stub = MockStub::new();
/// stub.put_state("a", b"1").unwrap();
/// assert_eq!(stub.get_state("a").unwrap(), None); // no read-your-writes
/// stub.commit_tx();
/// assert_eq!(stub.get_state("a").unwrap(), Some(b"1".to_vec()));
/// assert_eq!(stub.get_history_for_key("a").unwrap()[0].tx_id, "tx1");
/// ```
pub struct MockStub {
    inner: RefCell<Inner>,
    function_handler: RefCell<Option<Box<FunctionHandler>>>,
    function_calls: RefCell<Vec<FunctionCall>>,
}

struct Inner {
    ledger: Ledger,
    faults: Faults,
    events: Vec<ChaincodeEvent>,
    channel_id: String,
    creator: Vec<u8>,
    /// Transactions started so far; names the current one `tx<n>`.
    tx_count: u64,
    tx: Tx,
}

/// The transaction being simulated.
#[derive(Default)]
struct Tx {
    id: String,
    timestamp: Timestamp,
    args: Vec<String>,
    /// The write set: last write per key wins; `None` is a delete.
    writes: BTreeMap<String, Option<Vec<u8>>>,
    event: Option<(String, Vec<u8>)>,
}

impl Default for MockStub {
    fn default() -> Self {
        Self::new()
    }
}

impl MockStub {
    /// An empty ledger on channel `mychannel`, simulating transaction `tx1`.
    pub fn new() -> Self {
        let mut inner = Inner {
            ledger: Ledger::default(),
            faults: Faults::default(),
            events: Vec::new(),
            channel_id: "mychannel".to_string(),
            creator: Vec::new(),
            tx_count: 0,
            tx: Tx::default(),
        };
        inner.start_tx();
        MockStub {
            inner: RefCell::new(inner),
            function_handler: RefCell::new(None),
            function_calls: RefCell::new(Vec::new()),
        }
    }

    /// Sets the channel id every transaction reports.
    pub fn set_channel_id(&self, channel_id: impl Into<String>) {
        self.inner.borrow_mut().channel_id = channel_id.into();
    }

    /// Sets the creator every transaction reports.
    pub fn set_creator(&self, creator: impl Into<Vec<u8>>) {
        self.inner.borrow_mut().creator = creator.into();
    }

    /// Renames the current transaction.
    pub fn set_tx_id(&self, tx_id: impl Into<String>) {
        self.inner.borrow_mut().tx.id = tx_id.into();
    }

    /// Sets the current transaction's timestamp.
    pub fn set_tx_timestamp(&self, timestamp: Timestamp) {
        self.inner.borrow_mut().tx.timestamp = timestamp;
    }

    /// Sets the current transaction's function and parameters (what
    /// [`get_string_args`](ChaincodeStub::get_string_args) returns).
    pub fn set_args(&self, function: &str, params: &[&str]) {
        let args = std::iter::once(function).chain(params.iter().copied());
        self.inner.borrow_mut().tx.args = args.map(str::to_string).collect();
    }

    /// Makes `fault` fail with `message` until [`clear_faults`](Self::clear_faults).
    pub fn inject_fault(&self, fault: Fault, message: impl Into<String>) {
        self.inner.borrow_mut().faults.add(fault, message.into());
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        self.inner.borrow_mut().faults.clear();
    }

    /// Answers `invoke_function` with `handler`; without one, calls fail.
    /// Every call is recorded either way (see [`function_calls`](Self::function_calls)).
    pub fn on_invoke_function(
        &self,
        handler: impl Fn(&str, &str, &[u8]) -> Result<Vec<u8>, String> + 'static,
    ) {
        *self.function_handler.borrow_mut() = Some(Box::new(handler));
    }

    /// Commits the current transaction's writes (recording history) and its
    /// event, then starts the next transaction. Returns the event, if any.
    pub fn commit_tx(&self) -> Option<ChaincodeEvent> {
        let mut inner = self.inner.borrow_mut();
        let tx = std::mem::take(&mut inner.tx);
        inner.ledger.commit(&tx.id, tx.timestamp, tx.writes);
        let event = tx.event.map(|(name, payload)| ChaincodeEvent {
            tx_id: tx.id,
            name,
            payload,
        });
        inner.events.extend(event.clone());
        inner.start_tx();
        event
    }

    /// Drops the current transaction's writes and event (an unendorsed
    /// proposal) and starts the next transaction.
    pub fn rollback_tx(&self) {
        self.inner.borrow_mut().start_tx();
    }

    /// Runs `init` as one transaction, like Fabric's `MockInit`: commits when
    /// the response is OK, rolls back otherwise.
    pub fn mock_init<C: Chaincode + ?Sized>(&self, chaincode: &C, args: &[&str]) -> Response {
        self.set_args("init", args);
        let params = owned(args);
        let response = chaincode.init(self, &params);
        self.finish(&response);
        response
    }

    /// Runs `invoke` as one transaction, like Fabric's `MockInvoke`: commits
    /// when the response is OK, rolls back otherwise.
    pub fn mock_invoke<C: Chaincode + ?Sized>(
        &self,
        chaincode: &C,
        function: &str,
        args: &[&str],
    ) -> Response {
        self.set_args(function, args);
        let params = owned(args);
        let response = chaincode.invoke(self, function, &params);
        self.finish(&response);
        response
    }

    /// The committed value of `key` (for assertions; bypasses faults).
    pub fn committed(&self, key: &str) -> Option<Vec<u8>> {
        self.inner.borrow().ledger.get(key)
    }

    /// [`committed`](Self::committed) as text.
    pub fn committed_str(&self, key: &str) -> Option<String> {
        self.committed(key)
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    /// The current transaction's write set in key order (`None` = delete).
    pub fn pending_writes(&self) -> Vec<(String, Option<Vec<u8>>)> {
        let inner = self.inner.borrow();
        inner
            .tx
            .writes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Every `invoke_function` call so far, oldest first, committed or not.
    pub fn function_calls(&self) -> Vec<FunctionCall> {
        self.function_calls.borrow().clone()
    }

    /// Every event committed so far, oldest first.
    pub fn events(&self) -> Vec<ChaincodeEvent> {
        self.inner.borrow().events.clone()
    }

    fn finish(&self, response: &Response) {
        if response.is_ok() {
            self.commit_tx();
        } else {
            self.rollback_tx();
        }
    }

    /// Adds a write (`None` = delete) unless `fault` was injected.
    fn write(&self, key: &str, value: Option<Vec<u8>>, fault: Fault) -> Result<(), String> {
        let mut inner = self.inner.borrow_mut();
        inner.faults.check(&fault)?;
        inner.tx.writes.insert(key.to_string(), value);
        Ok(())
    }
}

impl Inner {
    /// Starts transaction `tx<n>` with the n-th deterministic timestamp.
    fn start_tx(&mut self) {
        self.tx_count += 1;
        self.tx = Tx {
            id: format!("tx{}", self.tx_count),
            timestamp: Timestamp {
                seconds: FIRST_TX_SECONDS + self.tx_count as i64 - 1,
                nanos: 0,
            },
            ..Tx::default()
        };
    }
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

#[cfg(test)]
mod tests;
