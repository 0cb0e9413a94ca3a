//! The SLS query language front end (reference/sls.md §5–6): `search | analytic SQL`.
//!
//! [`parse`] splits a query at its first top-level `|`, parses the search part into a
//! [`Search`] tree and checks and rewrites the analytic part for SQLite ([`Analytic`]).
//! Storage (`fclocal-logstore`) compiles the result to SQL; this crate knows nothing of it.

mod analytic;
mod ast;

pub use ast::{Analytic, Field, ParseError, Pattern, Query, Search};
