//! Single-key GROUP BYs with a GetLogs topic filter are answered from the per-minute value
//! counts of that topic (`src/key_counts.rs`, `src/search/key_counts.rs`, migration 7) and
//! give exactly what the lines give: compared with the same statement over
//! `(SELECT … FROM log)` (always the lines) and with the counts deleted, for a minute with
//! two topics (also once one topic's counts are missing) and a key that overflows under one
//! topic only; and a topic written in the query (`__topic__: X`), answered from the counts
//! when it names exactly one topic. A value renamed in the counts shows which minutes and
//! topics were really read from them.

mod common;

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use common::{Table, search_table};
use fclocal_logstore::{LogRecord, LogStore, LogstoreConfig, SearchRequest};
use rusqlite::Connection;

/// 2025-01-01T00:00:00Z.
const BASE: u64 = 1_735_689_600;

const COUNTED: &str = "* | select userId, count(*) as c group by userId order by c desc, userId";
const LINES: &str = "* | select userId, count(*) as c from (select userId from log) \
    group by userId order by c desc, userId";

fn line(secs: u64, topic: &str, user: Option<String>) -> LogRecord {
    let mut contents = vec![("message".to_owned(), format!("at {secs}"))];
    if let Some(user) = user {
        contents.push(("userId".to_owned(), user));
    }
    LogRecord {
        project: "p".into(),
        logstore: "ls".into(),
        time: UNIX_EPOCH + Duration::from_secs(BASE + secs),
        topic: topic.into(),
        source: "s".into(),
        tags: Vec::new(),
        contents,
    }
}

/// Writes `batches` (one append each) and closes the store, which writes the value counts.
fn write(path: &Path, batches: Vec<Vec<LogRecord>>) {
    let store = LogStore::open(path).expect("open");
    store
        .ensure_logstore("p", "ls", LogstoreConfig::default())
        .expect("logstore");
    let writer = store.writer();
    for batch in batches {
        writer.append(batch).expect("append");
    }
    writer.flush_blocking().expect("flush");
    store.close().expect("close");
}

/// `query` over the whole minutes 0 to 5, with `topic`.
fn run(store: &LogStore, query: &str, topic: Option<&str>) -> Table {
    search(store, query, topic, (0, 300))
}

/// `query` over `[from, to)` seconds after `BASE`, without a GetLogs topic.
fn run_between(store: &LogStore, query: &str, from: u64, to: u64) -> Table {
    search(store, query, None, (from, to))
}

fn search(store: &LogStore, query: &str, topic: Option<&str>, (from, to): (u64, u64)) -> Table {
    let base = UNIX_EPOCH + Duration::from_secs(BASE);
    let request = SearchRequest {
        project: "p".into(),
        logstore: "ls".into(),
        query: query.into(),
        from: base + Duration::from_secs(from),
        to: base + Duration::from_secs(to),
        topic: topic.map(str::to_owned),
        line: 100,
        offset: 0,
        reverse: false,
    };
    search_table(store, &request)
}

fn sql(path: &Path, sql: &str) {
    Connection::open(path)
        .and_then(|c| c.execute_batch(sql))
        .expect(sql);
}

/// Per topic (none, each of `topics`): the counted answer equals the lines' answer, before
/// and after deleting the counts; returns the counted answers.
fn agree(store: &LogStore, topics: &[&str]) -> Vec<Table> {
    let filters: Vec<Option<&str>> = std::iter::once(None)
        .chain(topics.iter().copied().map(Some))
        .collect();
    let counted: Vec<Table> = filters.iter().map(|&t| run(store, COUNTED, t)).collect();
    for (table, &topic) in counted.iter().zip(&filters) {
        assert_eq!(*table, run(store, LINES, topic), "{topic:?}");
    }
    counted
}

/// `(userId, count)` rows.
fn pairs(table: &Table) -> Vec<(Option<&str>, &str)> {
    table
        .1
        .iter()
        .map(|r| (r[0].as_deref(), r[1].as_deref().expect("count")))
        .collect()
}

