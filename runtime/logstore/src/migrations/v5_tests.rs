//! Version 5: per-minute counts of FC's fields, counted on existing files by the migration
//! and kept by the writer, and GROUP BYs answered from them give what the lines give.

use std::time::{Duration, UNIX_EPOCH};

use rusqlite::Connection;

use super::{APPLICATION_ID, MIGRATIONS};
use crate::{LogRecord, LogStore, SearchRequest, SearchResult};

const SEC: i64 = 1_000_000_000;

/// A version-4 file with lines whose FC-looking keys have odd shapes: numbers, duplicates,
/// non-string JSON (a file edited by hand), a key only in tags, a key in another case.
fn version_4_file(path: &std::path::Path) {
    let conn = Connection::open(path).expect("sqlite");
    for sql in &MIGRATIONS[..4] {
        conn.execute_batch(sql).expect("versions 1 to 4");
    }
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .expect("app id");
    conn.pragma_update(None, "user_version", 4)
        .expect("version");
    conn.execute_batch(
        "INSERT INTO projects (name, created) VALUES ('p', 1000);
         INSERT INTO logstores (id, project, name, ttl_days, shard_count, created, last_modified)
             VALUES (7, 'p', 'ls', 3650, 1, 1000, 1000);
         INSERT INTO shards (logstore_id, shard, next_seq, next_group) VALUES (7, 0, 6, 6);",
    )
    .expect("catalogue");
    let lines: [(&str, Option<&str>); 6] = [
        (
            r#"{"functionName":"a","level":"INFO","requestId":"r1"}"#,
            None,
        ),
        (
            r#"{"functionName":"007","level":"ERROR","coldStart":"true"}"#,
            None,
        ),
        (
            r#"{"functionName":"42","functionName":"dup","qualifier":"1.5"}"#,
            None,
        ),
        (
            r#"{"functionName":12,"level":null,"versionId":{"x":1}}"#,
            None,
        ),
        (
            r#"{"FunctionName":"case","message":"no fc keys"}"#,
            Some(r#"{"functionName":"tag"}"#),
        ),
        (r#"{}"#, None),
    ];
    for (seq, (contents, tags)) in lines.iter().enumerate() {
        conn.execute(
            "INSERT INTO logs (id, logstore_id, shard, seq, time_ns, topic, source, tags, contents)
             VALUES (?1, 7, 0, ?2, ?3, 't', 's', ?4, ?5)",
            rusqlite::params![
                seq as i64 + 1,
                seq as i64,
                seq as i64 * 50 * SEC,
                tags,
                contents
            ],
        )
        .expect("line");
    }
}

fn table(store: &LogStore, query: &str) -> Vec<Vec<Option<String>>> {
    let reader = store.reader().expect("reader");
    let request = SearchRequest {
        project: "p".into(),
        logstore: "ls".into(),
        query: query.into(),
        from: UNIX_EPOCH,
        to: UNIX_EPOCH + Duration::from_secs(1_000_000),
        topic: None,
        line: 100,
        offset: 0,
        reverse: false,
    };
    match reader.search(&request).expect(query) {
        SearchResult::Table { rows, .. } => rows,
        SearchResult::Logs { .. } => panic!("{query}: not a table"),
    }
}

/// Queries answered from the counts, and the columns each reads.
const QUERIES: &[(&str, &str)] = &[
    (
        "* | select functionName, typeof(functionName) as t, count(*) as c group by functionName order by c, t, functionName",
        "functionName",
    ),
    (
        "* | select qualifier, level, count(level) as n, count(*) as c group by qualifier, level order by c, qualifier, level",
        "qualifier, level",
    ),
    (
        "* | select __topic__, count(distinct functionName) as f, min(serviceName) as s, count(*) as c group by __topic__",
        "__topic__, functionName, serviceName",
    ),
];

/// A result's rows.
type Table = Vec<Vec<Option<String>>>;

/// Each of [`QUERIES`] from the counts and from the lines (`FROM (SELECT … FROM log)`).
fn both_ways(store: &LogStore) -> Vec<(Table, Table)> {
    QUERIES
        .iter()
        .map(|(query, columns)| {
            let lines = query.replacen(
                " group by ",
                &format!(" from (select {columns} from log) group by "),
                1,
            );
            (table(store, query), table(store, &lines))
        })
        .collect()
}

fn rollups(conn: &Connection) -> Vec<Vec<String>> {
    conn.prepare(
        "SELECT logstore_id, minute, hex(combo), topic, source, quote(service), quote(function),
                quote(qualifier), quote(level), lines FROM log_rollups ORDER BY 1, 2, 3",
    )
    .and_then(|mut s| {
        s.query_map([], |r| {
            (0..10)
                .map(|i| r.get_ref(i).map(|v| format!("{v:?}")))
                .collect()
        })
        .and_then(|rows| rows.collect())
    })
    .expect("rollups")
}

#[test]
fn version_4_files_are_counted_with_what_reads_compute() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    version_4_file(&path);
    let store = LogStore::open(&path).expect("migrates");
    let conn = Connection::open(&path).expect("sqlite");
    let (rows, lines): (i64, i64) = conn
        .query_row("SELECT count(*), sum(lines) FROM log_rollups", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("counts");
    assert_eq!(lines, 6, "every line counted once");
    assert!(rows >= 5, "{rows}: distinct combinations and minutes");
    for (i, (counted, from_lines)) in both_ways(&store).into_iter().enumerate() {
        assert_eq!(counted, from_lines, "{}", QUERIES[i].0);
    }
    // Typed, first occurrence, NULL when absent; a key in tags or in another case is not
    // the content key.
    assert_eq!(
        table(
            &store,
            "* | select functionName, typeof(functionName) as t, count(*) as c group by functionName order by c, t, functionName",
        ),
        [
            ["12", "integer", "1"],
            ["42", "integer", "1"],
            ["007", "text", "1"],
            ["a", "text", "1"],
        ]
        .iter()
        .map(|r| r.iter().map(|v| Some(v.to_string())).collect::<Vec<_>>())
        .chain([vec![None, Some("null".to_owned()), Some("2".to_owned())]])
        .collect::<Vec<_>>()
    );
    store.close().expect("close");
}

#[test]
fn the_writer_counts_like_the_migration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    let store = LogStore::open(&path).expect("open");
    let line = |secs: u64, contents: &[(&str, &str)], tags: &[(&str, &str)]| LogRecord {
        project: "p".into(),
        logstore: "ls".into(),
        time: UNIX_EPOCH + Duration::from_secs(secs),
        topic: "t".into(),
        source: "s".into(),
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        contents: contents
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    store
        .ensure_logstore("p", "ls", crate::LogstoreConfig::default())
        .expect("logstore");
    let w = store.writer();
    w.append(vec![
        line(5, &[("functionName", "a"), ("level", "INFO")], &[]),
        line(65, &[("functionName", "a"), ("level", "INFO")], &[]),
        line(
            70,
            &[
                ("functionName", "42"),
                ("functionName", "dup"),
                ("qualifier", "1.5"),
            ],
            &[],
        ),
        line(71, &[("FunctionName", "case")], &[("functionName", "tag")]),
    ])
    .expect("append");
    w.flush_blocking().expect("flush");
    w.append(vec![line(
        6,
        &[("functionName", "a"), ("level", "INFO")],
        &[],
    )])
    .expect("append");
    w.flush_blocking().expect("flush");
    let conn = Connection::open(&path).expect("sqlite");
    crate::udf::register_for_migrations(&conn).expect("functions");
    let by_writer = rollups(&conn);
    assert_eq!(by_writer.len(), 4, "{by_writer:?}");
    let m = MIGRATIONS[4];
    let backfill =
        &m[m.find("INSERT INTO").expect("backfill")..m.find("CREATE TABLE log_key").expect("next")];
    conn.execute_batch(&format!("DELETE FROM log_rollups; {backfill}"))
        .expect("recount");
    assert_eq!(rollups(&conn), by_writer);
    drop(conn);
    for (i, (counted, from_lines)) in both_ways(&store).into_iter().enumerate() {
        assert_eq!(counted, from_lines, "{}", QUERIES[i].0);
    }
    store.close().expect("close");
}
