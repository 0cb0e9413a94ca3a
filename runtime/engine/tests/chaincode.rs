//! The chaincode world on its fuel-metered engine: the real Marbles
//! component answers through a [`ChaincodeHost`]; a hostile chaincode's
//! endless loop, panic, memory bomb and output flood each fail only their
//! own call; clocks and randomness are fixed by the transaction.

use std::collections::BTreeMap;

use fclocal_engine::chaincode::{
    ChaincodeCall, ChaincodeError, ChaincodeHost, ChaincodeLimits, ChaincodeRuntime,
    KeyModification, PreparedChaincode, StateEntry,
};

/// An in-memory ledger for one transaction at a time: reads see committed
/// state only, writes wait for [`MemoryHost::commit`], as on a peer.
#[derive(Default)]
struct MemoryHost {
    committed: BTreeMap<String, Vec<u8>>,
    writes: BTreeMap<String, Option<Vec<u8>>>,
    tx: u64,
    event: Option<(String, Vec<u8>)>,
}

impl MemoryHost {
    fn commit(&mut self) {
        for (key, value) in std::mem::take(&mut self.writes) {
            match value {
                Some(value) => self.committed.insert(key, value),
                None => self.committed.remove(&key),
            };
        }
    }
}

impl ChaincodeHost for MemoryHost {
    fn get_state(&mut self, key: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self.committed.get(key).cloned())
    }
    fn put_state(&mut self, key: &str, value: Vec<u8>) -> Result<(), String> {
        self.writes.insert(key.to_owned(), Some(value));
        Ok(())
    }
    fn del_state(&mut self, key: &str) -> Result<(), String> {
        self.writes.insert(key.to_owned(), None);
        Ok(())
    }
    fn get_state_by_range(&mut self, start: &str, end: &str) -> Result<Vec<StateEntry>, String> {
        Ok(self
            .committed
            .iter()
            .filter(|(key, _)| key.as_str() >= start && (end.is_empty() || key.as_str() < end))
            .map(|(key, value)| StateEntry {
                key: key.clone(),
                value: value.clone(),
            })
            .collect())
    }
    fn get_state_by_partial_composite_key(
        &mut self,
        object_type: &str,
        attributes: &[String],
    ) -> Result<Vec<StateEntry>, String> {
        let mut prefix = format!("\u{0}{object_type}\u{0}");
        for attribute in attributes {
            prefix.push_str(attribute);
            prefix.push('\u{0}');
        }
        Ok(self
            .committed
            .iter()
            .filter(|(key, _)| key.starts_with(&prefix))
            .map(|(key, value)| StateEntry {
                key: key.clone(),
                value: value.clone(),
            })
            .collect())
    }
    fn get_history_for_key(&mut self, _key: &str) -> Result<Vec<KeyModification>, String> {
        Ok(Vec::new())
    }
    fn tx_id(&self) -> String {
        format!("tx{}", self.tx)
    }
    fn channel_id(&self) -> String {
        "mychannel".to_owned()
    }
    fn creator(&self) -> Vec<u8> {
        b"Org1MSP.client".to_vec()
    }
    fn tx_timestamp(&self) -> (i64, u32) {
        (1_800_000_000 + i64::try_from(self.tx).unwrap_or(0), 500)
    }
    fn set_event(&mut self, name: &str, payload: Vec<u8>) -> Result<(), String> {
        self.event = Some((name.to_owned(), payload));
        Ok(())
    }
    fn invoke_function(
        &mut self,
        service: &str,
        function: &str,
        _: Vec<u8>,
    ) -> Result<Vec<u8>, String> {
        Err(format!("no function {service}/{function} in this test"))
    }
}

fn load(name: &str, component: &str) -> PreparedChaincode {
    let runtime = ChaincodeRuntime::new(None).expect("the chaincode engine starts");
    runtime
        .load(&fclocal_test_support::chaincode(name, component))
        .expect("the chaincode loads")
}

/// Runs `function(args)` as the next transaction and commits it if it succeeded.
fn invoke(
    chaincode: &PreparedChaincode,
    host: MemoryHost,
    function: &str,
    args: &[&str],
) -> (MemoryHost, Result<(u32, String, String), ChaincodeError>) {
    invoke_with(chaincode, host, function, args, ChaincodeLimits::default())
}

