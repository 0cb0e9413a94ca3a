//! A weighted GROUP BY over more than 50,000 lines is counted in two halves on two
//! connections (`search/parallel.rs`); merged, it gives what one scan gives: compared with
//! the same statement over `(SELECT … FROM log)` (the plain path), with a topic filter,
//! reading two content keys so the per-minute counts do not answer it (or one key, whose
//! uncounted minutes are read that way), on ranges cut anywhere.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::search_table;
use fclocal_logstore::{LogRecord, LogStore, SearchRequest};

const BASE: u64 = 1_735_689_600;
const LINES: u64 = 60_000;

fn run(store: &LogStore, query: &str, from_ms: u64, to_ms: u64) -> (Vec<Vec<Option<String>>>, u64) {
    let base = UNIX_EPOCH + Duration::from_secs(BASE);
    let request = SearchRequest {
        project: "p".into(),
        logstore: "ls".into(),
        query: query.into(),
        from: base + Duration::from_millis(from_ms),
        to: base + Duration::from_millis(to_ms),
        topic: Some("t".into()),
        line: 100,
        offset: 0,
        reverse: false,
    };
    let (_, rows, processed_rows) = search_table(store, &request);
    (rows, processed_rows)
}

#[test]
fn two_halves_give_what_one_scan_gives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LogStore::open(&dir.path().join("logs.db")).expect("open");
    let writer = store.writer();
    for chunk in 0..LINES / 1_000 {
        let batch = (0..1_000)
            .map(|i| {
                let k = chunk * 1_000 + i;
                LogRecord {
                    project: "p".into(),
                    logstore: "ls".into(),
                    // 100 ms apart: 6,000 s in all.
                    time: UNIX_EPOCH + Duration::from_secs(BASE) + Duration::from_millis(k * 100),
                    topic: if k % 7 == 0 { "other" } else { "t" }.into(),
                    source: "s".into(),
                    tags: Vec::new(),
                    contents: vec![
                        ("k".to_owned(), format!("v{}", k % 13)),
                        ("n".to_owned(), (k % 5).to_string()),
                    ],
                }
            })
            .collect();
        writer.append(batch).expect("append");
    }
    writer.flush_blocking().expect("flush");
    // Closing writes the value counts still pending: then every minute is counted.
    store.close().expect("close");
    let path = dir.path().join("logs.db");
    // Minutes 4 to 95 (55,200 lines) lose their counts, so a single-key GROUP BY over the
    // whole range reads the whole minutes before and after them from the counts and them,
    // one uncovered run big enough to be split, from the lines on two connections.
    let first = (BASE / 60) as i64;
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    let deleted = conn
        .execute(
            "DELETE FROM log_key_minutes WHERE minute >= ?1 AND minute < ?2",
            (first + 4, first + 96),
        )
        .expect("delete the counts of minutes 4 to 95");
    assert_eq!(deleted, 2 * 92, "both topics of each minute were counted");
    let counted: i64 = conn
        .query_row(
            "SELECT count(*) FROM log_key_minutes WHERE topic = 't'",
            [],
            |r| r.get(0),
        )
        .expect("counted minutes");
    assert_eq!(counted, 8, "minutes 0 to 3 and 96 to 99 stay counted");
    let store = LogStore::open(&path).expect("reopen");
    let queries = [
        (
            "* | select k, count(*) as c, max(n) as m group by k order by k",
            "* | select k, count(*) as c, max(n) as m from (select k, n from log) group by k order by k",
        ),
        // One key: the minutes its value counts cover from the counts, the others from the
        // lines (in halves when they are many); once all counts are deleted, all from the
        // lines in halves.
        (
            "* | select k, count(*) as c group by k order by k",
            "* | select k, count(*) as c from (select k from log) group by k order by k",
        ),
        (
            "* | select n, k, count(*) as c group by n, k order by c desc, n, k limit 10",
            "* | select n, k, count(*) as c from (select n, k from log) group by n, k order by c desc, n, k limit 10",
        ),
    ];
    for counts in ["partly deleted", "deleted"] {
        if counts == "deleted" {
            conn.execute_batch("DELETE FROM log_key_minutes")
                .expect("delete the value counts");
        }
        for (from_ms, to_ms) in [(0, 6_000_000), (1_234, 5_999_999), (0, 3_000_000)] {
            for (weighted, plain) in queries {
                let halves = run(&store, weighted, from_ms, to_ms);
                assert_eq!(
                    halves,
                    run(&store, plain, from_ms, to_ms),
                    "{counts}: {weighted}"
                );
                assert!(halves.1 > 25_000, "{}", halves.1);
            }
        }
    }
    store.close().expect("close");
}
