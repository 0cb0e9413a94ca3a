//! The real Marbles component on the real ledger: two organizations endorse
//! (AND policy) by each running the WebAssembly chaincode, blocks commit to
//! redb, and two concurrent transfers of one marble end with exactly one
//! VALID and one MVCC_READ_CONFLICT. `set_owner` asks the function
//! `marblesFC/validateTransfer` (answered here by a fake that allows
//! everything) after counting the new owner's marbles with a range scan, so
//! transfers of two *different* marbles in one block conflict as phantom
//! reads, unless validation is switched off. Blocks are cut by
//! MaxMessageCount (BatchTimeout is an hour), so nothing depends on time.

use std::path::Path;
use std::sync::Arc;

use fclocal_chaincode_host::WasmChaincode;
use fclocal_engine::chaincode::{ChaincodeLimits, ChaincodeRuntime};
use fclocal_ledger::chaincode::{ChaincodeRegistry, FunctionInvoker};
use fclocal_ledger::ledger::Ledger;
use fclocal_ledger::model::TxValidationCode as Code;
use fclocal_ledger::network::NetworkConfig;

const UNITED: &str = "United Marbles";

/// `validateTransfer` with no rule set: allows every transfer.
struct AllowAll;

impl FunctionInvoker for AllowAll {
    fn invoke(&self, service: &str, function: &str, _payload: &[u8]) -> Result<Vec<u8>, String> {
        assert_eq!((service, function), ("marblesFC", "validateTransfer"));
        Ok(br#"{"allowed":true}"#.to_vec())
    }
}

fn open(dir: &Path, max_count: u32) -> Ledger {
    let yaml = format!(
        "\
Channel: mychannel
Organizations:
  Org1MSP:
    Peers: [peer0]
  Org2MSP:
    Peers: [peer0]
Chaincodes:
  marbles:
    CodeUri: ./marbles
    EndorsementPolicy: AND('Org1MSP.peer', 'Org2MSP.peer')
Orderer:
  BatchTimeout: 60m
  MaxMessageCount: {max_count}
"
    );
    let network = NetworkConfig::parse(&yaml, "network.yml").expect("a valid network file");
    let runtime = ChaincodeRuntime::new(None).expect("the chaincode engine starts");
    let component = runtime
        .load(&fclocal_test_support::chaincode("marbles", "marbles.wasm"))
        .expect("marbles.wasm loads");
    let mut registry = ChaincodeRegistry::new();
    registry.register(
        "marbles",
        Arc::new(WasmChaincode::new(component, ChaincodeLimits::default())),
    );
    Ledger::open_with_invoker(dir, network, registry, Arc::new(AllowAll)).expect("the ledger opens")
}

fn args(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marbles_transfers_commit_and_a_concurrent_one_conflicts() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ledger = open(dir.path(), 1);
    for (function, items) in [
        ("init_owner", vec!["o1", "amy", UNITED]),
        ("init_owner", vec!["o2", "bob", UNITED]),
        ("init_owner", vec!["o3", "cat", UNITED]),
        ("init_marble", vec!["m1", "blue", "35", "o1", UNITED]),
    ] {
        let submitted = ledger
            .submit("marbles", function, &args(&items))
            .await
            .expect("the transaction is submitted");
        assert_eq!(
            submitted.status.code,
            Code::VALID,
            "{function} {items:?}: {}",
            submitted.response.message
        );
    }

    // The chaincode's own errors come back from endorsement, verbatim.
    let refused = ledger
        .submit(
            "marbles",
            "init_marble",
            &args(&["m2", "red", "35", "o9", UNITED]),
        )
        .await;
    let message = match refused {
        Ok(result) => result.response.message,
        Err(error) => error.to_string(),
    };
    assert!(
        message.contains("Owner does not exist - o9, '' ''"),
        "{message}"
    );
    ledger.close().await;

    // Blocks of two: both transfers are ordered into one block.
    let ledger = open(dir.path(), 2);
    let to_bob = args(&["m1", "o2", UNITED]);
    let to_cat = args(&["m1", "o3", UNITED]);
    let (first, second) = tokio::join!(
        ledger.submit("marbles", "set_owner", &to_bob),
        ledger.submit("marbles", "set_owner", &to_cat),
    );
    let (first, second) = (first.expect("submitted"), second.expect("submitted"));
    assert_eq!(first.status.block_number, second.status.block_number);
    let mut codes = vec![first.status.code, second.status.code];
    codes.sort_by_key(|code| code.as_u8());
    assert_eq!(codes, vec![Code::VALID, Code::MVCC_READ_CONFLICT]);
    let winner = if first.status.code == Code::VALID {
        "o2"
    } else {
        "o3"
    };

    let read = ledger
        .evaluate("marbles", "read", &args(&["m1"]))
        .await
        .expect("read answers");
    let marble = String::from_utf8(read.payload).expect("JSON text");
    assert!(
        marble.contains(&format!("\"id\":\"{winner}\"")),
        "the winner owns the marble: {marble}"
    );
    ledger.close().await;
}

/// Submits `function(items)` and returns its validation code.
async fn submit(ledger: &Ledger, function: &str, items: &[&str]) -> Code {
    let submitted = ledger
        .submit("marbles", function, &args(items))
        .await
        .expect("the transaction is submitted");
    submitted.status.code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_of_different_marbles_in_one_block_conflict_as_phantoms_while_validating() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ledger = open(dir.path(), 1);
    for (function, items) in [
        ("init_owner", vec!["o1", "amy", UNITED]),
        ("init_owner", vec!["o2", "bob", UNITED]),
        ("init_marble", vec!["m1", "blue", "35", "o1", UNITED]),
        ("init_marble", vec!["m2", "red", "35", "o1", UNITED]),
    ] {
        assert_eq!(submit(&ledger, function, &items).await, Code::VALID);
    }
    ledger.close().await;

    // Both transfers counted bob's marbles over the whole marble range; the
    // first one to commit changes that range, so the second is a phantom.
    let ledger = open(dir.path(), 2);
    let (first, second) = tokio::join!(
        submit(&ledger, "set_owner", &["m1", "o2", UNITED]),
        submit(&ledger, "set_owner", &["m2", "o2", UNITED]),
    );
    let mut codes = vec![first, second];
    codes.sort_by_key(|code| code.as_u8());
    assert_eq!(codes, vec![Code::VALID, Code::PHANTOM_READ_CONFLICT]);
    ledger.close().await;

    // With validation off there is no count, so no phantom.
    let ledger = open(dir.path(), 1);
    assert_eq!(
        submit(&ledger, "set_validation", &["off"]).await,
        Code::VALID
    );
    ledger.close().await;
    let ledger = open(dir.path(), 2);
    let (first, second) = tokio::join!(
        submit(&ledger, "set_owner", &["m1", "o1", UNITED]),
        submit(&ledger, "set_owner", &["m2", "o1", UNITED]),
    );
    assert_eq!((first, second), (Code::VALID, Code::VALID));
    ledger.close().await;
}
