//! SLS's rules and the rewrites from SLS (Presto) SQL to SQLite SQL.
//!
//! Rules (reference/sls.md §6): no `OFFSET`; `LIMIT x` with x ≤ 1,000,000; `LIMIT y, x` only
//! in the outermost query, with x ≤ 10,000 and x + y ≤ 1,000,000.
//!
//! Defaults: the outermost SELECT without `FROM` reads `FROM log`; the outermost query
//! without `LIMIT` gets `LIMIT 100`. Nested queries must say `FROM log` themselves, as SLS
//! requires.
//!
//! Rewrites, each because SQLite has no equivalent syntax or means something else:
//! - `try_cast(x AS t)` → `CAST(x AS t)` (SQLite's CAST does not fail);
//! - casts to `map(…)`, `array(…)`, `row(…)`, `json` are dropped: the store represents
//!   maps and arrays as JSON text, so `try_cast(json_parse(c) AS map(varchar, varchar))` is
//!   `json_parse(c)`;
//! - Presto type names → SQLite's: bigint/integer/int/smallint/tinyint/boolean → INTEGER,
//!   double/real/float → REAL, varchar/char/string → TEXT;
//! - `max(x, n)` / `min(x, n)` → `fcl_max_n(x, n)` / `fcl_min_n(x, n)` (SQLite's
//!   two-argument `max` is the scalar maximum);
//! - `x[i]` / `x['k']` → `fcl_element_at(x, i)` (SQLite has no subscripts);
//! - `ARRAY[a, b]` → `fcl_array(a, b)` (SQLite has no array literals).

use sqlparser::ast::{
    AccessExpr, CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArgumentList, FunctionArguments, Ident, LimitClause, ObjectName, Query, Select,
    SetExpr, Subscript, TableFactor, TableWithJoins, Value,
};

use super::walk::{Item, Node, Relation, SqlError, expr_children, query_parts, select_parts};

/// The largest `LIMIT x`.
const MAX_LIMIT: u64 = 1_000_000;
/// The largest `x` in `LIMIT y, x`.
const MAX_PAGE: u64 = 10_000;
/// The `LIMIT` of a query without one.
const DEFAULT_LIMIT: u64 = 100;

/// Checks the outermost query and rewrites it (and everything in it) in place.
pub(crate) fn rewrite(query: &mut Query) -> Result<(), SqlError> {
    unwrap_parentheses(query);
    rewrite_query(query, true)?;
    add_from_log(&mut query.body);
    if query.limit_clause.is_none() {
        query.limit_clause = Some(LimitClause::LimitOffset {
            limit: Some(number(DEFAULT_LIMIT)),
            offset: None,
            limit_by: Vec::new(),
        });
    }
    Ok(())
}

/// `(SELECT …)` as the whole statement is the SELECT itself: SQLite does not accept a
/// parenthesised statement, and the defaults belong to the inner query. An outer
/// `ORDER BY`/`LIMIT`/`WITH` moves into the inner query when it has none of its own.
fn unwrap_parentheses(query: &mut Query) {
    loop {
        let SetExpr::Query(inner) = query.body.as_ref() else {
            return;
        };
        let mut inner = (**inner).clone();
        let inner_free =
            inner.order_by.is_none() && inner.limit_clause.is_none() && inner.fetch.is_none();
        let with_free = query.with.is_none() || inner.with.is_none();
        if !(inner_free && with_free) {
            return;
        }
        inner.with = query.with.take().or(inner.with);
        inner.order_by = query.order_by.take();
        inner.limit_clause = query.limit_clause.take();
        inner.fetch = query.fetch.take();
        *query = inner;
    }
}

/// Gives the outermost SELECTs (through UNION and friends, not into subqueries) `FROM log`.
fn add_from_log(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) if select.from.is_empty() => {
            select.from.push(TableWithJoins {
                relation: TableFactor::Table {
                    name: ObjectName::from(vec![Ident::new("log")]),
                    alias: None,
                    args: None,
                    with_hints: Vec::new(),
                    version: None,
                    with_ordinality: false,
                    partitions: Vec::new(),
                    json_path: None,
                    sample: None,
                    index_directives: Vec::new(),
                    inheritance: None,
                },
                joins: Vec::new(),
            });
        }
        SetExpr::SetOperation { left, right, .. } => {
            add_from_log(left);
            add_from_log(right);
        }
        _ => {}
    }
}

fn number(n: u64) -> Expr {
    Expr::value(Value::Number(n.to_string(), false))
}

