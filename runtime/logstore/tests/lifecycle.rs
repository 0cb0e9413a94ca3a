//! Catalogue, retention, reopening, bad files, closing and write failures.

mod common;

use std::time::Duration;

use common::{all, at, messages, msg};
use fclocal_logstore::{LogQuery, LogRecord, LogStore, LogStoreError, LogstoreConfig, OpenOptions};

const DAY: Duration = Duration::from_secs(86_400);

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn ensure_creates_and_updates() {
    let dir = tmp();
    let store = LogStore::open(&dir.path().join("logs.db")).expect("open");
    store.ensure_project("p", "").expect("project");
    store.ensure_project("p", "FC logs").expect("describe");
    store
        .ensure_project("p", "")
        .expect("empty description keeps the old one");
    let config = LogstoreConfig {
        ttl_days: 7,
        shard_count: 4,
    };
    store
        .ensure_logstore("q", "fc", config)
        .expect("logstore in a new project");
    store
        .ensure_logstore("q", "fc", config)
        .expect("idempotent");

    let reader = store.reader().expect("reader");
    let projects = reader.projects().expect("projects");
    let names: Vec<_> = projects
        .iter()
        .map(|p| (p.name.as_str(), p.description.as_str()))
        .collect();
    assert_eq!(names, [("p", "FC logs"), ("q", "")]);
    let ls = reader.logstores("q").expect("logstores");
    assert_eq!(
        (ls.len(), ls[0].name.as_str(), ls[0].config),
        (1, "fc", config)
    );

    let changed = LogstoreConfig {
        ttl_days: 30,
        shard_count: 1,
    };
    let w = store.writer();
    w.append(vec![msg("q", "fc", at(0), "a")]).expect("append");
    // Shrinking to one shard: every later group lands in shard 0.
    store.ensure_logstore("q", "fc", changed).expect("update");
    w.append(vec![msg("q", "fc", at(1), "b")]).expect("append");
    w.append(vec![msg("q", "fc", at(2), "c")]).expect("append");
    w.flush_blocking().expect("flush");
    assert_eq!(reader.logstores("q").expect("logstores")[0].config, changed);
    let shards: Vec<_> = all(&store, "q", "fc")
        .iter()
        .map(|l| (l.shard, l.seq))
        .collect();
    assert_eq!(shards, [(0, 0), (0, 1), (0, 2)]);

    let bad = LogstoreConfig {
        ttl_days: 0,
        shard_count: 1,
    };
    let err = store.ensure_logstore("q", "fc", bad).expect_err("ttl 0");
    assert!(matches!(err, LogStoreError::InvalidConfig { .. }), "{err}");
}

#[test]
fn append_to_unknown_logstore_creates_it_with_defaults() {
    let dir = tmp();
    let store = LogStore::open(&dir.path().join("logs.db")).expect("open");
    let w = store.writer();
    w.append(vec![msg("new-project", "new-store", at(0), "kept")])
        .expect("append");
    w.flush_blocking().expect("flush");
    let reader = store.reader().expect("reader");
    let ls = reader
        .logstores("new-project")
        .expect("auto-created project");
    assert_eq!(ls[0].config, LogstoreConfig::default());
    assert_eq!(
        LogstoreConfig::default(),
        LogstoreConfig {
            ttl_days: 30,
            shard_count: 2
        }
    );
    assert_eq!(messages(&all(&store, "new-project", "new-store")), ["kept"]);
}

#[test]
fn ttl_sweep_deletes_only_expired_lines() {
    let dir = tmp();
    let store = LogStore::open(&dir.path().join("logs.db")).expect("open");
    store
        .ensure_logstore(
            "p",
            "week",
            LogstoreConfig {
                ttl_days: 7,
                shard_count: 1,
            },
        )
        .expect("ls");
    store
        .ensure_logstore(
            "p",
            "forever",
            LogstoreConfig {
                ttl_days: 3650,
                shard_count: 1,
            },
        )
        .expect("ls");
    let now = at(0) + 100 * DAY;
    let w = store.writer();
    for (ls, age_days) in [("week", 8), ("week", 7), ("week", 6), ("forever", 5000)] {
        let t = now - Duration::from_secs(age_days * 86_400) + Duration::from_secs(1);
        w.append(vec![msg("p", ls, t, &format!("{age_days}d"))])
            .expect("append");
    }
    // Queued appends are committed before the sweep runs.
    assert_eq!(store.sweep_expired(now).expect("sweep"), 1);
    assert_eq!(messages(&all(&store, "p", "week")), ["7d", "6d"]);
    assert_eq!(store.sweep_expired(now + DAY).expect("sweep"), 1);
    assert_eq!(messages(&all(&store, "p", "week")), ["6d"]);
    assert_eq!(messages(&all(&store, "p", "forever")), ["5000d"]);
    assert_eq!(store.sweep_expired(now).expect("nothing left to sweep"), 0);
}

