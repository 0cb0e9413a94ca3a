//! [`LogReader::search`]: parse, compile, run; log pages for searches, tables for SQL.

use std::time::SystemTime;

use fclocal_sls_query::{Analytic, Search};
use rusqlite::types::ValueRef;

use super::binder::Binder;
use super::columns;
use super::compile_search::compile;
use super::error::{QueryError, sql_error};
use super::request::{SearchRequest, SearchResult};
use crate::LogReader;
use crate::error::SqliteContext;
use crate::model::to_unix_nanos;

/// Columns [`LogReader::decode_row`] reads, in its order (the same as `crate::query`'s).
const SELECT_LOGS: &str = "SELECT l.id, s.project, s.name, l.shard, l.seq, l.time_ns, \
    l.topic, l.source, l.tags, l.contents \
    FROM logs AS l JOIN logstores AS s ON s.id = l.logstore_id";

/// The rows a request covers, as an expression over `logs AS l`: logstore and time range
/// first (so `logs_by_time (logstore_id, time_ns)` drives the scan), then the topic and the
/// compiled search.
pub(crate) fn filter(
    logstore_id: i64,
    range: (i64, i64),
    topic: Option<&str>,
    search: &Search,
    b: &mut Binder,
) -> String {
    let id = b.bind(logstore_id);
    let from = b.bind(range.0);
    let to = b.bind(range.1);
    let mut sql = format!("l.logstore_id = {id} AND l.time_ns >= {from} AND l.time_ns < {to}");
    if let Some(topic) = topic {
        let t = b.bind(topic.to_owned());
        sql.push_str(&format!(" AND l.topic = {t}"));
    }
    if *search != Search::All {
        sql.push_str(&format!(" AND ({})", compile(search, b)));
    }
    sql
}

/// `[from, to)` in nanoseconds, or [`QueryError::InvalidTimeRange`].
pub(crate) fn time_range(from: SystemTime, to: SystemTime) -> Result<(i64, i64), QueryError> {
    if from > to {
        return Err(QueryError::InvalidTimeRange { from, to });
    }
    Ok((to_unix_nanos(from), to_unix_nanos(to)))
}

impl LogReader {
    /// Runs an SLS query (SLS GetLogs): without `|`, a page of matching lines; with `| SQL`,
    /// the statement's table over the matching lines (reference/sls.md §5–6).
    ///
    /// The time range is `[from, to)`; `topic`, when given, must equal `__topic__`. Lines are
    /// ordered by time, ties by append order (`reverse` = newest first).
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResult, QueryError> {
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
        let where_sql = filter(id, range, topic, search, &mut b);
        let dir = if request.reverse { "DESC" } else { "ASC" };
        let limit = b.bind(i64::try_from(request.line).unwrap_or(i64::MAX));
        let offset = b.bind(i64::try_from(request.offset).unwrap_or(i64::MAX));
        let sql = format!(
            "{SELECT_LOGS} WHERE {where_sql} \
             ORDER BY l.time_ns {dir}, l.id {dir} LIMIT {limit} OFFSET {offset}"
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .ctx(&self.path, "preparing a search")?;
        let mut rows = stmt
            .query(b.values().as_slice())
            .ctx(&self.path, "searching logs")?;
        let mut logs = Vec::new();
        while let Some(row) = rows.next().ctx(&self.path, "searching logs")? {
            logs.push(self.decode_row(row)?);
        }
        let processed_rows = self.count_rows(id, range, topic, search)?;
        Ok(SearchResult::Logs {
            logs,
            processed_rows,
        })
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
        let where_sql = filter(id, range, topic, search, &mut b);
        let sql = format!("SELECT count(*) FROM logs AS l WHERE {where_sql}");
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
        let where_sql = filter(id, range, topic, search, &mut b);
        let star_keys = if analytic.selects_star {
            self.star_keys(&where_sql)?
        } else {
            Vec::new()
        };
        let names = columns::names(analytic, &star_keys);
        let rows_sql = format!(
            "SELECT {} FROM logs AS l WHERE {where_sql}",
            columns::select_list(&names, &mut b)
        );
        let sql = analytic.with_log(&rows_sql);
        tracing::debug!(%sql, "analytic statement");
        let mut stmt = self.conn.prepare(&sql).map_err(sqlite_message)?;
        let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let mut rows = stmt.query([]).map_err(sqlite_message)?;
        let mut table = Vec::new();
        while let Some(row) = rows.next().map_err(sqlite_message)? {
            let mut values = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                let v = row.get_ref(i).map_err(sqlite_message)?;
                values.push(self.render(v)?);
            }
            table.push(values);
        }
        let processed_rows = self.count_rows(id, range, topic, search)?;
        Ok(SearchResult::Table {
            columns,
            rows: table,
            processed_rows,
        })
    }

    /// A result value as text: integers plainly, reals exactly as SQLite's `CAST(x AS TEXT)`
    /// prints them (`3.0`, `0.1`), text as is, NULL as `None`.
    fn render(&self, v: ValueRef<'_>) -> Result<Option<String>, QueryError> {
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

/// SQLite's own message for a failed analytic statement.
fn sqlite_message(e: rusqlite::Error) -> QueryError {
    let message = match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m,
        rusqlite::Error::SqlInputError { msg, .. } => msg,
        rusqlite::Error::UserFunctionError(e) => e.to_string(),
        other => other.to_string(),
    };
    sql_error(message)
}
