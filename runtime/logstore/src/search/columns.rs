//! The analytic statement's `log` table: the rows the search part matched, with one column
//! per name the statement reads (`Analytic::columns`), or every key for `SELECT *`.
//!
//! | column | SQL |
//! |---|---|
//! | `__time__` | `l.time_ns / 1000000000` (INTEGER UNIX seconds) |
//! | `__time_ns_part__` | `l.time_ns % 1000000000` |
//! | `__topic__`, `__source__` | `l.topic`, `l.source` |
//! | `__tag__:k` | `fcl_value(l.tags, 'k')` |
//! | anything else | `fcl_value(l.contents, 'name')`: INTEGER/REAL for numeric text, else TEXT, NULL if absent; a dotted name walks into JSON |
//!
//! Reserved names are matched case-insensitively (SQL identifiers are); content keys are
//! matched exactly, as SLS keys are case-sensitive.

use fclocal_sls_query::Analytic;

use super::binder::{Binder, ident};
use crate::LogReader;
use crate::error::SqliteContext;
use crate::search::error::QueryError;
use crate::search::execute::Rows;

/// Reserved columns `SELECT *` shows before the keys, in this order.
const STAR_RESERVED: [&str; 3] = ["__time__", "__topic__", "__source__"];

/// The column names of `log`: with `SELECT *`, the reserved columns, tags and keys present
/// in the matching rows (`star_keys`, in first-seen order), then any other name the
/// statement reads; otherwise exactly the names it reads. Deduplicated case-insensitively
/// (SQLite would find two columns differing only in case ambiguous).
pub(crate) fn names(analytic: &Analytic, star_keys: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let star: &[&str] = if analytic.selects_star {
        &STAR_RESERVED
    } else {
        &[]
    };
    let wanted = star
        .iter()
        .copied()
        .chain(
            star_keys
                .iter()
                .map(String::as_str)
                .filter(|_| analytic.selects_star),
        )
        .chain(analytic.columns.iter().map(String::as_str));
    for name in wanted {
        if !out.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            out.push(name.to_owned());
        }
    }
    if out.is_empty() {
        // `SELECT count(*) FROM log` reads no column; a CTE needs at least one.
        out.push("__time__".to_owned());
    }
    out
}

/// The SELECT list producing `names` from `logs AS l`.
pub(crate) fn select_list(names: &[String], b: &mut Binder) -> String {
    names
        .iter()
        .map(|name| format!("{} AS {}", expr(name, b), ident(name)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SQL for one column.
fn expr(name: &str, b: &mut Binder) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "__time__" => "l.time_ns / 1000000000".to_owned(),
        "__time_ns_part__" => "l.time_ns % 1000000000".to_owned(),
        "__topic__" => "l.topic".to_owned(),
        "__source__" => "l.source".to_owned(),
        _ if lower.starts_with("__tag__:") => {
            let key = b.bind(name["__tag__:".len()..].to_owned());
            format!("fcl_value(l.tags, {key})")
        }
        _ => {
            let key = b.bind(name.to_owned());
            format!("fcl_value(l.contents, {key})")
        }
    }
}

impl LogReader {
    /// Every tag (`__tag__:k`) and content key of `rows` (written with inline values), tags first, each in order of first appearance
    /// (earliest row, then position in that row).
    pub(crate) fn star_keys(&self, rows: &Rows) -> Result<Vec<String>, QueryError> {
        let r = rows.select("l.id AS id, l.tags AS tags, l.contents AS contents", false);
        // With a single min() aggregate SQLite takes the bare `j.id` (the key's position)
        // from the row holding the minimum, i.e. the key's position in its first row.
        let sql = format!(
            "SELECT name FROM (
                 SELECT '__tag__:' || j.key AS name, 0 AS kind, min(r.id) AS first, j.id AS pos
                 FROM ({r}) AS r, json_each(r.tags) AS j GROUP BY j.key
                 UNION ALL
                 SELECT j.key, 1, min(r.id), j.id
                 FROM ({r}) AS r, json_each(r.contents) AS j GROUP BY j.key)
             ORDER BY kind, first, pos"
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .ctx(&self.path, "listing the keys for SELECT *")?;
        let names = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .ctx(&self.path, "listing the keys for SELECT *")?;
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analytic(columns: &[&str], star: bool) -> Analytic {
        Analytic {
            sql: String::new(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            selects_star: star,
            weighted: None,
        }
    }

    #[test]
    fn names_and_expressions() {
        let a = analytic(
            &["status", "__TIME__", "__tag__:__client_ip__", "Status"],
            false,
        );
        let n = names(&a, &[]);
        assert_eq!(n, ["status", "__TIME__", "__tag__:__client_ip__"]);
        let mut b = Binder::inline();
        assert_eq!(
            select_list(&n, &mut b),
            "fcl_value(l.contents, 'status') AS \"status\", l.time_ns / 1000000000 AS \"__TIME__\", \
             fcl_value(l.tags, '__client_ip__') AS \"__tag__:__client_ip__\""
        );
    }

    #[test]
    fn star_lists_reserved_then_keys_then_the_rest() {
        let a = analytic(&["__time_ns_part__"], true);
        let keys = ["__tag__:h".to_owned(), "message".to_owned()];
        assert_eq!(
            names(&a, &keys),
            [
                "__time__",
                "__topic__",
                "__source__",
                "__tag__:h",
                "message",
                "__time_ns_part__"
            ]
        );
        assert_eq!(names(&analytic(&[], false), &[]), ["__time__"]);
    }
}
