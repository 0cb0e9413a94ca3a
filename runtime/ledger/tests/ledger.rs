//! The facade end to end: network file, keys on disk, orderer task, committer thread.
//! Blocks are cut by MaxMessageCount (BatchTimeout is an hour), so nothing depends on time.

use std::path::Path;
use std::sync::Arc;

use fclocal_ledger::chaincode::ChaincodeRegistry;
use fclocal_ledger::endorse::EndorseError;
use fclocal_ledger::ledger::{Ledger, LedgerError};
use fclocal_ledger::model::TxValidationCode as Code;
use fclocal_ledger::network::NetworkConfig;
use fclocal_ledger::sample::AssetTransfer;

fn network(max_count: u32) -> NetworkConfig {
    let yaml = format!(
        "\
Channel: mychannel
Organizations:
  Org1MSP:
    Peers: [peer0, peer1]
  Org2MSP:
    Peers: [peer0]
Chaincodes:
  assets:
    CodeUri: ./assets
    EndorsementPolicy: AND('Org1MSP.peer', 'Org2MSP.peer')
Orderer:
  BatchTimeout: 60m
  MaxMessageCount: {max_count}
"
    );
    NetworkConfig::parse(&yaml, "network.yml").unwrap()
}

fn registry() -> ChaincodeRegistry {
    let mut r = ChaincodeRegistry::new();
    r.register("assets", Arc::new(AssetTransfer));
    r
}

fn open(dir: &Path, max_count: u32) -> Ledger {
    Ledger::open(dir, network(max_count), registry()).unwrap()
}

fn a(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_commits_and_publishes_events() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open(dir.path(), 1);
    assert_eq!(ledger.height(), 1, "genesis block");
    let mut sub = ledger.subscribe();

    let created = ledger
        .submit("assets", "create", &a(&["a1", "alice"]))
        .await
        .unwrap();
    assert_eq!(
        (created.status.code, created.status.block_number),
        (Code::VALID, 1)
    );
    let moved = ledger
        .submit("assets", "transfer", &a(&["a1", "bob"]))
        .await
        .unwrap();
    assert_eq!(
        (moved.status.code, moved.status.block_number),
        (Code::VALID, 2)
    );
    assert_eq!(ledger.height(), 3);

    let read = ledger
        .evaluate("assets", "read", &a(&["a1"]))
        .await
        .unwrap();
    assert_eq!(read.payload, b"bob");
    let read = ledger
        .evaluate_as("Org2MSP", "assets", "read", &a(&["a1"]))
        .await
        .unwrap();
    assert_eq!(read.payload, b"bob");

    let status = ledger
        .commit_status(moved.status.tx_id.as_str())
        .unwrap()
        .unwrap();
    assert_eq!(status, moved.status);
    assert_eq!(ledger.commit_status("nope").unwrap(), None);
    let block = ledger.block(2).unwrap().unwrap();
    assert_eq!(block.data.len(), 1);
    assert_eq!(block.metadata.tx_filter, vec![0]);
    assert!(ledger.block(3).unwrap().is_none());

    assert_eq!(sub.blocks.recv().await.unwrap().header.number, 1);
    let f1 = sub.filtered.recv().await.unwrap();
    let f2 = sub.filtered.recv().await.unwrap();
    assert_eq!((f1.number, f2.number), (1, 2));
    assert_eq!(f2.txs[0].chaincode_event.as_deref(), Some("transfer"));
    let event = sub.chaincode.recv().await.unwrap();
    assert_eq!(
        (
            event.block_number,
            event.name.as_str(),
            event.payload.as_slice()
        ),
        (2, "transfer", &b"a1"[..])
    );
    assert_eq!(event.tx_id, moved.status.tx_id);

    // Both organizations endorsed (AND policy).
    let tx = fclocal_ledger::model::Transaction::from_bytes(
        &fclocal_ledger::model::Envelope::from_bytes(&block.data[0])
            .unwrap()
            .payload,
    );
    use fclocal_ledger::model::Decode;
    assert_eq!(tx.unwrap().endorsements.len(), 2);
    ledger.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transfers_of_one_asset_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open(dir.path(), 1);
    ledger
        .submit("assets", "create", &a(&["a1", "alice"]))
        .await
        .unwrap();
    ledger.close().await;

    // Reopen with blocks of two so both transfers land in one block.
    let ledger = open(dir.path(), 2);
    let args_bob = a(&["a1", "bob"]);
    let args_carol = a(&["a1", "carol"]);
    let (r1, r2) = tokio::join!(
        ledger.submit("assets", "transfer", &args_bob),
        ledger.submit("assets", "transfer", &args_carol),
    );
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(r1.status.block_number, r2.status.block_number);
    let mut codes = vec![r1.status.code, r2.status.code];
    codes.sort_by_key(|c| c.as_u8());
    assert_eq!(codes, vec![Code::VALID, Code::MVCC_READ_CONFLICT]);
    let winner = if r1.status.code == Code::VALID {
        "bob"
    } else {
        "carol"
    };
    let read = ledger
        .evaluate("assets", "read", &a(&["a1"]))
        .await
        .unwrap();
    assert_eq!(read.payload, winner.as_bytes());
    ledger.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_keeps_height_state_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open(dir.path(), 1);
    ledger
        .submit("assets", "create", &a(&["a1", "alice"]))
        .await
        .unwrap();
    ledger
        .submit("assets", "create", &a(&["a2", "bob"]))
        .await
        .unwrap();
    let height = ledger.height();
    let peer_key = ledger.peers("Org2MSP").unwrap()[0].identity().clone();
    ledger.close().await;

    let ledger = open(dir.path(), 1);
    assert_eq!(ledger.height(), height);
    assert_eq!(ledger.peers("Org2MSP").unwrap()[0].identity(), &peer_key);
    let read = ledger
        .evaluate("assets", "list", &a(&["", ""]))
        .await
        .unwrap();
    assert_eq!(read.payload, b"a1,a2");
    // The chain continues from the stored head.
    let next = ledger
        .submit("assets", "transfer", &a(&["a1", "carol"]))
        .await
        .unwrap();
    assert_eq!(next.status.block_number, height);
    let block = ledger.block(height).unwrap().unwrap();
    let previous = ledger.block(height - 1).unwrap().unwrap();
    assert_eq!(block.header.previous_hash, previous.header.hash().to_vec());
    ledger.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaincode_errors_fail_before_ordering() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open(dir.path(), 1);
    let err = ledger
        .submit("assets", "transfer", &a(&["missing", "bob"]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LedgerError::Endorse(EndorseError::ChaincodeFailed { message, .. }) if message == "Asset does not exist - missing"),
        "{err}"
    );
    assert_eq!(ledger.height(), 1, "nothing was ordered");
    let err = ledger.submit("nope", "f", &[]).await.unwrap_err();
    assert!(err.to_string().contains("deployed: assets"), "{err}");
    let err = ledger
        .evaluate_as("Org9MSP", "assets", "read", &a(&["x"]))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("organizations: Org1MSP, Org2MSP"),
        "{err}"
    );
    ledger.close().await;
}

