//! What [`crate::LogReader::search`] takes and returns (SLS GetLogs).

use std::time::SystemTime;

use crate::model::StoredLog;

/// One GetLogs call: an SLS query over a time range of one logstore.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// The project.
    pub project: String,
    /// The logstore in `project`.
    pub logstore: String,
    /// The SLS query, `search` or `search | SQL` (reference/sls.md §5–6).
    pub query: String,
    /// Start of the time range, inclusive.
    pub from: SystemTime,
    /// End of the time range, exclusive: lines with `from <= time < to`.
    pub to: SystemTime,
    /// Only lines with exactly this `__topic__` (GetLogs' `topic` parameter).
    pub topic: Option<String>,
    /// Most log lines a search returns (GetLogs' `line`); ignored for SQL, whose own
    /// `LIMIT` (100 by default) applies.
    pub line: usize,
    /// Lines to skip before the first one returned (GetLogs' `offset`); ignored for SQL.
    pub offset: usize,
    /// Newest first (GetLogs' `reverse`); oldest first otherwise. Ignored for SQL.
    pub reverse: bool,
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone, PartialEq)]
pub enum SearchResult {
    /// A query without `|`: matching lines in time order (ties by append order).
    Logs {
        /// The page of lines (`offset`, `line`, `reverse` applied).
        logs: Vec<StoredLog>,
        /// How many lines in the time range match the search, all pages together (what the
        /// SLS console shows as the hit count).
        processed_rows: u64,
    },
    /// A query with `| SQL`: the statement's result table.
    Table {
        /// Column names as SQLite reports them (aliases, or the expression text).
        columns: Vec<String>,
        /// Rows of values as text: integers without a fraction, reals as SQLite prints
        /// them, `None` for NULL.
        rows: Vec<Vec<Option<String>>>,
        /// How many lines in the time range matched the search part, i.e. the rows of the
        /// table `log` the statement read from.
        processed_rows: u64,
    },
}
