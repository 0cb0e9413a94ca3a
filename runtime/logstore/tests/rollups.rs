//! GROUP BYs answered from the per-minute counts (`log_rollups`) give exactly what the lines
//! give: each query runs as written (search `*` over counted fields: counts for the whole
//! minutes, lines at the edges) and with `FROM (SELECT <its columns> FROM log)` (always the lines), over
//! pseudo-random windows (aligned and cut minutes, empty, tiny, whole), on two logstores
//! with two shards, with topics, odd values (numbers, reals, `007`, absent keys, a key twice), keys FC does
//! not know (per-minute value counts, some minutes overflowing), and
//! again after TTL sweeps that cut a minute in the middle and after lines appended to the
//! swept minutes (a topic new to the cut minute is counted again).

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{Table, search_table};
use fclocal_logstore::{LogRecord, LogStore, LogstoreConfig, SearchRequest};

/// 2025-01-01T00:00:00Z.
const BASE: u64 = 1_735_689_600;
const PROJECT: &str = "p";
const SPAN_NS: u64 = 40 * 60 * 1_000_000_000;

/// Queries, and the columns each reads.
const QUERIES: &[(&str, &str)] = &[
    (
        "* | select functionName, count(*) as c group by functionName order by functionName",
        "functionName",
    ),
    (
        "* | select level, functionName, count(*) as c, count(qualifier) as q, max(serviceName) as m group by level, functionName order by c desc, level, functionName",
        "level, functionName, qualifier, serviceName",
    ),
    (
        "* | select __topic__, __source__, count(1) as n, count(distinct functionName) as f, approx_distinct(level) as l group by __topic__, __source__ order by n, __topic__, __source__",
        "__topic__, __source__, functionName, level",
    ),
    (
        "* | select qualifier, typeof(qualifier) as t, count(*) as c group by qualifier order by c, t",
        "qualifier",
    ),
    (
        "* | select user, typeof(user) as t, count(*) as c group by user order by c, user, t",
        "user",
    ),
    (
        "* | select note, count(1) as c, max(note) as m group by note order by c, note",
        "note",
    ),
    (
        "* | select serviceName, min(level) as lo, max(level) as hi, count(*) as c group by serviceName having count(*) > 3 order by serviceName",
        "serviceName, level",
    ),
];

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn pairs(v: &[(&str, String)]) -> Vec<(String, String)> {
    v.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn line(rng: &mut Rng, logstore: &str, offset_ns: u64) -> LogRecord {
    // Not both `1` and `1.0`: they are one SQL group, and which of the two values stands
    // for it is SQLite's arbitrary pick on either path.
    let functions = ["a", "b", "1", "2.5", "007"];
    let levels = ["INFO", "ERROR", "WARN"];
    let mut contents = vec![
        ("serviceName", format!("svc-{}", rng.below(2))),
        (
            "functionName",
            functions[rng.below(functions.len() as u64) as usize].to_owned(),
        ),
        ("message", format!("m{}", rng.next())),
    ];
    if rng.below(4) != 0 {
        contents.push((
            "level",
            levels[rng.below(levels.len() as u64) as usize].to_owned(),
        ));
    }
    if rng.below(3) == 0 {
        contents.push((
            "qualifier",
            ["LATEST", "2", "1.5"][rng.below(3) as usize].to_owned(),
        ));
    }
    if rng.below(10) == 0 {
        contents.push(("functionName", "second".to_owned()));
    }
    // A key FC does not know (per-minute value counts): numbers, reals, text, absent, twice.
    if rng.below(5) != 0 {
        contents.push((
            "user",
            ["u1", "u2", "7", "0.5", "007"][rng.below(5) as usize].to_owned(),
        ));
    }
    if rng.below(10) == 0 {
        contents.push(("user", "again".to_owned()));
    }
    // Sometimes too long to be counted: that minute is read from the lines.
    if rng.below(2) == 0 {
        let long = rng.below(40) == 0;
        contents.push((
            "note",
            if long {
                "x".repeat(200)
            } else {
                format!("n{}", rng.below(4))
            },
        ));
    }
    LogRecord {
        project: PROJECT.into(),
        logstore: logstore.into(),
        time: UNIX_EPOCH + Duration::from_secs(BASE) + Duration::from_nanos(offset_ns),
        topic: ["t1", "t2", ""][rng.below(3) as usize].into(),
        source: ["10.0.0.1", "10.0.0.2"][rng.below(2) as usize].into(),
        tags: Vec::new(),
        contents: pairs(&contents),
    }
}

fn run(
    store: &LogStore,
    logstore: &str,
    query: &str,
    range: (u64, u64),
    topic: Option<&str>,
) -> Table {
    let base = UNIX_EPOCH + Duration::from_secs(BASE);
    let request = SearchRequest {
        project: PROJECT.into(),
        logstore: logstore.into(),
        query: query.into(),
        from: base + Duration::from_nanos(range.0),
        to: base + Duration::from_nanos(range.1),
        topic: topic.map(str::to_owned),
        line: 100,
        offset: 0,
        reverse: false,
    };
    search_table(store, &request)
}

/// `query` reading `(SELECT columns FROM log)`: the same rows, never the counts (nor the
/// weighted path).
fn from_lines(query: &str, columns: &str) -> String {
    query.replacen(
        " group by ",
        &format!(" from (select {columns} from log) group by "),
        1,
    )
}

/// Windows: the whole span, aligned minutes, cut minutes, inside one minute, empty, and
/// random ones.
fn windows(rng: &mut Rng) -> Vec<(u64, u64)> {
    const MIN: u64 = 60_000_000_000;
    let mut w = vec![
        (0, SPAN_NS + MIN),
        (3 * MIN, 9 * MIN),
        (3 * MIN + 1, 9 * MIN - 1),
        (5 * MIN + 7, 5 * MIN + 30_000_000_000),
        (7 * MIN, 7 * MIN),
        (2 * MIN - 1, 4 * MIN + 1),
    ];
    for _ in 0..12 {
        let a = rng.below(SPAN_NS);
        let b = rng.below(SPAN_NS);
        w.push((a.min(b), a.max(b)));
    }
    w
}

fn check(store: &LogStore, rng: &mut Rng, when: &str) {
    // The counts are there (so the queries above really read them) and add up to the lines.
    let conn = rusqlite::Connection::open(store.path()).expect("sqlite");
    let per_minute = "SELECT logstore_id, time_ns / 60000000000 AS m, count(*) FROM logs \
        GROUP BY 1, 2 EXCEPT SELECT logstore_id, minute, sum(lines) FROM log_rollups GROUP BY 1, 2";
    let differing: i64 = conn
        .query_row(&format!("SELECT count(*) FROM ({per_minute})"), [], |r| {
            r.get(0)
        })
        .expect("compare counts");
    assert_eq!(
        differing, 0,
        "{when}: per-minute counts differ from the lines"
    );
    for logstore in ["one", "two"] {
        for range in windows(rng) {
            for topic in [None, Some("t1"), Some("t3")] {
                for (query, columns) in QUERIES {
                    let counted = run(store, logstore, query, range, topic);
                    let lines = run(store, logstore, &from_lines(query, columns), range, topic);
                    assert_eq!(
                        counted, lines,
                        "{when}: {logstore} {range:?} {topic:?}: {query}"
                    );
                }
            }
        }
    }
}

#[test]
fn counts_and_lines_agree_on_random_windows_and_after_sweeps() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LogStore::open(&dir.path().join("logs.db")).expect("open");
    for name in ["one", "two"] {
        store
            .ensure_logstore(
                PROJECT,
                name,
                LogstoreConfig {
                    ttl_days: 1,
                    shard_count: 2,
                },
            )
            .expect("logstore");
    }
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let writer = store.writer();
    for _ in 0..60 {
        let batch: Vec<LogRecord> = (0..40)
            .map(|i| {
                let logstore = if i % 3 == 0 { "two" } else { "one" };
                // Some lines exactly on a minute's first nanosecond.
                let offset = if rng.below(8) == 0 {
                    rng.below(40) * 60_000_000_000
                } else {
                    rng.below(SPAN_NS)
                };
                line(&mut rng, logstore, offset)
            })
            .collect();
        writer.append(batch).expect("append");
        if rng.below(4) == 0 {
            writer.flush_blocking().expect("flush");
        }
    }
    writer.flush_blocking().expect("flush");
    check(&store, &mut rng, "after ingest");

    // The per-key value counts are written a second after the last write, or when the
    // writer stops: after a reopen they cover every line, and single-key GROUP BYs read them.
    store.close().expect("close");
    let store = LogStore::open(&dir.path().join("logs.db")).expect("reopen");
    let writer = store.writer();
    let conn = rusqlite::Connection::open(store.path()).expect("sqlite");
    let uncounted: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT logstore_id, time_ns / 60000000000 AS m, topic, \
             count(*) FROM logs GROUP BY 1, 2, 3 \
             EXCEPT SELECT logstore_id, minute, topic, lines FROM log_key_minutes)",
            [],
            |r| r.get(0),
        )
        .expect("compare key counts");
    assert_eq!(
        uncounted, 0,
        "the per-key counts cover every minute and topic after a close"
    );
    let overcounted: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT logstore_id, minute, topic, lines FROM log_key_minutes \
             EXCEPT SELECT logstore_id, time_ns / 60000000000 AS m, topic, count(*) \
             FROM logs GROUP BY 1, 2, 3)",
            [],
            |r| r.get(0),
        )
        .expect("compare key counts");
    assert_eq!(
        overcounted, 0,
        "the per-key counts count no minute or topic other than the lines'"
    );
    check(
        &store,
        &mut rng,
        "after reopening, with the per-key counts written",
    );

    // Sweeps that cut minute 10 and then minute 25 in the middle.
    let day = Duration::from_secs(86_400);
    let base = UNIX_EPOCH + Duration::from_secs(BASE);
    for cut in [617, 1_523] {
        let now: SystemTime = base + day + Duration::from_secs(cut);
        assert!(store.sweep_expired(now).expect("sweep") > 0);
        check(&store, &mut rng, &format!("after the sweep at {cut} s"));
    }
    // Lines written after a sweep land on top of the recounted minute 25 (whose counts the
    // sweep deleted), under its topics and under `t3`, which it had no line of, and in
    // minute 20, which the sweep emptied.
    const MIN: u64 = 60_000_000_000;
    let mut lines = Vec::new();
    for (minute, n, topic) in [
        (25, 50, None),
        (25, 20, Some("t3")),
        (20, 20, None),
        (20, 20, Some("t3")),
    ] {
        for _ in 0..n {
            let offset = minute * MIN + rng.below(MIN);
            let mut line = line(&mut rng, "one", offset);
            if let Some(topic) = topic {
                line.topic = topic.into();
            }
            lines.push(line);
        }
    }
    writer.append(lines).expect("append");
    writer.flush_blocking().expect("flush");
    check(&store, &mut rng, "after appending to swept minutes");
    // Once their counts are written, minute 20 is covered again for every topic, and
    // minute 25 for `t3` only: its other topics' counts miss the lines the sweep kept.
    store.close().expect("close");
    let store = LogStore::open(&dir.path().join("logs.db")).expect("reopen");
    let first = (BASE / 60) as i64;
    let coverage = |minute: i64| -> Vec<(String, bool)> {
        conn.prepare(
            "SELECT r.topic, coalesce(k.lines, 0) = sum(r.lines) FROM log_rollups AS r \
             JOIN logstores AS s ON s.id = r.logstore_id AND s.name = 'one' \
             LEFT JOIN log_key_minutes AS k ON k.logstore_id = r.logstore_id \
                 AND k.minute = r.minute AND k.topic = r.topic \
             WHERE r.minute = ?1 GROUP BY r.topic ORDER BY r.topic",
        )
        .and_then(|mut s| {
            s.query_map([first + minute], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(|rows| rows.collect())
        })
        .expect("coverage")
    };
    let topics = |covered: [bool; 4]| -> Vec<(String, bool)> {
        ["", "t1", "t2", "t3"]
            .into_iter()
            .map(str::to_owned)
            .zip(covered)
            .collect()
    };
    assert_eq!(coverage(20), topics([true; 4]));
    assert_eq!(coverage(25), topics([false, false, false, true]));
    check(
        &store,
        &mut rng,
        "after appending to swept minutes, with their counts written",
    );
    // Minute 25 really is answered from the counts for `t3`, and not for `t1`.
    let whole = (25 * MIN, 26 * MIN);
    let query = "* | select user, count(*) as c group by user order by c, user";
    conn.execute(
        "UPDATE log_key_values SET value = value || '!' WHERE key = 'user' AND minute = ?1",
        [first + 25],
    )
    .expect("rename the counted values");
    for (topic, counted) in [("t3", true), ("t1", false)] {
        let rows = run(&store, "one", query, whole, Some(topic)).1;
        let renamed = rows
            .iter()
            .any(|r| r[0].as_deref().is_some_and(|v| v.ends_with('!')));
        assert_eq!(renamed, counted, "{topic}: {rows:?}");
        assert!(rows.len() > 1, "{topic}: {rows:?}");
    }
    store.close().expect("close");
}
