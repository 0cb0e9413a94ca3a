//! The search AST → SQL over `logs AS l` ([`Compiled`]).
//!
//! Two layers:
//! 1. **Prefilter**: the FTS5 query every match must satisfy ([`prefilter`]): `and` joins
//!    both sides' terms, `or` keeps terms only if both sides have some, `not` none. Without
//!    one the search is [`Compiled::Scan`]: an expression tested on every line of the range.
//! 2. **Exact predicate** per node ([`node`]), for the lines the prefilter let through, in
//!    two versions: for indexed lines and for lines still queued for the index
//!    (`logs_fts_pending`, see migration 2), which FTS5 knows nothing about. A full-text leaf
//!    whose terms FTS5 decides exactly and that the prefilter already required (only `and`s
//!    above it) is `1` for indexed lines; queued lines and anything FTS5 cannot decide
//!    (wildcards inside words, one field's value, ranges, phrases) go through the SQL
//!    functions of `crate::udf::search`. `crate::search::execute` decides how to find the
//!    prefiltered lines (scan the time range, or start from the FTS5 matches).
//!
//! Field semantics: `__topic__` is compared whole (SLS indexes it without delimiters),
//! `__source__` and tags are tokenised like contents; a content key with a dotted path walks
//! into JSON values. Ranges and existence use the value text; `not` of a range matches
//! lines without the field (SLS: "all minus matches").

use std::ops::Bound;

use fclocal_sls_query::{Field, Pattern, Search};
use rusqlite::types::Value;

use super::binder::Binder;
use crate::tokens::{fts_terms, tokenize, tokenize_pattern};

/// The rows whose ids are queued for the index (they must be checked exactly).
const PENDING: &str = "l.id IN (SELECT id FROM logs_fts_pending)";

/// A compiled search.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Compiled {
    /// No FTS5 term narrows every match down: test each line of the range with this
    /// expression over `logs AS l`.
    Scan(String),
    /// Every match contains the FTS5 query `fts`: an indexed line matches when it is among
    /// the FTS5 matches and passes `indexed`; a line still queued for the index matches when
    /// it passes `queued`. `indexed` is `1` when FTS5 decides alone.
    Fts {
        fts: String,
        indexed: String,
        queued: String,
    },
}

/// Whether the line being tested is in the FTS5 index, as far as the compiler knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    /// Either: the SQL tests `logs_fts_pending`.
    Unknown,
    /// An indexed line.
    Indexed,
    /// A queued line: FTS5 knows nothing about it.
    Queued,
}

/// Compiles `search`; see the module documentation.
pub(crate) fn compile(search: &Search, b: &mut Binder) -> Compiled {
    match prefilter(search) {
        None => Compiled::Scan(node(search, false, Queue::Unknown, b)),
        Some(fts) => Compiled::Fts {
            indexed: node(search, true, Queue::Indexed, b),
            queued: node(search, true, Queue::Queued, b),
            fts,
        },
    }
}

/// The lines matching the FTS5 query `fts`, as an `IN` condition on `l.id`.
pub(crate) fn fts_condition(fts: &str, b: &mut Binder) -> String {
    fts_in(fts, b)
}

/// The lines queued for the index, as an `IN` condition on `l.id`.
pub(crate) const QUEUED: &str = PENDING;

/// [`compile`] as one expression, for tests.
#[cfg(test)]
fn compile_expr(search: &Search, b: &mut Binder) -> String {
    match compile(search, b) {
        Compiled::Scan(exact) => exact,
        Compiled::Fts {
            fts,
            indexed,
            queued,
        } => format!(
            "(({} AND {indexed}) OR ({PENDING} AND {queued}))",
            fts_in(&fts, b)
        ),
    }
}

/// `l.id IN (rows matching the FTS5 expression)`.
fn fts_in(expr: &str, b: &mut Binder) -> String {
    let p = b.bind(expr.to_owned());
    format!("l.id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH {p})")
}

/// The FTS5 terms of a leaf, and whether matching them decides the leaf exactly.
struct Terms {
    expr: String,
    exact: bool,
}

/// The FTS5 terms of a full-text/`key:value` pattern: every token, a `*`/`?` word by its
/// part before the first wildcard (as a prefix).
fn pattern_terms(p: &Pattern) -> Option<Terms> {
    let wildcards = p.has_wildcards();
    let tokens = tokenize_pattern(&p.text, wildcards);
    let mut exprs = Vec::new();
    let mut exact = !tokens.is_empty();
    for token in &tokens {
        let terms = match token.find(['*', '?']) {
            Some(first) if wildcards => {
                let trailing_stars = token[first..].chars().all(|c| c == '*');
                let t = fts_terms(&token[..first], true);
                exact &= trailing_stars;
                t
            }
            _ => fts_terms(token, false),
        };
        exact &= terms.exact && terms.expr.is_some();
        exprs.extend(terms.expr);
    }
    (!exprs.is_empty()).then(|| Terms {
        expr: exprs.join(" AND "),
        exact,
    })
}

