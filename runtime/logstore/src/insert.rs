//! Turning queued writes into rows inside the writer's transaction: choosing each group's
//! shard, cutting `append` records into groups, and inserting `logs` and `loggroups` rows.
//!
//! A group's lines get consecutive `seq`s on one shard and one `group_seq`; its
//! `loggroups` row records both ranges (seq and `logs.id`) so pulls find the lines without
//! an index of their own (see `migrations.rs`, version 3).

use std::time::SystemTime;

use rusqlite::{CachedStatement, Connection, params};

use crate::batch::Pending;
use crate::catalog::{Catalog, OpenedGroup, StoreState};
use crate::codec;
use crate::group::{GroupAppend, ShardChoice};
use crate::key_counts::KeyBatch;
use crate::migrations::NEXT_LOG_ID;
use crate::model::{LogRecord, to_unix_nanos};
use crate::rollup;
use crate::routing::shard_for_hash_key;

/// The line insert, cached on the connection.
/// Ids are explicit (see `migrations.rs`, version 4): SQLite's own choice, `max(id) + 1`,
/// would reuse the ids of the newest lines after a sweep deleted them.
const INSERT_LOG: &str = "INSERT INTO logs
    (id, logstore_id, shard, seq, time_ns, topic, source, tags, contents)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

/// The group insert, cached on the connection.
const INSERT_GROUP: &str = "INSERT INTO loggroups
    (logstore_id, shard, group_seq, first_seq, line_count, first_id, last_id, received_at_ns)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/// Reused JSON buffers (contents, tags), so encoding allocates nothing per line.
#[derive(Debug)]
pub(crate) struct Buffers {
    contents: Vec<u8>,
    tags: Vec<u8>,
}

impl Default for Buffers {
    fn default() -> Self {
        Self {
            contents: Vec::with_capacity(1024),
            tags: Vec::with_capacity(256),
        }
    }
}

/// Inserts every queued write of `items`, in order, using the caller's transaction, and
/// adds the lines to the per-minute counts (`crate::rollup`, written in this transaction)
/// and to the caller's pending value counts (`keys`, which the caller writes when due: see
/// `Ingest`). `now` is the receive time of `append` records.
pub(crate) fn insert_all<'a>(
    conn: &Connection,
    catalog: &mut Catalog,
    bufs: &mut Buffers,
    keys: &mut KeyBatch,
    items: impl Iterator<Item = &'a Pending>,
    now: SystemTime,
) -> rusqlite::Result<()> {
    let next_id = conn
        .prepare_cached(NEXT_LOG_ID)?
        .query_row([], |row| row.get(0))?;
    let mut rows = Rows {
        conn,
        log: conn.prepare_cached(INSERT_LOG)?,
        group: conn.prepare_cached(INSERT_GROUP)?,
        bufs,
        next_id,
        counts: rollup::Batch::default(),
        keys,
    };
    for item in items {
        match item {
            Pending::Records(records) => rows.records(catalog, records, now)?,
            Pending::Group(group) => rows.group(catalog, group, now)?,
        }
    }
    rows.counts.flush(conn)
}

/// A group whose lines are being inserted.
#[derive(Debug, Clone, Copy)]
struct GroupRow {
    store_id: i64,
    shard: u32,
    opened: OpenedGroup,
    first_seq: u64,
    line_count: u64,
    first_id: i64,
    last_id: i64,
}

impl GroupRow {
    fn new(state: &mut StoreState, shard: u32, received_at_ns: i64) -> Self {
        GroupRow {
            store_id: state.id,
            shard,
            opened: state.open_group(shard, received_at_ns),
            first_seq: 0,
            line_count: 0,
            first_id: 0,
            last_id: 0,
        }
    }

    /// Takes the next line's `seq` on the group's shard.
    fn take_seq(&self, state: &mut StoreState) -> u64 {
        state.take_seq(self.shard)
    }

    /// Records a line inserted at `seq` with row id `id`.
    fn add(&mut self, seq: u64, id: i64) {
        if self.line_count == 0 {
            self.first_seq = seq;
            self.first_id = id;
        }
        self.line_count += 1;
        self.last_id = id;
    }
}

/// The prepared statements of one transaction.
struct Rows<'c> {
    conn: &'c Connection,
    log: CachedStatement<'c>,
    group: CachedStatement<'c>,
    bufs: &'c mut Buffers,
    /// The id of the next line inserted (read once per transaction: this writer is the
    /// only one, and a rolled-back transaction reads it again).
    next_id: i64,
    /// The transaction's per-minute counts, written once at its end.
    counts: rollup::Batch,
    /// The per-minute value counts of every key not yet written (`crate::key_counts`).
    keys: &'c mut KeyBatch,
}

/// The fields SLS keeps per group rather than per line.
fn same_group_fields(a: &LogRecord, b: &LogRecord) -> bool {
    a.topic == b.topic && a.source == b.source && a.tags == b.tags
}

