//! info, evaluate, submit and transaction status.

use serde_json::json;

use crate::support::{CC, Server};

fn is_tx_id(v: &serde_json::Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_describes_the_channel() {
    let server = Server::start(1).await;
    let info = server.get("/ledger/v1/info").await;
    assert_eq!(info.status, 200);
    assert_eq!(
        info.json,
        json!({
            "channel": "mychannel",
            "height": 1,
            "chaincodes": [{"name": "assets", "endorsementPolicy": "AND('Org1MSP.peer', 'Org2MSP.peer')"}],
            "organizations": [
                {"mspId": "Org1MSP", "peers": ["peer0"]},
                {"mspId": "Org2MSP", "peers": ["peer0"]},
            ],
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_commits_and_the_status_and_queries_agree() {
    let server = Server::start(1).await;
    let created = server.submit_ok("create", &["a1", "alice"]).await;
    assert!(is_tx_id(&created["txId"]), "{created}");
    assert_eq!(
        created,
        json!({
            "txId": created["txId"],
            "validationCode": "VALID",
            "validationCodeNumber": 0,
            "blockNumber": 1,
            "status": 200,
            "message": "",
            "payload": "",
        })
    );

    let tx_id = created["txId"].as_str().unwrap();
    let status = server
        .get(&format!("/ledger/v1/transactions/{tx_id}"))
        .await;
    assert_eq!(status.status, 200);
    assert_eq!(
        status.json,
        json!({"txId": tx_id, "validationCode": "VALID", "validationCodeNumber": 0, "blockNumber": 1})
    );

    let read = server.evaluate("read", &["a1"]).await;
    assert_eq!(read.status, 200);
    assert_eq!(
        read.json,
        json!({"status": 200, "message": "", "payload": "alice"})
    );
    let as_org2 = server
        .post(
            "/ledger/v1/evaluate",
            &json!({"chaincode": CC, "function": "read", "args": ["a1"], "organization": "Org2MSP"}),
        )
        .await;
    assert_eq!(as_org2.json["payload"], "alice", "{}", as_org2.json);

    let moved = server
        .post(
            "/ledger/v1/submit",
            &json!({"chaincode": CC, "function": "transfer", "args": ["a1", "bob"], "organization": "Org2MSP"}),
        )
        .await;
    assert_eq!(
        (moved.status, moved.json["blockNumber"].as_u64()),
        (200, Some(2))
    );
    assert_eq!(
        server.evaluate("read", &["a1"]).await.json["payload"],
        "bob"
    );
    assert_eq!(server.ledger.height(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaincode_errors_are_422_with_the_chaincodes_own_message() {
    let server = Server::start(1).await;
    server.submit_ok("create", &["a1", "alice"]).await;
    let height = server.ledger.height();

    let again = server.submit("create", &["a1", "mallory"]).await;
    assert_eq!(again.status, 422);
    assert_eq!(
        again.json,
        json!({"error": "ChaincodeError", "message": "This asset already exists - a1", "status": 500})
    );
    assert_eq!(server.ledger.height(), height, "nothing was ordered");
    assert_eq!(server.get("/ledger/v1/info").await.json["height"], height);

    // `args` defaults to []: the chaincode's usage error comes back verbatim.
    let no_args = server
        .post(
            "/ledger/v1/evaluate",
            &json!({"chaincode": CC, "function": "read"}),
        )
        .await;
    assert_eq!(
        no_args.error(422, "ChaincodeError"),
        "Incorrect number of arguments. Expecting 1: id"
    );
    let missing = server.submit("transfer", &["nope", "bob"]).await;
    assert_eq!(
        missing.error(422, "ChaincodeError"),
        "Asset does not exist - nope"
    );
}

/// Two transfers of one asset endorsed on the same state and cut into one block
/// (`MaxMessageCount: 2`): the first in the block wins, the second is an MVCC conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transfers_one_valid_one_mvcc_conflict() {
    let server = Server::start(2).await;
    let (a1, a2) = tokio::join!(
        server.submit("create", &["a1", "alice"]),
        server.submit("create", &["a2", "alice"]),
    );
    assert_eq!(
        (a1.status, a2.status),
        (200, 200),
        "{} {}",
        a1.json,
        a2.json
    );
    assert_eq!(a1.json["blockNumber"], 1);
    assert_eq!(a2.json["blockNumber"], 1);

    let (to_bob, to_carol) = tokio::join!(
        server.submit("transfer", &["a1", "bob"]),
        server.submit("transfer", &["a1", "carol"]),
    );
    let mut answers = [&to_bob, &to_carol];
    answers.sort_by_key(|a| a.status);
    let [winner, loser] = answers;
    assert_eq!(
        (winner.status, loser.status),
        (200, 409),
        "{} {}",
        winner.json,
        loser.json
    );
    assert_eq!(winner.json["validationCode"], "VALID");
    assert_eq!(winner.json["blockNumber"], 2);

    let loser_id = loser.json["txId"].as_str().unwrap().to_string();
    assert_eq!(loser.json["error"], "TransactionInvalid");
    assert_eq!(loser.json["validationCode"], "MVCC_READ_CONFLICT");
    assert_eq!(loser.json["validationCodeNumber"], 11);
    assert_eq!(loser.json["blockNumber"], 2);
    assert_eq!(
        loser.json["status"], 200,
        "the endorsement itself succeeded"
    );
    let message = loser.json["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "transaction {loser_id} was committed in block 2 as MVCC_READ_CONFLICT; "
        )),
        "{message}"
    );

    let status = server
        .get(&format!("/ledger/v1/transactions/{loser_id}"))
        .await;
    assert_eq!(status.json["validationCode"], "MVCC_READ_CONFLICT");
    let owner = if std::ptr::eq(winner, &to_bob) {
        "bob"
    } else {
        "carol"
    };
    assert_eq!(
        server.evaluate("read", &["a1"]).await.json["payload"],
        owner
    );
}
