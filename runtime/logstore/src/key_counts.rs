//! Per-minute value counts of every content key (`log_key_values`, migrations 5 and 7), so a
//! GROUP BY on any one key (`select userId, count(*) … group by userId`), with or without a
//! topic filter, reads a few rows per minute instead of every line's JSON
//! (`crate::search::key_counts`).
//!
//! For each logstore, minute (`time_ns / 60 s`, lines from 1970 on) and topic the writer
//! records how many lines it counted (`log_key_minutes`) and, per key, how many of them
//! have each value (the first occurrence of the key in the line, as text). A key with more
//! than [`MAX_VALUES`] values in a minute and topic, or a value longer than
//! [`MAX_VALUE_BYTES`], is marked in `log_key_overflow` instead and its values are dropped:
//! messages, request ids of busy functions and the like would make a row per line. Lines
//! without the key are the minute's lines minus the key's counts.
//!
//! The topic is part of every row because a GetLogs topic filter must count only that
//! topic's lines, and `log_rollups` (`crate::rollup`, exact by construction) has the lines
//! of each minute per topic to check them against. Lines of a minute usually share one
//! topic, so this adds few rows.
//!
//! A minute is only answered from these counts when they cover every line of it: for each
//! topic read (the one filtered on, or every topic of the minute), the lines counted here
//! equal that topic's lines in `log_rollups` and the key did not overflow. Minutes written
//! before migration 5, minutes with several topics written before migration 7 (whose counts
//! could not be split by topic), and minutes cut by a TTL sweep (which deletes these rows
//! for every minute up to its cutoff) fail that check and are read from the lines, so
//! nothing needs recounting.
//!
//! The writer counts lines in memory ([`KeyBatch`]) and writes once per distinct (minute,
//! topic, key, value), with the first commit a second after the last write
//! (`crate::ingest`), not in every transaction: the lines' own commit is what a server's
//! answer waits for.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use crate::rollup::MINUTE_NS;

/// Most distinct values a key keeps per minute before it is marked as overflowing.
pub(crate) const MAX_VALUES: usize = 256;

/// Longest value counted; a longer one marks its key as overflowing for the minute (long
/// values are messages, rarely grouped by).
pub(crate) const MAX_VALUE_BYTES: usize = 128;

/// One key's values in one minute and topic of a transaction.
#[derive(Debug)]
enum Values {
    Counted(HashMap<String, i64>),
    Overflow,
}

/// One logstore's minute and topic in a transaction.
#[derive(Debug, Default)]
struct Minute {
    lines: i64,
    keys: HashMap<String, Values>,
}

/// The value counts of lines not yet written, written by [`KeyBatch::flush`].
#[derive(Debug, Default)]
pub(crate) struct KeyBatch {
    /// Per (logstore, minute), per topic: one hash of the topic per line, and no topic
    /// string allocated but for a new topic.
    minutes: HashMap<(i64, i64), HashMap<String, Minute>>,
    lines: usize,
}

impl KeyBatch {
    /// How many lines it counted since the last flush.
    pub(crate) fn lines(&self) -> usize {
        self.lines
    }

    /// Counts one line.
    pub(crate) fn add(
        &mut self,
        logstore_id: i64,
        time_ns: i64,
        topic: &str,
        contents: &[(String, String)],
    ) {
        if time_ns < 0 {
            return;
        }
        let topics = self
            .minutes
            .entry((logstore_id, time_ns / MINUTE_NS))
            .or_default();
        let minute = match topics.get_mut(topic) {
            Some(minute) => minute,
            None => topics.entry(topic.to_owned()).or_default(),
        };
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
            "INSERT INTO log_key_minutes (logstore_id, minute, topic, lines)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (logstore_id, minute, topic) DO UPDATE SET lines = lines + excluded.lines",
        )?;
        let mut overflowed = conn.prepare_cached(
            "SELECT 1 FROM log_key_overflow
             WHERE logstore_id = ?1 AND minute = ?2 AND topic = ?3 AND key = ?4",
        )?;
        let mut upsert = conn.prepare_cached(
            "INSERT INTO log_key_values (logstore_id, key, minute, topic, value, lines)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (logstore_id, key, minute, topic, value)
             DO UPDATE SET lines = lines + excluded.lines",
        )?;
        let mut distinct = conn.prepare_cached(
            "SELECT count(*) FROM log_key_values
             WHERE logstore_id = ?1 AND minute = ?2 AND topic = ?3 AND key = ?4",
        )?;
        for ((store, minute), topics) in self.minutes.drain() {
            for (topic, counts) in topics {
                lines.execute(params![store, minute, topic, counts.lines])?;
                for (key, values) in counts.keys {
                    let at = params![store, minute, topic, key];
                    if overflowed.exists(at)? {
                        continue;
                    }
                    let overflow = match values {
                        Values::Overflow => true,
                        Values::Counted(values) => {
                            for (value, n) in &values {
                                upsert.execute(params![store, key, minute, topic, value, n])?;
                            }
                            let count: i64 = distinct.query_row(at, |r| r.get(0))?;
                            count > MAX_VALUES as i64
                        }
                    };
                    if overflow {
                        mark_overflow(conn, store, minute, &topic, &key)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Marks `key` as overflowing in a minute and topic and drops its values there.
fn mark_overflow(
    conn: &Connection,
    store: i64,
    minute: i64,
    topic: &str,
    key: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO log_key_overflow (logstore_id, minute, topic, key)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![store, minute, topic, key])?;
    conn.prepare_cached(
        "DELETE FROM log_key_values
         WHERE logstore_id = ?1 AND minute = ?2 AND topic = ?3 AND key = ?4",
    )?
    .execute(params![store, minute, topic, key])?;
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
