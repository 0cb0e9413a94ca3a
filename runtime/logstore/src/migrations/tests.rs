//! Upgrading a version-1 file: its lines become one-line groups (see the version 3 notes).

use std::time::{Duration, UNIX_EPOCH};

use rusqlite::{Connection, params};

use super::{APPLICATION_ID, MIGRATIONS};
use crate::{CursorPosition, GroupAppend, GroupLog, LogStore, ShardChoice};

const SEC: i64 = 1_000_000_000;

#[test]
fn version_1_lines_become_one_line_groups() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    {
        let conn = Connection::open(&path).expect("sqlite");
        conn.execute_batch(MIGRATIONS[0]).expect("version 1");
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .expect("app id");
        conn.pragma_update(None, "user_version", 1)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO projects (name, created) VALUES ('p', 1000);
             INSERT INTO logstores (id, project, name, ttl_days, shard_count, created,
                                    last_modified)
                 VALUES (7, 'p', 'ls', 30, 2, 1000, 1000);
             INSERT INTO shards (logstore_id, shard, next_seq) VALUES (7, 0, 4), (7, 1, 0);",
        )
        .expect("catalogue");
        // Shard 0 had seqs 0..4; seq 1 was swept. Times go back at seq 3.
        for (seq, secs) in [(0, 10), (2, 30), (3, 20)] {
            conn.execute(
                "INSERT INTO logs (logstore_id, shard, seq, time_ns, topic, source, contents)
                 VALUES (7, 0, ?1, ?2, 't', '', ?3)",
                params![seq, secs * SEC, format!(r#"{{"n":"{seq}"}}"#)],
            )
            .expect("line");
        }
    }

    let store = LogStore::open(&path).expect("migrates");
    let reader = store.reader().expect("reader");
    let cursor = |shard, at| reader.cursor("p", "ls", shard, at).expect("cursor");
    assert_eq!(cursor(0, CursorPosition::Begin), 0);
    assert_eq!(cursor(0, CursorPosition::End), 4, "next_group = next_seq");
    assert_eq!(cursor(1, CursorPosition::End), 0);
    let secs = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
    assert_eq!(cursor(0, CursorPosition::ReceivedAt(secs(25))), 2);

    let pulled = reader.pull("p", "ls", 0, 0, 10, None).expect("pull");
    let groups: Vec<(u64, u64, usize, String)> = pulled
        .groups
        .iter()
        .map(|g| {
            let received = g
                .received_at
                .duration_since(UNIX_EPOCH)
                .expect("after 1970");
            (
                g.group_seq,
                received.as_secs(),
                g.logs.len(),
                g.topic.clone(),
            )
        })
        .collect();
    // Receive time: the running maximum of the line times.
    assert_eq!(
        groups,
        [
            (0, 10, 1, "t".into()),
            (2, 30, 1, "t".into()),
            (3, 30, 1, "t".into())
        ]
    );
    let shards = reader.shards("p", "ls").expect("shards");
    assert_eq!(shards[0].created, secs(1000));

    let w = store.writer();
    w.append_group(GroupAppend {
        project: "p".into(),
        logstore: "ls".into(),
        shard: ShardChoice::Shard(0),
        received_at: secs(5),
        topic: String::new(),
        source: String::new(),
        tags: Vec::new(),
        logs: vec![GroupLog {
            time: secs(40),
            contents: Vec::new(),
        }],
    })
    .expect("append");
    w.flush_blocking().expect("flush");
    let last = reader.pull("p", "ls", 0, 4, 10, None).expect("pull");
    assert_eq!(last.groups[0].group_seq, 4);
    assert_eq!(
        last.groups[0].received_at,
        secs(30),
        "clamped to the backfill"
    );
    store.close().expect("close");
}

#[test]
fn version_3_files_get_an_identity_and_ids_above_their_lines_without_a_rebuild() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    let logs_sql = |conn: &Connection| -> String {
        conn.query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'logs'",
            [],
            |row| row.get(0),
        )
        .expect("logs table")
    };
    let before = {
        let conn = Connection::open(&path).expect("sqlite");
        for sql in &MIGRATIONS[..3] {
            conn.execute_batch(sql).expect("versions 1 to 3");
        }
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .expect("app id");
        conn.pragma_update(None, "user_version", 3)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO projects (name, created) VALUES ('p', 1000);
             INSERT INTO logstores (id, project, name, ttl_days, shard_count, created,
                                    last_modified)
                 VALUES (7, 'p', 'ls', 30, 1, 1000, 1000);
             INSERT INTO shards (logstore_id, shard, next_seq, next_group) VALUES (7, 0, 3, 3);
             INSERT INTO logs (id, logstore_id, shard, seq, time_ns, topic, source, contents)
                 VALUES (1, 7, 0, 0, 1, 't', '', '{}'), (2, 7, 0, 1, 2, 't', '', '{}'),
                        (5, 7, 0, 2, 3, 't', '', '{}');",
        )
        .expect("lines");
        logs_sql(&conn)
    };

    let store = LogStore::open(&path).expect("migrates");
    let reader = store.reader().expect("reader");
    let id = reader.database_id().expect("database id");
    assert!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );
    assert_eq!(reader.newest_id().expect("newest"), 5);
    let w = store.writer();
    w.append_group(GroupAppend {
        project: "p".into(),
        logstore: "ls".into(),
        shard: ShardChoice::Shard(0),
        received_at: UNIX_EPOCH + Duration::from_secs(5),
        topic: String::new(),
        source: String::new(),
        tags: Vec::new(),
        logs: vec![GroupLog {
            time: UNIX_EPOCH + Duration::from_secs(40),
            contents: Vec::new(),
        }],
    })
    .expect("append");
    w.flush_blocking().expect("flush");
    let ids: Vec<i64> = reader
        .lines_after(0, 10, usize::MAX)
        .expect("lines")
        .iter()
        .map(|line| line.id)
        .collect();
    assert_eq!(ids, [1, 2, 5, 6]);
    store.close().expect("close");
    let conn = Connection::open(&path).expect("sqlite");
    assert_eq!(logs_sql(&conn), before, "the logs table is not rebuilt");
}
