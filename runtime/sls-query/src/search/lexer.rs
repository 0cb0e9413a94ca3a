//! Tokens of the search statement (reference/sls.md §5).
//!
//! The lexer is slightly contextual, because SLS's syntax is:
//! - a bare word in *key position* ends at whitespace, `(`, `)`, `"`, `:` and the
//!   comparison characters `<`, `>`, `=`, so `status>=400` and `key:value` split;
//! - right after a key's `:` or a comparison the word is a *value*: it ends only at
//!   whitespace, `(`, `)` and `"`, so `url:http://x` and `time:10:00` keep their colons
//!   (except after `__tag__:`, where the tag name is itself a key: `__tag__:name:value`);
//! - lowercase `in` is always the range operator, and the range after it (`[200 299)`) is
//!   lexed as one token, so `[` and `]` stay ordinary characters everywhere else
//!   (`message:[ERROR]`).
//!
//! `and`, `or`, `not` (any case) and `in` are operators wherever they appear bare; quote
//! them to search for the words (`"and"`). `\` escapes the next character in bare words and
//! in quoted strings.

use std::ops::Bound;

use crate::ast::ParseError;

/// A comparison operator between a key and a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `=`
    Eq,
}

impl Cmp {
    /// The operator as written.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Eq => "=",
        }
    }
}

/// A bare word, a quoted string or a phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word<'a> {
    /// The text with escapes resolved and quotes removed.
    pub text: String,
    /// The source text of the word itself (without the quotes for quoted strings), escapes
    /// unresolved: keys split on its unescaped dots.
    pub raw: &'a str,
    /// The word has an unescaped `*` or `?` (bare words only).
    pub wildcard: bool,
    /// The word has an escaped `\*` or `\?` (bare words only).
    pub escaped_wildcard: bool,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind<'a> {
    /// A bare word.
    Word(Word<'a>),
    /// `"…"`.
    Quoted(Word<'a>),
    /// `#"…"`.
    Phrase(Word<'a>),
    /// `(`.
    LParen,
    /// `)`.
    RParen,
    /// `:` between a key and its value.
    Colon,
    /// A comparison operator.
    Cmp(Cmp),
    /// `in` and the range after it.
    In {
        /// The lower bound.
        low: Bound<f64>,
        /// The upper bound.
        high: Bound<f64>,
    },
    /// `and` (any case).
    And,
    /// `or` (any case).
    Or,
    /// `not` (any case).
    Not,
}

/// A token and where it is: `start..end` are byte offsets into the query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token<'a> {
    /// What it is.
    pub kind: Kind<'a>,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// Splits `src` (the search part, which starts at offset 0 of `query`) into tokens.
pub(crate) fn lex<'a>(query: &str, src: &'a str) -> Result<Vec<Token<'a>>, ParseError> {
    Lexer {
        query,
        src,
        pos: 0,
        tokens: Vec::new(),
    }
    .run()
}

/// Lexer state: the position and the tokens so far (the previous tokens decide whether a
/// word is in key or value position).
struct Lexer<'q, 'a> {
    query: &'q str,
    src: &'a str,
    pos: usize,
    tokens: Vec<Token<'a>>,
}

