//! The SLS query engine: `search | SQL` over a logstore (reference/sls.md §5–6).
//!
//! `fclocal_sls_query::parse` turns the text into a search tree and an SQLite-ready
//! statement; this module compiles the search into an expression over `logs` (FTS5 for
//! terms, the `logs_by_time` index for the time range, exact SQL functions for the rest),
//! and runs the statement with `WITH log AS (<matching rows>)`.
//!
//! | file | job |
//! |---|---|
//! | `request.rs` | [`SearchRequest`], [`SearchResult`] |
//! | `error.rs` | [`QueryError`] |
//! | `binder.rs` | parameters vs inline literals in generated SQL |
//! | `compile_search.rs` | search AST → SQL expression (FTS5 prefilter + exact predicates) |
//! | `columns.rs` | the analytic `log` table's columns |
//! | `execute.rs` | [`crate::LogReader::search`] |
//! | `histogram.rs` | [`crate::LogReader::histogram`] |

mod binder;
mod columns;
mod compile_search;
mod error;
mod execute;
mod histogram;
mod request;

pub use error::QueryError;
pub use request::{SearchRequest, SearchResult};
