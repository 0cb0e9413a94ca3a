//! The SSE stream: replay from the store, then live, with no gap and no duplicate.

use serde_json::json;

use crate::support::{EventStream, Server, SseEvent};

/// Reads one block's events: the `block` event and then `chaincode_events` chaincode
/// events; the last one carries the block number as its id.
async fn read_block(events: &mut EventStream, chaincode_events: usize) -> Vec<SseEvent> {
    let mut out = vec![events.next().await];
    assert_eq!(out[0].kind, "block", "{:?}", out[0]);
    for _ in 0..chaincode_events {
        out.push(events.next().await);
    }
    let number = out[0].data["number"].as_u64().unwrap();
    for (i, event) in out.iter().enumerate() {
        let expected_id = (i == out.len() - 1).then(|| number.to_string());
        assert_eq!(event.id, expected_id, "{event:?}");
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_from_the_store_then_follows_live() {
    let server = Server::start(1).await;
    let created = server.submit_ok("create", &["a1", "alice"]).await;
    let to_bob = server.submit_ok("transfer", &["a1", "bob"]).await;
    let to_carol = server.submit_ok("transfer", &["a1", "carol"]).await;

    let mut events = server.events("/ledger/v1/events?from=1", &[]).await;
    let block1 = read_block(&mut events, 0).await;
    assert_eq!(
        block1[0].data,
        json!({"number": 1, "txs": [{
            "txId": created["txId"],
            "validationCode": "VALID",
            "validationCodeNumber": 0,
            "chaincodeEvent": null,
        }]})
    );
    let mut numbers = vec![1];
    for moved in [&to_bob, &to_carol] {
        let block = read_block(&mut events, 1).await;
        let number = block[0].data["number"].as_u64().unwrap();
        numbers.push(number);
        assert_eq!(block[0].data["txs"][0]["chaincodeEvent"], "transfer");
        assert_eq!(
            block[1],
            SseEvent {
                kind: "chaincode".into(),
                data: json!({
                    "blockNumber": number,
                    "txId": moved["txId"],
                    "chaincode": "assets",
                    "name": "transfer",
                    "payload": "a1",
                }),
                id: Some(number.to_string()),
            }
        );
    }

    // Replay is done; the next block comes live.
    let to_dave = server.submit_ok("transfer", &["a1", "dave"]).await;
    let live = read_block(&mut events, 1).await;
    numbers.push(live[0].data["number"].as_u64().unwrap());
    assert_eq!(live[0].data["txs"][0]["txId"], to_dave["txId"]);
    assert_eq!(live[1].data["txId"], to_dave["txId"]);
    assert_eq!(live[1].data["blockNumber"], to_dave["blockNumber"]);
    assert_eq!(numbers, [1, 2, 3, 4], "consecutive, no duplicates");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_from_starts_at_the_next_block_and_last_event_id_resumes() {
    let server = Server::start(1).await;
    server.submit_ok("create", &["a1", "alice"]).await;

    let mut live = server.events("/ledger/v1/events", &[]).await;
    let mut resumed = server
        .events("/ledger/v1/events", &[("Last-Event-ID", "0")])
        .await;
    let moved = server.submit_ok("transfer", &["a1", "bob"]).await;

    let block = read_block(&mut live, 1).await;
    assert_eq!(
        block[0].data["number"], 2,
        "block 1 was before the stream opened"
    );
    assert_eq!(block[1].data["txId"], moved["txId"]);

    assert_eq!(read_block(&mut resumed, 0).await[0].data["number"], 1);
    assert_eq!(read_block(&mut resumed, 1).await[0].data["number"], 2);

    let bad = server.get("/ledger/v1/events?from=soon").await;
    assert!(bad.error(400, "BadRequest").contains("from `soon`"));
}
