//! SLS tokenisation, in one place: the search compiler splits patterns with it and the SQL
//! functions split values with it, so a pattern token and a value token are cut the same way.
//!
//! SLS's default delimiters are `, '";=()[]{}?@&<>/:\n\t\r` plus space (reference/sls.md §5);
//! `-`, `.` and `_` are **not** delimiters, so `cn-hangzhou`, `www.example.com` and
//! `request_id` are single tokens. Matching is case-insensitive, so tokens are lower-cased.
//!
//! The FTS5 index ([`FTS_TOKENIZE`]) is configured to cut ASCII text at exactly these
//! delimiters too; it also cuts at non-ASCII punctuation, which SLS does not. The compiler
//! copes with that by splitting such a token the way FTS5 does and checking the row with the
//! exact SQL functions, see [`fts_terms`].

use std::borrow::Cow;

/// The `tokenize` option of the `logs_fts` table (migration 2). `unicode61` keeps letters and
/// digits; `tokenchars` adds back every printable ASCII character that is not an SLS
/// delimiter (`- . _` and `! # $ % * + \ ^ ` | ~`), so for ASCII the index splits where SLS
/// does. Diacritics are kept: SLS does not fold them either.
#[cfg(test)]
pub(crate) const FTS_TOKENIZE: &str =
    r#"unicode61 remove_diacritics 0 tokenchars '-._!#$%*+\^`|~'"#;

/// The ASCII characters [`FTS_TOKENIZE`] keeps inside tokens besides letters and digits.
const FTS_TOKENCHARS: &str = r"-._!#$%*+\^`|~";

/// Whether `c` separates tokens (SLS's default delimiter list plus space).
pub(crate) fn is_delimiter(c: char) -> bool {
    matches!(
        c,
        ',' | ' '
            | '\''
            | '"'
            | ';'
            | '='
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '?'
            | '@'
            | '&'
            | '<'
            | '>'
            | '/'
            | ':'
            | '\n'
            | '\t'
            | '\r'
    )
}

/// Splits `text` into lower-cased tokens at SLS delimiters.
pub(crate) fn tokenize(text: &str) -> Vec<Cow<'_, str>> {
    split(text, is_delimiter)
}

/// Splits a search pattern into lower-cased tokens. In an unquoted pattern `?` is a wildcard
/// (one character), not a delimiter, so it stays inside its token.
pub(crate) fn tokenize_pattern(text: &str, wildcards: bool) -> Vec<Cow<'_, str>> {
    if wildcards {
        split(text, |c| c != '?' && is_delimiter(c))
    } else {
        split(text, is_delimiter)
    }
}

fn split(text: &str, delim: impl Fn(char) -> bool) -> Vec<Cow<'_, str>> {
    text.split(delim)
        .filter(|t| !t.is_empty())
        .map(lower)
        .collect()
}

/// Lower-cases without allocating when there is nothing to change.
pub(crate) fn lower(t: &str) -> Cow<'_, str> {
    if t.chars().any(char::is_uppercase) {
        Cow::Owned(t.to_lowercase())
    } else {
        Cow::Borrowed(t)
    }
}

/// A pattern token as an FTS5 query over `logs_fts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FtsTerms {
    /// The FTS5 expression (`"a"`, `"cn" *`, `"a" AND "b"`), `None` when nothing in the
    /// token can be looked up (only characters FTS5 drops).
    pub(crate) expr: Option<String>,
    /// Whether an FTS5 match is exactly an SLS token match, so no SQL function has to check
    /// it again: the stem is one FTS5 token.
    pub(crate) exact: bool,
}

/// Characters FTS5 keeps inside tokens (approximately unicode61's letters/numbers plus
/// [`FTS_TOKENCHARS`]).
fn fts_token_char(c: char) -> bool {
    c.is_alphanumeric() || FTS_TOKENCHARS.contains(c)
}

/// The FTS5 query for a pattern token: `stem` (lower-case, no wildcards), followed by `*`
/// when `prefix`. FTS5 also cuts at non-ASCII punctuation, which SLS does not, so such a
/// token becomes several FTS5 terms ANDed (the index has `detail=none`, which has no phrase
/// queries) and is marked inexact.
pub(crate) fn fts_terms(stem: &str, prefix: bool) -> FtsTerms {
    let parts: Vec<&str> = stem.split(|c| !fts_token_char(c)).collect();
    let last_whole = parts.len();
    let terms: Vec<String> = parts
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.is_empty())
        .map(|(i, p)| {
            let quoted = format!("\"{}\"", p.replace('"', "\"\""));
            if prefix && i + 1 == last_whole {
                format!("{quoted} *")
            } else {
                quoted
            }
        })
        .collect();
    FtsTerms {
        exact: parts.len() == 1 && !stem.is_empty(),
        expr: (!terms.is_empty()).then(|| terms.join(" AND ")),
    }
}

/// Glob match with SLS wildcards: `*` = any run, `?` = exactly one character. Both sides are
/// expected lower-cased.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Position after the last `*` and the text position it is currently matched up to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi + 1, ti));
            pi += 1;
        } else if let Some((after, matched)) = star {
            pi = after;
            ti = matched + 1;
            star = Some((after, matched + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        tokenize(s).into_iter().map(Cow::into_owned).collect()
    }

    #[test]
    fn keeps_dash_dot_underscore_words_whole() {
        assert_eq!(toks("cn-hangzhou"), ["cn-hangzhou"]);
        assert_eq!(toks("request_id"), ["request_id"]);
        assert_eq!(toks("www.example.com"), ["www.example.com"]);
    }

    #[test]
    fn splits_at_sls_delimiters_and_lowercases() {
        assert_eq!(toks("a,b;c=d"), ["a", "b", "c", "d"]);
        assert_eq!(
            toks("[ERROR] GET /api/v1?x=1&y=2 {\"k\":'v'}"),
            ["error", "get", "api", "v1", "x", "1", "y", "2", "k", "v"]
        );
        assert_eq!(toks("a\tb\r\nc@d<e>f"), ["a", "b", "c", "d", "e", "f"]);
        assert!(toks(" ,;: ").is_empty());
    }

    #[test]
    fn question_mark_is_a_wildcard_only_in_unquoted_patterns() {
        let t: Vec<_> = tokenize_pattern("mozi?la x", true);
        assert_eq!(t, ["mozi?la", "x"]);
        let t: Vec<_> = tokenize_pattern("mozi?la", false);
        assert_eq!(t, ["mozi", "la"]);
    }

    #[test]
    fn globs() {
        assert!(glob("mo*la", "mozilla"));
        assert!(glob("mozi?la", "mozilla"));
        assert!(!glob("mozi?la", "mozila"));
        assert!(glob("cn*", "cn"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        assert!(glob("www.yl*", "www.ylb.com"));
    }

    #[test]
    fn fts_terms_quote_split_and_prefix() {
        let t = fts_terms("cn-hangzhou", false);
        assert_eq!(t.expr.as_deref(), Some("\"cn-hangzhou\""));
        assert!(t.exact);
        let t = fts_terms("cn", true);
        assert_eq!(t.expr.as_deref(), Some("\"cn\" *"));
        assert!(t.exact);
        let t = fts_terms("a…bc", true);
        assert_eq!(t.expr.as_deref(), Some("\"a\" AND \"bc\" *"));
        assert!(!t.exact);
        let t = fts_terms("ab…", true);
        assert_eq!(t.expr.as_deref(), Some("\"ab\""));
        let t = fts_terms("…", false);
        assert_eq!(t.expr, None);
        assert!(!t.exact);
    }
}
