//! The search statement (before the first top-level `|`, reference/sls.md §5): lexed by
//! [`lexer`], keys and patterns checked by [`field`], grammar in [`parser`].

mod field;
mod lexer;
mod parser;

use crate::ast::{ParseError, Search};

/// Parses `query[..end]`, the search part of `query` (it starts at offset 0, so token
/// offsets are offsets into the whole query). Empty, blank or `*` is [`Search::All`].
pub(crate) fn parse(query: &str, end: usize) -> Result<Search, ParseError> {
    let src = &query[..end];
    let tokens = lexer::lex(query, src)?;
    parser::parse(query, tokens, end)
}

#[cfg(test)]
mod tests {
    use std::ops::Bound::{self, *};

    use super::*;
    use crate::ast::{Field, Pattern};

    fn p(q: &str) -> Search {
        parse(q, q.len()).unwrap_or_else(|e| panic!("{q}: {e}"))
    }

    fn err(q: &str) -> ParseError {
        parse(q, q.len()).expect_err(q)
    }

    fn text(t: &str) -> Search {
        Search::Text(Pattern {
            text: t.into(),
            quoted: false,
        })
    }

    fn key(k: &str) -> Field {
        Field::Content(vec![k.into()])
    }

    fn kv(k: &str, v: &str) -> Search {
        Search::Field {
            field: key(k),
            pattern: Pattern {
                text: v.into(),
                quoted: false,
            },
        }
    }

    fn and(a: Search, b: Search) -> Search {
        Search::And(Box::new(a), Box::new(b))
    }

    fn or(a: Search, b: Search) -> Search {
        Search::Or(Box::new(a), Box::new(b))
    }

    fn not(a: Search) -> Search {
        Search::Not(Box::new(a))
    }

    fn range(k: &str, low: Bound<f64>, high: Bound<f64>) -> Search {
        Search::Range {
            field: key(k),
            low,
            high,
        }
    }

    #[test]
    fn all() {
        for q in ["", "   ", "*", " * "] {
            assert_eq!(p(q), Search::All, "{q:?}");
        }
    }

    #[test]
    fn precedence_and_juxtaposition() {
        assert_eq!(p("a b"), and(text("a"), text("b")));
        assert_eq!(p("a not b"), and(text("a"), not(text("b"))));
        assert_eq!(p("a and not b"), and(text("a"), not(text("b"))));
        assert_eq!(p("not b"), not(text("b")));
        assert_eq!(p("a or b and c"), or(text("a"), and(text("b"), text("c"))));
        assert_eq!(p("a and b or c"), or(and(text("a"), text("b")), text("c")));
        assert_eq!(p("(a or b) c"), and(or(text("a"), text("b")), text("c")));
        assert_eq!(p("not a or b"), or(not(text("a")), text("b")));
        assert_eq!(p("not not a"), not(not(text("a"))));
        assert_eq!(
            p("a AND b Or NOT c"),
            or(and(text("a"), text("b")), not(text("c")))
        );
    }

    #[test]
    fn key_value_forms() {
        assert_eq!(p("k:v"), kv("k", "v"));
        assert_eq!(p("k : v"), kv("k", "v"));
        assert_eq!(p("k:*"), Search::Exists(key("k")));
        assert_eq!(
            p(r#"k:"""#),
            Search::Field {
                field: key("k"),
                pattern: Pattern {
                    text: String::new(),
                    quoted: true
                }
            }
        );
        assert_eq!(p("url:http://x:8080/a"), kv("url", "http://x:8080/a"));
    }

    #[test]
    fn comparisons() {
        assert_eq!(p("k>5"), range("k", Excluded(5.0), Unbounded));
        assert_eq!(p("k >= 5"), range("k", Included(5.0), Unbounded));
        assert_eq!(p("k<5"), range("k", Unbounded, Excluded(5.0)));
        assert_eq!(p("k<=5"), range("k", Unbounded, Included(5.0)));
        assert_eq!(p("k=5"), range("k", Included(5.0), Included(5.0)));
    }

    #[test]
    fn non_numeric_comparison_is_full_text() {
        assert_eq!(p("owner_id>abc"), and(text("owner_id"), text("abc")));
        assert_eq!(
            p(r#""a b" = "c""#),
            and(
                Search::Text(Pattern {
                    text: "a b".into(),
                    quoted: true
                }),
                Search::Text(Pattern {
                    text: "c".into(),
                    quoted: true
                })
            )
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        let cases = [
            ("(a or b", 0, "unbalanced `(`"),
            ("a or b)", 6, "unmatched `)`"),
            ("()", 0, "empty parentheses"),
            ("k:", 2, "missing value after `k:`"),
            ("k: and b", 3, "missing value after `k:`"),
            ("a and", 2, "`and` at the end"),
            ("a OR", 2, "`OR` at the end"),
            ("a not", 2, "`not` at the end"),
            ("or a", 0, "`or` needs a term before it"),
            (":a", 0, "`:` needs a key"),
            (">= 5", 0, "`>=` needs a key"),
            ("k >", 3, "missing number after `k >`"),
            ("k > *", 4, "missing number"),
            ("*abc", 0, "cannot start with a wildcard"),
            ("k:?x", 2, "cannot start with a wildcard"),
            ("__tag__:x", 9, "expected `:value` after `__tag__:x`"),
            ("__tag__:", 8, "expected a tag name"),
            (r#""":x"#, 0, "empty key"),
            ("in [1 2]", 0, "`in` needs a key"),
            ("a (in [1 2])", 3, "`in` needs a key"),
        ];
        for (q, offset, message) in cases {
            let e = err(q);
            assert_eq!(e.offset, offset, "{q}: {e}");
            assert!(e.message.contains(message), "{q}: {e}");
        }
    }
}
