//! A chaincode instance never carries anything from one proposal into the
//! next. The hostile guest's `counter` bumps a global in its linear memory
//! and returns it: on the ledger every call must answer 1, whether it is an
//! evaluation, an endorsement on both peers, or one of many calls at once
//! (more than the engine's instance pool holds, so calls also queue for a
//! slot instead of failing). Instances come from a pool whose slots are
//! reset to the component's initial image between calls; this is the test
//! that the reset is complete.

use std::path::Path;
use std::sync::Arc;

use fclocal_chaincode_host::WasmChaincode;
use fclocal_engine::chaincode::{ChaincodeLimits, ChaincodeRuntime, MAX_CONCURRENT_CALLS};
use fclocal_ledger::chaincode::ChaincodeRegistry;
use fclocal_ledger::ledger::Ledger;
use fclocal_ledger::network::NetworkConfig;

fn open(dir: &Path) -> Ledger {
    let yaml = "\
Channel: mychannel
Organizations:
  Org1MSP:
    Peers: [peer0]
  Org2MSP:
    Peers: [peer0]
Chaincodes:
  hostile:
    CodeUri: ./hostile
    EndorsementPolicy: AND('Org1MSP.peer', 'Org2MSP.peer')
Orderer:
  BatchTimeout: 60m
  MaxMessageCount: 1
";
    let network = NetworkConfig::parse(yaml, "network.yml").expect("a valid network file");
    let runtime = ChaincodeRuntime::new(None).expect("the chaincode engine starts");
    let component = runtime
        .load(&fclocal_test_support::chaincode(
            "hostile",
            "hostile_chaincode.wasm",
        ))
        .expect("the hostile chaincode loads");
    let mut registry = ChaincodeRegistry::new();
    registry.register(
        "hostile",
        Arc::new(WasmChaincode::new(component, ChaincodeLimits::default())),
    );
    Ledger::open(dir, network, registry).expect("the ledger opens")
}

fn text(payload: &[u8]) -> &str {
    std::str::from_utf8(payload).expect("the counter answers in UTF-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_global_written_in_one_proposal_is_gone_in_the_next() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ledger = open(dir.path());

    for _ in 0..3 {
        let answer = ledger
            .evaluate("hostile", "counter", &[])
            .await
            .expect("counter evaluates");
        assert_eq!(text(&answer.payload), "1");
    }
    // Endorsed on both peers, one after the other: had the second peer's
    // instance seen the first's memory, their answers would differ and the
    // transaction would not even be built.
    for _ in 0..3 {
        let result = ledger
            .submit("hostile", "counter", &[])
            .await
            .expect("counter is endorsed by both peers");
        assert!(result.status.code.is_valid(), "{:?}", result.status.code);
        assert_eq!(text(&result.response.payload), "1");
    }
    ledger.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_calls_at_once_than_pooled_instances_all_start_fresh() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ledger = Arc::new(open(dir.path()));
    let calls = 2 * MAX_CONCURRENT_CALLS as usize + 3;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..calls {
        let ledger = ledger.clone();
        tasks.spawn(async move { ledger.evaluate("hostile", "counter", &[]).await });
    }
    let mut answered = 0;
    while let Some(answer) = tasks.join_next().await {
        let answer = answer
            .expect("the task ran")
            .expect("no call fails for want of an instance");
        assert_eq!(text(&answer.payload), "1");
        answered += 1;
    }
    assert_eq!(answered, calls);
    let ledger = Arc::into_inner(ledger).expect("all tasks done");
    ledger.close().await;
}
