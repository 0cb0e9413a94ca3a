//! The SLS query engine: `search | SQL` over a logstore (reference/sls.md §5–6).
//!
//! `fclocal_sls_query::parse` turns the text into a search tree and an SQLite-ready
//! statement; this module compiles the search into an expression over `logs` (FTS5 for
//! terms, the `logs_by_time` index for the time range, exact SQL functions for the rest),
//! and runs the statement with `WITH log AS (<matching rows>)`.
//!
//! # Decisions and limits
//!
//! - **Values in SQL are typed**: a content value that is a canonical number (`200`, `0.25`)
//!   is INTEGER/REAL in `log`, anything else TEXT (SLS values are strings, but SQLite orders
//!   TEXT above every number, so `status >= 400` would otherwise be true everywhere). The
//!   flip side: compare numeric-looking values with numbers (`status = 200`), not strings.
//! - **Column names**: content keys are matched exactly (case-sensitive, like SLS keys); a
//!   name that is no key of a line is NULL there, not an error as in SLS.
//! - **Search**: `__topic__` is matched whole (SLS indexes it without delimiters), other
//!   fields by tokens; `key:*` is true for present-but-empty values too; `#"phrase"` needs
//!   the phrase's tokens and the case-insensitive substring in one value.
//! - **Counts**: `processed_rows` is the number of lines matching the search part in the time
//!   range (exact, not SLS's rows-scanned figure).
//! - **Access path** ([`execute`]): with FTS5 terms, a search either scans the time range
//!   (dense matches; stops after the page) or starts from the FTS5 matches (rare matches),
//!   estimated per query from the id span of the range and a capped FTS5 count.
//! - **GROUP BY** statements that allow it ([`fclocal_sls_query::Analytic::weighted`]) run
//!   over counted rows: the lines are counted per distinct combination of the columns the
//!   statement reads in one hash pass, and SQLite groups those (`weighted.rs`); with search
//!   `*` over FC's low-cardinality fields the combinations come from per-minute counts kept
//!   at ingest, and only the partial minutes at the range's edges from lines (`rollup.rs`);
//!   for one content key from per-minute value counts, kept per topic so a GetLogs topic
//!   filter is answered from them too (`key_counts.rs`); otherwise a large
//!   range's lines are counted in two halves on two cores (`parallel.rs`).
//!   Other GROUP
//!   BY statements get `log` materialised (half the time of SQLite's flattened plan on 1M
//!   lines); the rest stream, so `LIMIT` stops early.
//! - **Limits** ([`fclocal_sls_query::limits`], `crate::reader::budget`): a query is at most
//!   64 KiB, a search 500 terms and 32 levels of `(`/`not`, an SQL expression 1,000 chained
//!   operators; a query runs at most 30 s (`fclocal start --query-timeout`), makes values of
//!   at most 16 MiB, and stops when its client goes away or the server shuts down. Search
//!   `and`/`or` chains compile flat, so the limits, not the stack, decide what runs.
//! - **Not supported**: `compare()`, `time_series` padding of empty buckets, the
//!   weighted/accuracy forms of `approx_*`, Presto map/lambda functions beyond
//!   `histogram`/`element_at`/`cardinality`, time zones in `from_unixtime`. An unsupported
//!   function is a [`QueryError::Sql`] naming it.
//!
//! | file | job |
//! |---|---|
//! | `request.rs` | [`SearchRequest`], [`SearchResult`] |
//! | `error.rs` | [`QueryError`] |
//! | `binder.rs` | parameters vs inline literals in generated SQL |
//! | `compile_search.rs` | search AST → SQL expression (FTS5 prefilter + exact predicates) |
//! | `columns.rs` | the analytic `log` table's columns |
//! | `execute.rs` | [`crate::LogReader::search`] |
//! | `weighted.rs` | GROUP BY over counted rows |
//! | `rollup.rs` | those counts from `log_rollups` for FC's fields |
//! | `key_counts.rs` | those counts from `log_key_values` for any one content key |
//! | `parallel.rs` | those counts from the lines on two connections, for large ranges |
//! | `histogram.rs` | [`crate::LogReader::histogram`] |

mod binder;
mod columns;
mod compile_search;
mod error;
mod execute;
mod histogram;
mod key_counts;
mod parallel;
mod request;
mod rollup;
mod topic_term;
mod weighted;

pub use error::QueryError;
pub use request::{SearchRequest, SearchResult};
