//! Per-minute line counts of FC's low-cardinality fields (`log_rollups`, migration 5),
//! kept exact at ingest and by TTL sweeps, so `* | select functionName, count(*) … group by`
//! reads a few rows per minute instead of every line (`crate::search::rollup`).
//!
//! A row counts the lines of one logstore in one minute (`time_ns / 60 s`; lines before
//! 1970 are not counted) with one combination of `__topic__`, `__source__` and the content
//! keys of [`KEYS`]. Each key's value is exactly what `fcl_value(contents, key)` gives (the
//! first occurrence, typed by `udf::values::typed`, NULL if absent), so grouping the counts
//! gives what grouping the lines gives. `combo` ([`combo`], also the SQL function
//! `fcl_rollup_key`) tells combinations apart by type and bytes: `1` and `1.0` compare
//! equal in SQL but are different rows, as they are different lines.
//!
//! The writer counts a transaction's lines in a hash map ([`Batch`]) and upserts one row per
//! distinct (logstore, minute, combination) at the end of the transaction, so ingest pays a
//! hash lookup per line and a few dozen upserts per transaction.

use std::collections::HashMap;

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, params};

use crate::udf::typed_ref;

/// Nanoseconds in a rollup bucket.
pub(crate) const MINUTE_NS: i64 = 60_000_000_000;

/// The content keys counted, with their `log_rollups` column, in column order. Keys are
/// matched exactly (content keys are case-sensitive). Only fields with few values per
/// minute: `requestId` or `message` would make a row per line.
pub(crate) const KEYS: [(&str, &str); 4] = [
    ("serviceName", "service"),
    ("functionName", "function"),
    ("qualifier", "qualifier"),
    ("level", "level"),
];

/// The `log_rollups` column for `log` column `name` (reserved names case-insensitively, as
/// SQL identifiers; content keys exactly), or `None` if it is not rolled up.
pub(crate) fn column(name: &str) -> Option<&'static str> {
    if name.eq_ignore_ascii_case("__topic__") {
        return Some("topic");
    }
    if name.eq_ignore_ascii_case("__source__") {
        return Some("source");
    }
    KEYS.iter().find(|(k, _)| *k == name).map(|(_, c)| *c)
}

/// The [`KEYS`] values of a line's `contents`, in column order.
pub(crate) fn values(contents: &[(String, String)]) -> [ToSqlOutput<'_>; 4] {
    let mut out: [ToSqlOutput<'_>; 4] = std::array::from_fn(|_| ToSqlOutput::Owned(Value::Null));
    let mut seen = [false; 4];
    for (key, value) in contents {
        if let Some(i) = KEYS.iter().position(|(k, _)| k == key)
            && !seen[i]
        {
            seen[i] = true;
            out[i] = typed_ref(value);
        }
    }
    out
}

/// Appends the identity of `values` (type tag, then length and bytes) to `out`.
pub(crate) fn combo<'a>(values: impl IntoIterator<Item = ValueRef<'a>>, out: &mut Vec<u8>) {
    for v in values {
        match v {
            ValueRef::Null => out.push(0),
            ValueRef::Integer(n) => {
                out.push(1);
                out.extend_from_slice(&n.to_le_bytes());
            }
            ValueRef::Real(f) => {
                out.push(2);
                out.extend_from_slice(&f.to_bits().to_le_bytes());
            }
            ValueRef::Text(t) => {
                out.push(3);
                out.extend_from_slice(&(t.len() as u64).to_le_bytes());
                out.extend_from_slice(t);
            }
            ValueRef::Blob(b) => {
                out.push(4);
                out.extend_from_slice(&(b.len() as u64).to_le_bytes());
                out.extend_from_slice(b);
            }
        }
    }
}

/// Registers `fcl_rollup_key(topic, source, service, function, qualifier, level)`: [`combo`]
/// in SQL, for the migration's backfill and the sweep's recount.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function("fcl_rollup_key", 6, crate::udf::pure(), |ctx| {
        let mut out = Vec::with_capacity(64);
        combo((0..6).map(|i| ctx.get_raw(i)), &mut out);
        Ok(out)
    })
}

/// Counts the lines of a logstore in `[?2, ?3)` into `log_rollups` (the rows must not exist
/// yet). The same statement, over every logstore, backfills migration 5.
const COUNT_LINES: &str = "INSERT INTO log_rollups
    (logstore_id, minute, combo, topic, source, service, function, qualifier, level, lines)
    SELECT logstore_id, minute, fcl_rollup_key(topic, source, s, f, q, v),
           topic, source, s, f, q, v, count(*)
    FROM (SELECT logstore_id, time_ns / 60000000000 AS minute, topic, source,
                 fcl_value(contents, 'serviceName') AS s, fcl_value(contents, 'functionName') AS f,
                 fcl_value(contents, 'qualifier') AS q, fcl_value(contents, 'level') AS v
          FROM logs WHERE logstore_id = ?1 AND time_ns >= max(?2, 0) AND time_ns < ?3)
    GROUP BY 1, 2, 3";

/// After a sweep deleted the lines of logstore `logstore_id` before `cutoff`: drops the
/// counts of every minute that started before it and counts again the lines kept in the
/// minute `cutoff` falls in, so the counts stay those of the lines.
pub(crate) fn after_sweep(
    conn: &Connection,
    logstore_id: i64,
    cutoff: i64,
) -> rusqlite::Result<()> {
    let minute = cutoff.div_euclid(MINUTE_NS);
    conn.prepare_cached("DELETE FROM log_rollups WHERE logstore_id = ?1 AND minute <= ?2")?
        .execute(params![logstore_id, minute])?;
    let start = minute.saturating_mul(MINUTE_NS);
    conn.prepare_cached(COUNT_LINES)?.execute(params![
        logstore_id,
        start,
        start.saturating_add(MINUTE_NS)
    ])?;
    Ok(())
}

