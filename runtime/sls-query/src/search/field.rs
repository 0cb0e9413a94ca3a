//! Keys and patterns: turning a lexed word into a [`Field`] or a [`Pattern`], with SLS's
//! rules on reserved fields, dotted JSON paths and wildcards.

use crate::ast::{Field, ParseError, Pattern};

use super::lexer::Word;

/// SLS expands a wildcard word only up to this many characters.
const MAX_WILDCARD_WORD: usize = 64;

/// The field named by a key written bare (`quoted` false) or in double quotes.
///
/// `__topic__`, `__source__`/`source` and `"__tag__:name"` are reserved fields; a bare key
/// with unescaped dots is a JSON path (`content.request.method`), a quoted one is a single
/// key (`"a.b"`). (Bare `__tag__:name` is assembled by the parser from two words.)
pub(crate) fn field(word: &Word<'_>, quoted: bool) -> Field {
    match word.text.as_str() {
        "__topic__" => return Field::Topic,
        "__source__" | "source" => return Field::Source,
        _ => {}
    }
    if quoted {
        if let Some(tag) = word.text.strip_prefix("__tag__:") {
            return Field::Tag(tag.to_string());
        }
        return Field::Content(vec![word.text.clone()]);
    }
    Field::Content(split_unescaped_dots(word.raw))
}

/// Splits a bare key's source text at its unescaped dots and resolves escapes in each part:
/// `a.b\.c` is `["a", "b.c"]`.
fn split_unescaped_dots(raw: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let escaped = chars.next().unwrap_or('\\');
                parts.last_mut().expect("never empty").push(escaped);
            }
            '.' => parts.push(String::new()),
            c => parts.last_mut().expect("never empty").push(c),
        }
    }
    parts
}

/// A human-readable name for a field in messages (`status`, `__tag__:x`).
pub(crate) fn describe(field: &Field) -> String {
    match field {
        Field::Topic => "__topic__".to_string(),
        Field::Source => "__source__".to_string(),
        Field::Tag(name) => format!("__tag__:{name}"),
        Field::Content(path) => path.join("."),
    }
}

/// The pattern of a bare word at `offset` in `query`, checked for SLS's wildcard rules.
/// `field` is the key it belongs to, if any (for the suggested SQL in errors).
///
/// A word whose only wildcards are escaped (`a\*b`) becomes a quoted pattern, where `*` is
/// literal; mixing escaped and unescaped wildcards cannot be represented and is an error.
pub(crate) fn bare_pattern(
    query: &str,
    offset: usize,
    word: &Word<'_>,
    field: Option<&Field>,
) -> Result<Pattern, ParseError> {
    if word.wildcard {
        if word.raw.starts_with(['*', '?']) {
            let key = field.map_or_else(|| "<key>".to_string(), describe);
            let rest = word.text.trim_start_matches(['*', '?']);
            return Err(ParseError::at(
                query,
                offset,
                format!(
                    "fuzzy search cannot start with a wildcard (`{}`): put the wildcard inside or at the end of the word, or use SQL for a suffix match: `* | select * from log where \"{key}\" like '%{rest}'`",
                    word.raw
                ),
            ));
        }
        if word.text.chars().count() > MAX_WILDCARD_WORD {
            return Err(ParseError::at(
                query,
                offset,
                format!(
                    "a word with wildcards can be at most {MAX_WILDCARD_WORD} characters long; shorten it or use SQL `like`"
                ),
            ));
        }
        if word.escaped_wildcard {
            return Err(ParseError::at(
                query,
                offset,
                "a word cannot mix escaped (`\\*`) and unescaped (`*`) wildcards; quote it to search literally",
            ));
        }
    }
    Ok(Pattern {
        text: word.text.clone(),
        quoted: word.escaped_wildcard,
    })
}

/// The pattern of a quoted string: wildcards are literal.
pub(crate) fn quoted_pattern(word: &Word<'_>) -> Pattern {
    Pattern {
        text: word.text.clone(),
        quoted: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(raw: &str) -> Word<'_> {
        Word {
            text: raw.replace('\\', ""),
            raw,
            wildcard: raw.contains(['*', '?']) && !raw.contains("\\*"),
            escaped_wildcard: raw.contains("\\*"),
        }
    }

    fn content(parts: &[&str]) -> Field {
        Field::Content(parts.iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn reserved_fields() {
        assert_eq!(field(&w("__topic__"), false), Field::Topic);
        assert_eq!(field(&w("__source__"), false), Field::Source);
        assert_eq!(field(&w("source"), false), Field::Source);
        assert_eq!(field(&w("__topic__"), true), Field::Topic);
        assert_eq!(
            field(&w("__tag__:__client_ip__"), true),
            Field::Tag("__client_ip__".into())
        );
    }

    #[test]
    fn dotted_paths_only_when_bare() {
        assert_eq!(
            field(&w("content.request.method"), false),
            content(&["content", "request", "method"])
        );
        assert_eq!(field(&w("a.b"), true), content(&["a.b"]));
        let escaped = Word {
            text: "a.b.c".into(),
            raw: r"a\.b.c",
            wildcard: false,
            escaped_wildcard: false,
        };
        assert_eq!(field(&escaped, false), content(&["a.b", "c"]));
    }

    #[test]
    fn wildcard_rules() {
        let p = bare_pattern("cn*", 0, &w("cn*"), None).unwrap();
        assert_eq!(
            p,
            Pattern {
                text: "cn*".into(),
                quoted: false
            }
        );
        assert!(p.has_wildcards());

        let e = bare_pattern("k:*abc", 2, &w("*abc"), Some(&content(&["k"]))).unwrap_err();
        assert_eq!(e.offset, 2);
        assert!(
            e.message.contains("cannot start with a wildcard"),
            "{}",
            e.message
        );
        assert!(e.message.contains(r#""k" like '%abc'"#), "{}", e.message);

        let long = format!("{}*", "a".repeat(64));
        let e = bare_pattern(&long, 0, &w(&long), None).unwrap_err();
        assert!(e.message.contains("at most 64"), "{}", e.message);
        let ok = format!("{}*", "a".repeat(63));
        assert!(bare_pattern(&ok, 0, &w(&ok), None).is_ok());
        let plain = "a".repeat(100);
        assert!(bare_pattern(&plain, 0, &w(&plain), None).is_ok());
    }

    #[test]
    fn escaped_wildcards_become_literal() {
        let p = bare_pattern(r"a\*", 0, &w(r"a\*"), None).unwrap();
        assert_eq!(
            p,
            Pattern {
                text: "a*".into(),
                quoted: true
            }
        );
        assert!(!p.has_wildcards());
    }
}
