//! Transaction simulation: run chaincode against a snapshot of committed state and record
//! what it read (with versions), what it wants to write, the range queries it ran, its
//! event and its function calls.
//!
//! Reads never see the transaction's own writes (Fabric's rule), so the outcome depends
//! only on the snapshot and the proposal, which is what lets several endorsers agree.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use thiserror::Error;

use crate::chaincode::{
    Chaincode, ChaincodeStub, FunctionInvoker, MAX_UNICODE_RUNE, StubError, create_composite_key,
};
use crate::model::{
    ChaincodeEvent, ChaincodeResponse, FunctionCall, KvRead, KvWrite, Proposal,
    ProposalResponsePayload, RangeQueryInfo, RwSet, Timestamp, Version,
};
use crate::state::{KeyModification, KeyValue, SharedState, StateView};
use crate::store::StoreError;

/// A simulation that could not produce a result.
#[derive(Debug, Error)]
pub enum SimulationError {
    /// Committed state could not be read.
    #[error("simulating {tx_id} failed while reading the ledger: {source}")]
    State {
        /// The transaction.
        tx_id: String,
        /// The store error.
        source: StoreError,
    },
    /// The chaincode panicked.
    #[error(
        "chaincode `{chaincode}` panicked in `{function}`: {message}; chaincode must return an error response instead of panicking"
    )]
    Panicked {
        /// The chaincode.
        chaincode: String,
        /// The function.
        function: String,
        /// The panic message.
        message: String,
    },
}

/// Runs `proposal` on `chaincode` against `state`; the result is what endorsers sign.
///
/// The stub owns its inputs (a clone of the proposal, a shared handle to the state), so
/// chaincode may move it into a runtime that must own its host state for the call
/// ([`Chaincode::run_owned`]) instead of relaying each stub call to this thread.
pub fn simulate(
    proposal: &Proposal,
    chaincode: &dyn Chaincode,
    state: &dyn StateView,
    invoker: &Arc<dyn FunctionInvoker>,
) -> Result<ProposalResponsePayload, SimulationError> {
    let sim = TxSimulator {
        proposal: Arc::new(proposal.clone()),
        state: state.share(),
        invoker: invoker.clone(),
        reads: BTreeMap::new(),
        writes: BTreeMap::new(),
        range_queries: Vec::new(),
        event: None,
        function_calls: Vec::new(),
        state_error: None,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| chaincode.run_owned(sim)));
    let (mut sim, response) = outcome.map_err(|panic| SimulationError::Panicked {
        chaincode: proposal.chaincode.clone(),
        function: proposal.function.clone(),
        message: panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".into()),
    })?;
    if let Some(source) = sim.state_error.take() {
        return Err(SimulationError::State {
            tx_id: proposal.tx_id.to_string(),
            source,
        });
    }
    Ok(sim.finish(response))
}

/// The stub handed to chaincode during one simulation: records reads (with versions),
/// writes, range queries, the event and function calls. It owns what it reads through,
/// so it is `Send + 'static` and can live in a wasmtime store for the call.
pub struct TxSimulator {
    proposal: Arc<Proposal>,
    state: SharedState,
    invoker: Arc<dyn FunctionInvoker>,
    reads: BTreeMap<String, Option<Version>>,
    writes: BTreeMap<String, Option<Vec<u8>>>,
    range_queries: Vec<RangeQueryInfo>,
    event: Option<ChaincodeEvent>,
    function_calls: Vec<FunctionCall>,
    /// The first store error; chaincode may swallow the error we return, but the
    /// simulation must still fail.
    state_error: Option<StoreError>,
}

impl std::fmt::Debug for TxSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxSimulator")
            .field("tx_id", &self.proposal.tx_id)
            .finish_non_exhaustive()
    }
}

impl TxSimulator {
    /// The proposal being simulated (its function and arguments say what to run).
    pub fn proposal(&self) -> &Arc<Proposal> {
        &self.proposal
    }

