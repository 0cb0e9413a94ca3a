//! MockStub follows the peer's simulation semantics.

use super::*;
use crate::ChaincodeStub;

fn committed_range(stub: &MockStub, start: &str, end: &str) -> Vec<String> {
    stub.get_state_by_range(start, end)
        .unwrap()
        .into_iter()
        .map(|kv| kv.key)
        .collect()
}

#[test]
fn writes_are_invisible_until_commit() {
    let stub = MockStub::new();
    stub.put_state("k", b"v1").unwrap();
    assert_eq!(stub.get_state("k").unwrap(), None);
    assert!(stub.get_state_by_range("", "").unwrap().is_empty());
    assert_eq!(
        stub.pending_writes(),
        [("k".to_string(), Some(b"v1".to_vec()))]
    );
    stub.commit_tx();
    assert_eq!(stub.get_state("k").unwrap(), Some(b"v1".to_vec()));

    stub.del_state("k").unwrap();
    assert_eq!(stub.get_state("k").unwrap(), Some(b"v1".to_vec()));
    stub.commit_tx();
    assert_eq!(stub.get_state("k").unwrap(), None);
}

#[test]
fn last_write_of_a_key_wins_and_rollback_drops_writes() {
    let stub = MockStub::new();
    stub.put_state("k", b"a").unwrap();
    stub.del_state("k").unwrap();
    stub.put_state("k", b"b").unwrap();
    stub.commit_tx();
    assert_eq!(stub.committed_str("k").as_deref(), Some("b"));

    stub.put_state("k", b"c").unwrap();
    stub.set_event("e", b"").unwrap();
    stub.rollback_tx();
    stub.commit_tx();
    assert_eq!(stub.committed_str("k").as_deref(), Some("b"));
    assert!(stub.events().is_empty());
}

#[test]
fn an_empty_value_is_a_delete() {
    let stub = MockStub::new();
    stub.put_state("k", b"v").unwrap();
    stub.commit_tx();
    stub.put_state("k", b"").unwrap();
    stub.commit_tx();
    assert_eq!(stub.committed("k"), None);
    assert!(stub.get_history_for_key("k").unwrap()[0].is_delete);
}

#[test]
fn put_refuses_empty_keys_and_accepts_composite_keys() {
    let stub = MockStub::new();
    assert_eq!(
        stub.put_state("", b"v").unwrap_err(),
        "key must not be an empty string"
    );
    let key = stub.create_composite_key("t", &["a"]).unwrap();
    stub.put_state(&key, b"v").unwrap();
}

#[test]
fn ranges_are_start_inclusive_end_exclusive_in_byte_order() {
    let stub = MockStub::new();
    for key in ["a", "b", "c", "B", "m0", "m9", "marbles_ui", "é"] {
        stub.put_state(key, key.as_bytes()).unwrap();
    }
    stub.put_state(&stub.create_composite_key("t", &["x"]).unwrap(), b"c")
        .unwrap();
    stub.commit_tx();

    assert_eq!(committed_range(&stub, "a", "c"), ["a", "b"]);
    assert_eq!(
        committed_range(&stub, "b", ""),
        ["b", "c", "m0", "m9", "marbles_ui", "é"]
    );
    // An empty start skips the composite namespace.
    assert_eq!(committed_range(&stub, "", "b"), ["B", "a"]);
    assert_eq!(
        committed_range(&stub, "m0", "m9999999999999999999"),
        ["m0", "m9"]
    );
    assert!(committed_range(&stub, "c", "a").is_empty());
    assert!(committed_range(&stub, "a", "a").is_empty());
    assert_eq!(
        stub.get_state_by_range("\u{0}", "").unwrap_err(),
        "first character of the key [\u{0}] contains a null character which is not allowed"
    );
    assert_eq!(stub.get_state_by_range("a", "b").unwrap()[0].value, b"a");
}

