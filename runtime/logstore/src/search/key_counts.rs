//! GROUP BYs on one content key read the per-minute value counts (`crate::key_counts`)
//! instead of every line's JSON.
//!
//! When a statement has a weighted form, the search is `*` and the statement reads exactly
//! one column that is a plain content key (`userId`; no reserved name, no dotted path), each
//! whole minute in `[from, to)` whose counts cover all its lines (see `crate::key_counts`)
//! gives its values' counts, typed as `fcl_value` types them, plus a NULL row for its lines
//! without the key; the edge minutes and the minutes not covered are read from the lines, in
//! time order (runs of uncovered minutes on two connections when they hold many lines).
//! With a topic filter only that topic's counts and lines are read and checked (a minute's
//! other topics do not matter); without one, a minute is covered when every topic it has
//! lines of is, and its topics' counts are summed. Anything else returns `None`.

use std::collections::{BTreeMap, HashMap};

use fclocal_sls_query::Search;
use rusqlite::params;
use rusqlite::types::{ToSql, ValueRef};

use super::error::QueryError;
use super::execute::sqlite_message;
use super::weighted::Counted;
use crate::LogReader;
use crate::rollup::MINUTE_NS;

/// Per minute: its lines (of the topic filtered on, or all) from `log_rollups`, and whether
/// the counts cover each of them.
type Coverage = BTreeMap<i64, (i64, bool)>;

/// Per minute and topic: lines in `log_rollups`, and lines counted for the key (`None` when
/// it overflowed there).
type TopicCoverage = HashMap<(i64, String), (i64, Option<i64>)>;

impl LogReader {
    /// The values of the one key `names` holds over the lines of logstore `id` in `range`,
    /// counted from `log_key_values` where they cover the minute; `None` when the statement
    /// or search is not one these counts answer.
    pub(crate) fn count_from_key_counts(
        &self,
        id: i64,
        range: (i64, i64),
        topic: Option<&str>,
        search: &Search,
        names: &[String],
    ) -> Result<Option<Counted>, QueryError> {
        let [key] = names else {
            return Ok(None);
        };
        if *search != Search::All || key.is_empty() || key.starts_with("__") || key.contains('.') {
            return Ok(None);
        }
        let (from, to) = range;
        if from < 0 {
            return Ok(None);
        }
        let first = from / MINUTE_NS + i64::from(from % MINUTE_NS != 0);
        let end = to.div_euclid(MINUTE_NS);
        if first >= end {
            return Ok(None);
        }
        let coverage = self.coverage(id, key, topic, first, end)?;
        let mut values = self
            .key_values(id, key, topic, first, end)?
            .into_iter()
            .peekable();
        let mut counted = Counted::default();
        if !self.count_lines(&mut counted, id, (from, first * MINUTE_NS), topic, names)? {
            return Ok(None);
        }
        // Minutes not covered, read from the lines together: [start, end) in minutes.
        let mut uncovered: Option<(i64, i64)> = None;
        for (&minute, &(lines, covered)) in &coverage {
            if !covered {
                uncovered = Some(match uncovered {
                    Some((start, _)) => (start, minute + 1),
                    None => (minute, minute + 1),
                });
                continue;
            }
            if let Some((start, stop)) = uncovered.take() {
                let r = (start * MINUTE_NS, stop * MINUTE_NS);
                if !self.count_uncovered(&mut counted, id, r, topic, names)? {
                    return Ok(None);
                }
            }
            // Values of minutes read from the lines are skipped.
            while values.next_if(|(m, _, _)| *m < minute).is_some() {}
            let mut with_key = 0;
            while let Some((_, value, n)) = values.next_if(|(m, _, _)| *m == minute) {
                let Some(n) = u64::try_from(n).ok() else {
                    return Ok(None);
                };
                with_key += n;
                let typed = crate::udf::typed(&value);
                if !counted.add_one(ValueRef::from(&typed), n) {
                    return Ok(None);
                }
            }
            let without = u64::try_from(lines).unwrap_or(0).saturating_sub(with_key);
            if without > 0 && !counted.add_one(ValueRef::Null, without) {
                return Ok(None);
            }
        }
        if let Some((start, stop)) = uncovered {
            let r = (start * MINUTE_NS, stop * MINUTE_NS);
            if !self.count_uncovered(&mut counted, id, r, topic, names)? {
                return Ok(None);
            }
        }
        if !self.count_lines(&mut counted, id, (end * MINUTE_NS, to), topic, names)? {
            return Ok(None);
        }
        Ok(Some(counted))
    }

