//! Committed asset transfers per second: 2 organizations with one endorsing peer each,
//! `AND('Org1MSP.peer','Org2MSP.peer')`, real Ed25519 signatures, durable redb commits
//! (one fsync per block), MaxMessageCount 500.
//!
//! Run: `cargo bench -p fclocal-ledger --bench throughput` (`FCLOCAL_BENCH_TXS` sets the
//! number of transactions per phase, default 20000).
//!
//! The figures, all from one run:
//! - the limit: what signing and verifying alone allow on this machine (3 signs + 3
//!   verifies per transaction on all cores, [`fclocal_ledger::siglimit`]), measured right
//!   before and right after the end-to-end phases (the better of the two counts, so a
//!   neighbour's burst during one of them does not flatter the ratio), and end to end as
//!   a fraction of it;
//! - end to end, creates: N concurrent `submit`s of `create` (endorse on both peers, order,
//!   validate, commit, wake the submitter);
//! - end to end, transfers: N concurrent `submit`s of `transfer`, one per asset;
//! - validate + commit only: N pre-endorsed transfers fed to the committer in blocks of
//!   500 (signature checks, policy, MVCC, durable commit), no endorsement cost;
//! - latency (BatchTimeout 100 ms): submit-to-commit of one client submitting one
//!   transfer at a time (each block is cut by the timeout), and of 8 clients doing so
//!   concurrently; p50 and p95.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fclocal_ledger::chaincode::{ChaincodeRegistry, NoFunctionInvoker};
use fclocal_ledger::commit::Committer;
use fclocal_ledger::endorse::{Client, Peer};
use fclocal_ledger::identity::{Role, Signer};
use fclocal_ledger::ledger::Ledger;
use fclocal_ledger::model::{Encode, TxValidationCode};
use fclocal_ledger::network::NetworkConfig;
use fclocal_ledger::policy::Policy;
use fclocal_ledger::sample::AssetTransfer;
use fclocal_ledger::siglimit;
use fclocal_ledger::store::Store;
use fclocal_ledger::validate::Validator;

const POLICY: &str = "AND('Org1MSP.peer','Org2MSP.peer')";

fn registry() -> ChaincodeRegistry {
    let mut r = ChaincodeRegistry::new();
    r.register("assets", Arc::new(AssetTransfer));
    r
}

fn report(label: &str, n: usize, valid: usize, elapsed: Duration) -> f64 {
    let rate = valid as f64 / elapsed.as_secs_f64();
    println!(
        "{label:<28} {n:>6} tx, {valid:>6} valid, {:>7.3} s, {rate:>8.0} tx/s",
        elapsed.as_secs_f64(),
    );
    rate
}

/// Mean envelope size of block `number`, the message length for the limit.
fn envelope_len(ledger: &Ledger, number: u64) -> usize {
    let block = ledger.block(number).expect("read block").expect("block");
    block.data.iter().map(Vec::len).sum::<usize>() / block.data.len().max(1)
}

async fn phase(
    ledger: &Arc<Ledger>,
    n: usize,
    function: &'static str,
    owner: &'static str,
) -> (usize, Duration) {
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let ledger = ledger.clone();
        tasks.spawn(async move {
            let args = [format!("asset{i:07}"), owner.to_string()];
            ledger.submit("assets", function, &args).await
        });
    }
    let mut valid = 0;
    while let Some(result) = tasks.join_next().await {
        let result = result.expect("task").expect("submit");
        valid += usize::from(result.status.code == TxValidationCode::VALID);
    }
    (valid, start.elapsed())
}

fn end_to_end(n: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let threads = std::thread::available_parallelism().map_or(1, |c| c.get());
    // Envelopes of this bench are ~600 bytes; the real length is used after the run.
    let before = siglimit::measure(n, threads, 600, 500);
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let network = NetworkConfig::parse(
            &format!(
                "Channel: bench\nOrganizations:\n  Org1MSP:\n    Peers: [peer0]\n  Org2MSP:\n    Peers: [peer0]\n\
                 Chaincodes:\n  assets:\n    CodeUri: x\n    EndorsementPolicy: \"{POLICY}\"\n\
                 Orderer:\n  BatchTimeout: 100ms\n  MaxMessageCount: 500\n"
            ),
            "bench.yml",
        )
        .expect("network");
        let ledger = Arc::new(Ledger::open(dir.path(), network, registry()).expect("open"));
        let cpu_before = siglimit::process_cpu_time();
        let (valid, elapsed) = phase(&ledger, n, "create", "alice").await;
        let creates = report("end to end, creates", n, valid, elapsed);
        let cpu_between = siglimit::process_cpu_time();
        let (valid, elapsed) = phase(&ledger, n, "transfer", "bob").await;
        let transfers = report("end to end, transfers", n, valid, elapsed);
        let cpu_after = siglimit::process_cpu_time();
        let per_tx = |from: Option<Duration>, to: Option<Duration>| {
            from.zip(to).map(|(from, to)| (to - from) / n as u32)
        };
        let height = ledger.height();
        println!("  height {height}");
        let message_len = envelope_len(&ledger, height - 1);
        let after = siglimit::measure(n, threads, message_len, 500);
        let limit = before.best(&after);
        println!("{}", limit.line());
        println!(
            "  (before the run {} tx/s, after it {} tx/s; {message_len}-byte messages)",
            siglimit::thousands(before.tx_per_sec()),
            siglimit::thousands(after.tx_per_sec())
        );
        println!("{}", limit.costs_line());
        println!("{}", limit.ratio_line("  end to end, transfers", transfers));
        println!("{}", limit.ratio_line("  end to end, creates", creates));
        // Robust to neighbours: CPU per transaction, fclocal's and the signatures' own.
        println!("{}", limit.cpu_line().unwrap_or_default());
        for (label, cpu, rate) in [
            ("  end to end, transfers", per_tx(cpu_between, cpu_after), transfers),
            ("  end to end, creates", per_tx(cpu_before, cpu_between), creates),
        ] {
            if let Some(line) = cpu.and_then(|cpu| limit.cpu_share_line(label, cpu, rate)) {
                println!("{line}");
            }
        }
        latency(&ledger, 1, 100).await;
        latency(&ledger, 8, 25).await;
        let ledger = Arc::into_inner(ledger).expect("all tasks done");
        ledger.close().await;
    });
}

