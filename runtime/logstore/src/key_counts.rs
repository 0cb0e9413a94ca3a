//! Per-minute value counts of every content key (`log_key_values`, migration 5), so a
//! GROUP BY on any one key (`select userId, count(*) … group by userId`) reads a few rows
//! per minute instead of every line's JSON (`crate::search::key_counts`).
//!
//! For each logstore and minute (`time_ns / 60 s`, lines from 1970 on) the writer records
//! how many lines it counted (`log_key_minutes`) and, per key, how many of them have each
//! value (the first occurrence of the key in the line, as text). A key with more than
//! [`MAX_VALUES`] values in a minute, or a value longer than [`MAX_VALUE_BYTES`], is marked
//! in `log_key_overflow` instead and its values are dropped: messages, request ids of busy
//! functions and the like would make a row per line. Lines without the key are the
//! minute's lines minus the key's counts.
//!
//! A minute is only answered from these counts when they cover every line of it: the lines
//! counted here equal the lines counted in `log_rollups` (`crate::rollup`, exact by
//! construction) and the key did not overflow. Minutes written before migration 5, or cut by
//! a TTL sweep (which deletes these rows for every minute up to its cutoff), fail that check
//! and are read from the lines, so nothing needs backfilling or recounting.
//!
//! The writer counts lines in memory ([`KeyBatch`]) and writes once per distinct (minute,
//! key, value), with the first commit a second after the last write (`crate::ingest`), not
//! in every transaction: the lines' own commit is what a server's answer waits for.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use crate::rollup::MINUTE_NS;

/// Most distinct values a key keeps per minute before it is marked as overflowing.
pub(crate) const MAX_VALUES: usize = 256;

/// Longest value counted; a longer one marks its key as overflowing for the minute (long
/// values are messages, rarely grouped by).
pub(crate) const MAX_VALUE_BYTES: usize = 128;

/// One key's values in one minute of a transaction.
#[derive(Debug)]
enum Values {
    Counted(HashMap<String, i64>),
    Overflow,
}

/// One logstore's minute in a transaction.
#[derive(Debug, Default)]
struct Minute {
    lines: i64,
    keys: HashMap<String, Values>,
}

/// The value counts of lines not yet written, written by [`KeyBatch::flush`].
#[derive(Debug, Default)]
pub(crate) struct KeyBatch {
    minutes: HashMap<(i64, i64), Minute>,
    lines: usize,
}

impl KeyBatch {
    /// How many lines it counted since the last flush.
    pub(crate) fn lines(&self) -> usize {
        self.lines
    }

    /// Counts one line.
    pub(crate) fn add(&mut self, logstore_id: i64, time_ns: i64, contents: &[(String, String)]) {
        if time_ns < 0 {
            return;
        }
        let minute = self
            .minutes
            .entry((logstore_id, time_ns / MINUTE_NS))
            .or_default();
        minute.lines += 1;
        self.lines += 1;
        for (i, (key, value)) in contents.iter().enumerate() {
            // The first occurrence is the line's value (`fcl_value`).
            if contents[..i].iter().any(|(k, _)| k == key) {
                continue;
            }
            let values = match minute.keys.get_mut(key.as_str()) {
                Some(values) => values,
                None => minute
                    .keys
                    .entry(key.clone())
                    .or_insert_with(|| Values::Counted(HashMap::new())),
            };
            let Values::Counted(counts) = values else {
                continue;
            };
            if let Some(n) = counts.get_mut(value.as_str()) {
                *n += 1;
            } else if value.len() > MAX_VALUE_BYTES || counts.len() >= MAX_VALUES {
                *values = Values::Overflow;
            } else {
                counts.insert(value.clone(), 1);
            }
        }
    }

    /// Adds the counts to the database and empties the batch.
    pub(crate) fn flush(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        self.lines = 0;
        if self.minutes.is_empty() {
            return Ok(());
        }
        let mut lines = conn.prepare_cached(
            "INSERT INTO log_key_minutes (logstore_id, minute, lines) VALUES (?1, ?2, ?3)
             ON CONFLICT (logstore_id, minute) DO UPDATE SET lines = lines + excluded.lines",
        )?;
        let mut overflowed = conn.prepare_cached(
            "SELECT 1 FROM log_key_overflow WHERE logstore_id = ?1 AND minute = ?2 AND key = ?3",
        )?;
        let mut upsert = conn.prepare_cached(
            "INSERT INTO log_key_values (logstore_id, key, minute, value, lines)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (logstore_id, key, minute, value)
             DO UPDATE SET lines = lines + excluded.lines",
        )?;
        let mut distinct = conn.prepare_cached(
            "SELECT count(*) FROM log_key_values WHERE logstore_id = ?1 AND minute = ?2 AND key = ?3",
        )?;
        for ((store, minute), counts) in self.minutes.drain() {
            lines.execute(params![store, minute, counts.lines])?;
            for (key, values) in counts.keys {
                let at = params![store, minute, key];
                if overflowed.exists(at)? {
                    continue;
                }
                let overflow = match values {
                    Values::Overflow => true,
                    Values::Counted(values) => {
                        for (value, n) in &values {
                            upsert.execute(params![store, key, minute, value, n])?;
                        }
                        let count: i64 = distinct.query_row(at, |r| r.get(0))?;
                        count > MAX_VALUES as i64
                    }
                };
                if overflow {
                    mark_overflow(conn, store, minute, &key)?;
                }
            }
        }
        Ok(())
    }
}

/// Marks `key` as overflowing in a minute and drops its values.
fn mark_overflow(conn: &Connection, store: i64, minute: i64, key: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO log_key_overflow (logstore_id, minute, key) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![store, minute, key])?;
    conn.prepare_cached(
        "DELETE FROM log_key_values WHERE logstore_id = ?1 AND minute = ?2 AND key = ?3",
    )?
    .execute(params![store, minute, key])?;
    Ok(())
}

/// After a sweep deleted the lines of logstore `logstore_id` before `cutoff`: drops the
/// counts of every minute up to the one `cutoff` falls in (that one is then read from its
/// lines: its counted lines no longer match).
pub(crate) fn after_sweep(
    conn: &Connection,
    logstore_id: i64,
    cutoff: i64,
) -> rusqlite::Result<()> {
    let minute = cutoff.div_euclid(MINUTE_NS);
    for table in ["log_key_values", "log_key_minutes", "log_key_overflow"] {
        conn.prepare_cached(&format!(
            "DELETE FROM {table} WHERE logstore_id = ?1 AND minute <= ?2"
        ))?
        .execute(params![logstore_id, minute])?;
    }
    Ok(())
}
