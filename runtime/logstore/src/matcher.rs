//! The exact meaning of a search term on one value, shared by the SQL functions the
//! compiled search calls. The FTS5 index only narrows rows down; these decide.

use std::borrow::Cow;

use crate::tokens::{glob, lower, tokenize, tokenize_pattern};

/// One token of a search pattern.
#[derive(Debug, Clone, PartialEq)]
enum TokenMatcher {
    /// Equal to a value token.
    Exact(String),
    /// Matches a value token as a glob (`*`, `?`).
    Glob(String),
}

impl TokenMatcher {
    fn matches(&self, token: &str) -> bool {
        match self {
            TokenMatcher::Exact(t) => t == token,
            TokenMatcher::Glob(g) => glob(g, token),
        }
    }
}

/// A compiled `pattern` of `key:pattern` or a full-text term (see `Search::Field`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PatternMatcher {
    /// `key:""`: the value must be present and empty.
    empty: bool,
    tokens: Vec<TokenMatcher>,
}

impl PatternMatcher {
    /// Compiles `text`; `quoted` patterns have no wildcards.
    pub(crate) fn new(text: &str, quoted: bool) -> PatternMatcher {
        let wildcards = !quoted && text.contains(['*', '?']);
        let tokens = tokenize_pattern(text, wildcards)
            .into_iter()
            .map(|t| {
                if wildcards && t.contains(['*', '?']) {
                    TokenMatcher::Glob(t.into_owned())
                } else {
                    TokenMatcher::Exact(t.into_owned())
                }
            })
            .collect();
        PatternMatcher {
            empty: text.is_empty(),
            tokens,
        }
    }

    /// Whether every pattern token is among the tokens of `value`.
    pub(crate) fn matches_value(&self, value: &str) -> bool {
        if self.empty {
            return value.is_empty();
        }
        let have = tokenize(value);
        self.tokens
            .iter()
            .all(|m| have.iter().any(|t| m.matches(t)))
    }

    /// Whether every pattern token is among the tokens of any of `values` (full text).
    pub(crate) fn matches_any<'a>(&self, values: impl Iterator<Item = &'a str>) -> bool {
        let have: Vec<Cow<'a, str>> = values.flat_map(tokenize).collect();
        self.tokens
            .iter()
            .all(|m| have.iter().any(|t| m.matches(t)))
    }

    /// Whether the whole of `value` matches, case-insensitively (`__topic__`, which SLS
    /// indexes without delimiters).
    pub(crate) fn matches_whole(text: &str, quoted: bool, value: &str) -> bool {
        let (p, v) = (lower(text), lower(value));
        if !quoted && text.contains(['*', '?']) {
            glob(&p, &v)
        } else {
            p == v
        }
    }
}

/// `#"phrase"` on values: some value contains the phrase as a case-insensitive substring, and
/// the phrase's tokens are tokens of the values (SLS runs a token query first).
pub(crate) fn phrase_matches<'a>(
    phrase_lower: &str,
    values: impl Iterator<Item = &'a str> + Clone,
) -> bool {
    let contained = values.clone().any(|v| lower(v).contains(phrase_lower));
    contained && PatternMatcher::new(phrase_lower, true).matches_any(values)
}

/// Parses a value for a numeric range: trimmed, finite `f64`.
pub(crate) fn number(value: &str) -> Option<f64> {
    value.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_must_all_be_present() {
        let m = PatternMatcher::new("Linux Chrome", true);
        assert!(m.matches_value("Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"));
        assert!(!m.matches_value("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"));
        let m = PatternMatcher::new("cn*", false);
        assert!(m.matches_value("cn-hangzhou"));
        assert!(!m.matches_value("us-cn"));
        let m = PatternMatcher::new("cn*", true);
        assert!(!m.matches_value("cn-hangzhou"));
        assert!(m.matches_value("cn*"));
    }

    #[test]
    fn empty_pattern_means_present_and_empty() {
        let m = PatternMatcher::new("", true);
        assert!(m.matches_value(""));
        assert!(!m.matches_value("x"));
    }

    #[test]
    fn full_text_spans_values() {
        let m = PatternMatcher::new("error timeout", false);
        assert!(m.matches_any(["[ERROR] x", "a timeout"].into_iter()));
        assert!(!m.matches_any(["[ERROR] x"].into_iter()));
        let m = PatternMatcher::new("mo*la", false);
        assert!(m.matches_any(["Mozilla/5.0"].into_iter()));
    }

    #[test]
    fn phrases_and_numbers_and_whole_values() {
        assert!(phrase_matches(
            "redo_index/1",
            ["x REDO_INDEX/1 y"].into_iter()
        ));
        assert!(!phrase_matches(
            "redo_index/1",
            ["redo_index/2 1"].into_iter()
        ));
        assert!(!phrase_matches("do_index/1", ["redo_index/1"].into_iter()));
        assert_eq!(number(" 0.5 "), Some(0.5));
        assert_eq!(number("nan"), None);
        assert_eq!(number("abc"), None);
        assert!(PatternMatcher::matches_whole("HTTPS", true, "https"));
        assert!(!PatternMatcher::matches_whole("HTTP", true, "https"));
        assert!(PatternMatcher::matches_whole("my-*", false, "my-service"));
    }
}
