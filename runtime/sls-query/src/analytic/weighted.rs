//! The statement over **weighted rows**: [`Analytic::weighted`](crate::Analytic::weighted).
//!
//! SQLite's GROUP BY sorts every input row (~250 ms for a million rows on the bench
//! machine), however few groups there are. When the statement's result depends only on
//! which *distinct* combinations of the columns it reads occur and how often, the store can
//! instead count those combinations in one hash-map pass and hand SQLite one row per
//! combination with its multiplicity in [`WEIGHT`]; this module rewrites the statement to
//! read such rows: `count(*)` → `sum("__fcl_weight__")`, `count(x)` →
//! `sum(CASE WHEN x IS NULL THEN 0 ELSE "__fcl_weight__" END)`. Every other expression stays
//! as written, so results, types and (through the remaining GROUP BY) row order are those of
//! the original statement.
//!
//! Only statements where that is provably the same are rewritten (anything else keeps the
//! plain path):
//! - one SELECT over `log` alone (no WITH, no joins, no set operations, no subqueries), with
//!   a non-empty GROUP BY (every group has a row, so `sum` never yields NULL where `count`
//!   gives 0);
//! - aggregates only among those whose value ignores multiplicity — `min`, `max`,
//!   `count(DISTINCT x)`, `approx_distinct`, `bool_and`, `bool_or` — or `count`, which is
//!   rewritten; no `FILTER`, no window functions, no `random()` (it would run per
//!   combination instead of per line). Every aggregate SQLite or the store knows is listed
//!   in [`AGGREGATES`]; the store's tests check that list against the functions it registers.
//!
//! Left for later: `sum`/`avg` (weighting changes how REAL sums round), `count_if`.

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, ObjectName, Query,
    SelectItem, SetExpr, TableFactor,
};

use super::walk::{Node, expr_children};

/// The column of the weighted `log` holding how many lines share the row's values.
pub const WEIGHT: &str = "__fcl_weight__";

/// Every aggregate function name SQLite (built in) and the store define, lowercase. A
/// function not listed here is taken to be scalar, so a missing entry would let an
/// aggregate that counts rows see one row per combination: keep it complete.
pub const AGGREGATES: &[&str] = &[
    // SQLite.
    "avg",
    "count",
    "group_concat",
    "json_group_array",
    "json_group_object",
    "jsonb_group_array",
    "jsonb_group_object",
    "max",
    "median",
    "min",
    "percentile",
    "percentile_cont",
    "percentile_disc",
    "string_agg",
    "sum",
    "total",
    // The store (SLS functions).
    "approx_distinct",
    "approx_percentile",
    "arbitrary",
    "bool_and",
    "bool_or",
    "count_if",
    "fcl_max_n",
    "fcl_min_n",
    "histogram",
    "max_by",
    "min_by",
];

/// Aggregates whose result is the same over weighted rows (ignoring [`WEIGHT`]).
const MULTIPLICITY_FREE: &[&str] = &["min", "max", "approx_distinct", "bool_and", "bool_or"];

/// Scalar functions that must run once per line.
const PER_LINE: &[&str] = &["random", "randomblob"];

/// Deepest expression walked; deeper statements keep the plain path (the walk recurses,
/// and chains of up to `MAX_SQL_OPERATORS` must not overflow a 2 MB stack).
const MAX_DEPTH: usize = 64;

