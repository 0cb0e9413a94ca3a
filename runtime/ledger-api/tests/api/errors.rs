//! Bad requests, unknown names and paths, and verification: always the JSON error shape.

use serde_json::json;

use crate::support::{CC, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_are_json_bad_requests_naming_the_field() {
    let server = Server::start(1).await;
    let message = server
        .call(
            "POST",
            "/ledger/v1/submit",
            r#"{"chaincode": "assets", "function": "#,
        )
        .await
        .error(400, "BadRequest");
    assert!(message.contains("EOF"), "{message}");

    let message = server
        .post("/ledger/v1/evaluate", &json!({"chaincode": CC}))
        .await
        .error(400, "BadRequest");
    assert!(message.contains("missing field `function`"), "{message}");

    let message = server
        .post(
            "/ledger/v1/evaluate",
            &json!({"chaincode": CC, "function": "read", "args": ["a1", 2]}),
        )
        .await
        .error(400, "BadRequest");
    assert!(message.contains("args[1]"), "{message}");

    let message = server
        .post(
            "/ledger/v1/evaluate",
            &json!({"chaincode": CC, "function": "read", "arguments": ["a1"]}),
        )
        .await
        .error(400, "BadRequest");
    assert!(message.contains("unknown field `arguments`"), "{message}");

    let message = server
        .call("POST", "/ledger/v1/submit", "")
        .await
        .error(400, "BadRequest");
    assert!(message.contains("empty"), "{message}");
    assert_eq!(server.ledger.height(), 1, "nothing was ordered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_names_and_paths_are_json_404s() {
    let server = Server::start(1).await;
    let message = server
        .post(
            "/ledger/v1/submit",
            &json!({"chaincode": "marbles", "function": "read", "args": ["m1"]}),
        )
        .await
        .error(404, "ChaincodeNotFound");
    assert_eq!(
        message,
        "chaincode `marbles` is not deployed on channel `mychannel` (deployed: assets)"
    );
    let message = server
        .post(
            "/ledger/v1/evaluate",
            &json!({"chaincode": CC, "function": "read", "args": ["a1"], "organization": "Org9MSP"}),
        )
        .await
        .error(404, "OrganizationNotFound");
    assert!(message.contains("Org1MSP, Org2MSP"), "{message}");

    let unknown_tx = "0".repeat(64);
    let message = server
        .get(&format!("/ledger/v1/transactions/{unknown_tx}"))
        .await
        .error(404, "TransactionNotFound");
    assert!(message.contains(&unknown_tx), "{message}");

    for path in ["/ledger/v1/nope", "/ledger/v1", "/ledger/v1/blocks/1/txs"] {
        let message = server.get(path).await.error(404, "NotFound");
        assert!(message.contains("GET /ledger/v1/info"), "{message}");
    }
    let message = server
        .get("/ledger/v1/submit")
        .await
        .error(405, "MethodNotAllowed");
    assert!(
        message.contains("/ledger/v1/submit does not take GET"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_counts_what_it_checked() {
    let server = Server::start(1).await;
    server.submit_ok("create", &["a1", "alice"]).await;
    server.submit_ok("transfer", &["a1", "bob"]).await;
    server.submit_ok("create", &["a2", "carol"]).await;
    let report = server.get("/ledger/v1/verify").await;
    assert_eq!(report.status, 200);
    assert_eq!(
        report.json,
        json!({"ok": true, "blocks": 4, "transactions": 3, "valid": 3, "stateKeys": 2})
    );
}
