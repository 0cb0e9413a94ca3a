//! Which columns of `log` a statement reads, and name resolution checks.
//!
//! The store materialises `log` with exactly the returned columns, so a column missed here
//! reads as "no such column"; an extra one is harmless unless it shadows a select-item
//! alias or another table's column, which is why aliases and derived tables' columns are
//! resolved rather than collected blindly.
//!
//! Resolution follows SQL scoping, innermost SELECT outward:
//! - a lambda parameter is not a column;
//! - in `GROUP BY`, `HAVING`, windows and `ORDER BY`, a name that is a select-item alias
//!   of the same SELECT is the alias (`GROUP BY minute5`; SLS allows it and so does SQLite,
//!   which however prefers a real column of that name, so the alias must not become one);
//! - a name that is an output column of a derived table or `WITH` query in `FROM` belongs to
//!   it (`SELECT sum(pv) FROM (SELECT count(*) AS pv FROM log …)`);
//! - otherwise, in a SELECT reading `log`, it is a column of `log`;
//! - in a SELECT reading no `log` and no table of unknown shape, the name is looked up in
//!   the enclosing SELECTs (a correlated reference).
//!
//! `t.c` is a `log` column when `t` is `log` or its alias. `SELECT *` / `log.*` in a SELECT
//! reading `log` sets `selects_star`. Names compare case-insensitively, as in SQLite.
//!
//! Also checked here, since it needs the same scopes: every table in `FROM` is `log` or a
//! `WITH` query, and no `WITH` query is named `log` (the store defines that one).

use std::collections::HashSet;

use sqlparser::ast::{Expr, FunctionArguments, Ident, ObjectName, Query, SelectItem, SetExpr};

use super::walk::{Item, Node, Relation, SqlError, expr_children, query_parts, select_parts};

/// What a statement reads from `log`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Reads {
    /// Column names, deduplicated case-insensitively, in first-use order.
    pub columns: Vec<String>,
    /// Some SELECT reads `*` from `log`.
    pub selects_star: bool,
}

/// Collects the `log` columns `query` reads.
pub(crate) fn columns(query: &mut Query) -> Result<Reads, SqlError> {
    let mut collector = Collector::default();
    collector.query(query)?;
    Ok(Reads {
        columns: collector.columns,
        selects_star: collector.star,
    })
}

/// The names visible in one SELECT, lowercased.
#[derive(Debug, Default)]
struct Scope {
    /// `FROM log` (possibly aliased).
    reads_log: bool,
    /// Qualifiers that mean `log`: `log` and its alias.
    log_names: Vec<String>,
    /// Names and aliases of the other relations.
    other_names: Vec<String>,
    /// The known output columns of the other relations.
    other_columns: Vec<String>,
    /// Some other relation has columns this analysis cannot know (`SELECT *` inside it).
    other_unknown: bool,
    /// Select-item aliases.
    aliases: Vec<String>,
    /// Lambda parameters in scope.
    lambdas: Vec<String>,
}

/// A `WITH` query in scope.
struct Cte {
    name: String,
    columns: Option<Vec<String>>,
}

#[derive(Default)]
struct Collector {
    columns: Vec<String>,
    seen: HashSet<String>,
    star: bool,
    scopes: Vec<Scope>,
    ctes: Vec<Vec<Cte>>,
}

fn lower(ident: &Ident) -> String {
    ident.value.to_ascii_lowercase()
}

impl Collector {
    fn add(&mut self, name: &Ident) {
        if self.seen.insert(lower(name)) {
            self.columns.push(name.value.clone());
        }
    }

    fn cte(&self, name: &str) -> Option<&Cte> {
        self.ctes.iter().rev().flatten().find(|c| c.name == name)
    }