    fn ns(&self) -> &str {
        &self.proposal.chaincode
    }

    fn remember(&mut self, e: StoreError) -> StubError {
        let msg = e.to_string();
        if self.state_error.is_none() {
            self.state_error = Some(e);
        }
        StubError::State(msg)
    }

    fn range(&mut self, start: &str, end: &str) -> Result<Vec<KeyValue>, StubError> {
        let rows = match self.state.range(&self.proposal.chaincode, start, end) {
            Ok(rows) => rows,
            Err(e) => return Err(self.remember(e)),
        };
        let mut reads = Vec::with_capacity(rows.len());
        let mut out = Vec::with_capacity(rows.len());
        for (key, vv) in rows {
            reads.push(KvRead {
                key: key.clone(),
                version: Some(vv.version),
            });
            out.push(KeyValue {
                key,
                value: vv.value,
            });
        }
        self.range_queries.push(RangeQueryInfo {
            start_key: start.to_string(),
            end_key: end.to_string(),
            itr_exhausted: true,
            reads,
        });
        Ok(out)
    }

    fn finish(self, response: ChaincodeResponse) -> ProposalResponsePayload {
        ProposalResponsePayload {
            proposal_hash: self.proposal.hash(),
            chaincode: self.proposal.chaincode.clone(),
            rwset: RwSet {
                reads: self
                    .reads
                    .into_iter()
                    .map(|(key, version)| KvRead { key, version })
                    .collect(),
                range_queries: self.range_queries,
                writes: self
                    .writes
                    .into_iter()
                    .map(|(key, value)| KvWrite {
                        key,
                        is_delete: value.is_none(),
                        value: value.unwrap_or_default(),
                    })
                    .collect(),
            },
            response,
            event: self.event,
            function_calls: self.function_calls,
        }
    }
}

fn check_key(key: &str) -> Result<(), StubError> {
    if key.is_empty() {
        Err(StubError::EmptyKey)
    } else {
        Ok(())
    }
}

impl ChaincodeStub for TxSimulator {
    fn get_state(&mut self, key: &str) -> Result<Option<Vec<u8>>, StubError> {
        check_key(key)?;
        let found = match self.state.get(self.ns(), key) {
            Ok(found) => found,
            Err(e) => return Err(self.remember(e)),
        };
        self.reads
            .entry(key.to_string())
            .or_insert(found.as_ref().map(|v| v.version));
        Ok(found.map(|v| v.value))
    }

    fn put_state(&mut self, key: &str, value: &[u8]) -> Result<(), StubError> {
        check_key(key)?;
        self.writes.insert(key.to_string(), Some(value.to_vec()));
        Ok(())
    }

    fn del_state(&mut self, key: &str) -> Result<(), StubError> {
        check_key(key)?;
        self.writes.insert(key.to_string(), None);
        Ok(())
    }

    fn get_state_by_range(&mut self, start: &str, end: &str) -> Result<Vec<KeyValue>, StubError> {
        for bound in [start, end] {
            if bound.starts_with('\u{0}') {
                return Err(StubError::CompositeRangeKey {
                    key: bound.to_string(),
                });
            }
        }
        let start = if start.is_empty() { "\u{1}" } else { start };
        self.range(start, end)
    }

    fn get_state_by_partial_composite_key(
        &mut self,
        object_type: &str,
        attributes: &[&str],
    ) -> Result<Vec<KeyValue>, StubError> {
        let start = create_composite_key(object_type, attributes)?;
        let mut end = start.clone();
        end.push(MAX_UNICODE_RUNE);
        self.range(&start, &end)
    }

    fn get_history_for_key(&mut self, key: &str) -> Result<Vec<KeyModification>, StubError> {
        check_key(key)?;
        match self.state.history(&self.proposal.chaincode, key) {
            Ok(h) => Ok(h),
            Err(e) => Err(self.remember(e)),
        }
    }

