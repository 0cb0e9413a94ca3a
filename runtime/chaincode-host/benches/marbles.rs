//! Committed Marbles transfers per second with the real WebAssembly chaincode:
//! 2 organizations, `AND` endorsement (each transfer runs `set_owner` on both
//! peers, each in a fresh fuel-metered instance), real ed25519 signatures,
//! durable commits, MaxMessageCount 500, BatchTimeout 100 ms; transfer
//! validation (the `validateTransfer` call) switched off.
//!
//! Beside the figures, the limit signatures alone put on this machine (3
//! signs + 3 verifies per transaction on all cores, measured before and after
//! the phases, the better counting; `fclocal_ledger::siglimit`), each phase as
//! a fraction of it, and each phase's CPU per transaction beside the
//! signatures' (robust to other processes on the machine).
//!
//! Run: `cargo bench -p fclocal-chaincode-host --bench marbles`
//! (`FCLOCAL_BENCH_TXS` sets the number of marbles, default 5000).

use std::sync::Arc;
use std::time::{Duration, Instant};

use fclocal_chaincode_host::WasmChaincode;
use fclocal_engine::chaincode::{ChaincodeLimits, ChaincodeRuntime};
use fclocal_ledger::chaincode::{ChaincodeRegistry, FunctionInvoker, NoFunctionInvoker};
use fclocal_ledger::endorse::Client;
use fclocal_ledger::identity::{Role, Signer};
use fclocal_ledger::ledger::Ledger;
use fclocal_ledger::model::TxValidationCode;
use fclocal_ledger::network::NetworkConfig;
use fclocal_ledger::siglimit::{self, SignatureLimit};
use fclocal_ledger::simulate::simulate;
use fclocal_ledger::store::Store;

const UNITED: &str = "United Marbles";

/// One phase's figures: throughput and CPU per transaction.
struct Phase {
    label: &'static str,
    tx_per_sec: f64,
    cpu_per_tx: Option<Duration>,
}

async fn phase(
    ledger: &Arc<Ledger>,
    n: usize,
    label: &'static str,
    call: fn(usize) -> (&'static str, Vec<String>),
) -> Phase {
    let cpu_before = siglimit::process_cpu_time();
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
    let cpu_per_tx = cpu_before
        .zip(siglimit::process_cpu_time())
        .map(|(before, after)| (after - before) / n as u32);
    let tx_per_sec = valid as f64 / elapsed.as_secs_f64();
    println!(
        "{label:<24} {n:>6} tx, {valid:>6} valid, {:>7.3} s, {tx_per_sec:>8.0} tx/s",
        elapsed.as_secs_f64(),
    );
    Phase {
        label,
        tx_per_sec,
        cpu_per_tx,
    }
}

/// Mean envelope size of block `number`, the message length for the limit.
fn envelope_len(ledger: &Ledger, number: u64) -> usize {
    let block = ledger.block(number).expect("read block").expect("block");
    block.data.iter().map(Vec::len).sum::<usize>() / block.data.len().max(1)
}

fn report_limit(
    before: &SignatureLimit,
    after: &SignatureLimit,
    message_len: usize,
    phases: &[Phase],
) {
    let limit = before.best(after);
    println!("{}", limit.line());
    println!(
        "  (before the run {} tx/s, after it {} tx/s; {message_len}-byte messages)",
        siglimit::thousands(before.tx_per_sec()),
        siglimit::thousands(after.tx_per_sec())
    );
    for phase in phases {
        println!(
            "{}",
            limit.ratio_line(&format!("  {}", phase.label), phase.tx_per_sec)
        );
    }
    if let Some(line) = limit.cpu_line() {
        println!("{line}");
    }
    for phase in phases {
        let label = format!("  {}", phase.label);
        if let Some(line) = phase
            .cpu_per_tx
            .and_then(|cpu| limit.cpu_share_line(&label, cpu, phase.tx_per_sec))
        {
            println!("{line}");
        }
    }
}

fn main() {
    let n: usize = std::env::var("FCLOCAL_BENCH_TXS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let component_path = fclocal_test_support::chaincode("marbles", "marbles.wasm");
    let threads = std::thread::available_parallelism().map_or(1, |c| c.get());
    // Marbles envelopes are ~1 KB; the real length is used after the run.
    let before = siglimit::measure(n, threads, 1000, 500);
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
        let chaincode = Arc::new(WasmChaincode::new(component, ChaincodeLimits::default()));
        let mut registry = ChaincodeRegistry::new();
        registry.register("marbles", chaincode.clone());
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
        let creates = phase(&ledger, n, "creates (init_marble)", |i| {
            ("init_marble", vec![format!("m{i:07}"), "blue".into(), "35".into(), "o1".into(), UNITED.into()])
        })
        .await;
        let transfers = phase(&ledger, n, "transfers (set_owner)", |i| {
            ("set_owner", vec![format!("m{i:07}"), "o2".into(), UNITED.into()])
        })
        .await;
        let message_len = envelope_len(&ledger, ledger.height() - 1);
        let after = siglimit::measure(n, threads, message_len, 500);
        report_limit(&before, &after, message_len, &[transfers, creates]);
        let ledger = Arc::into_inner(ledger).expect("all tasks done");
        ledger.close().await;
        simulations(dir.path(), &chaincode, n.min(2000));
    });
}

/// One peer's share of a transfer, alone: `set_owner` simulated on one
/// thread against the committed marbles, nothing signed or ordered.
fn simulations(dir: &std::path::Path, chaincode: &Arc<WasmChaincode>, n: usize) {
    let store = Store::open(dir.join("ledger.redb")).expect("reopen the store");
    let snapshot = store.snapshot().expect("snapshot");
    let client = Client::new(Signer::generate("Org1MSP", Role::Client), "bench");
    let invoker: Arc<dyn FunctionInvoker> = Arc::new(NoFunctionInvoker);
    let proposals: Vec<_> = (0..n)
        .map(|i| {
            let args = [format!("m{i:07}"), "o1".to_owned(), UNITED.to_owned()];
            client.proposal("marbles", "set_owner", &args)
        })
        .collect();
    let start = Instant::now();
    for proposal in &proposals {
        let payload =
            simulate(proposal, chaincode.as_ref(), &snapshot, &invoker).expect("simulates");
        assert!(payload.response.is_success(), "{:?}", payload.response);
    }
    let each = start.elapsed() / n as u32;
    println!(
        "simulation alone (1 thread): {:.1} µs per set_owner call",
        each.as_secs_f64() * 1e6
    );
}