/// The FTS5 terms of a phrase: its tokens (SLS runs a token query before the phrase filter).
fn phrase_terms(text: &str) -> Option<Terms> {
    let exprs: Vec<String> = tokenize(text)
        .iter()
        .filter_map(|t| fts_terms(t, false).expr)
        .collect();
    (!exprs.is_empty()).then(|| Terms {
        expr: exprs.join(" AND "),
        exact: false,
    })
}

/// A single top-level key (the index holds top-level values; a value nested in JSON may
/// carry JSON escapes there, so paths get no prefilter).
fn top_level_key(field: &Field) -> bool {
    matches!(field, Field::Content(path) if path.len() == 1)
}

/// The FTS5 terms a leaf can be narrowed down by.
fn leaf_terms(search: &Search) -> Option<Terms> {
    match search {
        Search::Text(p) => pattern_terms(p),
        Search::Field { field, pattern } if top_level_key(field) => {
            pattern_terms(pattern).map(|t| Terms { exact: false, ..t })
        }
        Search::Phrase { field: None, text } => phrase_terms(text),
        Search::Phrase {
            field: Some(field),
            text,
        } if top_level_key(field) => phrase_terms(text),
        _ => None,
    }
}

/// The FTS5 expression every match of `search` satisfies, if there is one.
///
/// `and`/`or` chains are flattened ([`chain`]) into one level of `AND`/`OR`: nested
/// parentheses per term would overflow FTS5's query parser (near 100 levels), and
/// recursing per term would cost a stack frame per term.
fn prefilter(search: &Search) -> Option<String> {
    match search {
        Search::And(..) => {
            let parts: Vec<String> = chain(search).into_iter().filter_map(prefilter).collect();
            match parts.len() {
                0 => None,
                1 => parts.into_iter().next(),
                _ => Some(join(&parts, "AND")),
            }
        }
        Search::Or(..) => {
            let parts: Option<Vec<String>> = chain(search).into_iter().map(prefilter).collect();
            Some(join(&parts?, "OR"))
        }
        Search::Not(_) | Search::All => None,
        leaf => leaf_terms(leaf).map(|t| t.expr),
    }
}

/// The operands of the `and` (or `or`) chain rooted at `search`, left to right, found
/// without recursion: the parser builds chains left-deep (`((a and b) and c)`), one level
/// per term. An operand of the other kind, or in parentheses on the right, is one operand.
fn chain(search: &Search) -> Vec<&Search> {
    let mut operands = Vec::new();
    let mut current = search;
    while let (Search::And(..), Search::And(left, right))
    | (Search::Or(..), Search::Or(left, right)) = (search, current)
    {
        operands.push(right.as_ref());
        current = left;
    }
    operands.push(current);
    operands.reverse();
    operands
}

/// `(a) OP (b) OP (c)`.
fn join(parts: &[String], op: &str) -> String {
    parts
        .iter()
        .map(|p| format!("({p})"))
        .collect::<Vec<_>>()
        .join(&format!(" {op} "))
}