fn rewrite_query(query: &mut Query, outermost: bool) -> Result<(), SqlError> {
    check_limit(query, outermost)?;
    let parts = query_parts(query)?;
    for (_, cte) in parts.ctes {
        rewrite_query(cte, false)?;
    }
    rewrite_set_expr(parts.body)?;
    for expr in parts.order_by.into_iter().chain(parts.limit) {
        rewrite_expr(expr)?;
    }
    Ok(())
}

/// SLS's LIMIT rules.
fn check_limit(query: &Query, outermost: bool) -> Result<(), SqlError> {
    match &query.limit_clause {
        None => Ok(()),
        Some(LimitClause::LimitOffset { limit, offset, .. }) => {
            if let Some(offset) = offset {
                return Err(SqlError::at(
                    &offset.value,
                    "`OFFSET` is not supported by SLS: write `LIMIT offset, count` in the outermost query",
                ));
            }
            match limit {
                Some(limit) => {
                    let n = limit_value(limit)?;
                    if n > MAX_LIMIT {
                        return Err(SqlError::at(
                            limit,
                            format!("`LIMIT {n}` is too large: at most {MAX_LIMIT} rows"),
                        ));
                    }
                    Ok(())
                }
                None => Ok(()),
            }
        }
        Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
            if !outermost {
                return Err(SqlError::at(
                    offset,
                    "`LIMIT offset, count` is only allowed in the outermost query; write `LIMIT count` here",
                ));
            }
            let skip = limit_value(offset)?;
            let count = limit_value(limit)?;
            if count > MAX_PAGE {
                return Err(SqlError::at(
                    limit,
                    format!(
                        "`LIMIT {skip}, {count}` returns too many rows: with an offset the count is at most {MAX_PAGE}"
                    ),
                ));
            }
            if skip.saturating_add(count) > MAX_LIMIT {
                return Err(SqlError::at(
                    offset,
                    format!(
                        "`LIMIT {skip}, {count}` reaches too far: offset + count is at most {MAX_LIMIT}"
                    ),
                ));
            }
            Ok(())
        }
    }
}

/// A LIMIT operand: a non-negative integer literal.
fn limit_value(expr: &Expr) -> Result<u64, SqlError> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().map_err(|_| {
                SqlError::at(expr, format!("`LIMIT {n}` must be a whole number of rows"))
            }),
            _ => Err(SqlError::at(expr, "`LIMIT` takes a whole number of rows")),
        },
        _ => Err(SqlError::at(
            expr,
            "`LIMIT` takes a whole number of rows, not an expression",
        )),
    }
}

fn rewrite_set_expr(body: &mut SetExpr) -> Result<(), SqlError> {
    match body {
        SetExpr::Select(select) => rewrite_select(select),
        SetExpr::Query(query) => rewrite_query(query, false),
        SetExpr::SetOperation { left, right, .. } => {
            rewrite_set_expr(left)?;
            rewrite_set_expr(right)
        }
        other => Err(SqlError::at(
            &*other,
            "only SELECT queries (and UNION/INTERSECT/EXCEPT of them) are supported in the analytic statement",
        )),
    }
}

fn rewrite_select(select: &mut Select) -> Result<(), SqlError> {
    let parts = select_parts(select)?;
    for item in parts.items {
        if let Item::Expr(expr, _) = item {
            rewrite_expr(expr)?;
        }
    }
    for relation in parts.relations {
        match relation {
            Relation::Table { args, .. } | Relation::Function { args, .. } => {
                for arg in args {
                    rewrite_expr(arg)?;
                }
            }
            Relation::Derived { query, .. } => rewrite_query(query, false)?,
        }
    }
    let rest = parts
        .join_conditions
        .into_iter()
        .chain(parts.filter)
        .chain(parts.grouping);
    for expr in rest {
        rewrite_expr(expr)?;
    }
    Ok(())
}

/// Rewrites the children of `expr` first, then `expr` itself.
fn rewrite_expr(expr: &mut Expr) -> Result<(), SqlError> {
    for child in expr_children(expr)? {
        match child {
            Node::Expr(e) => rewrite_expr(e)?,
            Node::Query(q) => rewrite_query(q, false)?,
        }
    }
    rewrite_node(expr)
}

