//! The shape of the SQL tree as the rewrite and the column analysis see it.
//!
//! sqlparser's `visitor` feature would need another crate (`sqlparser_derive`), so this
//! file enumerates the parts by hand: every expression nested in an expression
//! ([`expr_children`], an exhaustive `match`, so a new sqlparser version that adds a variant
//! does not compile until it is handled), and the parts of queries and SELECTs
//! ([`query_parts`], [`select_parts`]). Constructs outside what SLS accepts and this crate
//! walks (PIVOT, `LIMIT … BY`, `FOR UPDATE`, VALUES, …) are rejected with an error here, so
//! a column read inside them can never go unnoticed.

use sqlparser::ast::{
    AccessExpr, Expr, FunctionArg, FunctionArgExpr, FunctionArgumentClause, FunctionArguments,
    GroupByExpr, Ident, InTarget, JoinConstraint, JoinOperator, LimitClause, ListAggOnOverflow,
    NamedWindowExpr, ObjectName, OrderByKind, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, Spanned, Subscript, TableAlias, TableFactor,
    TableWithJoins, WildcardAdditionalOptions, WindowFrameBound, WindowSpec, WindowType,
};
use sqlparser::tokenizer::Location;

/// An error in the analytic statement and where it is in the SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqlError {
    /// What is wrong and how to fix it.
    pub message: String,
    /// Where.
    pub at: Place,
}

/// A place in the SQL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// The start of the statement (the place is not known more precisely).
    Start,
    /// The end of the text (sqlparser's "found: EOF").
    End,
    /// A line and character column, both 1-based, as sqlparser counts them.
    At(Location),
}

impl Place {
    /// The start of a span; sqlparser uses line 0 for "unknown".
    pub(crate) fn of(location: Location) -> Self {
        if location.line > 0 {
            Place::At(location)
        } else {
            Place::Start
        }
    }
}

impl SqlError {
    /// An error at the start of `ident`.
    pub(crate) fn at_ident(ident: &Ident, message: impl Into<String>) -> Self {
        SqlError {
            message: message.into(),
            at: Place::of(ident.span.start),
        }
    }

    /// An error at the start of `node`.
    pub(crate) fn at(node: &impl Spanned, message: impl Into<String>) -> Self {
        SqlError {
            message: message.into(),
            at: Place::of(node.span().start),
        }
    }
}