    fn query(&mut self, query: &mut Query) -> Result<(), SqlError> {
        let parts = query_parts(query)?;
        self.ctes.push(Vec::new());
        for (alias, cte) in parts.ctes {
            if alias.name.value.eq_ignore_ascii_case("log") {
                return Err(SqlError::at_ident(
                    &alias.name,
                    "a WITH query cannot be named `log`: that name is the logstore itself; rename it",
                ));
            }
            self.query(cte)?;
            let columns = if alias.columns.is_empty() {
                output_names(cte)
            } else {
                Some(alias.columns.iter().map(|c| lower(&c.name)).collect())
            };
            let name = lower(&alias.name);
            self.ctes
                .last_mut()
                .expect("pushed")
                .push(Cte { name, columns });
        }
        let scope = self.set_expr(parts.body)?;
        self.scopes.push(scope.unwrap_or_default());
        for expr in parts.order_by {
            self.expr(expr, true)?;
        }
        for expr in parts.limit {
            self.expr(expr, false)?;
        }
        self.scopes.pop();
        self.ctes.pop();
        Ok(())
    }

    /// Walks a query body; returns the scope of its (first) SELECT for `ORDER BY`.
    fn set_expr(&mut self, body: &mut SetExpr) -> Result<Option<Scope>, SqlError> {
        match body {
            SetExpr::Select(select) => self.select(select).map(Some),
            SetExpr::Query(query) => self.query(query).map(|()| None),
            SetExpr::SetOperation { left, right, .. } => {
                let scope = self.set_expr(left)?;
                self.set_expr(right)?;
                Ok(scope)
            }
            other => Err(SqlError::at(
                &*other,
                "only SELECT queries are supported in the analytic statement",
            )),
        }
    }

    fn select(&mut self, select: &mut sqlparser::ast::Select) -> Result<Scope, SqlError> {
        let parts = select_parts(select)?;
        let mut scope = Scope::default();
        for relation in &parts.relations {
            match relation {
                Relation::Table { name, alias, args } => {
                    self.table(&mut scope, name, *alias, !args.is_empty())?;
                }
                Relation::Derived {
                    query,
                    alias,
                    columns,
                } => {
                    scope.other_names.extend(alias.map(lower));
                    let names = if columns.is_empty() {
                        output_names(query)
                    } else {
                        Some(columns.iter().map(|c| lower(c)).collect())
                    };
                    match names {
                        Some(names) => scope.other_columns.extend(names),
                        None => scope.other_unknown = true,
                    }
                }
                Relation::Function { alias, columns, .. } => {
                    scope.other_names.extend(alias.map(lower));
                    scope.other_columns.extend(columns.iter().map(|c| lower(c)));
                    scope.other_unknown |= columns.is_empty();
                }
            }
        }
        for item in &parts.items {
            if let Item::Expr(_, Some(alias)) = item {
                scope.aliases.push(lower(alias));
            }
        }
        self.scopes.push(scope);

        for item in parts.items {
            match item {
                Item::Expr(expr, _) => self.expr(expr, false)?,
                Item::Wildcard(qualifier) => {
                    let scope = self.scopes.last().expect("pushed");
                    let reads = match qualifier {
                        None => scope.reads_log,
                        Some(name) => {
                            last_part(name).is_some_and(|n| scope.log_names.contains(&lower(n)))
                        }
                    };
                    self.star |= reads;
                }
            }
        }
        for relation in parts.relations {
            match relation {
                Relation::Derived { query, .. } => self.query(query)?,
                Relation::Table { args, .. } | Relation::Function { args, .. } => {
                    for arg in args {
                        self.expr(arg, false)?;
                    }
                }
            }
        }
        for name in parts.using {
            if let Some(ident) = last_part(name) {
                self.identifier(ident, false);
            }
        }
        for expr in parts.join_conditions.into_iter().chain(parts.filter) {
            self.expr(expr, false)?;
        }
        for expr in parts.grouping {
            self.expr(expr, true)?;
        }
        Ok(self.scopes.pop().expect("pushed"))
    }