    fn tx_id(&self) -> &str {
        self.proposal.tx_id.as_str()
    }

    fn channel_id(&self) -> &str {
        &self.proposal.channel
    }

    fn creator(&self) -> &[u8] {
        &self.proposal.creator
    }

    fn tx_timestamp(&self) -> Timestamp {
        self.proposal.timestamp
    }

    fn set_event(&mut self, name: &str, payload: &[u8]) -> Result<(), StubError> {
        if name.is_empty() {
            return Err(StubError::EmptyEventName);
        }
        self.event = Some(ChaincodeEvent {
            name: name.to_string(),
            payload: payload.to_vec(),
        });
        Ok(())
    }

    fn invoke_function(
        &mut self,
        service: &str,
        function: &str,
        payload: &[u8],
    ) -> Result<Vec<u8>, String> {
        let result = self.invoker.invoke(service, function, payload);
        self.function_calls.push(FunctionCall {
            service: service.to_string(),
            function: function.to_string(),
            payload: payload.to_vec(),
            result: result.clone(),
        });
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaincode::NoFunctionInvoker;
    use crate::model::Proposal;
    use crate::sample::AssetTransfer;
    use crate::state::MemoryState;

    fn proposal(function: &str, args: &[&str]) -> Proposal {
        Proposal::new(
            "ch",
            "assets",
            function,
            args.iter().map(|s| s.to_string()).collect(),
            b"creator".to_vec(),
        )
    }

    fn no_invoker() -> Arc<dyn FunctionInvoker> {
        Arc::new(NoFunctionInvoker)
    }

    fn state() -> MemoryState {
        let mut s = MemoryState::new();
        s.apply("assets", "a1", Some(b"alice".to_vec()), Version::new(1, 0));
        s.apply("assets", "a2", Some(b"bob".to_vec()), Version::new(2, 3));
        s.apply("other", "a3", Some(b"x".to_vec()), Version::new(2, 4));
        s
    }

    fn run(p: &Proposal, s: &MemoryState) -> ProposalResponsePayload {
        simulate(p, &AssetTransfer, s, &no_invoker()).unwrap()
    }

    #[test]
    fn records_read_versions_and_writes() {
        let p = proposal("transfer", &["a2", "carol"]);
        let out = run(&p, &state());
        assert!(out.response.is_success(), "{:?}", out.response);
        assert_eq!(
            out.rwset.reads,
            vec![KvRead {
                key: "a2".into(),
                version: Some(Version::new(2, 3))
            }]
        );
        assert_eq!(
            out.rwset.writes,
            vec![KvWrite {
                key: "a2".into(),
                is_delete: false,
                value: b"carol".to_vec()
            }]
        );
        assert_eq!(out.event.unwrap().name, "transfer");
        assert_eq!(out.proposal_hash, p.hash());
    }

    #[test]
    fn missing_keys_are_read_with_no_version() {
        let out = run(&proposal("create", &["new", "dave"]), &state());
        assert_eq!(out.rwset.reads[0].version, None);
    }

    struct ReadOwnWrites;
    impl Chaincode for ReadOwnWrites {
        fn invoke(
            &self,
            stub: &mut dyn ChaincodeStub,
            _f: &str,
            _a: &[String],
        ) -> ChaincodeResponse {
            stub.put_state("a1", b"first").unwrap();
            stub.put_state("a1", b"second").unwrap();
            stub.put_state("z", b"z").unwrap();
            stub.del_state("z").unwrap();
            let seen = stub.get_state("a1").unwrap().unwrap();
            stub.set_event("one", b"1").unwrap();
            stub.set_event("two", b"2").unwrap();
            assert!(stub.set_event("", b"").is_err());
            assert!(matches!(stub.put_state("", b"x"), Err(StubError::EmptyKey)));
            ChaincodeResponse::success(seen)
        }
    }

    #[test]
    fn reads_do_not_see_own_writes_and_last_write_wins() {
        let p = proposal("x", &[]);
        let out = simulate(&p, &ReadOwnWrites, &state(), &no_invoker()).unwrap();
        assert_eq!(out.response.payload, b"alice");
        assert_eq!(
            out.rwset.writes,
            vec![
                KvWrite {
                    key: "a1".into(),
                    is_delete: false,
                    value: b"second".to_vec()
                },
                KvWrite {
                    key: "z".into(),
                    is_delete: true,
                    value: vec![]
                },
            ]
        );
        let event = out.event.unwrap();
        assert_eq!(
            (event.name.as_str(), event.payload.as_slice()),
            ("two", &b"2"[..])
        );
    }

    #[test]
    fn range_queries_are_recorded_for_phantom_checks() {
        let out = run(&proposal("list", &["a", ""]), &state());
        assert_eq!(out.response.payload, b"a1,a2");
        assert!(out.rwset.reads.is_empty());
        let q = &out.rwset.range_queries[0];
        assert_eq!((q.start_key.as_str(), q.end_key.as_str()), ("a", ""));
        assert!(q.itr_exhausted);
        assert_eq!(q.reads.len(), 2);
        assert_eq!(q.reads[1].version, Some(Version::new(2, 3)));

        let out = run(&proposal("list", &["a2", "b"]), &state());
        assert_eq!(out.response.payload, b"a2");
        let out = run(&proposal("list", &["", ""]), &state());
        assert_eq!(out.rwset.range_queries[0].start_key, "\u{1}");
    }

    #[test]
    fn partial_composite_key_ranges_stay_inside_the_prefix() {
        let mut s = state();
        for (color, id) in [
            ("blue", "m1"),
            ("blue", "m2"),
            ("bluegreen", "m3"),
            ("red", "m4"),
        ] {
            let key = create_composite_key("color~id", &[color, id]).unwrap();
            s.apply(
                "assets",
                &key,
                Some(id.as_bytes().to_vec()),
                Version::new(3, 0),
            );
        }
        let out = run(&proposal("by_color", &["blue"]), &s);
        assert_eq!(out.response.payload, b"m1,m2");
        // Simple range queries skip composite keys.
        let out = run(&proposal("list", &["", ""]), &s);
        assert_eq!(out.response.payload, b"a1,a2");
    }

    #[test]
    fn function_calls_are_recorded_with_their_answers() {
        let out = run(&proposal("call", &["svc", "check", "{}"]), &state());
        assert!(!out.response.is_success());
        assert!(
            out.response
                .message
                .contains("no function invoker configured")
        );
        assert_eq!(out.function_calls.len(), 1);
        assert!(out.function_calls[0].result.is_err());

        struct Echo;
        impl FunctionInvoker for Echo {
            fn invoke(&self, s: &str, f: &str, p: &[u8]) -> Result<Vec<u8>, String> {
                Ok(format!("{s}/{f}:{}", String::from_utf8_lossy(p)).into_bytes())
            }
        }
        let p = proposal("call", &["svc", "check", "{}"]);
        let out = simulate(
            &p,
            &AssetTransfer,
            &state(),
            &(Arc::new(Echo) as Arc<dyn FunctionInvoker>),
        )
        .unwrap();
        assert_eq!(out.response.payload, b"svc/check:{}");
        assert_eq!(out.function_calls[0].result, Ok(b"svc/check:{}".to_vec()));
    }

    #[test]
    fn a_panicking_chaincode_fails_the_simulation() {
        struct Panics;
        impl Chaincode for Panics {
            fn invoke(
                &self,
                _: &mut dyn ChaincodeStub,
                _: &str,
                _: &[String],
            ) -> ChaincodeResponse {
                panic!("boom")
            }
        }
        let err = simulate(&proposal("x", &[]), &Panics, &state(), &no_invoker()).unwrap_err();
        assert!(err.to_string().contains("panicked in `x`: boom"), "{err}");
    }
}
