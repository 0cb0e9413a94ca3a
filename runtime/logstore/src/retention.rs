//! TTL retention: deleting lines older than their logstore's `ttl_days`, and the groups
//! (`loggroups` rows) that lost all their lines. Groups expire by their lines' log times,
//! like the lines themselves; `shards.next_group` is left alone, so cursors keep growing,
//! and `meta.retired_up_to` is raised to the largest line id deleted, so line ids keep
//! growing too (followers such as `--forward-logs` rely on that; see `migrations.rs`,
//! version 4). The per-minute counts (`log_rollups`, `log_key_*`) lose the swept lines in
//! the same transaction (`crate::rollup::after_sweep`, `crate::key_counts::after_sweep`).
//!
//! Runs on the writer thread (it is a write), between append transactions, as one
//! transaction per sweep. A logstore with `ttl_days >= 3650` ([`TTL_FOREVER_DAYS`]) is never
//! swept, as in SLS. Who calls it and how often is the caller's choice (the server runs it
//! on a timer); the clock is injected so tests need no waiting.

use std::time::SystemTime;

use rusqlite::{Connection, TransactionBehavior, params};

use crate::model::{TTL_FOREVER_DAYS, to_unix_nanos};

/// Nanoseconds in a day.
const DAY_NS: i64 = 86_400 * 1_000_000_000;

/// Deletes every line with `time < now - ttl_days`, and every group left without lines,
/// and returns how many lines went.
pub(crate) fn sweep(conn: &mut Connection, now: SystemTime) -> rusqlite::Result<u64> {
    let now_ns = to_unix_nanos(now);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stores: Vec<(i64, i64)> = {
        let mut stmt = tx.prepare_cached("SELECT id, ttl_days FROM logstores")?;
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut deleted = 0u64;
    let mut largest_id = None;
    for (id, ttl_days) in stores {
        if ttl_days >= i64::from(TTL_FOREVER_DAYS) {
            continue;
        }
        let cutoff = now_ns.saturating_sub(ttl_days.saturating_mul(DAY_NS));
        let (lines, newest, largest) = delete_lines(&tx, id, cutoff)?;
        if lines > 0 {
            crate::rollup::after_sweep(&tx, id, cutoff)?;
            crate::key_counts::after_sweep(&tx, id, cutoff)?;
        }
        deleted += lines;
        largest_id = largest_id.max(largest);
        for (shard, max_seq) in newest.into_iter().enumerate() {
            if let Some(max_seq) = max_seq {
                delete_empty_groups(&tx, id, shard, max_seq)?;
            }
        }
    }
    if let Some(largest_id) = largest_id {
        tx.prepare_cached("UPDATE meta SET retired_up_to = max(retired_up_to, ?1)")?
            .execute([largest_id])?;
    }
    tx.commit()?;
    Ok(deleted)
}

/// What [`delete_lines`] deleted: how many lines, per shard the highest `seq` (`None` for
/// shards that lost nothing), and the largest line id (`None` if nothing went).
type Deleted = (u64, Vec<Option<i64>>, Option<i64>);

/// Deletes the expired lines of one logstore.
fn delete_lines(conn: &Connection, logstore_id: i64, cutoff: i64) -> rusqlite::Result<Deleted> {
    let mut delete = conn.prepare_cached(
        "DELETE FROM logs WHERE logstore_id = ?1 AND time_ns < ?2 RETURNING shard, seq, id",
    )?;
    let mut rows = delete.query(params![logstore_id, cutoff])?;
    let mut count = 0u64;
    let mut newest: Vec<Option<i64>> = Vec::new();
    let mut largest_id = None;
    while let Some(row) = rows.next()? {
        count += 1;
        largest_id = largest_id.max(Some(row.get::<_, i64>(2)?));
        let shard = usize::try_from(row.get::<_, i64>(0)?).unwrap_or(0);
        let seq: i64 = row.get(1)?;
        if newest.len() <= shard {
            newest.resize(shard + 1, None);
        }
        newest[shard] = newest[shard].max(Some(seq));
    }
    Ok((count, newest, largest_id))
}

/// Deletes the `loggroups` rows of `shard` that no longer have a line. Only groups that
/// start at or before `max_seq` (the newest line just deleted) can have lost lines, and
/// groups are in seq order, so the scan stops there instead of reading the whole shard.
/// A group that kept some of its lines (their times differ) stays, with those lines.
fn delete_empty_groups(
    conn: &Connection,
    logstore_id: i64,
    shard: usize,
    max_seq: i64,
) -> rusqlite::Result<()> {
    let shard = i64::try_from(shard).unwrap_or(i64::MAX);
    let empty: Vec<i64> = {
        let mut groups = conn.prepare_cached(
            "SELECT group_seq, first_seq, line_count, first_id, last_id FROM loggroups
             WHERE logstore_id = ?1 AND shard = ?2 ORDER BY group_seq",
        )?;
        // `+logstore_id`: seek the rowid range, not the logstore's whole time index.
        let mut has_line = conn.prepare_cached(
            "SELECT 1 FROM logs WHERE id BETWEEN ?1 AND ?2
             AND +logstore_id = ?3 AND shard = ?4 AND seq >= ?5 AND seq < ?6 LIMIT 1",
        )?;
        let mut rows = groups.query(params![logstore_id, shard])?;
        let mut empty = Vec::new();
        while let Some(row) = rows.next()? {
            let (group_seq, first_seq, count, first_id, last_id): (i64, i64, i64, i64, i64) = (
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            );
            if first_seq > max_seq {
                break;
            }
            let end_seq = first_seq.saturating_add(count);
            let params = params![first_id, last_id, logstore_id, shard, first_seq, end_seq];
            if !has_line.exists(params)? {
                empty.push(group_seq);
            }
        }
        empty
    };
    let mut delete = conn.prepare_cached(
        "DELETE FROM loggroups WHERE logstore_id = ?1 AND shard = ?2 AND group_seq = ?3",
    )?;
    for group_seq in empty {
        delete.execute(params![logstore_id, shard, group_seq])?;
    }
    Ok(())
}
