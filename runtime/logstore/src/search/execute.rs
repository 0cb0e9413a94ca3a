//! [`LogReader::search`]: parse, compile, run; log pages for searches, tables for SQL.

use std::time::SystemTime;

use fclocal_sls_query::{Analytic, Search};
use rusqlite::types::ValueRef;

use super::binder::Binder;
use super::columns;
use super::compile_search::{Compiled, QUEUED, compile, fts_condition};
use super::error::{QueryError, sql_error};
use super::request::{SearchRequest, SearchResult};
use crate::LogReader;
use crate::error::SqliteContext;
use crate::model::to_unix_nanos;

/// Columns [`LogReader::decode_row`] reads, in its order (the same as `crate::query`'s).
const SELECT_LOGS: &str = "SELECT l.id, s.project, s.name, l.shard, l.seq, l.time_ns, \
    l.topic, l.source, l.tags, l.contents";

/// The rows a request covers: the union of one or more parts.
pub(crate) struct Rows {
    parts: Vec<Part>,
}

/// One part of [`Rows`].
struct Part {
    /// A subquery yielding the `id`s to look lines up by, or `None` to scan the time range.
    source: Option<String>,
    /// The condition on `logs AS l`.
    filter: String,
    /// The condition reads only `l.id`, `l.logstore_id` and `l.time_ns`, so lookups by id can
    /// use the narrow index `logs_by_id` (migration 2) instead of the wide table rows.
    narrow: bool,
}

impl Rows {
    /// `SELECT <columns> FROM … WHERE …` for every part, joined by `UNION ALL`. With
    /// `narrow`, `columns` read only `l.id` and `l.time_ns`.
    pub(crate) fn select(&self, columns: &str, narrow: bool) -> String {
        self.parts
            .iter()
            .map(|part| {
                let from = match &part.source {
                    None => "logs AS l".to_owned(),
                    Some(ids) => {
                        let hint = if narrow && part.narrow {
                            " INDEXED BY logs_by_id"
                        } else {
                            ""
                        };
                        format!("{ids} AS c CROSS JOIN logs AS l{hint} ON l.id = c.id")
                    }
                };
                format!("SELECT {columns} FROM {from} WHERE {}", part.filter)
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    }
}

impl Rows {
    /// Whether the lines are found from FTS5 matches ([`Access::Driven`]) rather than by
    /// scanning the time range.
    fn driven(&self) -> bool {
        self.parts.iter().any(|p| p.source.is_some())
    }
}

/// `a AND (b)`, or `a` when `b` is `1`.
fn and(a: &str, b: &str) -> String {
    if b == "1" {
        a.to_owned()
    } else {
        format!("{a} AND ({b})")
    }
}

/// How the rows of a search with an FTS5 prefilter are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Walk `logs_by_time` over the range and test each line against the FTS5 matches
    /// (materialised once): cheap when matches are dense, and it yields time order.
    Scan,
    /// Start from the FTS5 matches and look each line up by id: cheap when matches are rare
    /// (a request id, an error word in a big range).
    Driven,
}

/// Ratio of the cost of looking a line up by id to the cost of stepping over one index
/// entry in a scan (measured ~0.5 µs vs ~0.2 µs on the bench machine, rounded up).
const LOOKUP_COST: i64 = 3;

/// `[from, to)` in nanoseconds, or [`QueryError::InvalidTimeRange`].
pub(crate) fn time_range(from: SystemTime, to: SystemTime) -> Result<(i64, i64), QueryError> {
    if from > to {
        return Err(QueryError::InvalidTimeRange { from, to });
    }
    Ok((to_unix_nanos(from), to_unix_nanos(to)))
}

impl LogReader {
    /// The rows of logstore `id` in `range` with `topic` that match `search`, choosing the
    /// cheaper [`Access`] when there are FTS5 terms.
    pub(crate) fn rows(
        &self,
        id: i64,
        range: (i64, i64),
        topic: Option<&str>,
        search: &Search,
        b: &mut Binder,
    ) -> Result<Rows, QueryError> {
        let compiled = compile(search, b);
        let logstore = b.bind(id);
        let from_ns = b.bind(range.0);
        let to_ns = b.bind(range.1);
        let mut base = format!(
            "l.logstore_id = {logstore} AND l.time_ns >= {from_ns} AND l.time_ns < {to_ns}"
        );
        if let Some(topic) = topic {
            let t = b.bind(topic.to_owned());
            base.push_str(&format!(" AND l.topic = {t}"));
        }
        let parts = match compiled {
            Compiled::Scan(exact) => vec![Part {
                source: None,
                filter: and(&base, &exact),
                narrow: false,
            }],
            Compiled::Fts {
                fts,
                indexed,
                queued,
            } => match self.access(id, range, &fts)? {
                Access::Scan => {
                    let in_fts = fts_condition(&fts, b);
                    let indexed = if indexed == "1" {
                        in_fts
                    } else {
                        format!("({in_fts} AND {indexed})")
                    };
                    vec![Part {
                        source: None,
                        filter: format!("{base} AND ({indexed} OR ({QUEUED} AND {queued}))"),
                        narrow: false,
                    }]
                }
                Access::Driven => {
                    let p = b.bind(fts);
                    vec![
                        Part {
                            source: Some(format!(
                                "(SELECT rowid AS id FROM logs_fts WHERE logs_fts MATCH {p})"
                            )),
                            narrow: indexed == "1" && topic.is_none(),
                            filter: and(&base, &indexed),
                        },
                        Part {
                            source: Some("(SELECT id FROM logs_fts_pending)".to_owned()),
                            filter: and(&base, &queued),
                            narrow: false,
                        },
                    ]
                }
            },
        };
        Ok(Rows { parts })
    }

