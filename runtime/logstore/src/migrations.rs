//! The schema, as an append-only list of migrations.
//!
//! `PRAGMA user_version` holds how many entries of [`MIGRATIONS`] have been applied;
//! [`crate::schema::migrate`] applies the missing ones in one transaction at open.
//! **Never edit a released entry**: add a new one (the FTS5 index, per-key indexes and the
//! PullLogs cursor index of the later SLS API work each become one more string here).
//!
//! # Version 1
//!
//! ```text
//! projects  (name PK, description, created)                       -- unix seconds
//! logstores (id PK, project -> projects, name, ttl_days, shard_count,
//!            created, last_modified, UNIQUE(project, name))
//! shards    (logstore_id -> logstores, shard, next_seq, PK(logstore_id, shard))
//! logs      (id PK, logstore_id, shard, seq, time_ns, topic, source,
//!            tags     -- JSON object, NULL when the line has no tags
//!            contents -- JSON object, keys in append order
//!           )  + INDEX logs_by_time(logstore_id, time_ns)
//! ```
//!
//! Design notes:
//! - Logs point at their logstore by integer id rather than repeating project and logstore
//!   names on every row: it saves ~20 bytes a line and keeps the time index narrow.
//! - `logs.logstore_id` has no `REFERENCES` clause on purpose: the foreign-key probe would cost
//!   on every insert, and only the writer (which resolves ids itself) inserts.
//! - `time_ns` is nanoseconds since the epoch, so `__time__` = `time_ns / 1e9` and
//!   `__time_ns_part__` = `time_ns % 1e9`; one column sorts and range-scans both.
//! - `logs_by_time` serves the common query (one logstore, a time window, time order); rows
//!   with equal `time_ns` come out in `id` (append) order because the index ends with the rowid.
//! - `shards.next_seq` persists the per-shard sequence so seqs stay unique after a TTL sweep
//!   deleted the newest-but-expired rows.

/// Application id written to the database header (`FCLS`), so a foreign SQLite file is told
/// apart from an fclocal logstore.
pub(crate) const APPLICATION_ID: i32 = 0x4643_4c53;

/// Every schema change, oldest first. Index `i` upgrades `user_version` `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: projects, logstores, shards, logs.
    r#"
    CREATE TABLE projects (
        name        TEXT PRIMARY KEY NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created     INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE logstores (
        id            INTEGER PRIMARY KEY,
        project       TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
        name          TEXT NOT NULL,
        ttl_days      INTEGER NOT NULL,
        shard_count   INTEGER NOT NULL,
        created       INTEGER NOT NULL,
        last_modified INTEGER NOT NULL,
        UNIQUE (project, name)
    ) STRICT;

    CREATE TABLE shards (
        logstore_id INTEGER NOT NULL REFERENCES logstores(id) ON DELETE CASCADE,
        shard       INTEGER NOT NULL,
        next_seq    INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (logstore_id, shard)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE logs (
        id          INTEGER PRIMARY KEY,
        logstore_id INTEGER NOT NULL,
        shard       INTEGER NOT NULL,
        seq         INTEGER NOT NULL,
        time_ns     INTEGER NOT NULL,
        topic       TEXT NOT NULL,
        source      TEXT NOT NULL,
        tags        TEXT,
        contents    TEXT NOT NULL
    ) STRICT;

    CREATE INDEX logs_by_time ON logs (logstore_id, time_ns);
    "#,
];

/// The schema version this build creates and understands.
pub(crate) fn latest_version() -> i64 {
    // The list is a handful of entries; the cast cannot truncate.
    MIGRATIONS.len() as i64
}