/// The weighted form of `query` (already rewritten for SQLite and rendered: this rewrites
/// it in place), or `None` when it does not qualify; `columns` are the `log` columns it
/// reads.
pub(crate) fn weighted(
    query: &mut Query,
    columns: &[String],
    selects_star: bool,
) -> Option<String> {
    if selects_star || columns.iter().any(|c| c.eq_ignore_ascii_case(WEIGHT)) {
        return None;
    }
    if query.with.is_some() {
        return None;
    }
    let SetExpr::Select(select) = &mut *query.body else {
        return None;
    };
    let [from] = select.from.as_slice() else {
        return None;
    };
    let reads_log = from.joins.is_empty()
        && matches!(&from.relation, TableFactor::Table { name, args: None, .. }
            if is_log(name));
    let GroupByExpr::Expressions(group_by, modifiers) = &select.group_by else {
        return None;
    };
    if !reads_log || group_by.is_empty() || !modifiers.is_empty() {
        return None;
    }
    if !select.named_window.is_empty() || select.qualify.is_some() {
        return None;
    }
    // An unaliased item is named after its text (`count(*)`): it keeps that name.
    for item in &mut select.projection {
        match item {
            SelectItem::UnnamedExpr(e) => {
                let name = e.to_string();
                reweigh(e, 0)?;
                if e.to_string() != name {
                    let expr = std::mem::replace(e, Expr::value(sqlparser::ast::Value::Null));
                    *item = SelectItem::ExprWithAlias {
                        expr,
                        alias: Ident::with_quote('"', name),
                    };
                }
            }
            SelectItem::ExprWithAlias { expr, .. } => reweigh(expr, 0)?,
            _ => return None,
        }
    }
    let mut exprs: Vec<&mut Expr> = Vec::new();
    if let GroupByExpr::Expressions(list, _) = &mut select.group_by {
        exprs.extend(list.iter_mut());
    }
    exprs.extend(select.selection.iter_mut());
    exprs.extend(select.having.iter_mut());
    if let Some(order) = &mut query.order_by {
        match &mut order.kind {
            sqlparser::ast::OrderByKind::Expressions(list) => {
                exprs.extend(list.iter_mut().map(|o| &mut o.expr));
            }
            sqlparser::ast::OrderByKind::All(_) => return None,
        }
    }
    for expr in exprs {
        reweigh(expr, 0)?;
    }
    Some(query.to_string())
}

fn is_log(name: &ObjectName) -> bool {
    matches!(name.0.as_slice(), [part] if part.as_ident().is_some_and(|i| i.value.eq_ignore_ascii_case("log")))
}

/// Rewrites the aggregates in `expr` for weighted rows; `None` if one does not qualify.
fn reweigh(expr: &mut Expr, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Expr::Function(f) = expr {
        let name = function_name(f)?;
        if PER_LINE.contains(&name.as_str()) {
            return None;
        }
        if AGGREGATES.contains(&name.as_str()) {
            if f.over.is_some()
                || f.filter.is_some()
                || f.null_treatment.is_some()
                || !f.within_group.is_empty()
            {
                return None;
            }
            let FunctionArguments::List(list) = &f.args else {
                return None;
            };
            if !list.clauses.is_empty() {
                return None;
            }
            let distinct = matches!(
                list.duplicate_treatment,
                Some(sqlparser::ast::DuplicateTreatment::Distinct)
            );
            if name == "count" && !distinct {
                *expr = weighted_count(list.args.as_slice(), depth)?;
                return Some(());
            }
            let free = MULTIPLICITY_FREE.contains(&name.as_str()) && list.args.len() == 1;
            if !(free || (name == "count" && distinct)) {
                return None;
            }
            // The arguments are per-row expressions: no aggregate may nest in them.
            return check_scalar(expr, depth);
        }
    }
    for child in expr_children(expr).ok()? {
        match child {
            Node::Expr(e) => reweigh(e, depth + 1)?,
            Node::Query(_) => return None,
        }
    }
    Some(())
}

/// `expr`'s children hold no aggregate, subquery or per-line function.
fn check_scalar(expr: &mut Expr, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    for child in expr_children(expr).ok()? {
        match child {
            Node::Expr(e) => {
                check_scalar_expr(e, depth + 1)?;
            }
            Node::Query(_) => return None,
        }
    }
    Some(())
}

/// The lowercase name of a one-part function name (`None` for any other: conservatively
/// not weighted).
fn function_name(f: &sqlparser::ast::Function) -> Option<String> {
    match f.name.0.as_slice() {
        [part] => Some(part.as_ident()?.value.to_ascii_lowercase()),
        _ => None,
    }
}

/// `count(*)` / `count(x)` over weighted rows.
fn weighted_count(args: &[FunctionArg], depth: usize) -> Option<Expr> {
    let weight = Expr::Identifier(Ident::with_quote('"', WEIGHT));
    let summed = match args {
        [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)] => weight,
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(x))] => {
            let mut x = x.clone();
            check_scalar_expr(&mut x, depth)?;
            Expr::Case {
                case_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
                end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
                operand: None,
                conditions: vec![sqlparser::ast::CaseWhen {
                    condition: Expr::IsNull(Box::new(Expr::Nested(Box::new(x)))),
                    result: Expr::value(sqlparser::ast::Value::Number("0".into(), false)),
                }],
                else_result: Some(Box::new(weight)),
            }
        }
        _ => return None,
    };
    Some(call("sum", summed))
}