#[test]
fn a_minute_with_two_topics_is_counted_per_topic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    let user = |u: &str| Some(u.to_owned());
    // Minute 0: `a` and `b`, their lines interleaved over two appends; minute 1: `a`;
    // minute 2: `b`.
    write(
        &path,
        vec![
            vec![
                line(1, "a", user("u1")),
                line(2, "b", user("u1")),
                line(3, "a", user("u2")),
                line(4, "a", None),
            ],
            vec![
                line(5, "b", user("u3")),
                line(6, "a", user("u1")),
                line(7, "b", user("u3")),
                line(61, "a", user("u1")),
                line(62, "a", user("7")),
                line(121, "b", None),
            ],
        ],
    );
    let rows = |sql: &str| -> Vec<(i64, String, i64)> {
        let conn = Connection::open(&path).expect("sqlite");
        let mut stmt = conn.prepare(sql).expect(sql);
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .expect(sql)
    };
    let first = (BASE / 60) as i64;
    assert_eq!(
        rows("SELECT minute, topic, lines FROM log_key_minutes ORDER BY 1, 2"),
        [
            (first, "a".to_owned(), 4),
            (first, "b".to_owned(), 3),
            (first + 1, "a".to_owned(), 2),
            (first + 2, "b".to_owned(), 1),
        ]
    );
    assert_eq!(
        rows(
            "SELECT minute, topic || ':' || value, lines FROM log_key_values \
             WHERE key = 'userId' AND minute = (SELECT min(minute) FROM log_key_values) \
             ORDER BY 2"
        ),
        [
            (first, "a:u1".to_owned(), 2),
            (first, "a:u2".to_owned(), 1),
            (first, "b:u1".to_owned(), 1),
            (first, "b:u3".to_owned(), 2),
        ]
    );

    let store = LogStore::open(&path).expect("reopen");
    let counted = agree(&store, &["a", "b", "c"]);
    assert_eq!(
        pairs(&counted[0]),
        [
            (Some("u1"), "4"),
            (None, "2"),
            (Some("u3"), "2"),
            (Some("7"), "1"),
            (Some("u2"), "1"),
        ]
    );
    assert_eq!(
        pairs(&counted[1]),
        [
            (Some("u1"), "3"),
            (None, "1"),
            (Some("7"), "1"),
            (Some("u2"), "1")
        ]
    );
    assert_eq!(
        pairs(&counted[2]),
        [(Some("u3"), "2"), (None, "1"), (Some("u1"), "1")]
    );
    assert_eq!(counted[3].2, 0, "no line has topic c");

    // Read from the counts, for each topic and for both together.
    sql(&path, "UPDATE log_key_values SET value = value || '!'");
    assert_eq!(
        pairs(&run(&store, COUNTED, Some("b"))),
        [(Some("u3!"), "2"), (None, "1"), (Some("u1!"), "1")]
    );
    assert_eq!(
        pairs(&run(&store, COUNTED, None)),
        [
            (Some("u1!"), "4"),
            (None, "2"),
            (Some("u3!"), "2"),
            (Some("7!"), "1"),
            (Some("u2!"), "1"),
        ],
        "the topics' counts are summed"
    );
    // Minute 0 loses `b`'s counts (deleted, not overflowed): `a` is still answered from its
    // counts there, `b` reads that minute's lines, and so does the minute without a filter.
    sql(
        &path,
        &format!(
            "DELETE FROM log_key_minutes WHERE minute = {first} AND topic = 'b';
             DELETE FROM log_key_values WHERE minute = {first} AND topic = 'b';"
        ),
    );
    assert_eq!(
        pairs(&run(&store, COUNTED, Some("a"))),
        [
            (Some("u1!"), "3"),
            (None, "1"),
            (Some("7!"), "1"),
            (Some("u2!"), "1")
        ]
    );
    let b = run(&store, COUNTED, Some("b"));
    assert_eq!(
        b,
        run(&store, LINES, Some("b")),
        "`b` reads minute 0 from its lines"
    );
    assert_eq!(
        pairs(&b),
        [(Some("u3"), "2"), (None, "1"), (Some("u1"), "1")]
    );
    assert_eq!(
        pairs(&run(&store, COUNTED, None)),
        [
            (Some("u1"), "3"),
            (None, "2"),
            (Some("u3"), "2"),
            (Some("7!"), "1"),
            (Some("u1!"), "1"),
            (Some("u2"), "1"),
        ],
        "minute 0 from its lines, minute 1 from its counts"
    );
    // Without the counts every minute reads its lines, and the answers stay the same.
    sql(
        &path,
        "DELETE FROM log_key_values; DELETE FROM log_key_minutes; DELETE FROM log_key_overflow;",
    );
    let lines = agree(&store, &["a", "b", "c"]);
    // The renamed values were the counts' only: the lines give the originals.
    assert_eq!(
        lines.iter().map(pairs).collect::<Vec<_>>(),
        counted.iter().map(pairs).collect::<Vec<_>>()
    );
    store.close().expect("close");
}

