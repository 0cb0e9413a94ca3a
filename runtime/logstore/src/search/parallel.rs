//! Large weighted GROUP BYs read their lines on both cores.
//!
//! A GROUP BY on JSON keys must parse every matching line's `contents`, ~0.2 s per million
//! lines on one core, when the per-minute counts (`rollup.rs`, `key_counts.rs`) cannot
//! answer it: a search other than `*`, several keys not all FC's fields (`userId, level`),
//! or, for one key, the minutes its value counts do not cover for the topics read (written
//! before the counts existed, with several topics before schema version 7, a key with too
//! many values). A topic filter does not stop them: the value counts are kept per topic.
//!
//! The counting pass of the weighted path (`weighted.rs`) merges trivially, so when the
//! range holds many lines it is cut in two at about its middle line, the later half is
//! counted on a second connection on another thread, and the two counts are merged
//! ([`Counted::merge`]), earlier half first, so combinations keep their time order.
//!
//! The second connection is opened on first use and kept with the reader; it is under the
//! same watch (`crate::reader::budget`), so the time budget and cancellation stop both
//! scans. The two halves are read in two read transactions, so a line appended between
//! their starts may be seen in the later half while an earlier line appended with it is
//! not: the result is still one that some moment of a live append stream gives (lines are
//! appended in time order in practice).

use std::sync::{Mutex, PoisonError};

use fclocal_sls_query::Search;
use rusqlite::Connection;

use super::binder::Binder;
use super::columns;
use super::error::{QueryError, sql_error};
use super::weighted::{Counted, count_into};
use crate::LogReader;
use crate::error::SqliteContext;
use crate::schema::{self, Role};

/// Below this many lines (estimated from the range's id span) one scan is used: a thread
/// and a second connection cost about a millisecond, a scan of this many ~10 ms.
const MIN_LINES: i64 = 50_000;

impl LogReader {
    /// [`LogReader::count_distinct`] of the lines of logstore `id` in `range` (with `topic`)
    /// matching `search`, columns `names`; `rows_sql` is the same rows as one statement, used
    /// when the range is too small to split.
    pub(crate) fn count_distinct_lines(
        &self,
        id: i64,
        range: (i64, i64),
        topic: Option<&str>,
        search: &Search,
        names: &[String],
        rows_sql: &str,
    ) -> Result<Option<Counted>, QueryError> {
        let Some(split) = self.split_point(id, range)? else {
            return self.count_distinct(rows_sql);
        };
        let half = |range: (i64, i64)| -> Result<String, QueryError> {
            let mut b = Binder::inline();
            let rows = self.rows(id, range, topic, search, &mut b)?;
            Ok(rows.select(&columns::select_list(names, &mut b), false))
        };
        let (earlier, later) = (half((range.0, split))?, half((split, range.1))?);
        let helper = self.helper()?;
        let (mine, theirs) = std::thread::scope(|s| {
            let theirs = s.spawn(|| {
                let conn = helper.lock().unwrap_or_else(PoisonError::into_inner);
                count(&conn, &later)
            });
            (count(&self.conn, &earlier), theirs.join())
        });
        let theirs =
            theirs.map_err(|_| sql_error("the second scan of a GROUP BY panicked".to_owned()))?;
        let (Some(mut counted), Some(later)) = (mine?, theirs?) else {
            return Ok(None);
        };
        Ok(counted.merge(later).then_some(counted))
    }

    /// A time about halfway through the lines of logstore `id` in `range` (ids grow with
    /// append order, which follows time closely), or `None` when the range holds too few
    /// lines to be worth splitting.
    fn split_point(&self, id: i64, range: (i64, i64)) -> Result<Option<i64>, QueryError> {
        let ends: (Option<i64>, Option<i64>) = self
            .conn
            .prepare_cached(
                "SELECT (SELECT l.id FROM logs AS l WHERE l.logstore_id = ?1 AND l.time_ns >= ?2
                         AND l.time_ns < ?3 ORDER BY l.time_ns ASC LIMIT 1),
                        (SELECT l.id FROM logs AS l WHERE l.logstore_id = ?1 AND l.time_ns >= ?2
                         AND l.time_ns < ?3 ORDER BY l.time_ns DESC LIMIT 1)",
            )
            .and_then(|mut s| s.query_row((id, range.0, range.1), |r| Ok((r.get(0)?, r.get(1)?))))
            .ctx(&self.path, "estimating the lines in a time range")?;
        let (Some(first), Some(last)) = ends else {
            return Ok(None);
        };
        if last.abs_diff(first) < MIN_LINES.unsigned_abs() {
            return Ok(None);
        }
        let middle = first.min(last) + last.abs_diff(first) as i64 / 2;
        let time: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT time_ns FROM logs WHERE id >= ?1 AND logstore_id = ?2 ORDER BY id LIMIT 1",
            )
            .and_then(|mut s| s.query_row((middle, id), |r| r.get(0)))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .ctx(&self.path, "finding the middle of a time range")?;
        Ok(time.filter(|&t| t > range.0 && t < range.1))
    }

    /// The second connection, opened on first use.
    fn helper(&self) -> Result<&Mutex<Connection>, QueryError> {
        if let Some(helper) = self.helper.get() {
            return Ok(helper);
        }
        let mut conn = schema::open_connection(&self.path, Role::Reader, self.busy_timeout)?;
        crate::reader::prepare(&mut conn, &self.path, &self.watch)?;
        Ok(self.helper.get_or_init(|| Mutex::new(conn)))
    }
}

/// Counts the distinct rows of `sql` on `conn`; `None` when the weighted path gives up.
fn count(conn: &Connection, sql: &str) -> Result<Option<Counted>, QueryError> {
    let mut counted = Counted::default();
    Ok(count_into(conn, &mut counted, sql, false)?.then_some(counted))
}
