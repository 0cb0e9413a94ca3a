//! Committed Marbles transfers per second with the real WebAssembly chaincode:
//! 2 organizations, `AND` endorsement (each transfer runs `set_owner` on both
//! peers, each in a fresh fuel-metered instance), real ed25519 signatures,
//! durable commits, MaxMessageCount 500, BatchTimeout 100 ms; transfer
//! validation (the `validateTransfer` call) switched off.
//!
//! Prints the signature limit of the same machine beside it (3 signs + 3
//! verifies per transaction on every core, `fclocal_ledger::siglimit`).
//!
//! Run: `cargo bench -p fclocal-chaincode-host --bench marbles`
//! (`FCLOCAL_BENCH_TXS` sets the number of marbles, default 5000).

use std::sync::Arc;
use std::time::Instant;

use fclocal_chaincode_host::WasmChaincode;
use fclocal_engine::chaincode::{ChaincodeLimits, ChaincodeRuntime};
use fclocal_ledger::chaincode::ChaincodeRegistry;
use fclocal_ledger::ledger::Ledger;
use fclocal_ledger::model::TxValidationCode;
use fclocal_ledger::network::NetworkConfig;
use fclocal_ledger::siglimit;

const UNITED: &str = "United Marbles";

async fn phase(
    ledger: &Arc<Ledger>,
    n: usize,
    label: &str,
    call: fn(usize) -> (&'static str, Vec<String>),
) -> f64 {
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let ledger = ledger.clone();
        tasks.spawn(async move {
            let (function, args) = call(i);
            ledger.submit("marbles", function, &args).await
        });
    }
    let mut valid = 0;
    while let Some(result) = tasks.join_next().await {
        let result = result.expect("task").expect("submit");
        valid += usize::from(result.status.code == TxValidationCode::VALID);
    }
    let elapsed = start.elapsed();
    let rate = valid as f64 / elapsed.as_secs_f64();
    println!(
        "{label:<24} {n:>6} tx, {valid:>6} valid, {:>7.3} s, {rate:>8.0} tx/s",
        elapsed.as_secs_f64(),
    );
    rate
}

fn main() {
    let n: usize = std::env::var("FCLOCAL_BENCH_TXS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let component_path = fclocal_test_support::chaincode("marbles", "marbles.wasm");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let network = NetworkConfig::parse(
            "Channel: bench\nOrganizations:\n  Org1MSP:\n    Peers: [peer0]\n  Org2MSP:\n    Peers: [peer0]\n\
             Chaincodes:\n  marbles:\n    CodeUri: x\n    EndorsementPolicy: \"AND('Org1MSP.peer','Org2MSP.peer')\"\n\
             Orderer:\n  BatchTimeout: 100ms\n  MaxMessageCount: 500\n",
            "bench.yml",
        )
        .expect("network");
        let engine = ChaincodeRuntime::new(None).expect("engine");
        let component = engine.load(&component_path).expect("marbles.wasm");
        let mut registry = ChaincodeRegistry::new();
        registry.register(
            "marbles",
            Arc::new(WasmChaincode::new(component, ChaincodeLimits::default())),
        );
        let ledger = Arc::new(Ledger::open(dir.path(), network, registry).expect("open"));
        println!(
            "Marbles (WebAssembly) on the ledger: {n} marbles, 2 endorsing peers (AND), {} cores",
            std::thread::available_parallelism().map(|c| c.get()).unwrap_or(1)
        );
        // Without the validateTransfer call: its range read would make every
        // two transfers in one block conflict, and this measures the ledger.
        let off = vec!["off".to_owned()];
        ledger.submit("marbles", "set_validation", &off).await.expect("validation off");
        for (id, name) in [("o1", "amy"), ("o2", "bob")] {
            let owner = [id, name, UNITED].map(str::to_owned).to_vec();
            ledger.submit("marbles", "init_owner", &owner).await.expect("owner");
        }
        phase(&ledger, n, "creates (init_marble)", |i| {
            ("init_marble", vec![format!("m{i:07}"), "blue".into(), "35".into(), "o1".into(), UNITED.into()])
        })
        .await;
        let transfers = phase(&ledger, n, "transfers (set_owner)", |i| {
            ("set_owner", vec![format!("m{i:07}"), "o2".into(), UNITED.into()])
        })
        .await;
        // The 2-core limit for the same signature work, measured in the same run
        // (`fclocal_ledger::siglimit`): 3 signs + 3 batch verifies per transaction.
        let threads = std::thread::available_parallelism().map_or(1, |c| c.get());
        let limit = siglimit::measure(n, threads, 1000, 500);
        println!("{}", limit.line());
        println!("{}", limit.ratio_line("fclocal transfers", transfers));
        let ledger = Arc::into_inner(ledger).expect("all tasks done");
        ledger.close().await;
    });
}
