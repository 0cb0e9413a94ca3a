//! The log hand-off an HTTP or InvokeFunction answer waits for: an
//! invocation's lines go to the logstore's writer thread, which commits
//! them (WAL, `synchronous=NORMAL`), and the answer leaves once the commit
//! covers them. Measured one invocation at a time (the one-connection case,
//! where nothing amortises the hand-off) with the two framing lines a quiet
//! invocation stores (`FC Invoke Start/End`), both ways fclocal has done it:
//!
//! - `separate`: each frame appended when it happens, then a flush of the
//!   function's key (three messages, up to two commits);
//! - `together`: both frames sent with the flush (one message, one commit).
//!
//! Also: the same with 16 invocations in flight (16 tasks), per invocation.
//!
//! Run: `cargo bench --bench log_handoff` (`FCLOCAL_BENCH_ROUNDS`, default
//! 5000 invocations per figure). Prints p50/p90/p99 in microseconds.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use fclocal_logstore::{LogRecord, LogStore, LogWriter, LogstoreConfig};

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

/// One invocation's hand-off, the old way or the new one.
async fn hand_off(writer: &LogWriter, key: &Arc<str>, request: usize, together: bool) {
    if together {
        let frames = vec![frame("Invoke Start", request), frame("Invoke End", request)];
        writer
            .append_keyed_and_flush(key, frames)
            .await
            .expect("stored");
    } else {
        writer
            .append_keyed(key, vec![frame("Invoke Start", request)])
            .expect("queued");
        writer
            .append_keyed(key, vec![frame("Invoke End", request)])
            .expect("queued");
        writer.flush_key(key).await.expect("stored");
    }
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_micros();
    println!(
        "{label:<34} p50 {:>5} µs  p90 {:>5} µs  p99 {:>5} µs",
        at(0.50),
        at(0.90),
        at(0.99)
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let rounds: usize = std::env::var("FCLOCAL_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = LogStore::open(&dir.path().join("logs.db")).expect("logstore");
    store
        .ensure_logstore("bench", "function-log", LogstoreConfig::default())
        .expect("logstore");
    let writer = store.writer();
    let key: Arc<str> = Arc::from("svc/hello");
    println!("log hand-off per invocation ({rounds} invocations per line)");
    // Alternate the two ways so that both meet the same WAL and cache states.
    for pass in 0..2 {
        for together in [false, true] {
            let mut times = Vec::with_capacity(rounds);
            for request in 0..rounds {
                let started = Instant::now();
                hand_off(&writer, &key, request, together).await;
                times.push(started.elapsed());
            }
            let way = if together { "together" } else { "separate" };
            report(&format!("1 in flight, {way} (pass {pass})"), times);
        }
    }
    for together in [false, true] {
        let mut tasks = tokio::task::JoinSet::new();
        for task in 0..16 {
            let (writer, key) = (writer.clone(), key.clone());
            tasks.spawn(async move {
                let mut times = Vec::with_capacity(rounds / 16);
                for request in 0..rounds / 16 {
                    let started = Instant::now();
                    hand_off(&writer, &key, task * rounds + request, together).await;
                    times.push(started.elapsed());
                }
                times
            });
        }
        let mut times = Vec::new();
        while let Some(done) = tasks.join_next().await {
            times.extend(done.expect("task"));
        }
        let way = if together { "together" } else { "separate" };
        report(&format!("16 in flight, {way}"), times);
    }
}