#[test]
fn reopen_keeps_data_schema_and_sequences() {
    let dir = tmp();
    let path = dir.path().join("logs.db");
    let store = LogStore::open(&path).expect("open");
    store
        .writer()
        .append(vec![msg("p", "fc", at(0), "one")])
        .expect("append");
    // No flush: close drains and commits.
    store.close().expect("close");

    let store = LogStore::open(&path).expect("reopen");
    assert_eq!(
        store
            .reader()
            .expect("reader")
            .schema_version()
            .expect("version"),
        7
    );
    store
        .writer()
        .append(vec![msg("p", "fc", at(1), "two")])
        .expect("append");
    drop(store); // Drop drains too.

    let reader = fclocal_logstore::LogReader::open(&path).expect("reader without a writer");
    let logs = reader
        .query(&LogQuery {
            project: Some("p".into()),
            ..Default::default()
        })
        .expect("query");
    assert_eq!(messages(&logs), ["one", "two"]);
    // Round-robin restarts at shard 0 after reopening, but seqs continue.
    assert_eq!(
        logs.iter().map(|l| (l.shard, l.seq)).collect::<Vec<_>>(),
        [(0, 0), (0, 1)]
    );
}

#[test]
fn writing_after_close_is_an_error() {
    let dir = tmp();
    let store = LogStore::open(&dir.path().join("logs.db")).expect("open");
    let w = store.writer();
    store.close().expect("close");
    let err = w
        .append(vec![msg("p", "fc", at(0), "late")])
        .expect_err("closed");
    assert!(matches!(err, LogStoreError::Closed { .. }), "{err}");
    assert!(matches!(
        w.flush_blocking(),
        Err(LogStoreError::Closed { .. })
    ));
}