/// The exact predicate of `search`. `implied`: the top-level prefilter already required this
/// node's FTS5 terms (only `and`s between it and the root); `queue`: what is known about the
/// line being in the index.
fn node(search: &Search, implied: bool, queue: Queue, b: &mut Binder) -> String {
    match search {
        Search::All => "1".to_owned(),
        // Chains are flattened as in `prefilter`.
        Search::And(..) => {
            let parts: Vec<String> = chain(search)
                .into_iter()
                .map(|x| node(x, implied, queue, b))
                .filter(|x| x != "1")
                .collect();
            match parts.len() {
                0 => "1".to_owned(),
                1 => parts.into_iter().next().unwrap_or_default(),
                _ => join(&parts, "AND"),
            }
        }
        Search::Or(..) => {
            let parts: Vec<String> = chain(search)
                .into_iter()
                .map(|x| node(x, false, queue, b))
                .collect();
            if parts.iter().any(|x| x == "1") {
                "1".to_owned()
            } else {
                join(&parts, "OR")
            }
        }
        Search::Not(x) => format!("NOT ({})", node(x, false, queue, b)),
        Search::Text(p) => text(p, implied, queue, b),
        Search::Field { field, pattern } => {
            let exact = field_match(field, pattern, b);
            narrowed(search, exact, implied, queue, b)
        }
        Search::Exists(field) => match field {
            Field::Topic => "l.topic <> ''".to_owned(),
            Field::Source => "l.source <> ''".to_owned(),
            other => format!("{} IS NOT NULL", value_of(other, b)),
        },
        Search::Range { field, low, high } => {
            let v = value_of(field, b);
            let (lo, lo_incl) = bound(low, b);
            let (hi, hi_incl) = bound(high, b);
            format!("fcl_in_range({v}, {lo}, {lo_incl}, {hi}, {hi_incl})")
        }
        Search::Phrase { field, text } => {
            let phrase = b.bind(text.to_lowercase());
            let exact = match field {
                None => format!("fcl_phrase(l.contents, NULL, {phrase})"),
                Some(Field::Topic) => format!("fcl_value_phrase(l.topic, {phrase})"),
                Some(Field::Source) => format!("fcl_value_phrase(l.source, {phrase})"),
                Some(Field::Tag(key)) => {
                    let path = path_json(std::slice::from_ref(key), b);
                    format!("fcl_phrase(l.tags, {path}, {phrase})")
                }
                Some(Field::Content(path)) => {
                    let path = path_json(path, b);
                    format!("fcl_phrase(l.contents, {path}, {phrase})")
                }
            };
            narrowed(search, exact, implied, queue, b)
        }
    }
}

/// A full-text term.
fn text(p: &Pattern, implied: bool, queue: Queue, b: &mut Binder) -> String {
    let Some(terms) = pattern_terms(p) else {
        if tokenize_pattern(&p.text, p.has_wildcards()).is_empty() {
            // Nothing searchable (only delimiters): like `*`.
            return "1".to_owned();
        }
        return udf_text(p, b);
    };
    match (queue, implied, terms.exact) {
        (Queue::Queued, _, _) | (Queue::Indexed | Queue::Unknown, true, false) => udf_text(p, b),
        (Queue::Indexed, true, true) => "1".to_owned(),
        (Queue::Indexed, false, true) => fts_in(&terms.expr, b),
        (Queue::Indexed, false, false) => {
            let fts = fts_in(&terms.expr, b);
            format!("({fts} AND {})", udf_text(p, b))
        }
        (Queue::Unknown, true, true) => format!("(NOT {PENDING} OR {})", udf_text(p, b)),
        (Queue::Unknown, false, true) => {
            let fts = fts_in(&terms.expr, b);
            format!("({fts} OR ({PENDING} AND {}))", udf_text(p, b))
        }
        (Queue::Unknown, false, false) => {
            let fts = fts_in(&terms.expr, b);
            format!("(({fts} OR {PENDING}) AND {})", udf_text(p, b))
        }
    }
}

fn udf_text(p: &Pattern, b: &mut Binder) -> String {
    let pattern = b.bind(p.text.clone());
    let quoted = b.bind(i64::from(p.quoted));
    format!("fcl_text_match(l.contents, {pattern}, {quoted})")
}

/// `exact`, behind the leaf's FTS5 terms unless the prefilter already applied them.
fn narrowed(search: &Search, exact: String, implied: bool, queue: Queue, b: &mut Binder) -> String {
    match (leaf_terms(search), queue) {
        (Some(terms), Queue::Indexed) if !implied => {
            format!("({} AND {exact})", fts_in(&terms.expr, b))
        }
        (Some(terms), Queue::Unknown) if !implied => {
            let fts = fts_in(&terms.expr, b);
            format!("(({fts} OR {PENDING}) AND {exact})")
        }
        _ => exact,
    }
}

/// `key:pattern` on any kind of field.
fn field_match(field: &Field, pattern: &Pattern, b: &mut Binder) -> String {
    let p = b.bind(pattern.text.clone());
    let quoted = b.bind(i64::from(pattern.quoted));
    match field {
        Field::Topic => format!("fcl_whole_match(l.topic, {p}, {quoted})"),
        Field::Source => format!("fcl_value_match(l.source, {p}, {quoted})"),
        Field::Tag(key) => {
            let path = path_json(std::slice::from_ref(key), b);
            format!("fcl_field_match(l.tags, {path}, {p}, {quoted})")
        }
        Field::Content(path) => {
            let path = path_json(path, b);
            format!("fcl_field_match(l.contents, {path}, {p}, {quoted})")
        }
    }
}

/// The field's value as TEXT (NULL when absent).
fn value_of(field: &Field, b: &mut Binder) -> String {
    match field {
        Field::Topic => "l.topic".to_owned(),
        Field::Source => "l.source".to_owned(),
        Field::Tag(key) => {
            let path = path_json(std::slice::from_ref(key), b);
            format!("fcl_field(l.tags, {path})")
        }
        Field::Content(path) => {
            let path = path_json(path, b);
            format!("fcl_field(l.contents, {path})")
        }
    }
}

