//! [`QueryError`]: why a search, analytic statement or histogram could not run.

use std::time::SystemTime;

use fclocal_sls_query::ParseError;

use crate::error::LogStoreError;
use crate::model::to_unix_nanos;

/// Why [`crate::LogReader::search`] or [`crate::LogReader::histogram`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The query does not parse; the error says where (SLS `QueryParseError`).
    #[error("invalid query: {0}")]
    Parse(#[from] ParseError),
    /// The project does not exist (SLS `ProjectNotExist`).
    #[error("unknown project {project:?}; known projects: {known}")]
    UnknownProject {
        /// The project asked for.
        project: String,
        /// The projects that exist, comma-separated (`none` if there are none).
        known: String,
    },
    /// The logstore does not exist in the project (SLS `LogStoreNotExist`).
    #[error("unknown logstore {logstore:?} in project {project:?}; known logstores: {known}")]
    UnknownLogstore {
        /// The project.
        project: String,
        /// The logstore asked for.
        logstore: String,
        /// The logstores of the project, comma-separated (`none` if there are none).
        known: String,
    },
    /// `from` is after `to` (for a search or one histogram bucket).
    #[error(
        "invalid time range: from ({} s) is after to ({} s); the range is [from, to), so pass the earlier time as from",
        seconds(*from),
        seconds(*to)
    )]
    InvalidTimeRange {
        /// The start given.
        from: SystemTime,
        /// The end given.
        to: SystemTime,
    },
    /// SQLite rejected or failed to run the analytic statement (after `|`), e.g. an unknown
    /// function or column type error; `message` is SQLite's, with a hint.
    #[error("the SQL after `|` failed: {message}")]
    Sql {
        /// What SQLite said, e.g. `no such function: foo`, plus what to do about it.
        message: String,
    },
    /// The search part failed in SQLite (e.g. its full-text form was refused); `message` is
    /// SQLite's, with a hint. A query without `|` reports this, never [`QueryError::Sql`].
    #[error("the search failed: {message}")]
    Search {
        /// What SQLite said, plus what to do about it.
        message: String,
    },
    /// The query ran longer than its time budget and was stopped (see
    /// [`crate::set_query_time_budget`]).
    #[error(
        "the query ran longer than its {} s time budget and was stopped: narrow the time range or the search, or make the SQL cheaper (a join of `log` with itself grows with the square of the lines); `fclocal start --query-timeout` sets the budget",
        budget.as_secs_f64()
    )]
    TimedOut {
        /// The budget it had.
        budget: std::time::Duration,
    },
    /// The query was withdrawn while it ran: its client went away, or fclocal is shutting
    /// down.
    #[error("the query was cancelled: its client went away or fclocal is shutting down")]
    Cancelled,
    /// The store itself failed (I/O, corruption, …).
    #[error(transparent)]
    Store(LogStoreError),
}

impl From<LogStoreError> for QueryError {
    /// Unknown project/logstore become their own variants, so API callers can map them to
    /// SLS error codes without looking inside [`LogStoreError`].
    fn from(e: LogStoreError) -> Self {
        match e {
            LogStoreError::UnknownProject { project, known, .. } => {
                QueryError::UnknownProject { project, known }
            }
            LogStoreError::UnknownLogstore {
                project,
                logstore,
                known,
                ..
            } => QueryError::UnknownLogstore {
                project,
                logstore,
                known,
            },
            other => QueryError::Store(other),
        }
    }
}

impl From<crate::reader::budget::Stop> for QueryError {
    fn from(stop: crate::reader::budget::Stop) -> Self {
        use crate::reader::budget::Stop;
        match stop {
            Stop::TimedOut(budget) => QueryError::TimedOut { budget },
            Stop::Cancelled => QueryError::Cancelled,
        }
    }
}

/// UNIX seconds (with fraction) for messages.
fn seconds(t: SystemTime) -> f64 {
    to_unix_nanos(t) as f64 / 1e9
}

/// [`QueryError::Sql`] from SQLite's message, with a hint for the common mistakes.
pub(crate) fn sql_error(message: String) -> QueryError {
    let hint = if message.starts_with("no such function") {
        format!(
            "; fclocal has SQLite's functions plus these SLS ones: {}",
            crate::udf::SLS_FUNCTIONS
        )
    } else if message.starts_with("Expression tree is too large") {
        "; the SQL nests or chains too many operators: write long `or` chains as `x in (a, b, …)`"
            .to_owned()
    } else if message.starts_with("string or blob too big") {
        format!(
            "; a value the query makes may be at most {} MiB",
            crate::MAX_VALUE_BYTES >> 20
        )
    } else if message.contains("no such column") {
        "; columns are the log's keys and __time__, __topic__, __source__, \"__tag__:<key>\"; \
         quote names with dots or colons in double quotes"
            .to_owned()
    } else {
        "; check the SQL after `|` (SQLite dialect; strings in single quotes)".to_owned()
    };
    QueryError::Sql {
        message: format!("{message}{hint}"),
    }
}