#[test]
fn non_sqlite_file_is_a_clear_error() {
    let dir = tmp();
    let path = dir.path().join("logs.db");
    std::fs::write(&path, vec![b'#'; 8192]).expect("write junk");
    let err = LogStore::open(&path).expect_err("junk file");
    assert!(matches!(err, LogStoreError::NotADatabase { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("logs.db") && msg.contains("not a logstore database"),
        "{msg}"
    );
}

#[test]
fn foreign_sqlite_database_is_refused() {
    let dir = tmp();
    let path = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    conn.execute_batch("CREATE TABLE accounts (id INTEGER PRIMARY KEY)")
        .expect("table");
    drop(conn);
    let err = LogStore::open(&path).expect_err("foreign db");
    assert!(
        matches!(err, LogStoreError::ForeignDatabase { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("another program"), "{err}");
}

#[test]
fn newer_schema_is_refused() {
    let dir = tmp();
    let path = dir.path().join("logs.db");
    LogStore::open(&path)
        .expect("create")
        .close()
        .expect("close");
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    conn.pragma_update(None, "user_version", 99).expect("bump");
    drop(conn);
    let err = LogStore::open(&path).expect_err("too new");
    assert!(
        matches!(
            err,
            LogStoreError::SchemaTooNew {
                found: 99,
                supported: 7,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn reader_open_on_missing_file_says_so() {
    let dir = tmp();
    let err =
        fclocal_logstore::LogReader::open(&dir.path().join("missing.db")).expect_err("missing");
    assert!(matches!(err, LogStoreError::NotFound { .. }), "{err:?}");
}

#[test]
fn commit_failure_is_reported_and_retried_once() {
    let dir = tmp();
    let path = dir.path().join("logs.db");
    let options = OpenOptions {
        busy_timeout: Duration::from_millis(20),
        ..OpenOptions::default()
    };
    let store = LogStore::open_with(&path, options).expect("open");
    let w = store.writer();
    w.append(vec![msg("p", "fc", at(0), "setup")])
        .expect("append");
    w.flush_blocking().expect("flush");

    // Another process-like writer holds the write lock.
    let blocker = Blocker::lock(&path);
    w.append(vec![msg("p", "fc", at(1), "retried")])
        .expect("append");
    let err = w.flush_blocking().expect_err("locked");
    assert!(
        matches!(
            err,
            LogStoreError::Write {
                records: 1,
                dropped: false,
                ..
            }
        ),
        "{err}"
    );
    drop(blocker);
    w.flush_blocking().expect("retry succeeds");
    assert_eq!(messages(&all(&store, "p", "fc")), ["setup", "retried"]);

    let blocker = Blocker::lock(&path);
    w.append(vec![msg("p", "fc", at(2), "lost")])
        .expect("append");
    let err = w.flush_blocking().expect_err("first failure");
    assert!(
        matches!(err, LogStoreError::Write { dropped: false, .. }),
        "{err}"
    );
    // Its one retry happens with the next commit, and fails again.
    w.append(vec![msg("p", "fc", at(3), "kept")])
        .expect("append");
    let err = w.flush_blocking().expect_err("second failure");
    assert!(
        matches!(
            err,
            LogStoreError::Write {
                records: 1,
                dropped: true,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("dropped"), "{err}");
    drop(blocker);
    w.flush_blocking().expect("flush");
    assert_eq!(
        messages(&all(&store, "p", "fc")),
        ["setup", "retried", "kept"]
    );
    store.close().expect("close");
}

#[test]
fn a_failure_nobody_waited_for_reaches_the_next_flush() {
    let dir = tmp();
    let path = dir.path().join("logs.db");
    let options = OpenOptions {
        busy_timeout: Duration::from_millis(20),
        ..OpenOptions::default()
    };
    let store = LogStore::open_with(&path, options).expect("open");
    store.ensure_project("p", "").expect("project");
    let w = store.writer();

    let blocker = Blocker::lock(&path);
    w.append(vec![msg("p", "fc", at(0), "late but kept")])
        .expect("append");
    // A barrier: the writer tries (and fails) to commit the append before this call fails.
    let err = store.ensure_project("p", "described").expect_err("locked");
    assert!(matches!(err, LogStoreError::Locked { .. }), "{err:?}");
    assert!(
        err.to_string().contains("locked by another process"),
        "{err}"
    );
    drop(blocker);

    let err = w
        .flush_blocking()
        .expect_err("the earlier failure is reported");
    assert!(
        matches!(
            err,
            LogStoreError::Write {
                records: 1,
                dropped: false,
                ..
            }
        ),
        "{err}"
    );
    w.flush_blocking().expect("reported once only");
    assert_eq!(messages(&all(&store, "p", "fc")), ["late but kept"]);
}

/// Holds SQLite's write lock from a second connection (as another process would) until
/// dropped.
struct Blocker(#[allow(dead_code, reason = "held for its lock, never read")] rusqlite::Connection);

impl Blocker {
    fn lock(path: &std::path::Path) -> Blocker {
        let conn = rusqlite::Connection::open(path).expect("second connection");
        conn.execute_batch("BEGIN IMMEDIATE")
            .expect("take the write lock");
        Blocker(conn)
    }
}

#[test]
fn closing_checkpoints_the_wal_into_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.db");
    let store = LogStore::open(&path).unwrap();
    let writer = store.writer();
    let big = "x".repeat(4096);
    for batch in 0..50 {
        let records = (0..100)
            .map(|i| LogRecord {
                project: "p".into(),
                logstore: "l".into(),
                time: std::time::SystemTime::now(),
                topic: "t".into(),
                source: "s".into(),
                tags: vec![],
                contents: vec![("message".into(), format!("{batch}-{i}-{big}"))],
            })
            .collect();
        writer.append(records).unwrap();
    }
    writer.flush_blocking().unwrap();
    store.close().unwrap();
    let wal = dir.path().join("logs.db-wal");
    let wal_bytes = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_bytes, 0, "the final checkpoint empties the WAL");
    let reopened = LogStore::open(&path).unwrap();
    let all = reopened
        .reader()
        .unwrap()
        .query(&LogQuery::default())
        .unwrap();
    assert_eq!(all.len(), 5000);
}