/// A field path as the JSON array the SQL functions take.
fn path_json(path: &[String], b: &mut Binder) -> String {
    let json = serde_json::to_string(path).unwrap_or_else(|_| "[]".to_owned());
    b.bind(json)
}

/// A range bound as `(value or NULL, inclusive)`.
fn bound(bound: &Bound<f64>, b: &mut Binder) -> (String, &'static str) {
    match bound {
        Bound::Included(v) => (b.bind(Value::Real(*v)), "1"),
        Bound::Excluded(v) => (b.bind(Value::Real(*v)), "0"),
        Bound::Unbounded => ("NULL".to_owned(), "1"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Search {
        Search::Text(Pattern {
            text: s.into(),
            quoted: false,
        })
    }

    fn field(k: &str, v: &str) -> Search {
        Search::Field {
            field: Field::Content(vec![k.into()]),
            pattern: Pattern {
                text: v.into(),
                quoted: false,
            },
        }
    }

    #[test]
    fn conjunction_of_words_is_one_fts_query() {
        let s = Search::And(Box::new(text("error")), Box::new(text("cn-hangzhou")));
        assert_eq!(
            prefilter(&s).as_deref(),
            Some("(\"error\") AND (\"cn-hangzhou\")")
        );
        let mut b = Binder::inline();
        // Indexed lines are decided by FTS5 alone; queued ones by the functions.
        assert_eq!(
            compile(&s, &mut b),
            Compiled::Fts {
                fts: "(\"error\") AND (\"cn-hangzhou\")".into(),
                indexed: "1".into(),
                queued: "(fcl_text_match(l.contents, 'error', 0)) AND \
                         (fcl_text_match(l.contents, 'cn-hangzhou', 0))"
                    .into(),
            }
        );
        assert_eq!(
            compile_expr(&Search::Not(Box::new(s)), &mut b),
            "NOT (((l.id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH '\"error\"') \
             OR (l.id IN (SELECT id FROM logs_fts_pending) AND fcl_text_match(l.contents, 'error', 0)))) \
             AND ((l.id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH '\"cn-hangzhou\"') \
             OR (l.id IN (SELECT id FROM logs_fts_pending) AND fcl_text_match(l.contents, 'cn-hangzhou', 0)))))"
        );
    }

    #[test]
    fn or_needs_terms_on_both_sides_and_not_has_none() {
        let s = Search::Or(Box::new(text("a")), Box::new(field("k", "b*")));
        assert_eq!(prefilter(&s).as_deref(), Some("(\"a\") OR (\"b\" *)"));
        let s = Search::Or(Box::new(text("a")), Box::new(Search::Exists(Field::Topic)));
        assert_eq!(prefilter(&s), None);
        let s = Search::Not(Box::new(text("a")));
        assert_eq!(prefilter(&s), None);
        let s = Search::And(
            Box::new(text("a")),
            Box::new(Search::Not(Box::new(text("b")))),
        );
        assert_eq!(prefilter(&s).as_deref(), Some("\"a\""));
    }

    #[test]
    fn wildcards_inside_words_prefix_then_check_exactly() {
        let t = pattern_terms(&Pattern {
            text: "mo*la".into(),
            quoted: false,
        })
        .unwrap();
        assert_eq!(t.expr, "\"mo\" *");
        assert!(!t.exact);
        let t = pattern_terms(&Pattern {
            text: "cn*".into(),
            quoted: false,
        })
        .unwrap();
        assert!(t.exact);
        let t = pattern_terms(&Pattern {
            text: "cn*".into(),
            quoted: true,
        })
        .unwrap();
        assert_eq!(t.expr, "\"cn*\"");
    }

    #[test]
    fn nested_paths_and_ranges_have_no_prefilter() {
        let s = Search::Range {
            field: Field::Content(vec!["status".into()]),
            low: Bound::Included(400.0),
            high: Bound::Unbounded,
        };
        assert_eq!(prefilter(&s), None);
        let mut b = Binder::inline();
        assert_eq!(
            compile_expr(&s, &mut b),
            "fcl_in_range(fcl_field(l.contents, '[\"status\"]'), 4e2, 1, NULL, 1)"
        );
        let s = Search::Field {
            field: Field::Content(vec!["content".into(), "method".into()]),
            pattern: Pattern {
                text: "GET".into(),
                quoted: false,
            },
        };
        assert_eq!(prefilter(&s), None);
    }
}
