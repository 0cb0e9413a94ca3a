//! The log hand-off an HTTP or InvokeFunction answer waits for: an
//! invocation's two framing lines (`FC Invoke Start/End`, all a quiet
//! invocation stores) go to the logstore's writer thread with the flush
//! that ends the invocation, and the answer leaves once they are durable.
//! Measured one invocation at a time (the one-connection case, where
//! nothing amortises the hand-off) and with 16 in flight, both ways the
//! store can make them durable:
//!
//! - `committed`: a SQLite commit per hand-off (WAL, `synchronous=NORMAL`;
//!   `OpenOptions::commit_delay` zero, how fclocal worked before the spool,
//!   and how a second process on the same database still works);
//! - `spooled by the writer`: the writer thread appends them to the spool
//!   file and answers; they are committed with many others within the
//!   default 5 ms (`runtime/logstore/src/spool.rs`): an invocation that
//!   printed, whose earlier lines the writer already holds;
//! - `spooled by the caller`: a quiet invocation's task appends them to
//!   the spool itself (`append_whole_and_flush`), no round trip to the
//!   writer thread.
//!
//! Run: `cargo bench --bench log_handoff` (`FCLOCAL_BENCH_ROUNDS`, default
//! 5000 invocations per figure). Prints p50/p90/p99 in microseconds, and
//! the CPU time the whole process spent per invocation.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use fclocal_logstore::{LogRecord, LogStore, LogWriter, LogstoreConfig, OpenOptions};

fn frame(text: &str, request: usize) -> LogRecord {
    LogRecord {
        project: "bench".into(),
        logstore: "function-log".into(),
        time: SystemTime::now(),
        topic: "svc".into(),
        source: "127.0.0.1".into(),
        tags: Vec::new(),
        contents: [
            ("serviceName", "svc".to_owned()),
            ("functionName", "hello".to_owned()),
            ("qualifier", "LATEST".to_owned()),
            ("versionId", String::new()),
            ("requestId", format!("req-{request}")),
            ("instanceID", "c-bench".to_owned()),
            ("coldStart", "false".to_owned()),
            ("level", "INFO".to_owned()),
            ("message", format!("FC {text} RequestId: req-{request}")),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect(),
    }
}

/// How the hand-off is made durable.
#[derive(Clone, Copy, PartialEq)]
enum Way {
    Committed,
    SpooledByTheWriter,
    SpooledByTheCaller,
}

impl Way {
    fn label(self) -> &'static str {
        match self {
            Way::Committed => "committed",
            Way::SpooledByTheWriter => "spooled by the writer",
            Way::SpooledByTheCaller => "spooled by the caller",
        }
    }
}

/// One invocation's hand-off.
async fn hand_off(writer: &LogWriter, key: &Arc<str>, request: usize, way: Way) {
    let frames = vec![frame("Invoke Start", request), frame("Invoke End", request)];
    let stored = if way == Way::SpooledByTheCaller {
        writer.append_whole_and_flush(key, frames).await
    } else {
        writer.append_keyed_and_flush(key, frames).await
    };
    stored.expect("stored");
}

/// CPU time of this process so far (user + system), from `/proc/self/stat`.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
        .sum();
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

fn report(label: &str, mut times: Vec<Duration>, cpu: Duration) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_micros();
    println!(
        "{label:<42} p50 {:>5} µs  p90 {:>5} µs  p99 {:>5} µs  CPU {:>5.1} µs/invocation",
        at(0.50),
        at(0.90),
        at(0.99),
        cpu.as_secs_f64() * 1e6 / times.len() as f64
    );
}

/// Opens a store that commits every hand-off, or one that spools.
fn open(dir: &std::path::Path, spooled: bool) -> LogStore {
    let options = OpenOptions {
        commit_delay: if spooled {
            OpenOptions::default().commit_delay
        } else {
            Duration::ZERO
        },
        ..OpenOptions::default()
    };
    let store = LogStore::open_with(&dir.join(format!("{spooled}.db")), options).expect("logstore");
    store
        .ensure_logstore("bench", "function-log", LogstoreConfig::default())
        .expect("logstore");
    store
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let rounds: usize = std::env::var("FCLOCAL_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let committed = open(dir.path(), false);
    let spooled = open(dir.path(), true);
    let ways = [
        (Way::Committed, &committed),
        (Way::SpooledByTheWriter, &spooled),
        (Way::SpooledByTheCaller, &spooled),
    ];
    let key: Arc<str> = Arc::from("svc/hello");
    println!("log hand-off per invocation ({rounds} invocations per line)");
    // Alternate the ways so that they meet the same machine states.
    for pass in 0..2 {
        for (way, store) in ways {
            let writer = store.writer();
            let cpu = process_cpu();
            let mut times = Vec::with_capacity(rounds);
            for request in 0..rounds {
                let started = Instant::now();
                hand_off(&writer, &key, request, way).await;
                times.push(started.elapsed());
            }
            // The spooled lines' commits are part of the cost.
            writer.flush().await.expect("committed");
            let label = format!("1 in flight, {} (pass {pass})", way.label());
            report(&label, times, process_cpu() - cpu);
        }
    }
    for (way, store) in ways {
        let cpu = process_cpu();
        let mut tasks = tokio::task::JoinSet::new();
        for task in 0..16 {
            let (writer, key) = (store.writer(), key.clone());
            tasks.spawn(async move {
                let mut times = Vec::with_capacity(rounds / 16);
                for request in 0..rounds / 16 {
                    let started = Instant::now();
                    hand_off(&writer, &key, task * rounds + request, way).await;
                    times.push(started.elapsed());
                }
                times
            });
        }
        let mut times = Vec::new();
        while let Some(done) = tasks.join_next().await {
            times.extend(done.expect("task"));
        }
        store.writer().flush().await.expect("committed");
        report(
            &format!("16 in flight, {}", way.label()),
            times,
            process_cpu() - cpu,
        );
    }
}