/// Something nested in an expression.
pub(crate) enum Node<'a> {
    /// A sub-expression.
    Expr(&'a mut Expr),
    /// A subquery (`(SELECT …)`, `EXISTS (…)`, `x IN (SELECT …)`).
    Query(&'a mut Query),
}

fn unsupported(node: &impl Spanned, what: &str) -> SqlError {
    SqlError::at(
        node,
        format!("{what} is not supported in the analytic statement"),
    )
}

/// The expressions and subqueries directly inside `expr`, in source order. Names that are
/// not column references (a `.field` after a subscript, a named argument's name, lambda
/// parameters) are not returned.
pub(crate) fn expr_children(expr: &mut Expr) -> Result<Vec<Node<'_>>, SqlError> {
    let mut out = Vec::new();
    macro_rules! e {
        ($x:expr) => {
            out.push(Node::Expr($x))
        };
    }
    match expr {
        Expr::Identifier(_)
        | Expr::CompoundIdentifier(_)
        | Expr::Value(_)
        | Expr::TypedString(_)
        | Expr::Wildcard(_)
        | Expr::QualifiedWildcard(..) => {}
        Expr::CompoundFieldAccess { root, access_chain } => {
            e!(root);
            for access in access_chain {
                match access {
                    AccessExpr::Dot(_) => {}
                    AccessExpr::Subscript(Subscript::Index { index }) => e!(index),
                    AccessExpr::Subscript(Subscript::Slice {
                        lower_bound,
                        upper_bound,
                        stride,
                    }) => {
                        for b in [lower_bound, upper_bound, stride].into_iter().flatten() {
                            e!(b);
                        }
                    }
                }
            }
        }
        Expr::JsonAccess { .. } => return Err(unsupported(expr, "JSON path access (`a:b`)")),
        Expr::IsFalse(x)
        | Expr::IsNotFalse(x)
        | Expr::IsTrue(x)
        | Expr::IsNotTrue(x)
        | Expr::IsNull(x)
        | Expr::IsNotNull(x)
        | Expr::IsUnknown(x)
        | Expr::IsNotUnknown(x)
        | Expr::Nested(x)
        | Expr::OuterJoin(x)
        | Expr::Prior(x) => e!(x),
        Expr::IsJson { expr, .. }
        | Expr::IsNormalized { expr, .. }
        | Expr::UnaryOp { expr, .. }
        | Expr::Extract { expr, .. }
        | Expr::Ceil { expr, .. }
        | Expr::Floor { expr, .. }
        | Expr::Collate { expr, .. }
        | Expr::Named { expr, .. }
        | Expr::Cast { expr, .. } => e!(expr),
        Expr::Prefixed { value, .. } => e!(value),
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
            e!(a);
            e!(b);
        }
        Expr::In { expr, target, .. } => {
            e!(expr);
            match target {
                InTarget::List(list) => list.iter_mut().for_each(|x| e!(x)),
                InTarget::Subquery(q) => out.push(Node::Query(q)),
                InTarget::Unnest(x) => e!(x),
                InTarget::Table { name, .. } => {
                    return Err(unsupported(name, "`IN <table>`"));
                }
            }
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            e!(expr);
            e!(low);
            e!(high);
        }
        Expr::BinaryOp { left, right, .. }
        | Expr::AnyOp { left, right, .. }
        | Expr::AllOp { left, right, .. } => {
            e!(left);
            e!(right);
        }
        Expr::Like {
            expr,
            pattern,
            escape_char,
            ..
        }
        | Expr::ILike {
            expr,
            pattern,
            escape_char,
            ..
        }
        | Expr::SimilarTo {
            expr,
            pattern,
            escape_char,
            ..
        } => {
            e!(expr);
            e!(pattern);
            if let Some(x) = escape_char {
                e!(x);
            }
        }
        Expr::RLike { expr, pattern, .. } => {
            e!(expr);
            e!(pattern);
        }
        Expr::Convert { expr, styles, .. } => {
            e!(expr);
            styles.iter_mut().for_each(|x| e!(x));
        }
        Expr::AtTimeZone {
            timestamp,
            time_zone,
        } => {
            e!(timestamp);
            e!(time_zone);
        }
        Expr::Position { expr, r#in } => {
            e!(expr);
            e!(r#in);
        }
        Expr::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            e!(expr);
            for x in [substring_from, substring_for].into_iter().flatten() {
                e!(x);
            }
        }
        Expr::Trim {
            expr,
            trim_what,
            trim_characters,
            ..
        } => {
            if let Some(x) = trim_what {
                e!(x);
            }
            e!(expr);
            trim_characters.iter_mut().flatten().for_each(|x| e!(x));
        }
        Expr::Overlay {
            expr,
            overlay_what,
            overlay_from,
            overlay_for,
        } => {
            e!(expr);
            e!(overlay_what);
            e!(overlay_from);
            if let Some(x) = overlay_for {
                e!(x);
            }
        }
        Expr::Function(f) => {
            for args in [&mut f.parameters, &mut f.args] {
                function_arguments(args, &mut out)?;
            }
            f.within_group.iter_mut().for_each(|o| e!(&mut o.expr));
            if let Some(x) = &mut f.filter {
                e!(x);
            }
            match &mut f.over {
                Some(WindowType::WindowSpec(spec)) => window_spec(spec, &mut out),
                Some(WindowType::NamedWindow(_)) | None => {}
            }
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            if let Some(x) = operand {
                e!(x);
            }
            for when in conditions {
                e!(&mut when.condition);
                e!(&mut when.result);
            }
            if let Some(x) = else_result {
                e!(x);
            }
        }
        Expr::Exists { subquery, .. } | Expr::Subquery(subquery) => out.push(Node::Query(subquery)),
        Expr::GroupingSets(sets) | Expr::Cube(sets) | Expr::Rollup(sets) => {
            sets.iter_mut().flatten().for_each(|x| e!(x));
        }
        Expr::Tuple(list) => list.iter_mut().for_each(|x| e!(x)),
        Expr::Struct { values, .. } => values.iter_mut().for_each(|x| e!(x)),
        Expr::Dictionary(fields) => fields.iter_mut().for_each(|f| e!(&mut f.value)),
        Expr::Map(map) => {
            for entry in &mut map.entries {
                e!(&mut entry.key);
                e!(&mut entry.value);
            }
        }
        Expr::Array(array) => array.elem.iter_mut().for_each(|x| e!(x)),
        Expr::Interval(interval) => e!(&mut interval.value),
        Expr::MatchAgainst { .. } => return Err(unsupported(expr, "`MATCH … AGAINST`")),
        Expr::Lambda(lambda) => e!(&mut lambda.body),
        Expr::MemberOf(member) => {
            e!(&mut member.value);
            e!(&mut member.array);
        }
    }
    Ok(out)
}