#[test]
fn partial_composite_key_scans_match_leading_attributes_only() {
    let stub = MockStub::new();
    for (color, name) in [
        ("blue", "m1"),
        ("blue", "m2"),
        ("bluer", "m3"),
        ("red", "m4"),
    ] {
        let key = stub
            .create_composite_key("color~name", &[color, name])
            .unwrap();
        stub.put_state(&key, name.as_bytes()).unwrap();
    }
    stub.put_state(
        &stub.create_composite_key("other", &["blue"]).unwrap(),
        b"x",
    )
    .unwrap();
    stub.put_state("blue", b"simple").unwrap();
    stub.commit_tx();

    let names = |attributes: &[&str]| -> Vec<String> {
        stub.get_state_by_partial_composite_key("color~name", attributes)
            .unwrap()
            .into_iter()
            .map(|kv| stub.split_composite_key(&kv.key).unwrap().1.join("/"))
            .collect()
    };
    assert_eq!(names(&["blue"]), ["blue/m1", "blue/m2"]);
    assert_eq!(names(&[]), ["blue/m1", "blue/m2", "bluer/m3", "red/m4"]);
    assert_eq!(names(&["blue", "m2"]), ["blue/m2"]);
    assert!(names(&["green"]).is_empty());
    assert!(
        stub.get_state_by_partial_composite_key("color~name", &["a\u{10FFFF}"])
            .unwrap_err()
            .starts_with("input contains unicode U+10FFFF starting at position [1]")
    );
}

#[test]
fn history_is_recorded_per_committed_tx_newest_first() {
    let stub = MockStub::new();
    stub.put_state("k", b"1").unwrap();
    stub.commit_tx(); // tx1
    stub.put_state("k", b"2").unwrap();
    stub.rollback_tx(); // tx2 never commits
    stub.set_tx_id("custom");
    stub.set_tx_timestamp(Timestamp {
        seconds: 7,
        nanos: 9,
    });
    stub.put_state("k", b"3").unwrap();
    stub.commit_tx(); // "custom"
    stub.del_state("k").unwrap();
    stub.commit_tx(); // tx4

    let history = stub.get_history_for_key("k").unwrap();
    let summary: Vec<_> = history
        .iter()
        .map(|m| (m.tx_id.as_str(), m.value.as_slice(), m.is_delete))
        .collect();
    assert_eq!(
        summary,
        [
            ("tx4", &b""[..], true),
            ("custom", &b"3"[..], false),
            ("tx1", &b"1"[..], false)
        ]
    );
    assert_eq!(
        history[1].timestamp,
        Timestamp {
            seconds: 7,
            nanos: 9
        }
    );
    assert_eq!(
        history[2].timestamp,
        Timestamp {
            seconds: 1_500_000_000,
            nanos: 0
        }
    );
    assert_eq!(history[0].timestamp.seconds, 1_500_000_003);
    assert!(stub.get_history_for_key("missing").unwrap().is_empty());
}

#[test]
fn transactions_have_deterministic_ids_and_timestamps() {
    let stub = MockStub::new();
    assert_eq!(stub.get_tx_id(), "tx1");
    assert_eq!(
        stub.get_tx_timestamp(),
        Timestamp {
            seconds: 1_500_000_000,
            nanos: 0
        }
    );
    stub.commit_tx();
    assert_eq!(stub.get_tx_id(), "tx2");
    assert_eq!(stub.get_tx_timestamp().seconds, 1_500_000_001);
    assert_eq!(stub.get_channel_id(), "mychannel");
    stub.set_channel_id("marbles");
    stub.set_creator(b"Org1MSP".to_vec());
    assert_eq!(
        (stub.get_channel_id(), stub.get_creator()),
        ("marbles".to_string(), b"Org1MSP".to_vec())
    );
}

#[test]
fn one_event_per_transaction_delivered_on_commit() {
    let stub = MockStub::new();
    assert_eq!(
        stub.set_event("", b"").unwrap_err(),
        "event name can not be empty string"
    );
    stub.set_event("first", b"1").unwrap();
    stub.set_event("second", b"2").unwrap();
    let event = stub.commit_tx().unwrap();
    assert_eq!(
        event,
        ChaincodeEvent {
            tx_id: "tx1".into(),
            name: "second".into(),
            payload: b"2".to_vec()
        }
    );
    assert_eq!(stub.commit_tx(), None);
    assert_eq!(stub.events(), [event]);
}