/// The rewrites of one expression whose children are already rewritten.
fn rewrite_node(expr: &mut Expr) -> Result<(), SqlError> {
    match expr {
        Expr::Cast {
            kind,
            expr: inner,
            data_type,
            format,
        } => {
            if format.is_some() {
                return Err(SqlError::at(
                    &**inner,
                    "`CAST … FORMAT` is not supported in the analytic statement",
                ));
            }
            if is_structured(data_type) {
                let inner = std::mem::replace(&mut **inner, Expr::value(Value::Null));
                *expr = inner;
                return Ok(());
            }
            *kind = CastKind::Cast;
            if let Some(t) = sqlite_type(data_type) {
                *data_type = t;
            }
        }
        Expr::Function(f) => {
            if let Some(name) = n_ary_max_min(f) {
                f.name = ObjectName::from(vec![Ident::new(name)]);
            }
        }
        Expr::CompoundFieldAccess { root, access_chain } => {
            let mut acc = std::mem::replace(&mut **root, Expr::value(Value::Null));
            for access in access_chain.drain(..) {
                match access {
                    AccessExpr::Subscript(Subscript::Index { index }) => {
                        acc = call("fcl_element_at", vec![acc, index]);
                    }
                    AccessExpr::Subscript(slice @ Subscript::Slice { .. }) => {
                        return Err(SqlError::at(
                            &slice,
                            "array slices `x[a:b]` are not supported; use `slice(x, start, length)`",
                        ));
                    }
                    AccessExpr::Dot(field) => {
                        return Err(SqlError::at(
                            &field,
                            "field access after a subscript (`x[1].f`) is not supported",
                        ));
                    }
                }
            }
            *expr = acc;
        }
        Expr::Array(array) => {
            let elements = std::mem::take(&mut array.elem);
            *expr = call("fcl_array", elements);
        }
        _ => {}
    }
    Ok(())
}

/// `fcl_max_n`/`fcl_min_n` for a plain two-argument `max(x, n)`/`min(x, n)`.
fn n_ary_max_min(f: &Function) -> Option<&'static str> {
    let [name] = f.name.0.as_slice() else {
        return None;
    };
    let name = name.as_ident()?.value.to_ascii_lowercase();
    let target = match name.as_str() {
        "max" => "fcl_max_n",
        "min" => "fcl_min_n",
        _ => return None,
    };
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let plain = list.args.len() == 2
        && list
            .args
            .iter()
            .all(|a| matches!(a, FunctionArg::Unnamed(FunctionArgExpr::Expr(_))))
        && list.duplicate_treatment.is_none()
        && list.clauses.is_empty()
        && f.over.is_none()
        && f.filter.is_none();
    plain.then_some(target)
}

/// `name(args…)`.
fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|a| FunctionArg::Unnamed(FunctionArgExpr::Expr(a)))
                .collect(),
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    })
}

/// Maps, arrays, rows and JSON: JSON text in the store, so a cast to them is a no-op.
fn is_structured(t: &DataType) -> bool {
    match t {
        DataType::Map(..)
        | DataType::Array(_)
        | DataType::Struct(..)
        | DataType::Tuple(_)
        | DataType::JSON
        | DataType::JSONB => true,
        DataType::Custom(name, _) => {
            let name = name.to_string().to_ascii_lowercase();
            matches!(name.as_str(), "row" | "map" | "array" | "json")
        }
        _ => false,
    }
}

