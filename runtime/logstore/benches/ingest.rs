//! Ingest throughput: N realistic FC log lines, appended 100 per call as an invocation would,
//! then one flush. Prints lines/s (generation + append + commit, wall clock) and DB bytes/line.
//!
//! `cargo bench -p fclocal-logstore --bench ingest` (optionally `-- 1000000` for N).
//! Target: ≥ 100,000 lines/s on a 2-core machine with the DB on disk, including the FTS5
//! index (schema v2) the triggers maintain.

use std::time::{Duration, Instant, UNIX_EPOCH};

use fclocal_logstore::{
    LogQuery, LogRecord, LogStore, LogstoreConfig, SearchRequest, SearchResult,
};

const DEFAULT_LINES: usize = 500_000;
const LINES_PER_APPEND: usize = 100;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(DEFAULT_LINES);
    let dir = tempfile::tempdir_in(
        std::env::var_os("CARGO_TARGET_TMPDIR").unwrap_or_else(|| ".".into()),
    )?;
    let path = dir.path().join("bench.db");
    let store = LogStore::open(&path)?;
    store.ensure_logstore("fc-logs", "function-log", LogstoreConfig::default())?;
    let writer = store.writer();
    let base = UNIX_EPOCH + Duration::from_secs(1_735_689_600);

    let started = Instant::now();
    let mut appended = 0usize;
    let mut invocation = 0u64;
    while appended < n {
        let request_id = uuid_like(invocation);
        let function = format!("process-event-{}", invocation % 5);
        let instance = format!("c-{:08x}-{:04x}", invocation % 7, invocation % 3);
        let lines = LINES_PER_APPEND.min(n - appended);
        let batch: Vec<LogRecord> = (0..lines)
            .map(|i| {
                let k = (appended + i) as u64;
                LogRecord {
                    project: "fc-logs".to_owned(),
                    logstore: "function-log".to_owned(),
                    time: base + Duration::from_micros(k * 50),
                    topic: "marbles".to_owned(),
                    source: "127.0.0.1".to_owned(),
                    tags: Vec::new(),
                    contents: vec![
                        ("serviceName".to_owned(), "marbles".to_owned()),
                        ("functionName".to_owned(), function.clone()),
                        ("qualifier".to_owned(), "LATEST".to_owned()),
                        ("versionId".to_owned(), String::new()),
                        ("requestId".to_owned(), request_id.clone()),
                        ("instanceID".to_owned(), instance.clone()),
                        ("level".to_owned(), "INFO".to_owned()),
                        ("message".to_owned(), message(&request_id, k)),
                    ],
                }
            })
            .collect();
        writer.append(batch)?;
        appended += lines;
        invocation += 1;
    }
    let queued = started.elapsed();
    writer.flush_blocking()?;
    let elapsed = started.elapsed();

    // A few reads on the result, for orientation: `LogQuery` scans, the SLS search uses the
    // FTS5 index the lines were indexed into while ingesting.
    let reader = store.reader()?;
    let scope = LogQuery {
        project: Some("fc-logs".into()),
        logstore: Some("function-log".into()),
        ..LogQuery::default()
    };
    let mut reads = Vec::new();
    for (name, q) in [
        (
            "newest 100",
            LogQuery {
                newest_first: true,
                limit: Some(100),
                ..scope.clone()
            },
        ),
        (
            "requestId = (full scan)",
            LogQuery {
                fields: vec![("requestId".into(), uuid_like(42))],
                ..scope.clone()
            },
        ),
        (
            "keyword (full scan)",
            LogQuery {
                keyword: Some("MARBLE-4996 ".into()),
                ..scope.clone()
            },
        ),
    ] {
        let t = Instant::now();
        let hits = reader.query(&q)?.len();
        reads.push(format!(
            "  query {name:<24} {hits:>4} hits in {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        ));
    }
    for (name, query) in [
        (
            "search requestId (FTS)",
            format!("requestId:{}", uuid_like(42)),
        ),
        ("search keyword (FTS)", "\"marble-4996\"".to_owned()),
    ] {
        let request = SearchRequest {
            project: "fc-logs".into(),
            logstore: "function-log".into(),
            query,
            from: base,
            to: base + Duration::from_secs(86_400),
            topic: None,
            line: 100,
            offset: 0,
            reverse: false,
        };
        let t = Instant::now();
        let hits = match reader.search(&request)? {
            SearchResult::Logs { logs, .. } => logs.len(),
            SearchResult::Table { rows, .. } => rows.len(),
        };
        reads.push(format!(
            "  {name:<30} {hits:>4} hits in {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        ));
    }
    drop(reader);
    store.close()?;
    let bytes = db_bytes(&path);

    let secs = elapsed.as_secs_f64();
    println!("ingest: {n} lines, {LINES_PER_APPEND} per append");
    println!("  appended (queued) in {:.3} s", queued.as_secs_f64());
    println!("  committed in         {secs:.3} s");
    println!("  throughput           {:.0} lines/s", n as f64 / secs);
    println!(
        "  database             {:.1} MB, {:.0} bytes/line",
        bytes as f64 / 1e6,
        bytes as f64 / n.max(1) as f64
    );
    for line in reads {
        println!("{line}");
    }
    Ok(())
}

/// A deterministic UUID-shaped request id.
fn uuid_like(i: u64) -> String {
    let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        (h >> 32) as u32,
        (h >> 16) as u16,
        h as u16 & 0xfff,
        (h >> 48) as u16 & 0xfff,
        h & 0xffff_ffff_ffff
    )
}

/// An FC-style message line of roughly 80–120 characters.
fn message(request_id: &str, k: u64) -> String {
    match k % 4 {
        0 => format!(
            "2025-01-01T00:00:00.000Z {request_id} [INFO] handling event marble-{k} transfer from alice to bob"
        ),
        1 => format!(
            "2025-01-01T00:00:00.000Z {request_id} [INFO] ledger block {} committed, {} txs",
            k / 10,
            k % 17
        ),
        2 => format!(
            "FC Invoke Start RequestId: {request_id}, payload bytes {} checksum {:x}",
            k % 4096,
            k
        ),
        _ => format!(
            "2025-01-01T00:00:00.000Z {request_id} [INFO] aggregate window ok: count={} owner=user-{}",
            k % 100,
            k % 13
        ),
    }
}

/// Size of the database file plus its WAL (after close the WAL is checkpointed away).
fn db_bytes(path: &std::path::Path) -> u64 {
    let mut total = 0;
    for suffix in ["", "-wal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        total += std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
    }
    total
}