impl<'a> Lexer<'_, 'a> {
    fn run(mut self) -> Result<Vec<Token<'a>>, ParseError> {
        loop {
            self.skip_whitespace();
            let Some(c) = self.peek() else {
                return Ok(self.tokens);
            };
            let start = self.pos;
            let kind = match c {
                '(' => self.punct(1, Kind::LParen),
                ')' => self.punct(1, Kind::RParen),
                '"' => Kind::Quoted(self.quoted()?),
                '#' if self.src[start + 1..].starts_with('"') => {
                    self.pos += 1;
                    Kind::Phrase(self.quoted()?)
                }
                ':' if !self.value_position() => self.punct(1, Kind::Colon),
                '>' | '<' | '=' if !self.value_position() => self.cmp(),
                _ => self.word()?,
            };
            self.tokens.push(Token {
                kind,
                start,
                end: self.pos,
            });
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn skip_whitespace(&mut self) {
        let rest = &self.src[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> ParseError {
        ParseError::at(self.query, offset, message)
    }

    fn punct(&mut self, len: usize, kind: Kind<'a>) -> Kind<'a> {
        self.pos += len;
        kind
    }

    /// Whether the next word is a value: right after a comparison, or after a `:` that
    /// does not follow `__tag__`.
    fn value_position(&self) -> bool {
        match self.tokens.as_slice() {
            [
                ..,
                before,
                Token {
                    kind: Kind::Colon, ..
                },
            ] => !matches!(&before.kind, Kind::Word(w) if w.raw == "__tag__"),
            [
                ..,
                Token {
                    kind: Kind::Cmp(_), ..
                },
            ] => true,
            _ => false,
        }
    }

    fn cmp(&mut self) -> Kind<'a> {
        let rest = &self.src[self.pos..];
        let (op, len) = if rest.starts_with(">=") {
            (Cmp::Ge, 2)
        } else if rest.starts_with("<=") {
            (Cmp::Le, 2)
        } else if rest.starts_with('>') {
            (Cmp::Gt, 1)
        } else if rest.starts_with('<') {
            (Cmp::Lt, 1)
        } else {
            (Cmp::Eq, 1)
        };
        self.punct(len, Kind::Cmp(op))
    }

    /// A `"…"` string starting at the current `"`.
    fn quoted(&mut self) -> Result<Word<'a>, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut text = String::new();
        let mut chars = self.src[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        text.push(escaped);
                    }
                }
                '"' => {
                    let raw = &self.src[self.pos..self.pos + i];
                    self.pos += i + 1;
                    return Ok(Word {
                        text,
                        raw,
                        wildcard: false,
                        escaped_wildcard: false,
                    });
                }
                c => text.push(c),
            }
        }
        Err(self.error(
            open,
            "unterminated quoted string: add the closing `\"` (write `\\\"` for a quote inside it)",
        ))
    }

    /// A bare word, which may turn out to be an operator.
    fn word(&mut self) -> Result<Kind<'a>, ParseError> {
        let start = self.pos;
        let value = self.value_position();
        let mut word = Word {
            text: String::new(),
            raw: "",
            wildcard: false,
            escaped_wildcard: false,
        };
        let mut chars = self.src[start..].char_indices().peekable();
        let mut end = self.src.len();
        while let Some(&(i, c)) = chars.peek() {
            // `in[1 2]`: the range operator may touch its bracket.
            let range_follows = c == '[' && &self.src[start..start + i] == "in";
            let stop = c.is_whitespace()
                || range_follows
                || matches!(c, '(' | ')' | '"')
                || (!value && matches!(c, ':' | '<' | '>' | '='));
            if stop {
                end = start + i;
                break;
            }
            chars.next();
            match c {
                '\\' => match chars.next() {
                    Some((_, escaped)) => {
                        word.escaped_wildcard |= matches!(escaped, '*' | '?');
                        word.text.push(escaped);
                    }
                    None => word.text.push('\\'),
                },
                c => {
                    word.wildcard |= matches!(c, '*' | '?');
                    word.text.push(c);
                }
            }
        }
        self.pos = end;
        word.raw = &self.src[start..end];
        Ok(match word.raw {
            "in" => self.range(start)?,
            raw if raw.eq_ignore_ascii_case("and") => Kind::And,
            raw if raw.eq_ignore_ascii_case("or") => Kind::Or,
            raw if raw.eq_ignore_ascii_case("not") => Kind::Not,
            _ => Kind::Word(word),
        })
    }

    /// The range after `in` (at `keyword`): `[a b]`, `(a b)`, `[a b)`, `(a b]`, where a bound
    /// is a number or `*` (unbounded).
    fn range(&mut self, keyword: usize) -> Result<Kind<'a>, ParseError> {
        const EXAMPLE: &str = "write a range such as `status in [200 299]` (`[`/`]` include the bound, `(`/`)` exclude it, `*` is unbounded), or quote `\"in\"` to search for the word";
        self.skip_whitespace();
        let open = self.pos;
        let low_included = match self.peek() {
            Some('[') => true,
            Some('(') => false,
            _ => {
                return Err(self.error(
                    keyword,
                    format!("`in` must be followed by a bracketed range: {EXAMPLE}"),
                ));
            }
        };
        self.pos += 1;
        let low = self.bound(low_included, EXAMPLE)?;
        let high = self.bound(true, EXAMPLE)?;
        self.skip_whitespace();
        let high = match (high, self.peek()) {
            (Bound::Included(v), Some(')')) => Bound::Excluded(v),
            (high, Some(']' | ')')) => high,
            (_, Some(_)) => {
                return Err(self.error(
                    self.pos,
                    format!(
                        "expected `]` or `)` to close the range after its two bounds: {EXAMPLE}"
                    ),
                ));
            }
            (_, None) => {
                return Err(self.error(
                    open,
                    format!("unterminated range: close it with `]` or `)`: {EXAMPLE}"),
                ));
            }
        };
        self.pos += 1;
        Ok(Kind::In { low, high })
    }

    /// One range bound: whitespace, then a number or `*` up to whitespace, `]` or `)`.
    fn bound(&mut self, included: bool, example: &str) -> Result<Bound<f64>, ParseError> {
        self.skip_whitespace();
        let start = self.pos;
        let rest = &self.src[start..];
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, ']' | ')' | '[' | '('))
            .unwrap_or(rest.len());
        let text = &rest[..len];
        self.pos += len;
        if text.is_empty() {
            let what = match self.peek() {
                None => "the query ends",
                Some(_) => "the range closes",
            };
            return Err(self.error(
                start,
                format!("a range needs two bounds but {what} here: {example}"),
            ));
        }
        if text == "*" {
            return Ok(Bound::Unbounded);
        }
        match parse_number(text) {
            Some(v) if included => Ok(Bound::Included(v)),
            Some(v) => Ok(Bound::Excluded(v)),
            None => Err(self.error(
                start,
                format!("`{text}` is not a number: range bounds must be numbers (like `-1.5` or `200`) or `*`"),
            )),
        }
    }
}