#[test]
fn a_key_overflowing_under_one_topic_reads_only_that_topics_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    // Minute 0: 300 distinct users under `busy` (more than a minute keeps), two under
    // `quiet`; minute 1: `busy` with three users.
    let mut batch: Vec<LogRecord> = (0..300)
        .map(|i| line(i / 10, "busy", Some(format!("id-{i}"))))
        .collect();
    batch.extend((0..10).map(|i| line(30 + i, "quiet", Some(format!("q{}", i % 2)))));
    batch.extend((0..9).map(|i| line(60 + i, "busy", Some(format!("u{}", i % 3)))));
    write(&path, vec![batch]);
    let conn = Connection::open(&path).expect("sqlite");
    let overflow: Vec<(i64, String)> = conn
        .prepare("SELECT minute, topic FROM log_key_overflow WHERE key = 'userId'")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(|rows| rows.collect())
        })
        .expect("overflow");
    assert_eq!(overflow, [((BASE / 60) as i64, "busy".to_owned())]);
    let busy_values: i64 = conn
        .query_row(
            "SELECT count(*) FROM log_key_values WHERE key = 'userId' AND topic = 'busy' \
             AND minute = ?1",
            [(BASE / 60) as i64],
            |r| r.get(0),
        )
        .expect("values");
    assert_eq!(busy_values, 0, "an overflowed key's values are dropped");
    drop(conn);

    let store = LogStore::open(&path).expect("reopen");
    let counted = agree(&store, &["busy", "quiet"]);
    assert_eq!(counted[0].2, 319);
    assert_eq!(counted[1].2, 309);
    assert_eq!(pairs(&counted[2]), [(Some("q0"), "5"), (Some("q1"), "5")]);

    sql(&path, "UPDATE log_key_values SET value = value || '!'");
    // `quiet` is answered from its counts though `busy` overflowed in the same minute.
    assert_eq!(
        pairs(&run(&store, COUNTED, Some("quiet"))),
        [(Some("q0!"), "5"), (Some("q1!"), "5")]
    );
    // `busy`: minute 0 from its lines, minute 1 from its counts. Without a topic, minute 0
    // is read from the lines (`quiet` too), minute 1 from the counts.
    for topic in [Some("busy"), None] {
        let table = run(&store, COUNTED, topic);
        let got = pairs(&table);
        assert!(got.contains(&(Some("id-0"), "1")), "{topic:?}: {got:?}");
        assert!(got.contains(&(Some("u0!"), "3")), "{topic:?}: {got:?}");
        assert_eq!(
            got.contains(&(Some("q0"), "5")),
            topic.is_none(),
            "{topic:?}: {got:?}"
        );
    }
    store.close().expect("close");
}

/// `__topic__: X | select …` with the counted and the lines' form of the statement.
fn term(topic_term: &str, lines: bool) -> String {
    let query = if lines { LINES } else { COUNTED };
    format!("{topic_term} {query}").replacen("* |", "|", 1)
}

