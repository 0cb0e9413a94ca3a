//! [`LogReader::histogram`]: match counts per time bucket (SLS GetHistograms).
//!
//! Two plans. For `*` every bucket is one `count(*)` over a `logs_by_time` range (SQLite
//! counts index entries without touching the rows). For a search, one statement reads the
//! matching lines' `time_ns` across all buckets (evaluating the search once) and the counting
//! happens here, by binary search when the buckets are sorted and disjoint (the usual case).

use std::time::SystemTime;

use fclocal_sls_query::Search;

use super::binder::Binder;
use super::error::QueryError;
use super::execute::time_range;
use crate::LogReader;
use crate::error::SqliteContext;

impl LogReader {
    /// How many lines match the search part of `query` (anything after `|` is not run) in
    /// each of `buckets`, half-open `[from, to)` ranges; `topic`, when given, must equal
    /// `__topic__`. The whole query must parse. It runs under the time budget, like
    /// [`LogReader::search`].
    pub fn histogram(
        &self,
        project: &str,
        logstore: &str,
        query: &str,
        topic: Option<&str>,
        buckets: &[(SystemTime, SystemTime)],
    ) -> Result<Vec<u64>, QueryError> {
        self.watched(|| self.histogram_unwatched(project, logstore, query, topic, buckets))
    }

    fn histogram_unwatched(
        &self,
        project: &str,
        logstore: &str,
        query: &str,
        topic: Option<&str>,
        buckets: &[(SystemTime, SystemTime)],
    ) -> Result<Vec<u64>, QueryError> {
        let search = fclocal_sls_query::parse(query)?.search;
        let ranges = buckets
            .iter()
            .map(|&(from, to)| time_range(from, to))
            .collect::<Result<Vec<_>, _>>()?;
        let id = self.logstore_id(project, logstore)?;
        if ranges.is_empty() {
            return Ok(Vec::new());
        }
        if search == Search::All {
            return ranges
                .iter()
                .map(|&r| self.count_rows(id, r, topic, &search))
                .collect();
        }
        let low = ranges.iter().map(|r| r.0).min().unwrap_or(0);
        let high = ranges.iter().map(|r| r.1).max().unwrap_or(0);
        let mut b = Binder::params();
        let rows = self.rows(id, (low, high), topic, &search, &mut b)?;
        let sql = rows.select("l.time_ns", true);
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .ctx(&self.path, "preparing a histogram")?;
        let mut rows = stmt
            .query(b.values().as_slice())
            .ctx(&self.path, "counting logs per bucket")?;
        let mut counts = vec![0u64; ranges.len()];
        let sorted = ranges.windows(2).all(|w| w[0].1 <= w[1].0);
        while let Some(row) = rows.next().ctx(&self.path, "counting logs per bucket")? {
            let t: i64 = row.get(0).ctx(&self.path, "counting logs per bucket")?;
            if sorted {
                // The last bucket starting at or before t is the only candidate.
                let i = ranges.partition_point(|r| r.0 <= t);
                if i > 0 && t < ranges[i - 1].1 {
                    counts[i - 1] += 1;
                }
            } else {
                for (n, r) in counts.iter_mut().zip(&ranges) {
                    if r.0 <= t && t < r.1 {
                        *n += 1;
                    }
                }
            }
        }
        Ok(counts)
    }
}