#[test]
fn faults_fail_the_named_calls_until_cleared() {
    let stub = MockStub::new();
    stub.inject_fault(Fault::GetState("k".into()), "db down");
    stub.inject_fault(Fault::DelState("k".into()), "no delete");
    stub.inject_fault(Fault::PutState("k".into()), "no put");
    stub.inject_fault(Fault::Range, "no range");
    stub.inject_fault(Fault::History("k".into()), "no history");
    assert_eq!(stub.get_state("k").unwrap_err(), "db down");
    assert_eq!(stub.get_state("other").unwrap(), None);
    assert_eq!(stub.del_state("k").unwrap_err(), "no delete");
    assert_eq!(stub.put_state("k", b"v").unwrap_err(), "no put");
    assert_eq!(stub.get_state_by_range("", "").unwrap_err(), "no range");
    assert_eq!(
        stub.get_state_by_partial_composite_key("t", &[])
            .unwrap_err(),
        "no range"
    );
    assert_eq!(stub.get_history_for_key("k").unwrap_err(), "no history");
    stub.clear_faults();
    assert_eq!(stub.get_state("k").unwrap(), None);
}

#[test]
fn invoke_function_uses_the_registered_handler() {
    let stub = MockStub::new();
    assert!(stub.invoke_function("svc", "fn", b"").is_err());
    stub.on_invoke_function(|service, function, payload| {
        Ok(format!("{service}/{function}:{}", String::from_utf8_lossy(payload)).into_bytes())
    });
    assert_eq!(
        stub.invoke_function("svc", "fn", b"x").unwrap(),
        b"svc/fn:x"
    );
}

#[test]
fn invoke_function_calls_are_recorded_with_their_transaction() {
    let stub = MockStub::new();
    let _ = stub.invoke_function("svc", "a", b"1");
    stub.commit_tx();
    stub.on_invoke_function(|_, _, _| Ok(Vec::new()));
    stub.invoke_function("svc", "b", b"2").unwrap();
    stub.rollback_tx();
    let calls = stub.function_calls();
    assert_eq!(calls.len(), 2, "failed and rolled-back calls count too");
    assert_eq!(
        (calls[0].tx_id.as_str(), calls[0].function.as_str()),
        ("tx1", "a")
    );
    assert_eq!(calls[1].tx_id, "tx2");
    assert_eq!(calls[1].service, "svc");
    assert_eq!(calls[1].payload_str(), "2");
}

/// Counts calls; fails on `fail`.
#[derive(Default)]
struct Probe;

impl Chaincode for Probe {
    fn init(&self, stub: &dyn ChaincodeStub, args: &[String]) -> Response {
        stub.put_state("init", args.join(",").as_bytes()).unwrap();
        Response::success(Vec::new())
    }

    fn invoke(&self, stub: &dyn ChaincodeStub, function: &str, args: &[String]) -> Response {
        stub.put_state(function, b"touched").unwrap();
        let (f, params) = stub.get_function_and_parameters();
        assert_eq!((f.as_str(), params.as_slice()), (function, args));
        if function == "fail" {
            return Response::error("failed");
        }
        Response::success(stub.get_string_args().join(" ").into_bytes())
    }
}

#[test]
fn mock_init_and_invoke_commit_only_successful_transactions() {
    let stub = MockStub::new();
    assert!(stub.mock_init(&Probe, &["1", "2"]).is_ok());
    assert_eq!(stub.committed_str("init").as_deref(), Some("1,2"));
    assert_eq!(stub.get_string_args(), Vec::<String>::new());

    let response = stub.mock_invoke(&Probe, "ok", &["a"]);
    assert_eq!(response.payload_str(), Some("ok a"));
    assert!(stub.committed("ok").is_some());

    let response = stub.mock_invoke(&Probe, "fail", &[]);
    assert_eq!(response, Response::error("failed"));
    assert!(stub.committed("fail").is_none());
    assert_eq!(stub.get_tx_id(), "tx4");
}