/// The argument expressions of a function call.
fn function_arguments<'a>(
    args: &'a mut FunctionArguments,
    out: &mut Vec<Node<'a>>,
) -> Result<(), SqlError> {
    match args {
        FunctionArguments::None => {}
        FunctionArguments::Subquery(q) => out.push(Node::Query(q)),
        FunctionArguments::List(list) => {
            for arg in &mut list.args {
                let (FunctionArg::Named { arg, .. }
                | FunctionArg::ExprNamed { arg, .. }
                | FunctionArg::Unnamed(arg)) = arg;
                match arg {
                    FunctionArgExpr::Expr(x) => out.push(Node::Expr(x)),
                    FunctionArgExpr::QualifiedWildcard(_)
                    | FunctionArgExpr::Wildcard
                    | FunctionArgExpr::WildcardWithOptions(_) => {}
                }
            }
            for clause in &mut list.clauses {
                match clause {
                    FunctionArgumentClause::Where(x) | FunctionArgumentClause::Limit(x) => {
                        out.push(Node::Expr(x))
                    }
                    FunctionArgumentClause::OrderBy(order) => order
                        .iter_mut()
                        .for_each(|o| out.push(Node::Expr(&mut o.expr))),
                    FunctionArgumentClause::OnOverflow(ListAggOnOverflow::Truncate {
                        filler: Some(x),
                        ..
                    }) => out.push(Node::Expr(x)),
                    FunctionArgumentClause::OnOverflow(_)
                    | FunctionArgumentClause::IgnoreOrRespectNulls(_)
                    | FunctionArgumentClause::Separator(_)
                    | FunctionArgumentClause::JsonNullClause(_)
                    | FunctionArgumentClause::JsonReturningClause(_) => {}
                    FunctionArgumentClause::Having(_) => {
                        return Err(SqlError {
                            message: "`HAVING MIN/MAX` in a function call is not supported in the analytic statement".into(),
                            at: Place::Start,
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

/// The expressions of `OVER (PARTITION BY … ORDER BY … ROWS …)`.
fn window_spec<'a>(spec: &'a mut WindowSpec, out: &mut Vec<Node<'a>>) {
    spec.partition_by
        .iter_mut()
        .for_each(|x| out.push(Node::Expr(x)));
    spec.order_by
        .iter_mut()
        .for_each(|o| out.push(Node::Expr(&mut o.expr)));
    if let Some(frame) = &mut spec.window_frame {
        for bound in [Some(&mut frame.start_bound), frame.end_bound.as_mut()]
            .into_iter()
            .flatten()
        {
            match bound {
                WindowFrameBound::Preceding(Some(x)) | WindowFrameBound::Following(Some(x)) => {
                    out.push(Node::Expr(x))
                }
                _ => {}
            }
        }
    }
}

/// The parts of a query.
pub(crate) struct QueryParts<'a> {
    /// The `WITH` queries with their names (and column lists), in order.
    pub ctes: Vec<(&'a TableAlias, &'a mut Query)>,
    /// The body.
    pub body: &'a mut SetExpr,
    /// `ORDER BY` expressions (they may name the body's select-item aliases).
    pub order_by: Vec<&'a mut Expr>,
    /// The `LIMIT` expressions.
    pub limit: Vec<&'a mut Expr>,
}

/// Splits a query into its parts, rejecting clauses SLS does not have.
pub(crate) fn query_parts(query: &mut Query) -> Result<QueryParts<'_>, SqlError> {
    if let Some(fetch) = &query.fetch {
        let at = fetch
            .quantity
            .as_ref()
            .map_or(Place::Start, |q| Place::of(q.span().start));
        return Err(SqlError {
            message: "`FETCH` is not supported: use `LIMIT`".into(),
            at,
        });
    }
    if !query.locks.is_empty() || query.for_clause.is_some() {
        return Err(unsupported(&*query, "`FOR …` (locking or XML/JSON output)"));
    }
    if query.settings.is_some() || query.format_clause.is_some() || !query.pipe_operators.is_empty()
    {
        return Err(unsupported(&*query, "`SETTINGS`, `FORMAT` or `|>`"));
    }
    let Query {
        with,
        body,
        order_by,
        limit_clause,
        ..
    } = query;
    let ctes = with
        .iter_mut()
        .flat_map(|w| w.cte_tables.iter_mut())
        .map(|cte| (&cte.alias, &mut *cte.query))
        .collect();
    let order_by = match order_by {
        None => Vec::new(),
        Some(order) => {
            let all = unsupported(&*order, "`ORDER BY ALL`");
            match &mut order.kind {
                OrderByKind::Expressions(list) => list.iter_mut().map(|o| &mut o.expr).collect(),
                OrderByKind::All(_) => return Err(all),
            }
        }
    };
    let limit = match limit_clause {
        None => Vec::new(),
        Some(LimitClause::LimitOffset {
            limit,
            offset,
            limit_by,
        }) => {
            if !limit_by.is_empty() {
                return Err(unsupported(&limit_by[0], "`LIMIT … BY`"));
            }
            limit
                .iter_mut()
                .chain(offset.iter_mut().map(|o| &mut o.value))
                .collect()
        }
        Some(LimitClause::OffsetCommaLimit { offset, limit }) => vec![offset, limit],
    };
    Ok(QueryParts {
        ctes,
        body,
        order_by,
        limit,
    })
}

/// A source of rows in `FROM`.
pub(crate) enum Relation<'a> {
    /// A named table (`log`, a `WITH` query) or a table-valued function `name(args)`.
    Table {
        /// The name.
        name: &'a ObjectName,
        /// `AS alias`.
        alias: Option<&'a Ident>,
        /// Arguments of a table-valued function.
        args: Vec<&'a mut Expr>,
    },
    /// `(SELECT …) AS alias`.
    Derived {
        /// The subquery.
        query: &'a mut Query,
        /// `AS alias`.
        alias: Option<&'a Ident>,
        /// `AS alias(c1, c2)`.
        columns: Vec<&'a Ident>,
    },
    /// `UNNEST(…)` or another function in `FROM`.
    Function {
        /// Its arguments.
        args: Vec<&'a mut Expr>,
        /// `AS alias`.
        alias: Option<&'a Ident>,
        /// `AS alias(c1, c2)`.
        columns: Vec<&'a Ident>,
    },
}

/// A select item.
pub(crate) enum Item<'a> {
    /// An expression with its alias.
    Expr(&'a mut Expr, Option<&'a Ident>),
    /// `*`, or `t.*` with `t`.
    Wildcard(Option<&'a ObjectName>),
}

/// The parts of a SELECT.
pub(crate) struct SelectParts<'a> {
    /// The select items.
    pub items: Vec<Item<'a>>,
    /// The relations in `FROM` and its joins, nested joins flattened.
    pub relations: Vec<Relation<'a>>,
    /// `JOIN … ON` conditions.
    pub join_conditions: Vec<&'a mut Expr>,
    /// `JOIN … USING (c)` columns.
    pub using: Vec<&'a ObjectName>,
    /// `WHERE`.
    pub filter: Option<&'a mut Expr>,
    /// `GROUP BY`, `HAVING`, `QUALIFY` and named windows: the expressions that may name
    /// select-item aliases (an SLS extension that SQLite shares).
    pub grouping: Vec<&'a mut Expr>,
}

/// Splits a SELECT into its parts, rejecting clauses SLS does not have.
pub(crate) fn select_parts(select: &mut Select) -> Result<SelectParts<'_>, SqlError> {
    let span = select.span();
    let reject = |what: &str| -> SqlError {
        SqlError {
            message: format!("{what} is not supported in the analytic statement"),
            at: Place::of(span.start),
        }
    };
    if select.top.is_some() {
        return Err(reject("`TOP`; use `LIMIT`"));
    }
    if select.into.is_some() {
        return Err(reject("`SELECT … INTO`"));
    }
    if matches!(select.distinct, Some(sqlparser::ast::Distinct::On(_))) {
        return Err(reject("`DISTINCT ON`"));
    }
    if select.exclude.is_some()
        || select.select_modifiers.is_some()
        || select.value_table_mode.is_some()
        || !select.lateral_views.is_empty()
        || select.prewhere.is_some()
        || !select.connect_by.is_empty()
        || !select.cluster_by.is_empty()
        || !select.distribute_by.is_empty()
        || !select.sort_by.is_empty()
    {
        return Err(reject("this SELECT clause"));
    }
    let Select {
        projection,
        from,
        selection,
        group_by,
        having,
        named_window,
        qualify,
        ..
    } = select;

    let mut items = Vec::new();
    for item in projection {
        match item {
            SelectItem::UnnamedExpr(x) => items.push(Item::Expr(x, None)),
            SelectItem::ExprWithAlias { expr, alias } => {
                items.push(Item::Expr(expr, Some(&*alias)))
            }
            SelectItem::ExprWithAliases { expr, .. } => {
                return Err(unsupported(&*expr, "a select item with several aliases"));
            }
            SelectItem::Wildcard(options) => {
                plain_wildcard(options)?;
                items.push(Item::Wildcard(None));
            }
            SelectItem::QualifiedWildcard(kind, options) => {
                plain_wildcard(options)?;
                match kind {
                    SelectItemQualifiedWildcardKind::ObjectName(name) => {
                        items.push(Item::Wildcard(Some(&*name)))
                    }
                    SelectItemQualifiedWildcardKind::Expr(x) => {
                        return Err(unsupported(&*x, "`<expression>.*`"));
                    }
                }
            }
        }
    }

    let mut relations = Vec::new();
    let mut join_conditions = Vec::new();
    let mut using = Vec::new();
    for table in from {
        table_with_joins(table, &mut relations, &mut join_conditions, &mut using)?;
    }

    let mut grouping = Vec::new();
    match group_by {
        GroupByExpr::Expressions(list, modifiers) => {
            if !modifiers.is_empty() {
                return Err(reject("`GROUP BY … WITH`"));
            }
            grouping.extend(list.iter_mut());
        }
        GroupByExpr::All(_) => return Err(reject("`GROUP BY ALL`")),
    }
    grouping.extend(having.iter_mut());
    grouping.extend(qualify.iter_mut());
    for window in named_window {
        if let NamedWindowExpr::WindowSpec(spec) = &mut window.1 {
            let mut nodes = Vec::new();
            window_spec(spec, &mut nodes);
            for node in nodes {
                if let Node::Expr(x) = node {
                    grouping.push(x);
                }
            }
        }
    }
    Ok(SelectParts {
        items,
        relations,
        join_conditions,
        using,
        filter: selection.as_mut(),
        grouping,
    })
}

/// Rejects `* EXCEPT (…)`, `* REPLACE (…)` and friends.
fn plain_wildcard(options: &WildcardAdditionalOptions) -> Result<(), SqlError> {
    let plain = options.opt_ilike.is_none()
        && options.opt_exclude.is_none()
        && options.opt_except.is_none()
        && options.opt_replace.is_none()
        && options.opt_rename.is_none()
        && options.opt_alias.is_none();
    if plain {
        Ok(())
    } else {
        Err(SqlError::at(
            options,
            "`*` with EXCEPT/REPLACE/RENAME options is not supported in the analytic statement",
        ))
    }
}

fn table_with_joins<'a>(
    table: &'a mut TableWithJoins,
    relations: &mut Vec<Relation<'a>>,
    conditions: &mut Vec<&'a mut Expr>,
    using: &mut Vec<&'a ObjectName>,
) -> Result<(), SqlError> {
    table_factor(&mut table.relation, relations, conditions, using)?;
    for join in &mut table.joins {
        let span = join.relation.span();
        let reject = |what: &str| SqlError {
            message: format!("{what} is not supported in the analytic statement"),
            at: Place::of(span.start),
        };
        table_factor(&mut join.relation, relations, conditions, using)?;
        let constraint = match &mut join.join_operator {
            JoinOperator::Join(c)
            | JoinOperator::Inner(c)
            | JoinOperator::Left(c)
            | JoinOperator::LeftOuter(c)
            | JoinOperator::Right(c)
            | JoinOperator::RightOuter(c)
            | JoinOperator::FullOuter(c)
            | JoinOperator::CrossJoin(c) => c,
            _ => return Err(reject("this kind of JOIN")),
        };
        match constraint {
            JoinConstraint::On(x) => conditions.push(x),
            JoinConstraint::Using(names) => using.extend(names.iter()),
            JoinConstraint::Natural | JoinConstraint::None => {}
            JoinConstraint::UsingAlias(..) => return Err(reject("`USING (…) AS`")),
        }
    }
    Ok(())
}

fn table_factor<'a>(
    factor: &'a mut TableFactor,
    relations: &mut Vec<Relation<'a>>,
    conditions: &mut Vec<&'a mut Expr>,
    using: &mut Vec<&'a ObjectName>,
) -> Result<(), SqlError> {
    let span = factor.span();
    let reject = |what: &str| SqlError {
        message: format!("{what} in FROM is not supported in the analytic statement"),
        at: Place::of(span.start),
    };
    match factor {
        TableFactor::Table {
            name,
            alias,
            args,
            with_hints,
            version,
            with_ordinality,
            partitions,
            json_path,
            sample,
            index_directives,
            inheritance,
        } => {
            if !with_hints.is_empty()
                || version.is_some()
                || *with_ordinality
                || !partitions.is_empty()
                || json_path.is_some()
                || sample.is_some()
                || !index_directives.is_empty()
                || inheritance.is_some()
            {
                return Err(reject("a table modifier"));
            }
            if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
                return Err(reject("a column list on a table alias"));
            }
            let mut exprs = Vec::new();
            if let Some(args) = args {
                for arg in &mut args.args {
                    let (FunctionArg::Named { arg, .. }
                    | FunctionArg::ExprNamed { arg, .. }
                    | FunctionArg::Unnamed(arg)) = arg;
                    if let FunctionArgExpr::Expr(x) = arg {
                        exprs.push(x);
                    }
                }
            }
            relations.push(Relation::Table {
                name,
                alias: alias.as_ref().map(|a| &a.name),
                args: exprs,
            });
        }
        TableFactor::Derived {
            subquery,
            alias,
            sample,
            ..
        } => {
            if sample.is_some() {
                return Err(reject("`TABLESAMPLE`"));
            }
            relations.push(Relation::Derived {
                query: subquery,
                alias: alias.as_ref().map(|a| &a.name),
                columns: alias
                    .iter()
                    .flat_map(|a| a.columns.iter().map(|c| &c.name))
                    .collect(),
            });
        }
        TableFactor::TableFunction { expr, alias } => relations.push(Relation::Function {
            args: vec![expr],
            alias: alias.as_ref().map(|a| &a.name),
            columns: alias
                .iter()
                .flat_map(|a| a.columns.iter().map(|c| &c.name))
                .collect(),
        }),
        TableFactor::Function { args, alias, .. } => {
            let mut exprs = Vec::new();
            for arg in args {
                let (FunctionArg::Named { arg, .. }
                | FunctionArg::ExprNamed { arg, .. }
                | FunctionArg::Unnamed(arg)) = arg;
                if let FunctionArgExpr::Expr(x) = arg {
                    exprs.push(x);
                }
            }
            relations.push(Relation::Function {
                args: exprs,
                alias: alias.as_ref().map(|a| &a.name),
                columns: alias
                    .iter()
                    .flat_map(|a| a.columns.iter().map(|c| &c.name))
                    .collect(),
            });
        }
        TableFactor::UNNEST {
            alias, array_exprs, ..
        } => relations.push(Relation::Function {
            args: array_exprs.iter_mut().collect(),
            alias: alias.as_ref().map(|a| &a.name),
            columns: alias
                .iter()
                .flat_map(|a| a.columns.iter().map(|c| &c.name))
                .collect(),
        }),
        TableFactor::NestedJoin {
            table_with_joins: inner,
            alias,
        } => {
            if alias.is_some() {
                return Err(reject("an alias on a parenthesised join"));
            }
            table_with_joins(inner, relations, conditions, using)?;
        }
        _ => return Err(reject("this table expression")),
    }
    Ok(())
}
