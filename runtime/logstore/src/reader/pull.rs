//! [`LogReader::pull`]: reading a shard's groups from a cursor on (SLS PullLogs).

use rusqlite::params;

use crate::codec;
use crate::error::{LogStoreError, Result, SqliteContext};
use crate::group::{GroupLog, PulledGroups, StoredGroup};
use crate::model::from_unix_nanos;
use crate::reader::LogReader;

/// A `loggroups` row: where a group's lines are.
struct GroupRow {
    group_seq: i64,
    first_seq: i64,
    line_count: i64,
    first_id: i64,
    last_id: i64,
    received_at_ns: i64,
}

impl LogReader {
    /// Up to `max_groups` groups of `shard` from `cursor` on, oldest first, stopping before
    /// `end` when given (SLS PullLogs). `next_cursor` is where the next pull continues:
    /// after the last group returned, or the stop position (`end`, or the shard's end) once
    /// everything before it was read, or `cursor` itself when nothing could be read.
    ///
    /// A cursor below the oldest kept group (a TTL sweep deleted the groups it pointed at)
    /// reads from the oldest kept group, as SLS does for expired data. Each group comes back
    /// with the topic, source and tags it was written with and the lines still kept.
    ///
    /// Errors like [`LogReader::cursor`], and with [`LogStoreError::InvalidCursor`] for a
    /// cursor past the shard's end.
    pub fn pull(
        &self,
        project: &str,
        logstore: &str,
        shard: u32,
        cursor: u64,
        max_groups: usize,
        end: Option<u64>,
    ) -> Result<PulledGroups> {
        // One snapshot: a sweep or append committing meanwhile cannot tear a group.
        let _snapshot = self
            .conn
            .unchecked_transaction()
            .ctx(&self.path, "starting a read")?;
        let shard_ref = self.shard_ref(project, logstore, shard)?;
        self.check_cursor(project, logstore, shard, cursor, shard_ref.end)?;
        let stop = end.unwrap_or(shard_ref.end).min(shard_ref.end).max(cursor);
        let rows = self.group_rows(shard_ref.logstore_id, shard, cursor, stop, max_groups)?;
        let mut groups = Vec::with_capacity(rows.len());
        for row in &rows {
            groups.push(self.read_group(shard_ref.logstore_id, shard, row)?);
        }
        let next_cursor = match groups.last() {
            Some(last) if groups.len() == max_groups => last.group_seq + 1,
            _ if max_groups == 0 => cursor,
            _ => stop,
        };
        Ok(PulledGroups {
            groups,
            next_cursor,
        })
    }

    /// The `loggroups` rows with `cursor <= group_seq < stop`, at most `limit`.
    fn group_rows(
        &self,
        logstore_id: i64,
        shard: u32,
        cursor: u64,
        stop: u64,
        limit: usize,
    ) -> Result<Vec<GroupRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT group_seq, first_seq, line_count, first_id, last_id, received_at_ns
                 FROM loggroups
                 WHERE logstore_id = ?1 AND shard = ?2 AND group_seq >= ?3 AND group_seq < ?4
                 ORDER BY group_seq LIMIT ?5",
            )
            .ctx(&self.path, "listing groups")?;
        let rows = stmt
            .query_map(
                params![
                    logstore_id,
                    shard,
                    // Cursors stay far below i64::MAX.
                    cursor as i64,
                    stop as i64,
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                |row| {
                    Ok(GroupRow {
                        group_seq: row.get(0)?,
                        first_seq: row.get(1)?,
                        line_count: row.get(2)?,
                        first_id: row.get(3)?,
                        last_id: row.get(4)?,
                        received_at_ns: row.get(5)?,
                    })
                },
            )
            .ctx(&self.path, "listing groups")?;
        rows.collect::<rusqlite::Result<_>>()
            .ctx(&self.path, "listing groups")
    }

    /// A group's lines, found by their row id and seq ranges (see `migrations.rs`); the
    /// unary `+` keeps SQLite from scanning `logs_by_time` for the logstore instead of
    /// seeking the rowid range (it would, without table statistics). The
    /// group-level fields are read from its first line: every line of a group carries the
    /// same ones (the writer cuts groups where they change).
    fn read_group(&self, logstore_id: i64, shard: u32, row: &GroupRow) -> Result<StoredGroup> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, time_ns, topic, source, tags, contents FROM logs
                 WHERE id BETWEEN ?1 AND ?2 AND +logstore_id = ?3 AND shard = ?4
                   AND seq >= ?5 AND seq < ?6
                 ORDER BY id",
            )
            .ctx(&self.path, "reading a group")?;
        let mut lines = stmt
            .query(params![
                row.first_id,
                row.last_id,
                logstore_id,
                shard,
                row.first_seq,
                row.first_seq.saturating_add(row.line_count)
            ])
            .ctx(&self.path, "reading a group")?;
        let mut group = StoredGroup {
            group_seq: u64::try_from(row.group_seq).unwrap_or(0),
            received_at: from_unix_nanos(row.received_at_ns),
            topic: String::new(),
            source: String::new(),
            tags: Vec::new(),
            logs: Vec::with_capacity(usize::try_from(row.line_count).unwrap_or(0)),
        };
        let get = |e: rusqlite::Error| LogStoreError::sqlite(&self.path, "reading a group", e);
        while let Some(line) = lines.next().map_err(get)? {
            let id: i64 = line.get(0).map_err(get)?;
            let corrupt = |what: &str, e: serde_json::Error| LogStoreError::CorruptRow {
                path: self.path.clone(),
                id,
                reason: format!("{what}: {e}"),
            };
            if group.logs.is_empty() {
                group.topic = line.get(2).map_err(get)?;
                group.source = line.get(3).map_err(get)?;
                let tags: Option<String> = line.get(4).map_err(get)?;
                if let Some(tags) = tags {
                    group.tags = codec::decode(&tags).map_err(|e| corrupt("tags", e))?;
                }
            }
            let contents: String = line.get(5).map_err(get)?;
            group.logs.push(GroupLog {
                time: from_unix_nanos(line.get(1).map_err(get)?),
                contents: codec::decode(&contents).map_err(|e| corrupt("contents", e))?,
            });
        }
        Ok(group)
    }
}