/// A decimal number as SLS writes them: optional sign, digits with an optional fraction,
/// optional exponent. Rejects what Rust's `f64::from_str` accepts beyond that (`inf`, `NaN`).
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if mantissa_ok && exponent_ok {
        text.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Kind<'_>> {
        lex(src, src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    fn word(text: &str) -> Kind<'_> {
        Kind::Word(Word {
            text: text.to_string(),
            raw: text,
            wildcard: text.contains(['*', '?']),
            escaped_wildcard: false,
        })
    }

    fn err(src: &str) -> ParseError {
        lex(src, src).unwrap_err()
    }

    #[test]
    fn key_value_and_spaces_around_colon() {
        assert_eq!(kinds("a:b"), [word("a"), Kind::Colon, word("b")]);
        assert_eq!(kinds("a : b"), [word("a"), Kind::Colon, word("b")]);
    }

    #[test]
    fn values_keep_colons_and_comparison_characters() {
        assert_eq!(
            kinds("url:http://x"),
            [word("url"), Kind::Colon, word("http://x")]
        );
        assert_eq!(kinds("k:a=b"), [word("k"), Kind::Colon, word("a=b")]);
    }

    #[test]
    fn tag_name_is_a_key() {
        assert_eq!(
            kinds("__tag__:__client_ip__:192.0.2.1"),
            [
                word("__tag__"),
                Kind::Colon,
                word("__client_ip__"),
                Kind::Colon,
                word("192.0.2.1")
            ]
        );
    }

    #[test]
    fn comparisons_with_and_without_spaces() {
        for src in ["status>=400", "status >= 400"] {
            assert_eq!(
                kinds(src),
                [word("status"), Kind::Cmp(Cmp::Ge), word("400")]
            );
        }
        assert_eq!(kinds("a<1")[1], Kind::Cmp(Cmp::Lt));
        assert_eq!(kinds("a<=1")[1], Kind::Cmp(Cmp::Le));
        assert_eq!(kinds("a>1")[1], Kind::Cmp(Cmp::Gt));
        assert_eq!(kinds("a=1")[1], Kind::Cmp(Cmp::Eq));
        assert_eq!(kinds("a > -1.5")[2], word("-1.5"));
    }

    #[test]
    fn operators_are_case_insensitive_except_in() {
        assert_eq!(kinds("AND Or nOt"), [Kind::And, Kind::Or, Kind::Not]);
        assert_eq!(kinds("IN"), [word("IN")]);
    }

    #[test]
    fn escaped_operator_is_a_word() {
        let k = kinds(r"\and");
        assert!(matches!(&k[0], Kind::Word(w) if w.text == "and"));
    }

    #[test]
    fn quoted_strings_unescape() {
        let k = kinds(r#""a \"b\" \\ c""#);
        assert!(matches!(&k[0], Kind::Quoted(w) if w.text == r#"a "b" \ c"#));
    }

    #[test]
    fn phrase_needs_hash_quote() {
        let k = kinds(r##"#"abc def" a#b"##);
        assert!(matches!(&k[0], Kind::Phrase(w) if w.text == "abc def"));
        assert_eq!(k[1], word("a#b"));
    }

    #[test]
    fn brackets_are_word_characters_outside_ranges() {
        assert_eq!(
            kinds("m:[ERROR]"),
            [word("m"), Kind::Colon, word("[ERROR]")]
        );
    }

    #[test]
    fn ranges() {
        use Bound::*;
        let ranges = [
            ("k in [1 2]", Included(1.0), Included(2.0)),
            ("k in (1 2)", Excluded(1.0), Excluded(2.0)),
            ("k in [1 2)", Included(1.0), Excluded(2.0)),
            ("k in (1 2]", Excluded(1.0), Included(2.0)),
            ("k in [ -0.5  * ]", Included(-0.5), Unbounded),
            ("k in (* 5]", Unbounded, Included(5.0)),
            ("k in[1 2]", Included(1.0), Included(2.0)),
            ("k in(1 2)", Excluded(1.0), Excluded(2.0)),
        ];
        for (src, low, high) in ranges {
            assert_eq!(kinds(src)[1], Kind::In { low, high }, "{src}");
        }
    }

    #[test]
    fn wildcard_flags() {
        let k = kinds(r"a*b c\*d");
        assert!(matches!(&k[0], Kind::Word(w) if w.wildcard && !w.escaped_wildcard));
        assert!(
            matches!(&k[1], Kind::Word(w) if !w.wildcard && w.escaped_wildcard && w.text == "c*d")
        );
    }

    #[test]
    fn token_offsets() {
        let t = lex("ab  :cd", "ab  :cd").unwrap();
        let spans: Vec<_> = t.iter().map(|t| (t.start, t.end)).collect();
        assert_eq!(spans, [(0, 2), (4, 5), (5, 7)]);
    }

    #[test]
    fn unterminated_quote_points_at_it() {
        let e = err(r#"a "bc"#);
        assert_eq!(e.offset, 2);
        assert!(
            e.message.contains("unterminated quoted string"),
            "{}",
            e.message
        );
    }

    #[test]
    fn range_errors() {
        let e = err("k in 5");
        assert_eq!(e.offset, 2);
        assert!(e.message.contains("bracketed range"), "{}", e.message);
        let e = err("k in [1 x]");
        assert_eq!(e.offset, 8);
        assert!(e.message.contains("`x` is not a number"), "{}", e.message);
        let e = err("k in [1 2");
        assert_eq!(e.offset, 5);
        assert!(e.message.contains("unterminated range"), "{}", e.message);
        let e = err("k in [1]");
        assert_eq!(e.offset, 7);
        assert!(e.message.contains("two bounds"), "{}", e.message);
        let e = err("k in [1 2 3]");
        assert_eq!(e.offset, 10);
        assert!(e.message.contains("expected `]` or `)`"), "{}", e.message);
    }

    #[test]
    fn numbers() {
        for (text, v) in [
            ("1", 1.0),
            ("-1000000000", -1e9),
            ("0.5", 0.5),
            (".5", 0.5),
            ("1e3", 1000.0),
            ("+2.", 2.0),
        ] {
            assert_eq!(parse_number(text), Some(v), "{text}");
        }
        for text in [
            "", "-", ".", "inf", "NaN", "1e", "0x10", "1.2.3", "abc", "1_000",
        ] {
            assert_eq!(parse_number(text), None, "{text}");
        }
    }
}
