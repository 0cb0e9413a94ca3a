//! The analytic statement: parse with sqlparser, check, rewrite for SQLite.

use crate::ast::Analytic;

/// See [`Analytic::with_log`].
pub(crate) fn with_log(analytic: &Analytic, rows_sql: &str) -> String {
    format!("WITH log AS ({rows_sql}) {}", analytic.sql)
}
