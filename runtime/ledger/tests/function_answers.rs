//! Chaincode calling a function (scenario 3): every endorser calls it, the
//! call and its answer are part of what each endorser signs, so endorsers
//! that got different answers cannot be combined into a transaction, and the
//! error names the call. Native chaincode, a fake invoker, the real facade.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use fclocal_ledger::chaincode::{ChaincodeRegistry, FunctionInvoker};
use fclocal_ledger::endorse::EndorseError;
use fclocal_ledger::ledger::{Ledger, LedgerError};
use fclocal_ledger::model::{
    Decode, Envelope, FunctionCall, ProposalResponsePayload, Transaction, TxValidationCode as Code,
};
use fclocal_ledger::network::NetworkConfig;
use fclocal_ledger::sample::AssetTransfer;

/// How the fake function answers the second and later calls; the first is
/// always `{"allowed":true}`.
#[derive(Clone, Copy)]
enum Later {
    /// The same as the first.
    Same,
    /// `{"allowed":false}`, like a rule changed between two endorsers' calls.
    Denied,
    /// An error, like a function that crashed on one endorser.
    Failed,
}

struct Fickle {
    calls: AtomicU32,
    later: Later,
}

impl FunctionInvoker for Fickle {
    fn invoke(&self, _service: &str, _function: &str, _payload: &[u8]) -> Result<Vec<u8>, String> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        match (n, self.later) {
            (0, _) | (_, Later::Same) => Ok(br#"{"allowed":true}"#.to_vec()),
            (_, Later::Denied) => Ok(br#"{"allowed":false}"#.to_vec()),
            (_, Later::Failed) => Err("marblesFC/validateTransfer failed: crashed".into()),
        }
    }
}

fn open(dir: &std::path::Path, later: Later) -> (Ledger, Arc<Fickle>) {
    let network = NetworkConfig::parse(
        "\
Channel: mychannel
Organizations:
  Org1MSP:
    Peers: [peer0]
  Org2MSP:
    Peers: [peer0]
Chaincodes:
  assets:
    CodeUri: ./assets
    EndorsementPolicy: AND('Org1MSP.peer', 'Org2MSP.peer')
Orderer:
  BatchTimeout: 60m
  MaxMessageCount: 1
",
        "network.yml",
    )
    .unwrap();
    let mut registry = ChaincodeRegistry::new();
    registry.register("assets", Arc::new(AssetTransfer));
    let invoker = Arc::new(Fickle {
        calls: AtomicU32::new(0),
        later,
    });
    let ledger = Ledger::open_with_invoker(dir, network, registry, invoker.clone()).unwrap();
    (ledger, invoker)
}

fn call_args() -> Vec<String> {
    ["marblesFC", "validateTransfer", r#"{"marble":"m1"}"#]
        .map(str::to_string)
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endorsers_with_different_function_answers_mismatch_naming_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, invoker) = open(dir.path(), Later::Denied);

    let err = ledger
        .submit("assets", "call", &call_args())
        .await
        .unwrap_err();
    assert_eq!(
        invoker.calls.load(Ordering::SeqCst),
        2,
        "one call per endorser"
    );
    let LedgerError::Endorse(EndorseError::Mismatch { what, .. }) = &err else {
        panic!("expected an endorsement mismatch, got {err}");
    };
    assert_eq!(
        what,
        r#"got different answers from function call #1, marblesFC/validateTransfer: `{"allowed":true}` and `{"allowed":false}`"#
    );
    let message = err.to_string();
    assert!(
        message.contains("endorsers disagree on transaction"),
        "{message}"
    );
    assert!(
        message.contains("Org1MSP") && message.contains("Org2MSP"),
        "{message}"
    );
    assert_eq!(ledger.height(), 1, "nothing was ordered");
    ledger.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_failing_on_one_endorser_only_is_a_mismatch_naming_the_call() {
    // The chaincode fails on the second endorser (its call failed), so that
    // endorser signs nothing; the error still names the call as the cause.
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _invoker) = open(dir.path(), Later::Failed);
    let err = ledger
        .submit("assets", "call", &call_args())
        .await
        .unwrap_err();
    let LedgerError::Endorse(EndorseError::Mismatch { what, .. }) = &err else {
        panic!("expected an endorsement mismatch, got {err}");
    };
    assert_eq!(
        what,
        r#"got different answers from function call #1, marblesFC/validateTransfer: `{"allowed":true}` and error `marblesFC/validateTransfer failed: crashed`"#
    );
    assert_eq!(ledger.height(), 1, "nothing was ordered");
    ledger.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endorsers_with_the_same_answer_commit_and_the_answer_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, invoker) = open(dir.path(), Later::Same);

    let submitted = ledger.submit("assets", "call", &call_args()).await.unwrap();
    assert_eq!(submitted.status.code, Code::VALID);
    assert_eq!(submitted.response.payload, br#"{"allowed":true}"#);
    assert_eq!(invoker.calls.load(Ordering::SeqCst), 2);
    assert_eq!(ledger.height(), 2);

    // The call and its answer are on the ledger, in what the endorsers signed.
    let block = ledger.block(1).unwrap().expect("block 1");
    let envelope = Envelope::from_bytes(&block.data[0]).unwrap();
    let tx = Transaction::from_bytes(&envelope.payload).unwrap();
    let payload = ProposalResponsePayload::from_bytes(&tx.response_payload).unwrap();
    assert_eq!(
        payload.function_calls,
        vec![FunctionCall {
            service: "marblesFC".into(),
            function: "validateTransfer".into(),
            payload: br#"{"marble":"m1"}"#.to_vec(),
            result: Ok(br#"{"allowed":true}"#.to_vec()),
        }]
    );
    ledger.close().await;
}