fn invoke_with(
    chaincode: &PreparedChaincode,
    mut host: MemoryHost,
    function: &str,
    args: &[&str],
    limits: ChaincodeLimits,
) -> (MemoryHost, Result<(u32, String, String), ChaincodeError>) {
    host.tx += 1;
    let call = ChaincodeCall::Invoke {
        function: function.to_owned(),
        args: args.iter().map(|arg| (*arg).to_owned()).collect(),
    };
    let (mut host, outcome) = chaincode.call(host, &call, limits);
    let outcome = outcome.map(|outcome| {
        (
            outcome.response.status,
            outcome.response.message,
            String::from_utf8_lossy(&outcome.response.payload).into_owned(),
        )
    });
    if matches!(outcome, Ok((200, _, _))) {
        host.commit();
    } else {
        host.writes.clear();
    }
    (host, outcome)
}

#[test]
fn marbles_answers_through_the_host_with_its_own_errors() {
    let marbles = load("marbles", "marbles.wasm");
    let host = MemoryHost::default();
    let (host, created) = invoke(
        &marbles,
        host,
        "init_owner",
        &["o1", "amy", "United Marbles"],
    );
    assert_eq!(created.expect("no trap").0, 200);
    let (host, marble) = invoke(
        &marbles,
        host,
        "init_marble",
        &["m1", "blue", "35", "o1", "United Marbles"],
    );
    assert_eq!(marble.expect("no trap").0, 200);
    let (host, read) = invoke(&marbles, host, "read", &["m1"]);
    let (status, _, payload) = read.expect("no trap");
    assert_eq!(status, 200);
    assert!(payload.contains("\"color\": \"blue\""), "{payload}");
    assert!(payload.contains("\"id\": \"o1\""), "{payload}");

    let (host, missing) = invoke(
        &marbles,
        host,
        "init_marble",
        &["m2", "red", "35", "o9", "United Marbles"],
    );
    let (status, message, _) = missing.expect("no trap");
    assert_eq!(status, 500);
    assert_eq!(message, "Owner does not exist - o9, '' ''");
    assert!(
        !host.committed.contains_key("m2"),
        "a failed call writes nothing"
    );

    let (_, unknown) = invoke(&marbles, host, "no_such_function", &[]);
    let (status, message, _) = unknown.expect("no trap");
    assert_eq!(status, 500);
    assert!(message.contains("no_such_function"), "{message}");
}

#[test]
fn a_runaway_chaincode_fails_its_call_and_the_next_call_works() {
    let hostile = load("hostile", "hostile_chaincode.wasm");
    let limits = ChaincodeLimits {
        fuel: 20_000_000,
        ..ChaincodeLimits::default()
    };
    let (host, looped) = invoke_with(&hostile, MemoryHost::default(), "loop", &[], limits);
    match looped {
        Err(ChaincodeError::OutOfFuel { budget, .. }) => assert_eq!(budget, 20_000_000),
        other => panic!("expected OutOfFuel, got {other:?}"),
    }
    let (host, panicked) = invoke(&hostile, host, "panic", &[]);
    match panicked {
        Err(ChaincodeError::Trap { message, .. }) => {
            assert!(message.contains("panics on purpose"), "{message}");
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    let small = ChaincodeLimits {
        memory_bytes: 16 << 20,
        ..ChaincodeLimits::default()
    };
    let (host, bomb) = invoke_with(&hostile, host, "alloc", &[], small);
    assert!(matches!(bomb, Err(ChaincodeError::Trap { .. })), "{bomb:?}");
    let (host, flood) = invoke(&hostile, host, "flood", &[]);
    assert!(
        matches!(flood, Err(ChaincodeError::Trap { .. })),
        "{flood:?}"
    );
    let (_, fine) = invoke(&hostile, host, "entropy", &[]);
    assert_eq!(fine.expect("a normal call after the hostile ones").0, 200);
}

#[test]
fn clocks_and_randomness_are_fixed_by_the_transaction() {
    let hostile = load("hostile", "hostile_chaincode.wasm");
    let run = |tx: u64| {
        let host = MemoryHost {
            tx,
            ..MemoryHost::default()
        };
        let call = ChaincodeCall::Invoke {
            function: "entropy".to_owned(),
            args: Vec::new(),
        };
        let (_, outcome) = hostile.call(host, &call, ChaincodeLimits::default());
        String::from_utf8(outcome.expect("entropy answers").response.payload).expect("text")
    };
    // `invoke_with` would bump the tx number; call directly with fixed ones.
    let first = run(7);
    assert_eq!(
        first,
        run(7),
        "two peers simulating tx7 see the same values"
    );
    assert_ne!(first, run(8), "another transaction sees other values");
    let nanos: u128 = first
        .split(' ')
        .next()
        .expect("a time")
        .parse()
        .expect("a number");
    assert_eq!(
        nanos,
        1_800_000_007 * 1_000_000_000 + 500,
        "the wall clock is the tx timestamp"
    );
}
