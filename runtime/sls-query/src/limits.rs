//! How big and how deep a query may be. Every parser and tree walker in this crate and in the
//! store recurses on nesting, so nesting is capped here, before anything deep is built: a
//! query that is too deep or too wide is a [`crate::ParseError`] naming the limit, never a
//! stack overflow that takes the whole server down (a GetLogs request or an `<img>` URL is
//! enough to send one).
//!
//! The numbers leave plenty of room above what SLS itself accepts (its query limits page
//! allows 30 keywords per search statement) and stay well below what the walkers and SQLite
//! can take on a 2 MB thread stack (SQLite's `SQLITE_MAX_EXPR_DEPTH` is 1,000; FTS5's query
//! parser overflows near 100 nested parentheses).

/// Most terms (keywords, `key:value`, ranges, phrases) in a search statement. SLS documents
/// 30; fclocal accepts more so that queries that work on SLS always work here, but a chain of
/// thousands of `or`s would compile to an SQL expression deeper than SQLite's 1,000 levels.
pub const MAX_SEARCH_TERMS: usize = 500;

/// Deepest nesting of `(` and `not` in a search statement (`((a))` and `not not a` are 2).
/// Real searches nest two or three levels; each level costs FTS5 and SQLite parser stack.
pub const MAX_SEARCH_DEPTH: usize = 32;

/// Deepest nesting in the analytic statement as sqlparser counts it (parentheses,
/// subqueries, function calls, unary operators).
pub const MAX_SQL_NESTING: usize = 50;

/// Most operators (`and`, `or`, `not`, comparisons, arithmetic, `||`) one expression of the
/// analytic statement may chain, counting the ones in enclosing parentheses: a chain of
/// `a = 1 or a = 2 or …` is a tree as deep as it is long, and SQLite refuses trees deeper
/// than 1,000.
pub const MAX_SQL_OPERATORS: usize = 1000;

/// Most `union`/`intersect`/`except` in the analytic statement: sqlparser chains them into a
/// tree as deep as the chain is long, with large nodes (500 overflowed a 2 MB stack in a debug
/// build); SQLite itself allows 500 (`SQLITE_MAX_COMPOUND_SELECT`).
pub const MAX_SQL_SET_OPERATIONS: usize = 100;

/// Longest query text, in bytes. Far above any hand-written or dashboard query; it bounds the
/// work of lexing and the echo of the query in GetLogs' answer.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
