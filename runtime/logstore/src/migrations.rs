//! The schema, as an append-only list of migrations.
//!
//! `PRAGMA user_version` holds how many entries of [`MIGRATIONS`] have been applied;
//! [`crate::schema::migrate`] applies the missing ones in one transaction at open.
//! **Never edit a released entry**: add a new one (per-key indexes and the like each become
//! one more string here).
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
//!
//! # Version 2
//!
//! ```text
//! logs_fts          FTS5 (body), rowid = logs.id; contentless, contentless_delete=1
//! logs_fts_pending  (id PK)  -- lines not yet in logs_fts (fewer than 1,024)
//! INDEX logs_by_id (id, logstore_id, time_ns)
//!                   + TRIGGERs logs_fts_enqueue / logs_fts_drain / logs_fts_delete
//! ```
//!
//! Design notes:
//! - `body` is the line's content **values** joined by newlines (SLS full-text search does
//!   not match keys, so they are not indexed).
//! - Contentless: the text is already in `logs.contents`; storing it twice would double the
//!   database. `contentless_delete=1` (SQLite ≥ 3.43) lets the TTL sweep delete index rows.
//! - The tokenizer (`crate::tokens::FTS_TOKENIZE`) cuts ASCII text exactly at SLS's
//!   delimiters, so an FTS5 token query is an SLS token query.
//! - **Triggers** keep the index in sync rather than the writer, so every path that inserts
//!   or deletes lines stays consistent without knowing about the index.
//! - **Batches of 1,024**: FTS5 writes its pending terms to disk at every statement savepoint,
//!   and each `INSERT` into `logs` opens one (it has a trigger), so indexing from the insert
//!   trigger itself wrote one index segment per line (~30k lines/s). Instead each new id is
//!   queued in `logs_fts_pending`, and every 1,024th id indexes the queue in one statement
//!   (one segment). Searches treat queued lines as unindexed and test them with the exact
//!   SQL functions (`crate::search::compile_search`), so they are found immediately.
//! - `automerge = 16`: fewer, larger merges while ingesting; queries see at most a few dozen
//!   segments.
//! - Existing lines are indexed by the migration itself (one `INSERT … SELECT`).
//! - `logs_by_id (id, logstore_id, time_ns)`: a search starting from FTS5 matches looks
//!   each up by id to check its logstore and time; in this narrow index the lookups touch a
//!   few dense pages instead of one wide table page per match (measured 4 µs → well under
//!   1 µs per match on a 1M-line store).
//!
//! # Version 3: LogGroups and cursors
//!
//! ```text
//! shards    + next_group  -- the next group_seq of the shard
//!           + created     -- unix seconds (ListShards' createTime)
//! loggroups (logstore_id, shard, group_seq,   -- PK; group_seq is the SLS cursor
//!            first_seq, line_count,            -- the group's lines: seq first_seq..+line_count
//!            first_id, last_id,                -- ...and logs.id first_id..=last_id
//!            received_at_ns)                   -- when the API received it
//!           WITHOUT ROWID + INDEX loggroups_by_received(logstore_id, shard, received_at_ns)
//! ```
//!
//! Design notes:
//! - One row per group, not per line: a pull reads the group rows by primary key, then each
//!   group's lines by **rowid range** (`logs.id BETWEEN first_id AND last_id`). The single
//!   writer inserts a group's lines one after the other, so their ids are consecutive unless
//!   the same append interleaves lines of other logstores, which the `logstore_id`/`shard`
//!   filter skips. That is why there is no `logs (logstore_id, shard, seq)` index: it would
//!   cost every line insert a second index update for a lookup the rowid already answers.
//!   The `seq` range is checked too, because after a sweep deleted the highest ids SQLite may
//!   hand those ids out again to later lines.
//! - `shards.next_group` persists the group sequence like `next_seq`, so cursors never
//!   repeat even after a sweep deleted the newest groups.
//! - `received_at_ns` never decreases along a shard's `group_seq` (the writer clamps it), so
//!   "first group received at or after t" is one seek on `loggroups_by_received`.
//! - **Backfill**: which lines were appended together is not recorded before version 3, so
//!   every existing line becomes a group of its own, with `group_seq = seq` (and
//!   `next_group = next_seq`) and, for lack of a receive time, the running maximum of the
//!   line times along the shard as `received_at_ns`.
//!
//! # Version 4: line ids are never reused; the database has an identity
//!
//! ```text
//! meta (only = 1 PK,                -- a single row
//!       database_id   TEXT,         -- 32 random hex digits, made once by this migration
//!       retired_up_to INTEGER)      -- the highest logs.id a TTL sweep ever deleted
//! ```
//!
//! Design notes:
//! - `logs.id` is `INTEGER PRIMARY KEY` without `AUTOINCREMENT`, so SQLite would hand out
//!   `max(id) + 1` again after a sweep deleted the newest rows (or 1 once it deleted them
//!   all). A follower that remembers the last id it handled (`--forward-logs`) would then
//!   skip the next lines silently. Instead of rebuilding `logs` with `AUTOINCREMENT` (a
//!   copy of every line), the sweep raises `retired_up_to` to the largest id it deletes and
//!   the writer gives each line an explicit id above both `max(id)` and `retired_up_to`
//!   (`insert.rs`): ids only ever grow, across sweeps and restarts.
//! - `database_id` tells a follower that `logs.db` was deleted and created afresh (ids
//!   start at 1 again): it keeps the id beside its position and starts over when the two
//!   differ. `randomblob` makes it inside the migration, so existing files get one too.
//! - Existing files start with `retired_up_to = max(id)`: what was swept before is unknown,
//!   and ids at or below the newest kept line are never handed out anyway.