#[test]
fn a_topic_written_in_the_query_is_answered_from_its_counts_when_it_names_one_topic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    let user = |u: &str| Some(u.to_owned());
    write(
        &path,
        vec![vec![
            line(1, "a", user("u1")),
            line(2, "b", user("u1")),
            line(3, "a", user("u2")),
            line(61, "a", user("u1")),
            line(62, "b", None),
        ]],
    );
    let store = LogStore::open(&path).expect("reopen");
    // Whole and case-insensitive, as SLS compares `__topic__`: `a`, `A` and `"A"` are `a`.
    for written in ["__topic__: a", "__topic__: A", "__topic__: \"A\""] {
        let counted = run(&store, &term(written, false), None);
        assert_eq!(
            counted,
            run(&store, &term(written, true), None),
            "{written}"
        );
        assert_eq!(counted, run(&store, COUNTED, Some("a")), "{written}");
        assert_eq!(pairs(&counted), [(Some("u1"), "2"), (Some("u2"), "1")]);
    }
    // Both filters: the term must select the request's topic, else nothing matches.
    assert_eq!(
        run(&store, &term("__topic__: a", false), Some("a")),
        run(&store, COUNTED, Some("a"))
    );
    let neither = run(&store, &term("__topic__: a", false), Some("b"));
    assert_eq!(neither, run(&store, &term("__topic__: a", true), Some("b")));
    assert_eq!(neither.2, 0);

    // Read from the counts: their values renamed, the answer follows them.
    sql(&path, "UPDATE log_key_values SET value = value || '!'");
    assert_eq!(
        pairs(&run(&store, &term("__topic__: A", false), None)),
        [(Some("u1!"), "2"), (Some("u2!"), "1")]
    );
    // A wildcard, or a topic no line has, reads the lines.
    assert_eq!(
        pairs(&run(&store, &term("__topic__: a*", false), None)),
        [(Some("u1"), "2"), (Some("u2"), "1")]
    );
    assert_eq!(run(&store, &term("__topic__: c", false), None).2, 0);
    store.close().expect("close");

    // `A` beside `a`: the term selects both topics, so the lines are read (not the renamed
    // counts), and it still agrees with the lines' form.
    write(&path, vec![vec![line(63, "A", user("u2"))]]);
    let store = LogStore::open(&path).expect("reopen");
    let both = run(&store, &term("__topic__: a", false), None);
    assert_eq!(both, run(&store, &term("__topic__: a", true), None));
    assert_eq!(pairs(&both), [(Some("u1"), "2"), (Some("u2"), "2")]);
    store.close().expect("close");
}

#[test]
fn a_topic_in_the_query_sees_the_topics_of_the_cut_minutes_and_the_fc_field_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    let user = |u: &str| Some(u.to_owned());
    // Minute 0: `a` and the empty topic; minute 1, cut by the range's end: `A` only.
    write(
        &path,
        vec![vec![
            line(1, "a", user("u1")),
            line(2, "", user("u1")),
            line(3, "a", user("u2")),
            line(4, "", None),
            line(63, "A", user("u2")),
        ]],
    );
    let store = LogStore::open(&path).expect("reopen");
    sql(
        &path,
        "UPDATE log_key_values SET value = value || '!'; \
         UPDATE log_rollups SET source = source || '!'",
    );
    // `A` is in the cut minute only: the term names two topics, so the lines are read.
    let cut = run_between(&store, &term("__topic__: a", false), 0, 90);
    assert_eq!(cut, run_between(&store, &term("__topic__: a", true), 0, 90));
    assert_eq!(pairs(&cut), [(Some("u2"), "2"), (Some("u1"), "1")]);
    // Whole minute 0 alone names one topic: from the counts (renamed values).
    assert_eq!(
        pairs(&run_between(&store, &term("__topic__: a", false), 0, 60)),
        [(Some("u1!"), "1"), (Some("u2!"), "1")]
    );
    // The empty topic, written `__topic__: ""`, is a topic too.
    assert_eq!(
        pairs(&run_between(&store, &term("__topic__: \"\"", false), 0, 60)),
        [(None, "1"), (Some("u1!"), "1")]
    );
    // FC's fields (`__source__` here) come from `log_rollups` for the named topic.
    let sources = "__topic__: a | select __source__, count(*) as c group by __source__";
    let lines = "__topic__: a | select __source__, count(*) as c \
        from (select __source__ from log) group by __source__";
    let counted = run_between(&store, sources, 0, 60);
    assert_eq!(counted.1, [[Some("s!".to_owned()), Some("2".to_owned())]]);
    let read = run_between(&store, lines, 0, 60);
    assert_eq!(read.1, [[Some("s".to_owned()), Some("2".to_owned())]]);
    assert_eq!(counted.2, read.2);
    store.close().expect("close");
}