impl Rows<'_> {
    /// One `append` call: per logstore, its lines go to one shard (round-robin) as one
    /// group, cut into consecutive groups wherever topic, source or tags change, since SLS
    /// carries those per group and a pull must give back what was written.
    fn records(
        &mut self,
        catalog: &mut Catalog,
        records: &[LogRecord],
        now: SystemTime,
    ) -> rusqlite::Result<()> {
        let received_at_ns = to_unix_nanos(now);
        // The group open per logstore and the record that opened it; appends rarely span
        // more than one logstore, so a tiny vector beats a map.
        let mut open: Vec<(GroupRow, &LogRecord)> = Vec::with_capacity(2);
        for rec in records {
            let state = catalog.resolve(self.conn, &rec.project, &rec.logstore, now)?;
            let slot = match open.iter().position(|(g, _)| g.store_id == state.id) {
                Some(i) if same_group_fields(open[i].1, rec) => i,
                Some(i) => {
                    let shard = open[i].0.shard;
                    self.finish(&open[i].0)?;
                    open[i] = (GroupRow::new(state, shard, received_at_ns), rec);
                    i
                }
                None => {
                    let shard = state.next_group_shard();
                    open.push((GroupRow::new(state, shard, received_at_ns), rec));
                    open.len() - 1
                }
            };
            let row = &mut open[slot].0;
            let seq = row.take_seq(state);
            let tags = if rec.tags.is_empty() {
                None
            } else {
                Some(codec::encode_into(&mut self.bufs.tags, &rec.tags).map_err(to_sql_err)?)
            };
            let contents =
                codec::encode_into(&mut self.bufs.contents, &rec.contents).map_err(to_sql_err)?;
            let id = self.next_id;
            self.next_id += 1;
            let time_ns = to_unix_nanos(rec.time);
            self.log.execute(params![
                id,
                row.store_id,
                row.shard,
                // Sequence numbers stay far below i64::MAX.
                seq as i64,
                time_ns,
                rec.topic,
                rec.source,
                tags,
                contents,
            ])?;
            self.counts.add(
                row.store_id,
                time_ns,
                &rec.topic,
                &rec.source,
                &rec.contents,
            );
            self.keys
                .add(row.store_id, time_ns, &rec.topic, &rec.contents);
            row.add(seq, id);
        }
        for (row, _) in &open {
            self.finish(row)?;
        }
        Ok(())
    }

    /// One `append_group` call: one group on the shard it asks for.
    fn group(
        &mut self,
        catalog: &mut Catalog,
        group: &GroupAppend,
        now: SystemTime,
    ) -> rusqlite::Result<()> {
        if group.logs.is_empty() {
            return Ok(());
        }
        let state = catalog.resolve(self.conn, &group.project, &group.logstore, now)?;
        let shard = choose_shard(state, group);
        let mut row = GroupRow::new(state, shard, to_unix_nanos(group.received_at));
        // Shared by every line: encoded once.
        let tags = if group.tags.is_empty() {
            None
        } else {
            Some(codec::encode_into(&mut self.bufs.tags, &group.tags).map_err(to_sql_err)?)
        };
        for log in &group.logs {
            let seq = row.take_seq(state);
            let contents =
                codec::encode_into(&mut self.bufs.contents, &log.contents).map_err(to_sql_err)?;
            let id = self.next_id;
            self.next_id += 1;
            let time_ns = to_unix_nanos(log.time);
            self.log.execute(params![
                id,
                row.store_id,
                row.shard,
                seq as i64,
                time_ns,
                group.topic,
                group.source,
                tags,
                contents,
            ])?;
            self.counts.add(
                row.store_id,
                time_ns,
                &group.topic,
                &group.source,
                &log.contents,
            );
            self.keys
                .add(row.store_id, time_ns, &group.topic, &log.contents);
            row.add(seq, id);
        }
        self.finish(&row)
    }

    /// Inserts the `loggroups` row of a group that has all its lines.
    fn finish(&mut self, row: &GroupRow) -> rusqlite::Result<()> {
        self.group.execute(params![
            row.store_id,
            row.shard,
            row.opened.group_seq as i64,
            row.first_seq as i64,
            row.line_count as i64,
            row.first_id,
            row.last_id,
            row.opened.received_at_ns,
        ])?;
        Ok(())
    }
}

/// The shard `group` asks for, among the logstore's writable shards.
fn choose_shard(state: &mut StoreState, group: &GroupAppend) -> u32 {
    let count = state.shard_count();
    match &group.shard {
        ShardChoice::Any => state.next_group_shard(),
        // `append_group` validated the key; a bad one cannot get here.
        ShardChoice::HashKey(key) => shard_for_hash_key(key, count).unwrap_or(0),
        ShardChoice::Shard(shard) if *shard < count => *shard,
        ShardChoice::Shard(shard) => {
            tracing::warn!(
                project = group.project,
                logstore = group.logstore,
                shard,
                shard_count = count,
                "group asked for a shard the logstore does not write to; using shard modulo the shard count"
            );
            shard % count
        }
    }
}

/// JSON encoding of string pairs cannot really fail; if it ever does, fail the transaction
/// like any other bind error instead of panicking.
fn to_sql_err(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}