//!
//! # Version 5: per-minute counts of FC's fields
//!
//! ```text
//! log_rollups (logstore_id, minute,        -- minute = time_ns / 60e9 (lines from 1970 on)
//!              combo,                      -- BLOB: fcl_rollup_key of the next six columns
//!              topic, source,              -- TEXT
//!              service, function,          -- ANY: what fcl_value(contents, 'serviceName'),
//!              qualifier, level,           --      'functionName', … gives (INTEGER, REAL,
//!                                          --      TEXT or NULL)
//!              lines,                      -- how many lines have that combination
//!              PK (logstore_id, minute, combo)) WITHOUT ROWID
//! ```
//!
//! Design notes:
//! - `select functionName, count(*) … group by functionName` over an hour of FC logs reads
//!   every line's JSON (1M lines: ~0.7 s; an index of these fields as columns cost a quarter
//!   of the ingest rate and 47 % more disk, and still read 1M index entries). These counts
//!   answer it from ~60 rows per combination an hour; only the minutes cut by the query's
//!   range are read from the lines (`crate::search::rollup`).
//! - Only fields with few values per minute: `__topic__`, `__source__`, `serviceName`,
//!   `functionName`, `qualifier`, `level` (`crate::rollup::KEYS`). `requestId`,
//!   `instanceID` or `message` would make a row per invocation or line.
//! - `combo` is the primary key rather than the six columns because SQL equality would merge
//!   NULLs (never equal) wrongly and `1`/`1.0` (equal) wrongly; it keeps type and bytes.
//! - The writer adds a transaction's counts once per distinct row at its end (an upsert);
//!   a TTL sweep deletes the counts of the minutes it emptied and recounts the minute its
//!   cutoff falls in (`crate::rollup::after_sweep`), so counts always equal the lines.
//! - This migration counts the existing lines with the same functions reads use
//!   (`fcl_value`, registered with `fcl_rollup_key` on the writer's connection before
//!   migrating).
//!
//! ```text
//! log_key_minutes  (logstore_id, minute, lines)           -- lines the writer counted below
//! log_key_values   (logstore_id, key, minute, value TEXT, -- of those, how many have value
//!                   lines)                                --   as key's first occurrence
//! log_key_overflow (logstore_id, key, minute)             -- key had > 256 values (or one
//!                                                         --   > 128 bytes): not counted
//!                  all WITHOUT ROWID, primary key = the columns before `lines`
//! ```
//!
//! - The same for **any** content key, so a GROUP BY on a key FC does not know
//!   (`userId`) reads a few rows per minute too (`crate::key_counts`): 1M lines' JSON take
//!   ~0.5 s to read on the bench machine, even on two cores.
//! - Bounded: a key with many values per minute (messages, request ids of a busy
//!   function) is marked in `log_key_overflow` and its values dropped; such minutes are
//!   read from the lines.
//! - Not backfilled and never recounted: a minute is used only while the lines counted
//!   here (`log_key_minutes`) equal its lines in `log_rollups`, so minutes written before
//!   this migration, or cut by a sweep (which drops these rows up to its cutoff's minute),
//!   are read from the lines.