    /// Adds the lines of logstore `id` in `range`, minutes the counts do not cover, to
    /// `counted`: on two connections when they are many (`parallel.rs`), as when a whole
    /// range was written before the counts existed (or, for a topic, before migration 7).
    fn count_uncovered(
        &self,
        counted: &mut Counted,
        id: i64,
        range: (i64, i64),
        topic: Option<&str>,
        names: &[String],
    ) -> Result<bool, QueryError> {
        let sql = self.select_lines(id, range, topic, names)?;
        let Some(lines) = self.count_distinct_lines(id, range, topic, &Search::All, names, &sql)?
        else {
            return Ok(false);
        };
        Ok(counted.merge(lines))
    }

    /// Every minute in `[first, end)` with lines (of `topic`, when given): how many, and
    /// whether `key`'s counts cover each of them.
    fn coverage(
        &self,
        id: i64,
        key: &str,
        topic: Option<&str>,
        first: i64,
        end: i64,
    ) -> Result<Coverage, QueryError> {
        let mut topics = TopicCoverage::new();
        let mut add = |sql: &str,
                       params: &[&dyn ToSql],
                       set: fn(&mut (i64, Option<i64>), i64)|
         -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare_cached(sql)?;
            let mut rows = stmt.query(params)?;
            while let Some(row) = rows.next()? {
                let entry = topics
                    .entry((row.get(0)?, row.get(1)?))
                    .or_insert((0, Some(0)));
                set(entry, row.get(2)?);
            }
            Ok(())
        };
        add(
            "SELECT minute, topic, sum(lines) FROM log_rollups
             WHERE logstore_id = ?1 AND minute >= ?2 AND minute < ?3
             AND (?4 IS NULL OR topic = ?4) GROUP BY minute, topic",
            params![id, first, end, topic],
            |entry, lines| entry.0 = lines,
        )
        .map_err(sqlite_message)?;
        // Lines counted where none remain (cannot happen; a sweep drops both) are a
        // mismatch, so the minute is read from the lines.
        add(
            "SELECT minute, topic, lines FROM log_key_minutes
             WHERE logstore_id = ?1 AND minute >= ?2 AND minute < ?3
             AND (?4 IS NULL OR topic = ?4)",
            params![id, first, end, topic],
            |entry, lines| entry.1 = entry.1.map(|_| lines),
        )
        .map_err(sqlite_message)?;
        add(
            "SELECT minute, topic, 0 FROM log_key_overflow
             WHERE logstore_id = ?1 AND key = ?5 AND minute >= ?2 AND minute < ?3
             AND (?4 IS NULL OR topic = ?4)",
            params![id, first, end, topic, key],
            |entry, _| entry.1 = None,
        )
        .map_err(sqlite_message)?;
        let mut coverage = Coverage::new();
        for ((minute, _), (lines, counted)) in topics {
            let entry = coverage.entry(minute).or_insert((0, true));
            entry.0 += lines;
            entry.1 &= counted == Some(lines);
        }
        Ok(coverage)
    }

    /// `key`'s counted `(minute, value, lines)` in `[first, end)` (of `topic`, when given;
    /// a value counted under several topics comes once per topic), in minute order.
    fn key_values(
        &self,
        id: i64,
        key: &str,
        topic: Option<&str>,
        first: i64,
        end: i64,
    ) -> Result<Vec<(i64, String, i64)>, QueryError> {
        self.conn
            .prepare_cached(
                "SELECT minute, value, lines FROM log_key_values
                 WHERE logstore_id = ?1 AND key = ?2 AND minute >= ?3 AND minute < ?4
                 AND (?5 IS NULL OR topic = ?5)
                 ORDER BY minute",
            )
            .and_then(|mut s| {
                s.query_map((id, key, first, end, topic), |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .and_then(|rows| rows.collect())
            })
            .map_err(sqlite_message)
    }
}