/// `clients` clients each submit `each` transfers one after another; prints the
/// submit-to-commit percentiles over all of them.
async fn latency(ledger: &Arc<Ledger>, clients: usize, each: usize) {
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..clients {
        let ledger = ledger.clone();
        tasks.spawn(async move {
            let mut times = Vec::with_capacity(each);
            for i in 0..each {
                let args = [
                    format!("asset{:07}", client * each + i),
                    "carol".to_string(),
                ];
                let start = Instant::now();
                let result = ledger.submit("assets", "transfer", &args).await;
                let result = result.expect("submit");
                assert!(result.status.code.is_valid(), "{:?}", result.status.code);
                times.push(start.elapsed());
            }
            times
        });
    }
    let mut times = Vec::new();
    while let Some(result) = tasks.join_next().await {
        times.extend(result.expect("task"));
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "latency, {clients} client(s) x {each}: submit-to-commit p50 {:.1} ms, p95 {:.1} ms (BatchTimeout 100 ms)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3
    );
}

fn commit_only(n: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("ledger.redb")).expect("store");
    let registry = Arc::new(registry());
    let peer = |msp: &str| {
        Peer::new(
            format!("peer0.{msp}"),
            "bench",
            Signer::generate(msp, Role::Peer),
            store.clone(),
            registry.clone(),
            Arc::new(NoFunctionInvoker),
        )
    };
    let (org1, org2) = (peer("Org1MSP"), peer("Org2MSP"));
    let client = Client::new(Signer::generate("Org1MSP", Role::Client), "bench");
    let policies = HashMap::from([("assets".to_string(), Policy::parse(POLICY).expect("policy"))]);
    let mut committer =
        Committer::open(store.clone(), Validator::new("bench", policies)).expect("committer");

    let envelopes = |function: &str, owner: &str| {
        let snapshot = store.snapshot().expect("snapshot");
        (0..n)
            .map(|i| {
                let args = [format!("asset{i:07}"), owner.to_string()];
                let proposal = client.proposal("assets", function, &args);
                client
                    .endorse(&proposal, &[&org1, &org2], &snapshot)
                    .expect("endorse")
                    .0
            })
            .collect::<Vec<_>>()
    };
    // As the ledger runs it: a preparer thread (block building, signature checks) feeding
    // the committer (policies, MVCC, durable commit).
    let run = |committer: &mut Committer, envs: Vec<fclocal_ledger::model::Envelope>| {
        let start = Instant::now();
        let mut preparer = committer.preparer();
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        let mut valid = 0;
        let (mut validation, mut commit) = (Duration::ZERO, Duration::ZERO);
        std::thread::scope(|s| {
            s.spawn(move || {
                for block in envs.chunks(500) {
                    let data = block.iter().map(Encode::to_bytes).collect();
                    tx.send(preparer.prepare(data)).expect("committer alive");
                }
            });
            for prepared in rx {
                let committed = committer.commit_prepared(prepared).expect("commit");
                valid += committed.txs.iter().filter(|t| t.code.is_valid()).count();
                validation += committed.validation_time;
                commit += committed.commit_time;
            }
        });
        println!(
            "  validation {:.3} s, durable commit {:.3} s (overlapped)",
            validation.as_secs_f64(),
            commit.as_secs_f64()
        );
        (valid, start.elapsed())
    };
    let creates = envelopes("create", "alice");
    let (valid, elapsed) = run(&mut committer, creates);
    report("validate+commit, creates", n, valid, elapsed);
    let start = Instant::now();
    let transfers = envelopes("transfer", "bob");
    let endorse_elapsed = start.elapsed();
    let (valid, elapsed) = run(&mut committer, transfers);
    report("validate+commit, transfers", n, valid, elapsed);
    report("endorse only (1 thread)", n, n, endorse_elapsed);
}

fn main() {
    let n = std::env::var("FCLOCAL_BENCH_TXS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    println!(
        "fclocal-ledger throughput: {n} tx per phase, 2 endorsing peers, MaxMessageCount 500, {} cores",
        std::thread::available_parallelism()
            .map(|c| c.get())
            .unwrap_or(1)
    );
    end_to_end(n);
    commit_only(n);
}