/// `endorse_as` + `order` + `committed`: the steps `submit_as` takes, one at a time, so
/// a client can report endorsing, ordering and committing separately.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endorse_then_order_then_wait_step_by_step() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open(dir.path(), 1);
    let endorsed = ledger
        .endorse_as("Org2MSP", "assets", "create", &a(&["a1", "bob"]))
        .await
        .unwrap();
    assert!(endorsed.response.is_success());
    assert_eq!(ledger.height(), 1, "endorsing orders nothing");
    let pending = ledger.order(endorsed.envelope).unwrap();
    assert_eq!(pending.tx_id(), endorsed.tx_id.as_str());
    let status = pending.committed().await.unwrap();
    assert_eq!(status.code, Code::VALID);
    assert_eq!(status.block_number, 1);
    let err = ledger
        .endorse_as("Org1MSP", "assets", "transfer", &a(&["missing", "bob"]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LedgerError::Endorse(EndorseError::ChaincodeFailed { message, .. }) if message == "Asset does not exist - missing"),
        "{err}"
    );
    ledger.close().await;
}

#[tokio::test]
async fn network_and_registry_must_match() {
    let dir = tempfile::tempdir().unwrap();
    let err = Ledger::open(dir.path(), network(1), ChaincodeRegistry::new()).unwrap_err();
    assert!(
        matches!(err, LedgerError::MissingChaincode { ref name } if name == "assets"),
        "{err}"
    );
    let mut extra = registry();
    extra.register("other", Arc::new(AssetTransfer));
    let err = Ledger::open(dir.path(), network(1), extra).unwrap_err();
    assert!(err.to_string().contains("not under `Chaincodes:`"), "{err}");
}