    /// Picks [`Access`] for the FTS5 query `fts` over logstore `id` in `range`: estimates the
    /// lines in the range from the ids of its first and last line (ids grow with append
    /// order, which follows time closely), then counts FTS5 matches only up to the point where
    /// looking them up would cost more than scanning.
    fn access(&self, id: i64, range: (i64, i64), fts: &str) -> Result<Access, QueryError> {
        let span: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT abs(
                    (SELECT l.id FROM logs AS l WHERE l.logstore_id = ?1 AND l.time_ns >= ?2
                     AND l.time_ns < ?3 ORDER BY l.time_ns DESC LIMIT 1)
                  - (SELECT l.id FROM logs AS l WHERE l.logstore_id = ?1 AND l.time_ns >= ?2
                     AND l.time_ns < ?3 ORDER BY l.time_ns ASC LIMIT 1)) + 1",
            )
            .and_then(|mut s| s.query_row((id, range.0, range.1), |r| r.get(0)))
            .ctx(&self.path, "estimating the lines in a time range")?;
        let Some(span) = span else {
            return Ok(Access::Scan); // nothing in the range
        };
        let budget = span / LOOKUP_COST;
        let hits: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM (SELECT rowid FROM logs_fts WHERE logs_fts MATCH ?1 LIMIT ?2)",
            )
            .and_then(|mut s| s.query_row((fts, budget + 1), |r| r.get(0)))
            .map_err(|e| QueryError::Search {
                message: format!(
                    "SQLite's full-text index refused {fts:?}: {e}; simplify the search (fewer terms or less nesting)"
                ),
            })?;
        Ok(if hits <= budget {
            Access::Driven
        } else {
            Access::Scan
        })
    }

    /// Runs an SLS query (SLS GetLogs): without `|`, a page of matching lines; with `| SQL`,
    /// the statement's table over the matching lines (reference/sls.md §5–6).
    ///
    /// The time range is `[from, to)`; `topic`, when given, must equal `__topic__`. Lines are
    /// ordered by time, ties by append order (`reverse` = newest first).
    ///
    /// The query runs under the time budget and can be withdrawn (see
    /// [`crate::set_query_time_budget`]): then the error is [`QueryError::TimedOut`] or
    /// [`QueryError::Cancelled`].
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResult, QueryError> {
        self.watched(|| self.search_unwatched(request))
    }

    fn search_unwatched(&self, request: &SearchRequest) -> Result<SearchResult, QueryError> {
        let query = fclocal_sls_query::parse(&request.query)?;
        let range = time_range(request.from, request.to)?;
        let id = self.logstore_id(&request.project, &request.logstore)?;
        let topic = request.topic.as_deref();
        match &query.analytic {
            None => self.search_logs(id, range, topic, &query.search, request),
            Some(analytic) => self.run_analytic(id, range, topic, &query.search, analytic),
        }
    }

    /// A page of matching lines and the number of matches.
    fn search_logs(
        &self,
        id: i64,
        range: (i64, i64),
        topic: Option<&str>,
        search: &Search,
        request: &SearchRequest,
    ) -> Result<SearchResult, QueryError> {
        let mut b = Binder::params();
        let rows = self.rows(id, range, topic, search, &mut b)?;
        let dir = if request.reverse { "DESC" } else { "ASC" };
        if rows.driven() {
            return self.search_driven(&rows, &b, request, dir);
        }
        let limit = b.bind(i64::try_from(request.line).unwrap_or(i64::MAX));
        let offset = b.bind(i64::try_from(request.offset).unwrap_or(i64::MAX));
        // The page is chosen on ids and times only (index-only where possible; the scan
        // stops after the page), then just its lines are read.
        let sql = format!(
            "{SELECT_LOGS} FROM logs AS l JOIN logstores AS s ON s.id = l.logstore_id \
             WHERE l.id IN (SELECT id FROM ({}) ORDER BY t {dir}, id {dir} \
                            LIMIT {limit} OFFSET {offset}) \
             ORDER BY l.time_ns {dir}, l.id {dir}",
            rows.select("l.id AS id, l.time_ns AS t", true)
        );
        let logs = self.read_logs(&sql, &b)?;
        let processed_rows = self.count_rows(id, range, topic, search)?;
        Ok(SearchResult::Logs {
            logs,
            processed_rows,
        })
    }

    /// [`Self::search_logs`] when the lines come from FTS5 matches: one pass collects the
    /// `(time, id)` of every match (their number is the count), the page is cut here, and
    /// only its lines are read; two SQL passes (page, count) would look every match up twice.
    fn search_driven(
        &self,
        rows: &Rows,
        b: &Binder,
        request: &SearchRequest,
        dir: &str,
    ) -> Result<SearchResult, QueryError> {
        let sql = rows.select("l.time_ns, l.id", true);
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .ctx(&self.path, "preparing a search")?;
        let mut matches: Vec<(i64, i64)> = stmt
            .query_map(b.values().as_slice(), |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .ctx(&self.path, "searching logs")?;
        matches.sort_unstable();
        if request.reverse {
            matches.reverse();
        }
        let page: Vec<i64> = matches
            .iter()
            .skip(request.offset)
            .take(request.line)
            .map(|&(_, id)| id)
            .collect();
        let mut page_b = Binder::params();
        let ids = page_b.bind(serde_json::to_string(&page).unwrap_or_else(|_| "[]".into()));
        let sql = format!(
            "{SELECT_LOGS} FROM logs AS l JOIN logstores AS s ON s.id = l.logstore_id \
             WHERE l.id IN (SELECT value FROM json_each({ids})) \
             ORDER BY l.time_ns {dir}, l.id {dir}"
        );
        Ok(SearchResult::Logs {
            logs: self.read_logs(&sql, &page_b)?,
            processed_rows: matches.len() as u64,
        })
    }

    /// Runs a statement selecting [`SELECT_LOGS`]'s columns.
    fn read_logs(&self, sql: &str, b: &Binder) -> Result<Vec<crate::StoredLog>, QueryError> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .ctx(&self.path, "preparing a search")?;
        let mut rows = stmt
            .query(b.values().as_slice())
            .ctx(&self.path, "searching logs")?;
        let mut logs = Vec::new();
        while let Some(row) = rows.next().ctx(&self.path, "searching logs")? {
            logs.push(self.decode_row(row)?);
        }
        Ok(logs)
    }

    /// How many lines of the logstore in `range` match.
    pub(crate) fn count_rows(
        &self,
        id: i64,
        range: (i64, i64),
        topic: Option<&str>,
        search: &Search,
    ) -> Result<u64, QueryError> {
        let mut b = Binder::params();
        let rows = self.rows(id, range, topic, search, &mut b)?;
        let sql = format!("SELECT count(*) FROM ({})", rows.select("1", true));
        let n: i64 = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row(b.values().as_slice(), |r| r.get(0)))
            .ctx(&self.path, "counting matching logs")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Runs the analytic statement with `log` = the matching lines.
    fn run_analytic(
        &self,
        id: i64,
        range: (i64, i64),
        topic: Option<&str>,
        search: &Search,
        analytic: &Analytic,
    ) -> Result<SearchResult, QueryError> {
        let mut b = Binder::inline();
        let rows = self.rows(id, range, topic, search, &mut b)?;
        let star_keys = if analytic.selects_star {
            self.star_keys(&rows)?
        } else {
            Vec::new()
        };
        let names = columns::names(analytic, &star_keys);
        let rows_sql = rows.select(&columns::select_list(&names, &mut b), false);
        // `__topic__: X` naming one topic is that topic's GetLogs filter, for the counts.
        let named = if analytic.weighted.is_none() {
            None
        } else {
            self.topic_named_by(id, range, topic, search)?
        };
        let (counts_topic, counts_search) = match &named {
            Some(named) => (Some(named.as_str()), &Search::All),
            None => (topic, search),
        };
        let counted = if analytic.weighted.is_none() {
            None
        } else if let Some(counted) =
            self.count_from_rollups(id, range, counts_topic, counts_search, &names)?
        {
            Some(counted)
        } else if let Some(counted) =
            self.count_from_key_counts(id, range, counts_topic, counts_search, &names)?
        {
            Some(counted)
        } else {
            self.count_distinct_lines(id, range, topic, search, &names, &rows_sql)?
        };
        if let Some(counted) = counted
            && let Some((columns, rows)) = self.run_weighted(analytic, &names, &counted)?
        {
            return Ok(SearchResult::Table {
                columns,
                rows,
                processed_rows: counted.rows,
            });
        }
        let mut sql = analytic.with_log(&rows_sql);
        if groups(&analytic.sql) {
            // `with_log` puts our `log` first. Materialised, SQLite computes each column once
            // into a narrow temporary table and sorts that for GROUP BY; flattened into the
            // statement, its GROUP BY sorter was twice as slow (1.1 s vs 0.5 s on 1M lines).
            // Not always: a flattened `log` lets `SELECT … LIMIT n` stop after n rows.
            sql = sql.replacen("log AS (", "log AS MATERIALIZED (", 1);
        }
        tracing::debug!(%sql, "analytic statement");
        let mut stmt = self.conn.prepare(&sql).map_err(sqlite_message)?;
        let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let rows = stmt.query([]).map_err(sqlite_message)?;
        let table = self.render_rows(rows, columns.len())?;
        let processed_rows = self.count_rows(id, range, topic, search)?;
        Ok(SearchResult::Table {
            columns,
            rows: table,
            processed_rows,
        })
    }

    /// Every row of `rows` (`width` columns each) rendered with [`LogReader::render`].
    pub(crate) fn render_rows(
        &self,
        mut rows: rusqlite::Rows<'_>,
        width: usize,
    ) -> Result<Vec<Vec<Option<String>>>, QueryError> {
        let mut table = Vec::new();
        while let Some(row) = rows.next().map_err(sqlite_message)? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                let v = row.get_ref(i).map_err(sqlite_message)?;
                values.push(self.render(v)?);
            }
            table.push(values);
        }
        Ok(table)
    }

    /// A result value as text: integers plainly, reals exactly as SQLite's `CAST(x AS TEXT)`
    /// prints them (`3.0`, `0.1`), text as is, NULL as `None`.
    pub(crate) fn render(&self, v: ValueRef<'_>) -> Result<Option<String>, QueryError> {
        Ok(match v {
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(i.to_string()),
            ValueRef::Real(f) => Some(
                self.conn
                    .prepare_cached("SELECT CAST(?1 AS TEXT)")
                    .and_then(|mut s| s.query_row([f], |r| r.get(0)))
                    .ctx(&self.path, "formatting a number")?,
            ),
            ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
        })
    }
}

/// Whether `sql` has a `GROUP BY` (word-wise, case-insensitive; one inside a string literal
/// only costs a little speed).
fn groups(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(2).any(|w| w == ["group", "by"])
}

/// SQLite's own message for a failed analytic statement.
pub(crate) fn sqlite_message(e: rusqlite::Error) -> QueryError {
    let message = match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m,
        rusqlite::Error::SqlInputError { msg, .. } => msg,
        rusqlite::Error::UserFunctionError(e) => e.to_string(),
        other => other.to_string(),
    };
    sql_error(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_by_is_found_word_wise() {
        assert!(groups("SELECT a, count(*) FROM log GROUP\n  BY a"));
        assert!(groups("select a from log group by a"));
        assert!(!groups("SELECT a AS groupby FROM log"));
        assert!(!groups("SELECT count(*) FROM log"));
    }
}
