//! The analytic statement (after the first top-level `|`, reference/sls.md §6): parsed by
//! sqlparser ([`mod@parse`], in the [`dialect`] SLS's SQL needs), checked against SLS's rules
//! and rewritten for SQLite ([`rewrite`]), and analysed for the `log` columns it reads
//! ([`columns`]), and for GROUP BY statements that allow it, rewritten once more to read
//! counted rows ([`weighted`]). [`walk`] is the tree traversal they share.

mod columns;
mod depth;
mod dialect;
mod parse;
mod rewrite;
mod walk;
pub(crate) mod weighted;

use crate::ast::{Analytic, ParseError};

use walk::{Place, SqlError};

/// Parses the analytic text `sql`, which starts at byte `start` of `query`.
pub(crate) fn parse(query: &str, start: usize, sql: &str) -> Result<Analytic, ParseError> {
    let error = |e: SqlError| ParseError::at(query, start + offset_in(sql, e.at), e.message);
    let mut statement = parse::parse(sql).map_err(error)?;
    rewrite::rewrite(&mut statement).map_err(error)?;
    let reads = columns::columns(&mut statement).map_err(error)?;
    let sql = statement.to_string();
    let weighted = weighted::weighted(&mut statement, &reads.columns, reads.selects_star);
    Ok(Analytic {
        sql,
        columns: reads.columns,
        selects_star: reads.selects_star,
        weighted,
    })
}

/// The byte offset in `sql` of a place sqlparser reported (1-based line and character
/// column, lines split at `\n`).
fn offset_in(sql: &str, place: Place) -> usize {
    let location = match place {
        Place::Start => return sql.len() - sql.trim_start().len(),
        Place::End => return sql.trim_end().len(),
        Place::At(location) => location,
    };
    let (mut line, mut column) = (1, 1);
    for (i, c) in sql.char_indices() {
        if (line, column) == (location.line, location.column) {
            return i;
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    sql.len()
}

/// See [`Analytic::with_log`]: `WITH log AS (rows_sql)` in front of the statement, merged
/// into the statement's own `WITH` if it has one (SQLite allows one `WITH` per statement).
///
/// `sql` ([`Analytic::sql`] or [`Analytic::weighted`]) is sqlparser's rendering, so a statement with CTEs starts with exactly
/// `WITH ` or `WITH RECURSIVE `.
pub(crate) fn with_log(sql: &str, rows_sql: &str) -> String {
    for with in ["WITH RECURSIVE ", "WITH "] {
        if let Some(rest) = sql.strip_prefix(with) {
            return format!("{with}log AS ({rows_sql}), {rest}");
        }
    }
    format!("WITH log AS ({rows_sql}) {sql}")
}

#[cfg(test)]
mod tests {
    use sqlparser::tokenizer::Location;

    use super::*;

    fn analytic_sql(sql: &str) -> String {
        sql.to_string()
    }

    #[test]
    fn with_log_prepends_or_merges() {
        assert_eq!(
            with_log(
                &analytic_sql("SELECT a FROM log LIMIT 100"),
                "SELECT 1 AS a"
            ),
            "WITH log AS (SELECT 1 AS a) SELECT a FROM log LIMIT 100"
        );
        assert_eq!(
            with_log(
                &analytic_sql("WITH t AS (SELECT a FROM log) SELECT a FROM t LIMIT 100"),
                "R"
            ),
            "WITH log AS (R), t AS (SELECT a FROM log) SELECT a FROM t LIMIT 100"
        );
        assert_eq!(
            with_log(
                &analytic_sql("WITH RECURSIVE t AS (SELECT 1) SELECT 1 FROM t"),
                "R"
            ),
            "WITH RECURSIVE log AS (R), t AS (SELECT 1) SELECT 1 FROM t"
        );
    }

    #[test]
    fn offsets_from_places() {
        let at = |line, column| Place::At(Location { line, column });
        assert_eq!(offset_in("  SELECT", Place::Start), 2);
        assert_eq!(offset_in(" SELECT a  ", Place::End), 9);
        assert_eq!(offset_in(" SELECT", at(1, 3)), 2);
        assert_eq!(offset_in("é SELECT", at(1, 3)), 3);
        assert_eq!(offset_in("SELECT\n  a", at(2, 3)), 9);
    }
}
