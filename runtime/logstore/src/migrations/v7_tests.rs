//! Version 7: the value counts of content keys get a topic. Counts written by version 5 go
//! to the one topic of their minute, or are dropped when the minute has several, and the
//! GROUP BYs over the migrated file give what its lines give.

use std::time::{Duration, UNIX_EPOCH};

use rusqlite::Connection;
use rusqlite::types::Value;

use super::{APPLICATION_ID, MIGRATIONS};
use crate::{LogStore, SearchRequest, SearchResult};

const SEC: i64 = 1_000_000_000;

/// A version-6 file, as the version-5 writer left it, minute by minute:
/// - 0: topic `a` only, `userId` counted for both lines;
/// - 1: topics `a` and `b`, counted (the counts cannot be split by topic);
/// - 2: topic `b` only, `userId` overflowed;
/// - 3: topic `a` only, one line of two counted (the other's counts were lost in a crash);
/// - 4: topic `a` only, never counted (written before version 5).
fn version_6_file(path: &std::path::Path) {
    let conn = Connection::open(path).expect("sqlite");
    crate::udf::register_for_migrations(&conn).expect("functions");
    for sql in &MIGRATIONS[..4] {
        conn.execute_batch(sql).expect("versions 1 to 4");
    }
    conn.execute_batch(
        "INSERT INTO projects (name, created) VALUES ('p', 1000);
         INSERT INTO logstores (id, project, name, ttl_days, shard_count, created, last_modified)
             VALUES (7, 'p', 'ls', 3650, 1, 1000, 1000);
         INSERT INTO shards (logstore_id, shard, next_seq, next_group) VALUES (7, 0, 10, 10);",
    )
    .expect("catalogue");
    let lines = [
        (0, "a", r#"{"userId":"u1"}"#),
        (10, "a", r#"{"userId":"u2"}"#),
        (60, "a", r#"{"userId":"u1"}"#),
        (70, "b", r#"{"userId":"u3"}"#),
        (120, "b", r#"{"userId":"x1"}"#),
        (130, "b", r#"{"userId":"x2"}"#),
        (180, "a", r#"{"userId":"u1"}"#),
        (190, "a", r#"{"other":"1"}"#),
        (240, "a", r#"{"userId":"u4"}"#),
        (250, "a", r#"{"userId":"u4"}"#),
    ];
    for (seq, (secs, topic, contents)) in lines.iter().enumerate() {
        conn.execute(
            "INSERT INTO logs (id, logstore_id, shard, seq, time_ns, topic, source, contents)
             VALUES (?1, 7, 0, ?2, ?3, ?4, 's', ?5)",
            rusqlite::params![seq as i64 + 1, seq as i64, secs * SEC, topic, contents],
        )
        .expect("line");
    }
    // Version 5 counts the lines into `log_rollups`; the key counts are the writer's.
    for sql in &MIGRATIONS[4..6] {
        conn.execute_batch(sql).expect("versions 5 and 6");
    }
    conn.execute_batch(
        "INSERT INTO log_key_minutes (logstore_id, minute, lines)
             VALUES (7, 0, 2), (7, 1, 2), (7, 2, 2), (7, 3, 1);
         INSERT INTO log_key_values (logstore_id, key, minute, value, lines)
             VALUES (7, 'userId', 0, 'u1', 1), (7, 'userId', 0, 'u2', 1),
                    (7, 'userId', 1, 'u1', 1), (7, 'userId', 1, 'u3', 1),
                    (7, 'userId', 3, 'u1', 1);
         INSERT INTO log_key_overflow (logstore_id, key, minute) VALUES (7, 'userId', 2);",
    )
    .expect("version-5 key counts");
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .expect("app id");
    conn.pragma_update(None, "user_version", 6)
        .expect("version");
}

fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    conn.prepare(sql)
        .and_then(|mut s| {
            s.query_map([], |r| {
                let n = r.as_ref().column_count();
                (0..n)
                    .map(|i| r.get::<_, Value>(i).map(|v| format!("{v:?}")))
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|v| v.join(" "))
            })
            .and_then(|rows| rows.collect())
        })
        .expect(sql)
}

/// The result table of `query` over minutes 0 to 5, with `topic`.
fn table(store: &LogStore, query: &str, topic: Option<&str>) -> Vec<Vec<Option<String>>> {
    let request = SearchRequest {
        project: "p".into(),
        logstore: "ls".into(),
        query: query.into(),
        from: UNIX_EPOCH,
        to: UNIX_EPOCH + Duration::from_secs(300),
        topic: topic.map(str::to_owned),
        line: 100,
        offset: 0,
        reverse: false,
    };
    match store.reader().expect("reader").search(&request) {
        Ok(SearchResult::Table { rows, .. }) => rows,
        other => panic!("{query}: {other:?}"),
    }
}

const COUNTED: &str = "* | select userId, count(*) as c group by userId order by userId";
const LINES: &str = "* | select userId, count(*) as c from (select userId from log) group by userId order by userId";

#[test]
fn version_5_counts_go_to_their_minutes_one_topic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    version_6_file(&path);
    let store = LogStore::open(&path).expect("migrates");
    let conn = Connection::open(&path).expect("sqlite");
    // Minute 1 had two topics: dropped. Partial counts (minute 3) move as they are; they
    // do not match the lines, so that minute is read from them.
    assert_eq!(
        rows(
            &conn,
            "SELECT minute, topic, lines FROM log_key_minutes ORDER BY 1, 2"
        ),
        [
            r#"Integer(0) Text("a") Integer(2)"#,
            r#"Integer(2) Text("b") Integer(2)"#,
            r#"Integer(3) Text("a") Integer(1)"#,
        ]
    );
    assert_eq!(
        rows(
            &conn,
            "SELECT minute, topic, value, lines FROM log_key_values ORDER BY 1, 2, 3"
        ),
        [
            r#"Integer(0) Text("a") Text("u1") Integer(1)"#,
            r#"Integer(0) Text("a") Text("u2") Integer(1)"#,
            r#"Integer(3) Text("a") Text("u1") Integer(1)"#,
        ]
    );
    assert_eq!(
        rows(&conn, "SELECT minute, topic, key FROM log_key_overflow"),
        [r#"Integer(2) Text("b") Text("userId")"#]
    );
    assert!(
        rows(
            &conn,
            "SELECT name FROM sqlite_schema WHERE name LIKE '%\\_v5' ESCAPE '\\'"
        )
        .is_empty(),
        "the version-5 tables are gone"
    );

    for topic in [None, Some("a"), Some("b"), Some("c")] {
        assert_eq!(
            table(&store, COUNTED, topic),
            table(&store, LINES, topic),
            "{topic:?}"
        );
    }
    let row = |v: &str, c: &str| vec![Some(v.to_owned()), Some(c.to_owned())];
    assert_eq!(
        table(&store, COUNTED, Some("a")),
        [
            vec![None, Some("1".to_owned())],
            row("u1", "3"),
            row("u2", "1"),
            row("u4", "2"),
        ]
    );

    // Minute 0 really is read from its migrated counts: a value changed there shows.
    conn.execute(
        "UPDATE log_key_values SET value = 'counted' WHERE minute = 0 AND value = 'u2'",
        [],
    )
    .expect("tamper");
    assert!(
        table(&store, COUNTED, Some("a")).contains(&row("counted", "1")),
        "minute 0 is answered from the counts"
    );
    store.close().expect("close");
}

#[test]
fn a_file_a_running_fclocal_holds_is_not_migrated_under_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    version_6_file(&path);
    let user_version = || -> i64 {
        Connection::open(&path)
            .expect("sqlite")
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("user_version")
    };
    // A version-6 server on the same file: it holds the spool.
    let [spool_path, _] = crate::spool::paths_of(&path);
    let server = std::fs::File::create(&spool_path).expect("spool");
    server.lock().expect("lock");

    for options in [
        crate::OpenOptions::default(),
        // Without a spool of its own (`fclocal invoke`-like) it still may not migrate.
        crate::OpenOptions {
            commit_delay: Duration::ZERO,
            ..crate::OpenOptions::default()
        },
    ] {
        let err = LogStore::open_with(&path, options).expect_err("refused");
        match &err {
            crate::LogStoreError::InUseByOlderFclocal {
                path: db,
                data_dir,
                spool,
                found: 6,
                latest: 7,
            } => {
                assert_eq!(db, &path);
                assert_eq!(data_dir, dir.path());
                assert_eq!(spool, &spool_path);
            }
            other => panic!("{other:?}"),
        }
        let message = err.to_string();
        assert!(
            message.contains(&dir.path().display().to_string())
                && message.contains("stop the running fclocal"),
            "{message}"
        );
        assert_eq!(user_version(), 6, "the file is left as it is");
        let conn = Connection::open(&path).expect("sqlite");
        assert_eq!(
            rows(&conn, "SELECT count(*) FROM log_key_values"),
            ["Integer(5)"],
            "the version-5 counts are untouched"
        );
    }

    // Once it exits, the file is migrated.
    drop(server);
    let store = LogStore::open(&path).expect("migrates");
    assert_eq!(user_version(), 7);
    // A second store on the now current file still opens beside the first (which holds
    // the spool), as before.
    let second = LogStore::open(&path).expect("a current file opens beside its owner");
    assert_eq!(
        table(&second, COUNTED, Some("a")),
        table(&store, LINES, Some("a"))
    );
    second.close().expect("close");
    store.close().expect("close");
}
