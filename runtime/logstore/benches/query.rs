//! Query engine timings on N FC-style lines spread over one hour (10 functions, ~5 % of
//! the lines `[ERROR]`, one line in four with a user key `userId` of 97 values): ingest
//! with the full-text index, then p50/p95 of
//! - keyword searches (`error`, `*`, one request id, a field and a word: newest 100 lines
//!   plus the match count),
//! - GROUP BYs: on FC's fields (`functionName`, `level`, `__topic__`: from the per-minute
//!   counts; `requestId` with 10,000 groups: from the lines),
//!   on a key only some lines have (`userId`: from the per-minute value counts, with and
//!   without a topic filter, given to GetLogs or written in the query as `__topic__: X`;
//!   `userId, level` with a topic: from the lines, scanned on two
//!   connections), and, as a baseline on the same rows, the
//!   same `functionName`/`userId` group-bys in plain SQLite (`contents ->> '$.key'`),
//! - a one-hour histogram with 60 buckets, for `*` and for `error`.
//!
//! `FCLOCAL_BENCH_LINES=100000 cargo bench -p fclocal-logstore --bench query` (default
//! 1,000,000 lines; `FCLOCAL_BENCH_DB=/some/file.db` keeps the database for inspection;
//! `scripts/bench-query.sh` adds a DuckDB baseline on it). Goals on a 2-core machine:
//! ingest ≥ 100k lines/s, search ≤ 50 ms, group-by ≤ 50 ms on FC's fields and ≤ 150 ms on
//! any key, histogram ≤ 100 ms.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fclocal_logstore::{
    LogReader, LogRecord, LogStore, LogstoreConfig, SearchRequest, SearchResult,
};

const DEFAULT_LINES: usize = 1_000_000;
const LINES_PER_APPEND: usize = 100;
const HOUR: u64 = 3_600;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::var("FCLOCAL_BENCH_LINES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(DEFAULT_LINES);
    let dir = tempfile::tempdir_in(
        std::env::var_os("CARGO_TARGET_TMPDIR").unwrap_or_else(|| ".".into()),
    )?;
    let path = std::env::var_os("FCLOCAL_BENCH_DB")
        .map_or_else(|| dir.path().join("bench.db"), std::path::PathBuf::from);
    let store = LogStore::open(&path)?;
    store.ensure_logstore("fc-logs", "function-log", LogstoreConfig::default())?;
    let base = UNIX_EPOCH + Duration::from_secs(1_735_689_600);

    println!(
        "load average at start: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    let started = Instant::now();
    ingest(&store, base, n)?;
    let secs = started.elapsed().as_secs_f64();
    println!("query bench: {n} lines over one hour");
    println!(
        "  ingest (with FTS index)    {:.0} lines/s",
        n as f64 / secs
    );

    let reader = store.reader()?;
    let request = |query: &str, line: usize| SearchRequest {
        project: "fc-logs".into(),
        logstore: "function-log".into(),
        query: query.into(),
        from: base,
        to: base + Duration::from_secs(HOUR),
        topic: None,
        line,
        offset: 0,
        reverse: true,
    };

    let search = request("error", 100);
    let (hits, total) = match reader.search(&search)? {
        SearchResult::Logs {
            logs,
            processed_rows,
        } => (logs.len(), processed_rows),
        SearchResult::Table { .. } => (0, 0),
    };
    report(
        &format!("search `error` newest 100 + count ({hits} shown of {total})"),
        20,
        || reader.search(&search).map(drop),
    )?;

    for (name, query) in [
        ("search `*` newest 100 + count", "*".to_owned()),
        (
            "search one requestId",
            format!("requestId:{}", request_id(4_242)),
        ),
        (
            "search `functionName:fn-3 and error`",
            "functionName:fn-3 and error".to_owned(),
        ),
    ] {
        let r = request(&query, 100);
        report(name, 20, || reader.search(&r).map(drop))?;
    }

    for key in ["functionName", "level", "__topic__", "requestId", "userId"] {
        let group = request(
            &format!("* | select {key}, count(*) as c group by {key} limit 100000"),
            0,
        );
        report(
            &format!("`* | select {key}, count(*) … group by`"),
            5,
            || reader.search(&group).map(drop),
        )?;
    }
    // The same from the counts' whole minutes plus the lines of the two cut minutes.
    let cut = SearchRequest {
        from: base + Duration::from_secs(30),
        to: base + Duration::from_secs(HOUR - 30),
        ..request(
            "* | select functionName, count(*) as c group by functionName limit 100000",
            0,
        )
    };
    report(
        "`* | select functionName, …` range cut mid-minute",
        5,
        || reader.search(&cut).map(drop),
    )?;
    // With a topic: from that topic's per-minute value counts.
    let topic = SearchRequest {
        topic: Some("my-service".into()),
        ..request(
            "* | select userId, count(*) as c group by userId limit 100000",
            0,
        )
    };
    report("`* | select userId, …` with a topic", 5, || {
        reader.search(&topic).map(drop)
    })?;
    // The topic written in the query: the one topic it names, from the same counts.
    let term = request(
        "__topic__: my-service | select userId, count(*) as c group by userId limit 100000",
        0,
    );
    report("`__topic__: my-service | select userId, …`", 5, || {
        reader.search(&term).map(drop)
    })?;
    // Two keys: no counts apply, the lines are scanned on two connections.
    let lines = SearchRequest {
        topic: Some("my-service".into()),
        ..request(
            "* | select userId, level, count(*) as c group by userId, level limit 100000",
            0,
        )
    };
    report(
        "`* | select userId, level, …` with a topic (lines, 2 scans)",
        5,
        || reader.search(&lines).map(drop),
    )?;
    let sqlite = rusqlite::Connection::open(&path)?;
    sqlite.pragma_update(None, "mmap_size", 64 * 1024 * 1024)?;
    let from_ns = 1_735_689_600_i64 * 1_000_000_000;
    let to_ns = from_ns + HOUR as i64 * 1_000_000_000;
    for key in ["functionName", "userId"] {
        let sql = format!(
            "SELECT contents ->> '$.{key}' AS k, count(*) AS c FROM logs \
             WHERE logstore_id = (SELECT id FROM logstores WHERE name = 'function-log') \
             AND time_ns >= ?1 AND time_ns < ?2 GROUP BY k"
        );
        report(
            &format!("baseline: plain SQLite `->> '$.{key}'` group by"),
            5,
            || -> Result<(), rusqlite::Error> {
                let mut stmt = sqlite.prepare_cached(&sql)?;
                let groups = stmt.query_map((from_ns, to_ns), |_| Ok(()))?.count();
                assert!(groups > 0);
                Ok(())
            },
        )?;
    }
    drop(sqlite);

    let buckets: Vec<(SystemTime, SystemTime)> = (0..60)
        .map(|m| {
            (
                base + Duration::from_secs(m * 60),
                base + Duration::from_secs((m + 1) * 60),
            )
        })
        .collect();
    for query in ["*", "error"] {
        report(&format!("histogram `{query}`, 60 buckets"), 10, || {
            histogram(&reader, query, &buckets)
        })?;
    }
    drop(reader);
    store.close()?;
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| {
            let mut p = path.clone().into_os_string();
            p.push(suffix);
            std::fs::metadata(p).ok().map(|m| m.len())
        })
        .sum();
    println!(
        "  database size                {:.1} MiB ({:.0} bytes/line)",
        size as f64 / (1 << 20) as f64,
        size as f64 / n.max(1) as f64
    );
    Ok(())
}

