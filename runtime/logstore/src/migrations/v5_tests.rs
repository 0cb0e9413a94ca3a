//! Version 5: FC's fields get typed columns, backfilled on existing files and filled by the
//! writer, and analytic SQL reading them gives what it gave from the JSON.

use std::time::{Duration, UNIX_EPOCH};

use rusqlite::Connection;

use super::{APPLICATION_ID, MIGRATIONS};
use crate::fc_fields::FC_FIELDS;
use crate::{LogRecord, LogStore, SearchRequest, SearchResult};

/// The columns version 5 adds, in order.
pub(super) const COLUMNS: [&str; 8] = [
    "fc_service",
    "fc_function",
    "fc_qualifier",
    "fc_version",
    "fc_request",
    "fc_instance",
    "fc_cold_start",
    "fc_level",
];

const SEC: i64 = 1_000_000_000;

#[test]
fn the_migration_names_every_field_column() {
    assert_eq!(COLUMNS, FC_FIELDS.map(|(_, c)| c));
    for (key, column) in FC_FIELDS {
        assert!(
            MIGRATIONS[4].contains(&format!("{column:<13} = fcl_value(contents, '{key}')")),
            "{key}"
        );
    }
}

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
                (seq as i64 + 1) * SEC,
                tags,
                contents
            ],
        )
        .expect("line");
    }
}

/// Per line: every FC column equals `fcl_value(contents, key)`, type included.
fn same_as_fcl_value(path: &std::path::Path) -> Vec<bool> {
    let conn = Connection::open(path).expect("sqlite");
    crate::udf::register_for_migrations(&conn).expect("fcl_value");
    let each = FC_FIELDS
        .iter()
        .map(|(k, c)| {
            format!(
                "{c} IS fcl_value(contents, '{k}') AND typeof({c}) = typeof(fcl_value(contents, '{k}'))"
            )
        })
        .collect::<Vec<_>>()
        .join(" AND ");
    conn.prepare(&format!("SELECT {each} FROM logs ORDER BY id"))
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))
                .and_then(|rows| rows.collect())
        })
        .expect("compare")
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

#[test]
fn version_4_files_are_backfilled_with_what_reads_computed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    version_4_file(&path);
    let store = LogStore::open(&path).expect("migrates");
    {
        let conn = Connection::open(&path).expect("sqlite");
        let rows: Vec<(Option<String>, String)> = conn
            .prepare("SELECT quote(fc_function), typeof(fc_level) FROM logs ORDER BY id")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .and_then(|rows| rows.collect())
            })
            .expect("columns");
        let f: Vec<&str> = rows
            .iter()
            .map(|(f, _)| f.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(f, ["'a'", "'007'", "42", "12", "NULL", "NULL"]);
        let levels: Vec<&str> = rows.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(levels, ["text", "text", "null", "null", "null", "null"]);
        let index: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'logs_fc'",
                [],
                |r| r.get(0),
            )
            .expect("index");
        assert_eq!(index, 1);
    }

    assert_eq!(same_as_fcl_value(&path), [true; 6]);
    // And the analytic `log` table shows them as before: typed, first occurrence, NULL when
    // absent; a key in tags or in another case is not the content key.
    let by_column = table(
        &store,
        "* | select functionName, typeof(functionName) as t, qualifier, typeof(qualifier) as q, versionId, \"__tag__:functionName\" as tag order by __time__",
    );
    let expect = |v: &[Option<&str>]| -> Vec<Option<String>> {
        v.iter().map(|s| s.map(str::to_owned)).collect()
    };
    assert_eq!(
        by_column,
        [
            expect(&[Some("a"), Some("text"), None, Some("null"), None, None]),
            expect(&[Some("007"), Some("text"), None, Some("null"), None, None]),
            expect(&[
                Some("42"),
                Some("integer"),
                Some("1.5"),
                Some("real"),
                None,
                None
            ]),
            expect(&[
                Some("12"),
                Some("integer"),
                None,
                Some("null"),
                Some("{\"x\":1}"),
                None
            ]),
            expect(&[None, Some("null"), None, Some("null"), None, Some("tag")]),
            expect(&[None, Some("null"), None, Some("null"), None, None]),
        ]
    );
    store.close().expect("close");
}

#[test]
fn the_writer_fills_the_columns_like_the_backfill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    let store = LogStore::open(&path).expect("open");
    let line = |contents: &[(&str, &str)], tags: &[(&str, &str)]| LogRecord {
        project: "p".into(),
        logstore: "ls".into(),
        time: UNIX_EPOCH + Duration::from_secs(5),
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
        line(&[("functionName", "a"), ("level", "INFO")], &[]),
        line(
            &[
                ("functionName", "42"),
                ("functionName", "dup"),
                ("qualifier", "1.5"),
            ],
            &[],
        ),
        line(&[("FunctionName", "case")], &[("functionName", "tag")]),
    ])
    .expect("append");
    w.flush_blocking().expect("flush");
    assert_eq!(same_as_fcl_value(&path), [true; 3]);
    let conn = Connection::open(&path).expect("sqlite");
    let f: Vec<Option<String>> = conn
        .prepare("SELECT quote(fc_function) FROM logs ORDER BY id")
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))
                .and_then(|rows| rows.collect())
        })
        .expect("column");
    assert_eq!(
        f,
        [Some("'a'".into()), Some("42".into()), Some("NULL".into())]
    );
    drop(conn);
    store.close().expect("close");
}