    /// A named relation in `FROM`: `log`, a `WITH` query, or (with arguments) a table-valued
    /// function.
    fn table(
        &self,
        scope: &mut Scope,
        name: &ObjectName,
        alias: Option<&Ident>,
        function: bool,
    ) -> Result<(), SqlError> {
        let single = match name.0.as_slice() {
            [part] => part.as_ident(),
            _ => None,
        };
        let Some(ident) = single else {
            return Err(SqlError::at(
                name,
                format!("unknown table `{name}`: the analytic statement reads from `log`"),
            ));
        };
        let n = lower(ident);
        if n == "log" {
            scope.reads_log = true;
            scope.log_names.push(n);
            scope.log_names.extend(alias.map(lower));
        } else if let Some(cte) = self.cte(&n) {
            scope.other_names.push(n);
            scope.other_names.extend(alias.map(lower));
            match &cte.columns {
                Some(columns) => scope.other_columns.extend(columns.iter().cloned()),
                None => scope.other_unknown = true,
            }
        } else if function {
            scope.other_names.push(n);
            scope.other_names.extend(alias.map(lower));
            scope.other_unknown = true;
        } else {
            return Err(SqlError::at(
                name,
                format!(
                    "unknown table `{name}`: the analytic statement reads from `log` (or a WITH query)"
                ),
            ));
        }
        Ok(())
    }

    fn expr(&mut self, expr: &mut Expr, aliases_visible: bool) -> Result<(), SqlError> {
        match expr {
            Expr::Identifier(ident) => self.identifier(ident, aliases_visible),
            Expr::CompoundIdentifier(parts) => self.qualified(parts),
            // sqlparser reads a bare `user` (or `current_user`, `session_user`, …) as a
            // niladic SQL function; SQLite knows only the three below, so for it — and for
            // the store — any other is a column.
            Expr::Function(f) if matches!(f.args, FunctionArguments::None) && f.over.is_none() => {
                if let [part] = f.name.0.as_slice()
                    && let Some(ident) = part.as_ident()
                    && !["current_date", "current_time", "current_timestamp"]
                        .contains(&lower(ident).as_str())
                {
                    let ident = ident.clone();
                    self.identifier(&ident, aliases_visible);
                }
            }
            Expr::Lambda(lambda) => {
                let params: Vec<String> = lambda.params.iter().map(|p| lower(&p.name)).collect();
                let count = params.len();
                self.scopes
                    .last_mut()
                    .expect("in a scope")
                    .lambdas
                    .extend(params);
                self.expr(&mut lambda.body, aliases_visible)?;
                let lambdas = &mut self.scopes.last_mut().expect("in a scope").lambdas;
                lambdas.truncate(lambdas.len() - count);
            }
            _ => {
                for child in expr_children(expr)? {
                    match child {
                        Node::Expr(e) => self.expr(e, aliases_visible)?,
                        Node::Query(q) => self.query(q)?,
                    }
                }
            }
        }
        Ok(())
    }

    /// An unqualified name; see the module doc for the rules.
    fn identifier(&mut self, ident: &Ident, aliases_visible: bool) {
        let name = lower(ident);
        for (depth, scope) in self.scopes.iter().rev().enumerate() {
            if scope.lambdas.contains(&name)
                || (depth == 0 && aliases_visible && scope.aliases.contains(&name))
                || scope.other_columns.contains(&name)
            {
                return;
            }
            if scope.reads_log {
                self.add(ident);
                return;
            }
            if scope.other_unknown {
                return;
            }
        }
    }

    /// `t.c` (or `t.c.d`): a `log` column when `t` names `log`.
    fn qualified(&mut self, parts: &[Ident]) {
        let [qualifier, column, ..] = parts else {
            return;
        };
        let q = lower(qualifier);
        for scope in self.scopes.iter().rev() {
            if scope.log_names.contains(&q) {
                self.add(column);
                return;
            }
            if scope.other_names.contains(&q) {
                return;
            }
        }
    }
}

fn last_part(name: &ObjectName) -> Option<&Ident> {
    name.0.last().and_then(|p| p.as_ident())
}