fn histogram(
    reader: &LogReader,
    query: &str,
    buckets: &[(SystemTime, SystemTime)],
) -> Result<(), fclocal_logstore::QueryError> {
    reader
        .histogram("fc-logs", "function-log", query, None, buckets)
        .map(drop)
}

/// Runs `f` `runs` times (after one warm-up) and prints p50/p95 in milliseconds.
fn report<E: std::error::Error + 'static>(
    name: &str,
    runs: usize,
    mut f: impl FnMut() -> Result<(), E>,
) -> Result<(), Box<dyn std::error::Error>> {
    f()?;
    let mut times: Vec<f64> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let pick = |p: f64| times[((p * runs as f64).ceil() as usize).clamp(1, runs) - 1];
    println!(
        "  {name:<60} p50 {:>8.1} ms  p95 {:>8.1} ms",
        pick(0.5),
        pick(0.95)
    );
    Ok(())
}

/// Appends `n` lines, 100 per call (one invocation's worth), and waits for the commit.
fn ingest(store: &LogStore, base: SystemTime, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let writer = store.writer();
    let step_ns = HOUR * 1_000_000_000 / n.max(1) as u64;
    let mut appended = 0usize;
    let mut invocation = 0u64;
    while appended < n {
        let request_id = format!(
            "{:016x}-{:04x}",
            invocation.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            invocation % 65_536
        );
        let function = format!("fn-{}", invocation % 10);
        let lines = LINES_PER_APPEND.min(n - appended);
        let batch = (0..lines)
            .map(|i| {
                let k = (appended + i) as u64;
                let (level, message) = message(&request_id, k);
                LogRecord {
                    project: "fc-logs".to_owned(),
                    logstore: "function-log".to_owned(),
                    time: base + Duration::from_nanos(k * step_ns),
                    topic: "my-service".to_owned(),
                    source: "127.0.0.1".to_owned(),
                    tags: Vec::new(),
                    contents: contents(&function, &request_id, level, message, k),
                }
            })
            .collect();
        writer.append(batch)?;
        appended += lines;
        invocation += 1;
    }
    writer.flush_blocking()?;
    Ok(())
}

/// An FC line's keys; one line in four also has a user's `userId`.
fn contents(
    function: &str,
    request_id: &str,
    level: &str,
    message: String,
    k: u64,
) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("serviceName".to_owned(), "my-service".to_owned()),
        ("functionName".to_owned(), function.to_owned()),
        ("qualifier".to_owned(), "LATEST".to_owned()),
        ("requestId".to_owned(), request_id.to_owned()),
        ("level".to_owned(), level.to_owned()),
        ("message".to_owned(), message),
    ];
    if k.is_multiple_of(4) {
        pairs.push(("userId".to_owned(), format!("user-{}", k % 97)));
    }
    pairs
}

/// The request id of invocation `i` (100 lines each).
fn request_id(i: u64) -> String {
    format!(
        "{:016x}-{:04x}",
        i.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        i % 65_536
    )
}

/// An FC-style line; one in 20 is an `[ERROR]`.
fn message(request_id: &str, k: u64) -> (&'static str, String) {
    match k % 20 {
        0 => (
            "ERROR",
            format!(
                "2025-01-01T00:00:00.000Z {request_id} [ERROR] timeout after {} ms calling downstream",
                k % 5000
            ),
        ),
        1 => ("INFO", format!("FC Invoke Start RequestId: {request_id}")),
        2 => ("INFO", format!("FC Invoke End RequestId: {request_id}")),
        n if n % 2 == 0 => (
            "INFO",
            format!(
                "2025-01-01T00:00:00.000Z {request_id} [INFO] handled event order-{k} in {} ms",
                k % 300
            ),
        ),
        _ => (
            "INFO",
            format!(
                "2025-01-01T00:00:00.000Z {request_id} [INFO] ledger block {} committed, {} txs",
                k / 10,
                k % 17
            ),
        ),
    }
}