//!
//! # Version 6: the spool's mark
//!
//! ```text
//! meta + spooled_up_to INTEGER  -- the highest spool frame id whose lines are committed
//! ```
//!
//! - The writer makes an invocation's lines durable by appending them to `logs.db-spool`
//!   and commits them to this database a few milliseconds later, many invocations at a
//!   time (`crate::spool`). The transaction that commits spooled lines moves the mark in
//!   the same commit, so after a crash exactly the frames above it are replayed.

//!
//! # Version 7: the per-minute value counts of content keys, per topic
//!
//! ```text
//! log_key_minutes  (logstore_id, minute, topic, lines)           -- + topic in the key
//! log_key_values   (logstore_id, key, minute, topic, value, lines)
//! log_key_overflow (logstore_id, key, minute, topic)
//!                  all WITHOUT ROWID, primary key = the columns before `lines`
//! ```
//!
//! - A GetLogs topic filter (`__topic__` of FC 3.0 is `FCLogs:<function>`, so a logstore
//!   shared by several functions has several topics a minute) made every single-key GROUP
//!   BY read its lines (1M lines: ~0.25 s on two cores). Counted per topic, a minute is
//!   answered for one topic from that topic's rows, checked against that topic's lines in
//!   `log_rollups` (which has a topic column); without a filter the topics are summed.
//! - Lines of one minute usually share one topic, so rows barely grow; a key overflows per
//!   topic (its 256 values are counted within one topic).
//! - Tables are rebuilt (SQLite cannot change a primary key). **Backfill** of the version-5
//!   counts: a minute whose lines in `log_rollups` all have one topic gives its counts to
//!   that topic, exactly; the counts of a minute with several topics cannot be split and
//!   are dropped, so that minute reads its lines, as minutes before version 5 do. Recounting
//!   those minutes from their lines would mean parsing all their JSON at open.

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
    // 2: full-text index over content values, kept in sync by triggers in batches.
    r#"
    CREATE VIRTUAL TABLE logs_fts USING fts5(
        body,
        content = '',
        contentless_delete = 1,
        detail = none,
        tokenize = "unicode61 remove_diacritics 0 tokenchars '-._!#$%*+\^`|~'"
    );
    INSERT INTO logs_fts (logs_fts, rank) VALUES ('automerge', 16);

    CREATE INDEX logs_by_id ON logs (id, logstore_id, time_ns);

    CREATE TABLE logs_fts_pending (id INTEGER PRIMARY KEY) STRICT;

    CREATE TRIGGER logs_fts_enqueue AFTER INSERT ON logs BEGIN
        INSERT INTO logs_fts_pending (id) VALUES (new.id);
    END;

    CREATE TRIGGER logs_fts_drain AFTER INSERT ON logs_fts_pending
    WHEN new.id % 1024 = 1023 BEGIN
        INSERT INTO logs_fts (rowid, body)
            SELECT p.id,
                   (SELECT group_concat(j.value, char(10))
                    FROM logs AS l, json_each(l.contents) AS j WHERE l.id = p.id)
            FROM logs_fts_pending AS p;
        DELETE FROM logs_fts_pending;
    END;

    CREATE TRIGGER logs_fts_delete AFTER DELETE ON logs BEGIN
        DELETE FROM logs_fts WHERE rowid = old.id;
        DELETE FROM logs_fts_pending WHERE id = old.id;
    END;

    INSERT INTO logs_fts (rowid, body)
        SELECT l.id, (SELECT group_concat(j.value, char(10)) FROM json_each(l.contents) AS j)
        FROM logs AS l;
    "#,
    // 3: SLS LogGroups and shard cursors.
    r#"
    ALTER TABLE shards ADD COLUMN next_group INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE shards ADD COLUMN created INTEGER NOT NULL DEFAULT 0;
    UPDATE shards SET
        next_group = next_seq,
        created = coalesce(
            (SELECT created FROM logstores WHERE logstores.id = shards.logstore_id), 0);

    CREATE TABLE loggroups (
        logstore_id    INTEGER NOT NULL,
        shard          INTEGER NOT NULL,
        group_seq      INTEGER NOT NULL,
        first_seq      INTEGER NOT NULL,
        line_count     INTEGER NOT NULL,
        first_id       INTEGER NOT NULL,
        last_id        INTEGER NOT NULL,
        received_at_ns INTEGER NOT NULL,
        PRIMARY KEY (logstore_id, shard, group_seq)
    ) STRICT, WITHOUT ROWID;

    INSERT INTO loggroups
        (logstore_id, shard, group_seq, first_seq, line_count, first_id, last_id, received_at_ns)
    SELECT logstore_id, shard, seq, seq, 1, id, id,
           max(time_ns) OVER (PARTITION BY logstore_id, shard ORDER BY seq
                              ROWS UNBOUNDED PRECEDING)
    FROM logs;

    CREATE INDEX loggroups_by_received ON loggroups (logstore_id, shard, received_at_ns);
    "#,
    // 4: ids never reused after a sweep; the database's identity.
    r#"
    CREATE TABLE meta (
        only          INTEGER PRIMARY KEY CHECK (only = 1),
        database_id   TEXT NOT NULL,
        retired_up_to INTEGER NOT NULL
    ) STRICT;

    INSERT INTO meta (only, database_id, retired_up_to)
        VALUES (1, lower(hex(randomblob(16))), coalesce((SELECT max(id) FROM logs), 0));
    "#,
    // 5: per-minute counts of FC's fields.
    r#"
    CREATE TABLE log_rollups (
        logstore_id INTEGER NOT NULL,
        minute      INTEGER NOT NULL,
        combo       BLOB NOT NULL,
        topic       TEXT NOT NULL,
        source      TEXT NOT NULL,
        service     ANY,
        function    ANY,
        qualifier   ANY,
        level       ANY,
        lines       INTEGER NOT NULL,
        PRIMARY KEY (logstore_id, minute, combo)
    ) STRICT, WITHOUT ROWID;

    INSERT INTO log_rollups
        (logstore_id, minute, combo, topic, source, service, function, qualifier, level, lines)
    SELECT logstore_id, minute, fcl_rollup_key(topic, source, s, f, q, v),
           topic, source, s, f, q, v, count(*)
    FROM (SELECT logstore_id, time_ns / 60000000000 AS minute, topic, source,
                 fcl_value(contents, 'serviceName') AS s, fcl_value(contents, 'functionName') AS f,
                 fcl_value(contents, 'qualifier') AS q, fcl_value(contents, 'level') AS v
          FROM logs WHERE time_ns >= 0)
    GROUP BY 1, 2, 3;

    CREATE TABLE log_key_minutes (
        logstore_id INTEGER NOT NULL,
        minute      INTEGER NOT NULL,
        lines       INTEGER NOT NULL,
        PRIMARY KEY (logstore_id, minute)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE log_key_values (
        logstore_id INTEGER NOT NULL,
        key         TEXT NOT NULL,
        minute      INTEGER NOT NULL,
        value       TEXT NOT NULL,
        lines       INTEGER NOT NULL,
        PRIMARY KEY (logstore_id, key, minute, value)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE log_key_overflow (
        logstore_id INTEGER NOT NULL,
        key         TEXT NOT NULL,
        minute      INTEGER NOT NULL,
        PRIMARY KEY (logstore_id, key, minute)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 6: the spool's mark.
    r#"
    ALTER TABLE meta ADD COLUMN spooled_up_to INTEGER NOT NULL DEFAULT 0;
    "#,
    // 7: the per-minute value counts of content keys, per topic.
    r#"
    ALTER TABLE log_key_minutes RENAME TO log_key_minutes_v5;
    ALTER TABLE log_key_values RENAME TO log_key_values_v5;
    ALTER TABLE log_key_overflow RENAME TO log_key_overflow_v5;

    CREATE TABLE log_key_minutes (
        logstore_id INTEGER NOT NULL,
        minute      INTEGER NOT NULL,
        topic       TEXT NOT NULL,
        lines       INTEGER NOT NULL,
        PRIMARY KEY (logstore_id, minute, topic)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE log_key_values (
        logstore_id INTEGER NOT NULL,
        key         TEXT NOT NULL,
        minute      INTEGER NOT NULL,
        topic       TEXT NOT NULL,
        value       TEXT NOT NULL,
        lines       INTEGER NOT NULL,
        PRIMARY KEY (logstore_id, key, minute, topic, value)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE log_key_overflow (
        logstore_id INTEGER NOT NULL,
        key         TEXT NOT NULL,
        minute      INTEGER NOT NULL,
        topic       TEXT NOT NULL,
        PRIMARY KEY (logstore_id, key, minute, topic)
    ) STRICT, WITHOUT ROWID;

    INSERT INTO log_key_minutes (logstore_id, minute, topic, lines)
    SELECT k.logstore_id, k.minute, r.topic, k.lines
    FROM log_key_minutes_v5 AS k
    JOIN (SELECT logstore_id, minute, min(topic) AS topic FROM log_rollups
          GROUP BY logstore_id, minute HAVING min(topic) = max(topic)) AS r
        USING (logstore_id, minute);

    INSERT INTO log_key_values (logstore_id, key, minute, topic, value, lines)
    SELECT v.logstore_id, v.key, v.minute, m.topic, v.value, v.lines
    FROM log_key_values_v5 AS v JOIN log_key_minutes AS m USING (logstore_id, minute);

    INSERT INTO log_key_overflow (logstore_id, key, minute, topic)
    SELECT o.logstore_id, o.key, o.minute, m.topic
    FROM log_key_overflow_v5 AS o JOIN log_key_minutes AS m USING (logstore_id, minute);

    DROP TABLE log_key_minutes_v5;
    DROP TABLE log_key_values_v5;
    DROP TABLE log_key_overflow_v5;
    "#,
];

/// The id the writer gives the next line: above every id in `logs` and every id a sweep
/// deleted (version 4), so ids are never handed out twice.
pub(crate) const NEXT_LOG_ID: &str =
    "SELECT max(coalesce((SELECT max(id) FROM logs), 0), (SELECT retired_up_to FROM meta)) + 1";

/// The schema version this build creates and understands.
pub(crate) fn latest_version() -> i64 {
    // The list is a handful of entries; the cast cannot truncate.
    MIGRATIONS.len() as i64
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod v5_tests;
#[cfg(test)]
mod v7_tests;

#[cfg(test)]
mod fts_tests {
    use super::*;

    #[test]
    fn the_index_uses_the_shared_tokenizer_settings() {
        // The search compiler relies on the index cutting where `crate::tokens` cuts.
        let tokenize = format!("tokenize = \"{}\"", crate::tokens::FTS_TOKENIZE);
        assert!(MIGRATIONS[1].contains(&tokenize), "{tokenize}");
    }
}