/// One row to upsert.
#[derive(Debug)]
struct Count {
    logstore_id: i64,
    minute: i64,
    /// The combination's [`combo`] bytes start here in the map key.
    combo_at: usize,
    topic: String,
    source: String,
    values: [Value; 4],
    lines: i64,
}

/// The counts of one transaction's lines, upserted by [`Batch::flush`].
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// Keyed by logstore id, minute and [`combo`], as bytes.
    counts: HashMap<Vec<u8>, Count>,
    key: Vec<u8>,
}

/// Adds to a row, or creates it.
const UPSERT: &str = "INSERT INTO log_rollups
    (logstore_id, minute, combo, topic, source, service, function, qualifier, level, lines)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
    ON CONFLICT (logstore_id, minute, combo) DO UPDATE SET lines = lines + excluded.lines";

impl Batch {
    /// Counts one line.
    pub(crate) fn add(
        &mut self,
        logstore_id: i64,
        time_ns: i64,
        topic: &str,
        source: &str,
        contents: &[(String, String)],
    ) {
        if time_ns < 0 {
            return;
        }
        let minute = time_ns / MINUTE_NS;
        let values = values(contents);
        self.key.clear();
        self.key.extend_from_slice(&logstore_id.to_le_bytes());
        self.key.extend_from_slice(&minute.to_le_bytes());
        let combo_at = self.key.len();
        let refs = [
            ValueRef::Text(topic.as_bytes()),
            ValueRef::Text(source.as_bytes()),
        ];
        combo(
            refs.into_iter().chain(values.iter().map(as_ref)),
            &mut self.key,
        );
        if let Some(count) = self.counts.get_mut(self.key.as_slice()) {
            count.lines += 1;
            return;
        }
        let count = Count {
            logstore_id,
            minute,
            combo_at,
            topic: topic.to_owned(),
            source: source.to_owned(),
            values: values.map(|v| crate::udf::owned(as_ref(&v))),
            lines: 1,
        };
        self.counts.insert(self.key.clone(), count);
    }

    /// Adds the counts to `log_rollups` and empties the batch.
    pub(crate) fn flush(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        if self.counts.is_empty() {
            return Ok(());
        }
        let mut upsert = conn.prepare_cached(UPSERT)?;
        for (key, c) in self.counts.drain() {
            let [s, f, q, l] = &c.values;
            upsert.execute(params![
                c.logstore_id,
                c.minute,
                &key[c.combo_at..],
                c.topic,
                c.source,
                s,
                f,
                q,
                l,
                c.lines
            ])?;
        }
        Ok(())
    }
}

/// A bound value as a [`ValueRef`].
fn as_ref<'a>(v: &'a ToSqlOutput<'_>) -> ValueRef<'a> {
    match v {
        ToSqlOutput::Borrowed(r) => *r,
        ToSqlOutput::Owned(o) => ValueRef::from(o),
        // `typed_ref` makes only the two kinds above.
        _ => ValueRef::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn first_occurrence_typed_absent_null() {
        let p = pairs(&[
            ("functionName", "42"),
            ("level", "INFO"),
            ("functionName", "other"),
            ("FunctionName", "case"),
        ]);
        let v = values(&p);
        assert_eq!(as_ref(&v[1]), ValueRef::Integer(42));
        assert_eq!(as_ref(&v[3]), ValueRef::Text(b"INFO"));
        assert_eq!(as_ref(&v[0]), ValueRef::Null);
        assert_eq!(column("functionName"), Some("function"));
        assert_eq!(column("__TOPIC__"), Some("topic"));
        assert_eq!(column("FunctionName"), None);
        assert_eq!(column("requestId"), None);
    }

    #[test]
    fn combos_tell_types_and_boundaries_apart() {
        let key = |v: &[ValueRef<'_>]| {
            let mut out = Vec::new();
            combo(v.iter().copied(), &mut out);
            out
        };
        assert_ne!(key(&[ValueRef::Integer(1)]), key(&[ValueRef::Real(1.0)]));
        assert_ne!(
            key(&[ValueRef::Text(b"ab"), ValueRef::Text(b"c")]),
            key(&[ValueRef::Text(b"a"), ValueRef::Text(b"bc")])
        );
        assert_ne!(key(&[ValueRef::Null]), key(&[ValueRef::Text(b"")]));
    }

    #[test]
    fn the_sql_key_is_the_rust_key() {
        let conn = Connection::open_in_memory().expect("sqlite");
        register(&conn).expect("register");
        let sql: Vec<u8> = conn
            .query_row(
                "SELECT fcl_rollup_key('t', 's', NULL, 42, 1.5, 'INFO')",
                [],
                |r| r.get(0),
            )
            .expect("key");
        let mut rust = Vec::new();
        combo(
            [
                ValueRef::Text(b"t"),
                ValueRef::Text(b"s"),
                ValueRef::Null,
                ValueRef::Integer(42),
                ValueRef::Real(1.5),
                ValueRef::Text(b"INFO"),
            ],
            &mut rust,
        );
        assert_eq!(sql, rust);
    }
}
