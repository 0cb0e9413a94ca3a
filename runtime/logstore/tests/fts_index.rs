//! The full-text index of schema version 2: kept in sync by triggers in batches, emptied by
//! deletes, and built for lines that existed before the migration.

mod common;

use std::time::Duration;

use common::{at, msg};
use fclocal_logstore::{LogStore, LogstoreConfig};
use rusqlite::Connection;

fn fts_hits(conn: &Connection, query: &str) -> i64 {
    conn.query_row(
        "SELECT count(*) FROM logs_fts WHERE logs_fts MATCH ?1",
        [query],
        |r| r.get(0),
    )
    .expect("fts query")
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

/// 1,500 lines, the first and the last carrying a marker word.
fn write_lines(store: &LogStore) {
    let writer = store.writer();
    let lines = (0..1500)
        .map(|i| {
            let text = match i {
                0 => "first-marker GET /index.html".to_owned(),
                1499 => "last-marker POST /api".to_owned(),
                _ => format!("line {i} of the cn-hangzhou batch"),
            };
            msg("p", "fc", at(i), &text)
        })
        .collect();
    writer.append(lines).expect("append");
    writer.flush_blocking().expect("flush");
}

#[test]
fn lines_are_indexed_in_batches_and_the_rest_waits_in_the_queue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    let store = LogStore::open(&path).expect("open");
    write_lines(&store);
    let conn = Connection::open(&path).expect("sqlite");
    // Ids 1..=1023 were indexed when id 1023 was queued; 1024..=1500 wait.
    assert_eq!(count(&conn, "SELECT count(*) FROM logs_fts_pending"), 477);
    assert_eq!(fts_hits(&conn, "\"first-marker\""), 1);
    assert_eq!(fts_hits(&conn, "\"last-marker\""), 0);
    assert_eq!(fts_hits(&conn, "\"cn-hangzhou\""), 1022);
    // Keys are not indexed, values are, split at SLS delimiters.
    assert_eq!(fts_hits(&conn, "\"message\""), 0);
    assert_eq!(fts_hits(&conn, "\"index.html\""), 1);
    assert_eq!(fts_hits(&conn, "\"cn\" *"), 1022);
    store.close().expect("close");
}

#[test]
fn deleted_lines_leave_the_index_and_the_queue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    let store = LogStore::open(&path).expect("open");
    store
        .ensure_logstore(
            "p",
            "fc",
            LogstoreConfig {
                ttl_days: 1,
                shard_count: 1,
            },
        )
        .expect("logstore");
    write_lines(&store);
    let swept = store
        .sweep_expired(at(0) + Duration::from_secs(86_400 + 1_000))
        .expect("sweep");
    assert_eq!(swept, 1000);
    let conn = Connection::open(&path).expect("sqlite");
    assert_eq!(fts_hits(&conn, "\"first-marker\""), 0);
    assert_eq!(fts_hits(&conn, "\"cn-hangzhou\""), 23);
    assert_eq!(count(&conn, "SELECT count(*) FROM logs_fts_pending"), 477);
    store.close().expect("close");
}

#[test]
fn the_migration_indexes_existing_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    let store = LogStore::open(&path).expect("open");
    write_lines(&store);
    store.close().expect("close");
    // Back to schema version 1, as a database written by an older fclocal.
    let conn = Connection::open(&path).expect("sqlite");
    conn.execute_batch(
        "DROP TRIGGER logs_fts_enqueue; DROP TRIGGER logs_fts_delete; DROP INDEX logs_by_id;
         DROP TABLE logs_fts; DROP TABLE logs_fts_pending;
         DROP TABLE loggroups; DROP TABLE meta;
         ALTER TABLE shards DROP COLUMN next_group; ALTER TABLE shards DROP COLUMN created;
         DROP TABLE log_rollups; DROP TABLE log_key_minutes; DROP TABLE log_key_values;
         DROP TABLE log_key_overflow;
         PRAGMA user_version = 1;",
    )
    .expect("downgrade");
    drop(conn);

    let store = LogStore::open(&path).expect("migrate");
    let conn = Connection::open(&path).expect("sqlite");
    assert_eq!(fts_hits(&conn, "\"first-marker\""), 1);
    assert_eq!(fts_hits(&conn, "\"last-marker\""), 1);
    assert_eq!(count(&conn, "SELECT count(*) FROM logs_fts_pending"), 0);
    store.close().expect("close");
}
