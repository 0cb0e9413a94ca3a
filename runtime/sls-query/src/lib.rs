//! The SLS query language front end (reference/sls.md §5–6): `search | analytic SQL`.
//!
//! [`parse`] splits a query at its first top-level `|`, parses the search part into a
//! [`Search`] tree and checks and rewrites the analytic part for SQLite ([`Analytic`]).
//! Storage (`fclocal-logstore`) compiles the result to SQL; this crate knows nothing of it.

mod analytic;
mod ast;
mod cancel;
mod error;
pub mod limits;
mod search;
mod split;

pub use analytic::weighted::{AGGREGATES, WEIGHT};
pub use ast::{Analytic, Field, ParseError, Pattern, Query, Search};
pub use cancel::{Cancel, CancelOnDrop, RunningQuery, cancel_running_queries, running_queries};

/// Parses a whole SLS query, `search` or `search | analytic`.
///
/// Errors carry the byte offset and character column in `query` of the problem, whichever
/// part it is in.
///
/// A query longer than [`limits::MAX_QUERY_BYTES`], or nested or chained beyond the other
/// [`limits`], is an error naming the limit.
pub fn parse(query: &str) -> Result<Query, ParseError> {
    if query.len() > limits::MAX_QUERY_BYTES {
        return Err(ParseError::at(
            query,
            limits::MAX_QUERY_BYTES,
            format!(
                "the query is {} bytes long; fclocal accepts at most {} bytes: shorten it (a long list of `or` terms is shorter as SQL `where x in (…)`)",
                query.len(),
                limits::MAX_QUERY_BYTES
            ),
        ));
    }
    let parts = split::split(query);
    let search = search::parse(query, parts.search.len())?;
    let analytic = match parts.analytic {
        Some((start, sql)) => Some(analytic::parse(query, start, sql)?),
        None => None,
    };
    Ok(Query { search, analytic })
}

/// Splits `query` at its first top-level `|` (outside quotes, not escaped) into the search
/// text and the analytic text, without parsing either; `None` when there is no analytic part.
/// Callers that add search terms to a user's query (`fclocal logs -f`) use it to keep the
/// SQL intact.
pub fn split_top_level_pipe(query: &str) -> Option<(&str, &str)> {
    let parts = split::split(query);
    parts.analytic.map(|(_, sql)| (parts.search, sql))
}