/// [`check_scalar`] on `x` itself as well as its children.
fn check_scalar_expr(x: &mut Expr, depth: usize) -> Option<()> {
    if let Expr::Function(f) = &*x {
        let name = function_name(f)?;
        if AGGREGATES.contains(&name.as_str()) || PER_LINE.contains(&name.as_str()) {
            return None;
        }
    }
    check_scalar(x, depth)
}

/// `name(arg)`.
fn call(name: &str, arg: Expr) -> Expr {
    use sqlparser::ast::{Function, FunctionArgumentList};
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))],
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::columns::columns;
    use crate::analytic::parse::parse;
    use crate::analytic::rewrite::rewrite;

    fn w(sql: &str) -> Option<String> {
        let mut q = parse(sql).unwrap();
        rewrite(&mut q).unwrap();
        let reads = columns(&mut q).unwrap();
        weighted(&mut q, &reads.columns, reads.selects_star)
    }

    #[test]
    fn counts_become_sums_of_weights() {
        assert_eq!(
            w("select functionName, count(*) as c group by functionName").as_deref(),
            Some(
                "SELECT functionName, sum(\"__fcl_weight__\") AS c FROM log GROUP BY functionName LIMIT 100"
            )
        );
        assert_eq!(
            w("select functionName, count(*) group by functionName").as_deref(),
            Some(
                "SELECT functionName, sum(\"__fcl_weight__\") AS \"count(*)\" FROM log GROUP BY functionName LIMIT 100"
            )
        );
        assert_eq!(
            w("select a, count(b), count(distinct c), max(d) from log where e > 1 group by a having count(*) > 2 order by count(*) desc limit 5").as_deref(),
            Some(
                "SELECT a, sum(CASE WHEN (b) IS NULL THEN 0 ELSE \"__fcl_weight__\" END) AS \"count(b)\", count(DISTINCT c), max(d) FROM log WHERE e > 1 GROUP BY a HAVING sum(\"__fcl_weight__\") > 2 ORDER BY sum(\"__fcl_weight__\") DESC LIMIT 5"
            )
        );
        assert!(w("select date_trunc('minute', __time__) as t, count(1) group by t").is_some());
    }

    #[test]
    fn statements_that_see_multiplicity_stay_plain() {
        for sql in [
            "select a, sum(b) group by a",
            "select a, avg(b) group by a",
            "select a, count_if(b > 1) group by a",
            "select a, approx_percentile(b, 0.5) group by a",
            "select a, count(*) filter (where b > 1) group by a",
            "select a, count(*) over () from log group by a",
            "select count(*)",
            "select a from log group by a union all select b from log group by b",
            "select a, count(*) from log where b in (select c from log) group by a",
            "with t as (select a from log) select a, count(*) from t group by a",
            "select * from log group by a",
            "select a, count(*) from log where random() > 0 group by a",
            "select a, max(count(*)) group by a",
            "select a, count(sum(b)) group by a",
            "select a, count(*) as __fcl_weight__, __FCL_WEIGHT__ group by a",
            "select l.a, count(*) from log l, log m group by l.a",
        ] {
            assert_eq!(w(sql), None, "{sql}");
        }
    }

    #[test]
    fn long_chains_stay_plain_without_overflowing_a_small_stack() {
        let terms: Vec<String> = (0..crate::limits::MAX_SQL_OPERATORS / 2)
            .map(|i| format!("b = {i}"))
            .collect();
        let sql = format!("select a, count(*) where {} group by a", terms.join(" or "));
        let weighted = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || w(&sql))
            .expect("spawn")
            .join()
            .expect("no overflow");
        assert_eq!(weighted, None);
    }

    #[test]
    fn aggregates_are_listed_lowercase_once() {
        for (i, a) in AGGREGATES.iter().enumerate() {
            assert_eq!(a.to_ascii_lowercase(), *a);
            assert!(!AGGREGATES[..i].contains(a), "{a}");
        }
    }
}