/// The SQLite spelling of a Presto scalar type, or `None` to keep it.
fn sqlite_type(t: &DataType) -> Option<DataType> {
    use DataType::*;
    Some(match t {
        BigInt(_) | Int(_) | Integer(_) | SmallInt(_) | TinyInt(_) | MediumInt(_) | Int2(_)
        | Int4(_) | Int8(_) | Int16 | Int32 | Int64 | Bool | Boolean => Integer(None),
        Double(_) | DoublePrecision | Real | Float(_) | Float4 | Float8 | Float32 | Float64 => Real,
        Varchar(_) | Nvarchar(_) | Char(_) | Character(_) | CharVarying(_)
        | CharacterVarying(_) | String(_) | Text => Text,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::parse::parse;

    fn rw(sql: &str) -> String {
        let mut q = parse(sql).unwrap();
        rewrite(&mut q).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        q.to_string()
    }

    fn err(sql: &str) -> SqlError {
        let mut q = parse(sql).unwrap();
        rewrite(&mut q).expect_err(sql)
    }

    #[test]
    fn defaults() {
        assert_eq!(rw("SELECT a"), "SELECT a FROM log LIMIT 100");
        assert_eq!(rw("SELECT a FROM log LIMIT 5"), "SELECT a FROM log LIMIT 5");
        assert_eq!(
            rw("SELECT a UNION ALL SELECT b"),
            "SELECT a FROM log UNION ALL SELECT b FROM log LIMIT 100"
        );
        assert_eq!(
            rw("SELECT x FROM (SELECT a AS x FROM log)"),
            "SELECT x FROM (SELECT a AS x FROM log) LIMIT 100"
        );
        assert_eq!(rw("((SELECT a))"), "SELECT a FROM log LIMIT 100");
        assert_eq!(
            rw("(SELECT a) ORDER BY a"),
            "SELECT a FROM log ORDER BY a LIMIT 100"
        );
        assert_eq!(
            rw("(SELECT a LIMIT 5) ORDER BY a"),
            "(SELECT a LIMIT 5) ORDER BY a LIMIT 100"
        );
        assert_eq!(
            rw("SELECT (SELECT max(a)) AS m"),
            "SELECT (SELECT max(a)) AS m FROM log LIMIT 100"
        );
    }

    #[test]
    fn casts() {
        assert_eq!(
            rw("SELECT try_cast(a AS bigint) LIMIT 1"),
            "SELECT CAST(a AS INTEGER) FROM log LIMIT 1"
        );
        assert_eq!(
            rw(
                "SELECT cast(a AS integer), cast(b AS double), cast(c AS real), cast(d AS varchar), cast(e AS boolean), cast(f AS varchar(10)), cast(g AS decimal(10,2)) LIMIT 1"
            ),
            "SELECT CAST(a AS INTEGER), CAST(b AS REAL), CAST(c AS REAL), CAST(d AS TEXT), CAST(e AS INTEGER), CAST(f AS TEXT), CAST(g AS DECIMAL(10,2)) FROM log LIMIT 1"
        );
        assert_eq!(
            rw("SELECT a::bigint LIMIT 1"),
            "SELECT CAST(a AS INTEGER) FROM log LIMIT 1"
        );
        assert_eq!(
            rw(
                "SELECT cast(a AS array(bigint)), try_cast(b AS map(varchar, varchar)), cast(c AS json), cast(d AS row(x bigint)) LIMIT 1"
            ),
            "SELECT a, b, c, d FROM log LIMIT 1"
        );
    }

    #[test]
    fn max_min_n() {
        assert_eq!(
            rw("SELECT max(a, 10), MIN(a, 3), max(a), min(a), greatest(a, b) LIMIT 1"),
            "SELECT fcl_max_n(a, 10), fcl_min_n(a, 3), max(a), min(a), greatest(a, b) FROM log LIMIT 1"
        );
    }

    #[test]
    fn subscripts_and_arrays() {
        assert_eq!(
            rw("SELECT a[1], m['k'], x[1][2], ARRAY[1, 2] LIMIT 1"),
            "SELECT fcl_element_at(a, 1), fcl_element_at(m, 'k'), fcl_element_at(fcl_element_at(x, 1), 2), fcl_array(1, 2) FROM log LIMIT 1"
        );
    }

    #[test]
    fn rewrites_reach_subqueries() {
        assert_eq!(
            rw(
                "SELECT d[1] FROM (SELECT max(a, 2) AS d FROM log WHERE b IN (SELECT try_cast(c AS bigint) FROM log))"
            ),
            "SELECT fcl_element_at(d, 1) FROM (SELECT fcl_max_n(a, 2) AS d FROM log WHERE b IN (SELECT CAST(c AS INTEGER) FROM log)) LIMIT 100"
        );
    }

    #[test]
    fn limits() {
        assert_eq!(
            rw("SELECT a LIMIT 1000000"),
            "SELECT a FROM log LIMIT 1000000"
        );
        assert_eq!(
            rw("SELECT a LIMIT 100, 1000"),
            "SELECT a FROM log LIMIT 100, 1000"
        );
        assert!(err("SELECT a LIMIT 1000001").message.contains("too large"));
        assert!(
            err("SELECT a LIMIT 0, 10001")
                .message
                .contains("at most 10000")
        );
        assert!(
            err("SELECT a LIMIT 999999, 10")
                .message
                .contains("offset + count")
        );
        assert!(
            err("SELECT a LIMIT 10 OFFSET 5")
                .message
                .contains("`OFFSET` is not supported")
        );
        assert!(
            err("SELECT a FROM (SELECT b FROM log LIMIT 1, 2)")
                .message
                .contains("outermost")
        );
        assert!(
            err("SELECT a FROM (SELECT b FROM log LIMIT 2 OFFSET 1)")
                .message
                .contains("OFFSET")
        );
        assert!(
            err("SELECT a LIMIT 1 + 1")
                .message
                .contains("not an expression")
        );
    }

    #[test]
    fn unsupported_constructs() {
        assert!(err("SELECT a[1:2]").message.contains("slices"));
        assert!(
            err("SELECT a FETCH FIRST 1 ROWS ONLY")
                .message
                .contains("FETCH")
        );
    }
}
