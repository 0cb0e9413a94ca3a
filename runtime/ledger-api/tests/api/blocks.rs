//! Block pages, one block in full, and the edges of the chain.

use serde_json::{Value, json};

use crate::support::Server;

fn numbers(page: &Value) -> Vec<u64> {
    page["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["number"].as_u64().unwrap())
        .collect()
}

fn is_hash(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_summaries_link_up() {
    let server = Server::start(1).await;
    let created = server.submit_ok("create", &["a1", "alice"]).await;
    let moved = server.submit_ok("transfer", &["a1", "bob"]).await;

    let page = server.get("/ledger/v1/blocks").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.json["height"], 3);
    assert_eq!(numbers(&page.json), [0, 1, 2]);
    let blocks = page.json["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["previousHash"], "");
    assert_eq!(blocks[0]["txCount"], 0);
    assert_eq!(blocks[0]["txs"], json!([]));
    for pair in blocks.windows(2) {
        assert!(is_hash(&pair[0]["hash"]) && is_hash(&pair[1]["dataHash"]));
        assert_eq!(pair[1]["previousHash"], pair[0]["hash"]);
    }
    assert_eq!(
        blocks[2]["txs"],
        json!([{"txId": moved["txId"], "chaincode": "assets", "function": "transfer", "validationCode": "VALID"}])
    );
    assert_eq!(blocks[1]["txs"][0]["txId"], created["txId"]);

    assert_eq!(
        numbers(&server.get("/ledger/v1/blocks?limit=2").await.json),
        [1, 2]
    );
    assert_eq!(
        numbers(&server.get("/ledger/v1/blocks?from=1&limit=1").await.json),
        [1]
    );
    assert_eq!(
        numbers(&server.get("/ledger/v1/blocks?from=2").await.json),
        [2]
    );
    let beyond = server.get("/ledger/v1/blocks?from=7").await;
    assert_eq!((beyond.status, numbers(&beyond.json)), (200, vec![]));

    let message = server
        .get("/ledger/v1/blocks?limit=5000")
        .await
        .error(400, "BadRequest");
    assert!(
        message.contains("limit 5000") && message.contains("1000"),
        "{message}"
    );
    let message = server
        .get("/ledger/v1/blocks?from=last")
        .await
        .error(400, "BadRequest");
    assert!(message.contains("from `last`"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_block_in_full_with_rwset_and_both_endorsements() {
    let server = Server::start(1).await;
    server.submit_ok("create", &["a1", "alice"]).await;
    let moved = server.submit_ok("transfer", &["a1", "bob"]).await;

    let block = server.get("/ledger/v1/blocks/2").await;
    assert_eq!(block.status, 200, "{}", block.json);
    let summary = &server.get("/ledger/v1/blocks?from=2&limit=1").await.json["blocks"][0];
    for key in ["number", "hash", "previousHash", "dataHash", "txCount"] {
        assert_eq!(block.json[key], summary[key], "{key}");
    }
    let tx = &block.json["txs"][0];
    let timestamp = tx["timestamp"].as_str().unwrap();
    assert!(
        timestamp.len() == 24 && timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T',
        "{timestamp}"
    );
    let mut endorsements = tx["endorsements"].as_array().unwrap().clone();
    endorsements.sort_by_key(|e| e["mspId"].as_str().unwrap().to_string());
    assert_eq!(
        endorsements,
        [
            json!({"mspId": "Org1MSP", "endorser": "peer0.Org1MSP"}),
            json!({"mspId": "Org2MSP", "endorser": "peer0.Org2MSP"}),
        ]
    );
    assert_eq!(
        *tx,
        json!({
            "txId": moved["txId"],
            "chaincode": "assets",
            "function": "transfer",
            "validationCode": "VALID",
            "validationCodeNumber": 0,
            "creator": "Org1MSP",
            "timestamp": timestamp,
            "args": ["a1", "bob"],
            "endorsements": tx["endorsements"],
            "response": {"status": 200, "message": "", "payload": ""},
            "rwset": {
                "namespace": "assets",
                "reads": [{"key": "a1", "version": {"blockNum": 1, "txNum": 0}}],
                "writes": [{"key": "a1", "value": "bob", "isDelete": false}],
                "rangeQueries": [],
            },
            "event": {"name": "transfer", "payload": "a1"},
            "functionCalls": [],
        })
    );

    // A create reads a key that did not exist: version null.
    let first = server.get("/ledger/v1/blocks/1").await;
    assert_eq!(
        first.json["txs"][0]["rwset"]["reads"],
        json!([{"key": "a1", "version": null}])
    );
    assert_eq!(first.json["txs"][0]["event"], Value::Null);

    let genesis = server.get("/ledger/v1/blocks/0").await;
    assert_eq!(
        (genesis.json["number"].as_u64(), genesis.json["txs"].clone()),
        (Some(0), json!([]))
    );

    assert_eq!(
        server
            .get("/ledger/v1/blocks/3")
            .await
            .error(404, "BlockNotFound"),
        "block 3 does not exist; the ledger's height is 3 (blocks 0..2)"
    );
    let message = server
        .get("/ledger/v1/blocks/two")
        .await
        .error(400, "BadRequest");
    assert!(message.contains("`two`"), "{message}");
    server
        .get("/ledger/v1/blocks/-1")
        .await
        .error(400, "BadRequest");
}