/// The output column names of a query, lowercased, as far as they can be known from its
/// text: aliases and plain column references. `None` when it selects `*`.
fn output_names(query: &Query) -> Option<Vec<String>> {
    fn body(set: &SetExpr) -> Option<Vec<String>> {
        match set {
            SetExpr::Select(select) => {
                let mut names = Vec::new();
                for item in &select.projection {
                    match item {
                        SelectItem::ExprWithAlias { alias, .. } => names.push(lower(alias)),
                        SelectItem::UnnamedExpr(Expr::Identifier(ident)) => {
                            names.push(lower(ident))
                        }
                        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                            names.extend(parts.last().map(lower));
                        }
                        SelectItem::UnnamedExpr(_) => {}
                        _ => return None,
                    }
                }
                Some(names)
            }
            SetExpr::Query(query) => output_names(query),
            SetExpr::SetOperation { left, .. } => body(left),
            _ => None,
        }
    }
    body(&query.body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::parse::parse;
    use crate::analytic::rewrite::rewrite;

    fn reads(sql: &str) -> Reads {
        let mut q = parse(sql).unwrap();
        rewrite(&mut q).unwrap();
        columns(&mut q).unwrap_or_else(|e| panic!("{sql}: {e:?}"))
    }

    fn cols(sql: &str) -> Vec<String> {
        reads(sql).columns
    }

    fn err(sql: &str) -> SqlError {
        let mut q = parse(sql).unwrap();
        rewrite(&mut q).unwrap();
        columns(&mut q).expect_err(sql)
    }

    #[test]
    fn plain_columns_in_first_use_order() {
        assert_eq!(
            cols("SELECT b, a WHERE c > 1 AND b < 2 GROUP BY d ORDER BY e"),
            ["b", "a", "c", "d", "e"]
        );
        assert_eq!(cols("SELECT Status, status"), ["Status"]);
        assert_eq!(
            cols("SELECT \"content.status\", log.x, l.y FROM log AS l"),
            ["content.status", "x", "y"]
        );
    }

    #[test]
    fn functions_and_count_star_read_nothing() {
        assert_eq!(
            cols("SELECT count(*), count(1), now(), current_date, current_timestamp"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn niladic_sql_functions_other_than_sqlites_are_columns() {
        assert_eq!(cols("SELECT user, count(*) GROUP BY user"), ["user"]);
    }

    #[test]
    fn aliases_in_group_and_order() {
        assert_eq!(cols("SELECT a AS x GROUP BY x ORDER BY x"), ["a"]);
        assert_eq!(cols("SELECT a AS a GROUP BY a"), ["a"]);
        // In WHERE a name is a column (Presto semantics).
        assert_eq!(cols("SELECT a AS x WHERE x > 1"), ["a", "x"]);
    }

    #[test]
    fn derived_tables_and_ctes() {
        assert_eq!(
            cols("SELECT sum(pv) FROM (SELECT count(*) AS pv FROM log GROUP BY method)"),
            ["method"]
        );
        assert_eq!(
            cols("WITH t AS (SELECT a AS b FROM log) SELECT b, c FROM t"),
            ["a"]
        );
        assert_eq!(
            cols("WITH t(x) AS (SELECT a FROM log) SELECT x FROM t"),
            ["a"]
        );
        assert_eq!(
            cols("SELECT x FROM (SELECT * FROM log) AS s"),
            Vec::<String>::new()
        );
        assert!(reads("SELECT x FROM (SELECT * FROM log) AS s").selects_star);
        assert_eq!(
            cols("SELECT a, s.n FROM log JOIN (SELECT b AS n FROM log) AS s ON a = s.n"),
            ["a", "b"]
        );
    }

    #[test]
    fn subqueries_in_expressions() {
        assert_eq!(
            cols("SELECT a WHERE b IN (SELECT c FROM log WHERE d = 1)"),
            ["a", "b", "c", "d"]
        );
        assert_eq!(cols("SELECT a, (SELECT max(b)) AS m"), ["a", "b"]);
    }

    #[test]
    fn stars() {
        assert!(reads("SELECT *").selects_star);
        assert!(reads("SELECT log.*").selects_star);
        assert!(!reads("SELECT count(*)").selects_star);
        assert!(!reads("SELECT * FROM (SELECT a FROM log)").selects_star);
    }

    #[test]
    fn lambdas() {
        assert_eq!(cols("SELECT transform(arr, x -> x + y)"), ["arr", "y"]);
    }

    #[test]
    fn table_names() {
        assert!(
            err("SELECT a FROM other")
                .message
                .contains("unknown table `other`")
        );
        assert!(
            err("WITH log AS (SELECT 1) SELECT 1 FROM log")
                .message
                .contains("cannot be named `log`")
        );
    }
}
