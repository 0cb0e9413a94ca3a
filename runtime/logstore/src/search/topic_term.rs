//! `__topic__: X` written in the query, as GetLogs' `topic` parameter, for the counts.
//!
//! SLS users filter a topic either way: `topic=X` on GetLogs, or `__topic__: X | select …`
//! in the query. The per-minute counts (`log_rollups`, `log_key_minutes`) are kept per
//! topic and answer the first form; a search term sends a GROUP BY to the lines. But the
//! term compares the whole topic, case-insensitively (`crate::matcher`), so when exactly
//! one topic of the range's minutes matches it, the lines it selects are exactly that
//! topic's lines, and the counts can answer for it. With several matching topics (the same
//! name in two cases) or a wildcard, the lines are read as before.

use fclocal_sls_query::{Field, Search};

use super::error::QueryError;
use crate::LogReader;
use crate::error::SqliteContext;
use crate::matcher::PatternMatcher;
use crate::rollup::MINUTE_NS;

impl LogReader {
    /// The one topic `search` (a lone `__topic__: X` without wildcards) selects among the
    /// lines of logstore `id` in `range`, combined with the request's `topic`; `None` when
    /// the search is something else, or when no single topic is what it selects.
    pub(super) fn topic_named_by(
        &self,
        id: i64,
        range: (i64, i64),
        topic: Option<&str>,
        search: &Search,
    ) -> Result<Option<String>, QueryError> {
        let Search::Field {
            field: Field::Topic,
            pattern,
        } = search
        else {
            return Ok(None);
        };
        if pattern.has_wildcards() {
            return Ok(None);
        }
        let (from, to) = range;
        if from < 0 || from >= to {
            return Ok(None);
        }
        let named = |candidate: &str| {
            PatternMatcher::matches_whole(&pattern.text, pattern.quoted, candidate)
        };
        if let Some(topic) = topic {
            // Both filters: the request's topic, if the term selects it.
            return Ok(named(topic).then(|| topic.to_owned()));
        }
        // Every line of the range is in one of these minutes' counts (the writer and the
        // sweeps keep `log_rollups` exact, lines before 1970 excepted: `from >= 0`).
        let (first, last) = (from / MINUTE_NS, (to - 1) / MINUTE_NS);
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT topic FROM log_rollups \
                 WHERE logstore_id = ?1 AND minute >= ?2 AND minute <= ?3",
            )
            .ctx(&self.path, "listing the topics of a time range")?;
        let topics = statement
            .query_map((id, first, last), |row| row.get::<_, String>(0))
            .ctx(&self.path, "listing the topics of a time range")?;
        let mut matching = None;
        for candidate in topics {
            let candidate = candidate.ctx(&self.path, "listing the topics of a time range")?;
            if named(&candidate) {
                if matching.is_some() {
                    return Ok(None);
                }
                matching = Some(candidate);
            }
        }
        Ok(matching)
    }
}
