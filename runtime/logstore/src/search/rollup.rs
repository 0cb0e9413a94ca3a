//! GROUP BYs over FC's counted fields read the per-minute counts (`log_rollups`,
//! `crate::rollup`) instead of every line.
//!
//! When a statement has a weighted form ([`fclocal_sls_query::Analytic::weighted`], so it
//! only needs each distinct combination of the columns it reads and how many lines had it),
//! the search is `*` and every column it reads is counted (`__topic__`, `__source__`,
//! `serviceName`, `functionName`, `qualifier`, `level`), the combinations are taken from the
//! counts of the whole minutes in `[from, to)` and from the lines of the partial minutes at
//! either edge. The counts equal the lines' (the writer and sweeps keep them so), so the
//! result is the one the lines give; on 1M lines an hour that is ~60 rows per combination
//! instead of 1M JSON objects. Anything else returns `None` and the lines are read.

use fclocal_sls_query::Search;

use super::binder::Binder;
use super::columns;
use super::error::QueryError;
use super::weighted::Counted;
use crate::LogReader;
use crate::rollup::{MINUTE_NS, column};

impl LogReader {
    /// The combinations of `names` over the lines of logstore `id` in `range` (with `topic`)
    /// matching `search`, counted from `log_rollups` where possible; `None` when the
    /// statement or search is not one the counts answer, the range starts before 1970 or
    /// holds no whole minute.
    pub(crate) fn count_from_rollups(
        &self,
        id: i64,
        range: (i64, i64),
        topic: Option<&str>,
        search: &Search,
        names: &[String],
    ) -> Result<Option<Counted>, QueryError> {
        if *search != Search::All {
            return Ok(None);
        }
        let Some(counted_columns) = names
            .iter()
            .map(|n| column(n))
            .collect::<Option<Vec<&str>>>()
        else {
            return Ok(None);
        };
        let (from, to) = range;
        if from < 0 {
            return Ok(None);
        }
        let first = from / MINUTE_NS + i64::from(from % MINUTE_NS != 0);
        let end = to.div_euclid(MINUTE_NS);
        if first >= end {
            return Ok(None);
        }
        let mut counted = Counted::default();
        // In time order, so combinations appear as they would from the lines (bare columns
        // of a group take the same row's values as often as possible).
        if !self.count_lines(&mut counted, id, (from, first * MINUTE_NS), topic, names)? {
            return Ok(None);
        }
        let mut b = Binder::inline();
        let topic_filter = topic.map_or_else(String::new, |t| {
            format!(" AND topic = {}", b.bind(t.to_owned()))
        });
        let sql = format!(
            "SELECT {}, lines FROM log_rollups WHERE logstore_id = {id} \
             AND minute >= {first} AND minute < {end}{topic_filter} ORDER BY minute",
            counted_columns.join(", ")
        );
        if !self.count_into(&mut counted, &sql, true)? {
            return Ok(None);
        }
        if !self.count_lines(&mut counted, id, (end * MINUTE_NS, to), topic, names)? {
            return Ok(None);
        }
        Ok(Some(counted))
    }

    /// Adds the lines of logstore `id` in `range` to `counted`.
    pub(super) fn count_lines(
        &self,
        counted: &mut Counted,
        id: i64,
        range: (i64, i64),
        topic: Option<&str>,
        names: &[String],
    ) -> Result<bool, QueryError> {
        if range.0 >= range.1 {
            return Ok(true);
        }
        let sql = self.select_lines(id, range, topic, names)?;
        self.count_into(counted, &sql, false)
    }

    /// The statement reading `names` from every line of logstore `id` in `range` (with
    /// `topic`).
    pub(super) fn select_lines(
        &self,
        id: i64,
        range: (i64, i64),
        topic: Option<&str>,
        names: &[String],
    ) -> Result<String, QueryError> {
        let mut b = Binder::inline();
        let rows = self.rows(id, range, topic, &Search::All, &mut b)?;
        Ok(rows.select(&columns::select_list(names, &mut b), false))
    }
}
