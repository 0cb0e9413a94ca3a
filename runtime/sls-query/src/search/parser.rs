//! The search statement's grammar, by recursive descent over the lexer's tokens:
//!
//! ```text
//! or      := and ("or" and)*
//! and     := unary (("and")? unary | "not" unary)*     juxtaposition is and; a not b = a and not b
//! unary   := "not" unary | primary
//! primary := "(" or ")" | phrase | term
//! term    := operand (":" value | cmp number | in-range)?
//! operand := word | "quoted"
//! value   := word | "quoted" | #"phrase" | *
//! ```
//!
//! which gives SLS's precedence `:` > `""` > `()` > `and`/`not` > `or`.
//!
//! `or` and `and` chains are loops, not recursion, so a wide search costs no stack; only
//! `(` and `not` recurse, and they are counted against [`MAX_SEARCH_DEPTH`]. Terms are
//! counted against [`MAX_SEARCH_TERMS`]: the chains become left-deep trees that later walkers
//! and SQLite descend one level per term.

use std::ops::Bound;

use crate::ast::{Field, ParseError, Search};
use crate::limits::{MAX_SEARCH_DEPTH, MAX_SEARCH_TERMS};

use super::field::{bare_pattern, describe, field, quoted_pattern};
use super::lexer::{Cmp, Kind, Token, Word, parse_number};

/// Parses the tokens of the search part of `query` (which starts at offset 0). `end` is
/// the search part's length, where "at the end" errors point.
pub(crate) fn parse(query: &str, tokens: Vec<Token<'_>>, end: usize) -> Result<Search, ParseError> {
    if tokens.is_empty() {
        return Ok(Search::All);
    }
    let mut parser = Parser {
        query,
        tokens,
        pos: 0,
        end,
        depth: 0,
        terms: 0,
    };
    let search = parser.or()?;
    match parser.peek() {
        None => Ok(search),
        Some(t) => Err(parser.unexpected(t)),
    }
}

/// The parser's state: the tokens and the next one's index.
struct Parser<'q, 'a> {
    query: &'q str,
    tokens: Vec<Token<'a>>,
    pos: usize,
    end: usize,
    /// How many `(` and `not` enclose the current token.
    depth: usize,
    /// Terms parsed so far.
    terms: usize,
}

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token<'a>> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> ParseError {
        ParseError::at(self.query, offset, message)
    }

    /// The error for a token that cannot start a term.
    fn unexpected(&self, token: &Token<'_>) -> ParseError {
        let message = match &token.kind {
            Kind::RParen => "unmatched `)`: remove it or add the `(` it closes".to_string(),
            Kind::Colon => "`:` needs a key before it, as in `key:value` (quote a value containing `:`)".to_string(),
            Kind::Cmp(op) => format!(
                "`{}` needs a key before it, as in `status {} 400`",
                op.as_str(),
                op.as_str()
            ),
            Kind::In { .. } => "`in` needs a key before it, as in `status in [200 299]`; quote `\"in\"` to search for the word".to_string(),
            Kind::And | Kind::Or => {
                let op = &self.query[token.start..token.end];
                format!("`{op}` needs a term before it; quote `\"{op}\"` to search for the word")
            }
            // Terms, `(` and `not` are always accepted where a term can start.
            _ => "unexpected token".to_string(),
        };
        self.error(token.start, message)
    }

    /// A keyword that ends the query: `a and`, `a or`, `not`.
    fn dangling(&self, keyword: &Token<'_>) -> ParseError {
        let op = &self.query[keyword.start..keyword.end];
        self.error(
            keyword.start,
            format!(
                "`{op}` at the end of the search needs a term after it: remove it, add a term, or quote `\"{op}\"` to search for the word"
            ),
        )
    }

    /// The next token after the keyword `keyword`, which must exist.
    fn after_keyword(&self, keyword: &Token<'_>) -> Result<(), ParseError> {
        match self.peek() {
            None => Err(self.dangling(keyword)),
            Some(_) => Ok(()),
        }
    }

    fn or(&mut self) -> Result<Search, ParseError> {
        let mut left = self.and()?;
        while let Some(token) = self.peek().filter(|t| t.kind == Kind::Or).cloned() {
            self.pos += 1;
            self.after_keyword(&token)?;
            let right = self.and()?;
            left = Search::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Search, ParseError> {
        let mut left = self.unary()?;
        while let Some(token) = self.peek().cloned() {
            let right = match token.kind {
                Kind::And => {
                    self.pos += 1;
                    self.after_keyword(&token)?;
                    self.unary()?
                }
                Kind::Not => {
                    self.pos += 1;
                    self.after_keyword(&token)?;
                    self.nested(&token, Self::unary)?
                }
                Kind::Word(_) | Kind::Quoted(_) | Kind::Phrase(_) | Kind::LParen => self.unary()?,
                _ => break,
            };
            left = Search::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Search, ParseError> {
        match self.peek().cloned() {
            Some(token) if token.kind == Kind::Not => {
                self.pos += 1;
                self.after_keyword(&token)?;
                self.nested(&token, Self::unary)
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Search, ParseError> {
        let Some(token) = self.next() else {
            // Only reachable for an empty token list, which `parse` handles.
            return Err(self.error(self.end, "expected a search term"));
        };
        if matches!(
            token.kind,
            Kind::Phrase(_) | Kind::Word(_) | Kind::Quoted(_)
        ) {
            self.count_term(&token)?;
        }
        match token.kind {
            Kind::LParen => {
                if self.peek().is_some_and(|t| t.kind == Kind::RParen) {
                    return Err(self.error(
                        token.start,
                        "empty parentheses `()`: put a search term inside",
                    ));
                }
                if self.peek().is_none() {
                    return Err(self.unclosed(&token));
                }
                self.enter(&token)?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.next() {
                    Some(t) if t.kind == Kind::RParen => Ok(inner),
                    _ => Err(self.unclosed(&token)),
                }
            }
            Kind::Phrase(word) => Ok(Search::Phrase {
                field: None,
                text: word.text,
            }),
            Kind::Word(word) => self.term(token.start, word, false),
            Kind::Quoted(word) => self.term(token.start, word, true),
            _ => Err(self.unexpected(&token)),
        }
    }

    /// `not` (the current token was `not_token`) applied to what `operand` parses, one
    /// level deeper.
    fn nested(
        &mut self,
        not_token: &Token<'_>,
        operand: fn(&mut Self) -> Result<Search, ParseError>,
    ) -> Result<Search, ParseError> {
        self.enter(not_token)?;
        let inner = operand(self)?;
        self.depth -= 1;
        Ok(Search::Not(Box::new(inner)))
    }

    /// One level deeper at `token` (a `(` or `not`), or the error for nesting too deep.
    fn enter(&mut self, token: &Token<'_>) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_SEARCH_DEPTH {
            return Err(self.error(
                token.start,
                format!(
                    "the search nests `(` and `not` more than {MAX_SEARCH_DEPTH} levels deep: remove redundant parentheses and double negations, or split the query"
                ),
            ));
        }
        Ok(())
    }

    /// Counts the term starting at `token`, or the error for too many.
    fn count_term(&mut self, token: &Token<'_>) -> Result<(), ParseError> {
        self.terms += 1;
        if self.terms > MAX_SEARCH_TERMS {
            return Err(self.error(
                token.start,
                format!(
                    "the search has more than {MAX_SEARCH_TERMS} terms (SLS allows 30 keywords per search): split it into several queries, or match many values with SQL, e.g. `* | select * where status in (200, 204, …)`"
                ),
            ));
        }
        Ok(())
    }

    fn unclosed(&self, open: &Token<'_>) -> ParseError {
        self.error(open.start, "unbalanced `(`: add the `)` that closes it")
    }

    /// A term starting with the word or quoted string `word` at `start`.
    fn term(&mut self, start: usize, word: Word<'a>, quoted: bool) -> Result<Search, ParseError> {
        let next = self.peek().map(|t| t.kind.clone());
        match next {
            Some(Kind::Colon) if !quoted && word.raw == "__tag__" => self.tag(start),
            Some(Kind::Colon | Kind::Cmp(_) | Kind::In { .. }) => {
                if word.text.is_empty() {
                    return Err(
                        self.error(start, "empty key `\"\"`: write the field's name before `:`")
                    );
                }
                let key = field(&word, quoted);
                self.suffix(start, key)
            }
            _ if quoted => Ok(Search::Text(quoted_pattern(&word))),
            _ if word.raw == "*" => Ok(Search::All),
            _ => Ok(Search::Text(bare_pattern(self.query, start, &word, None)?)),
        }
    }

    /// `__tag__:name` followed by `:value`, a comparison or a range; the current token is
    /// the `:` after `__tag__` (at `start`).
    fn tag(&mut self, start: usize) -> Result<Search, ParseError> {
        let colon = self.next().expect("peeked");
        match self.next() {
            Some(Token {
                kind: Kind::Word(name) | Kind::Quoted(name),
                end,
                ..
            }) => {
                let key = Field::Tag(name.text);
                match self.peek().map(|t| &t.kind) {
                    Some(Kind::Colon | Kind::Cmp(_) | Kind::In { .. }) => self.suffix(start, key),
                    _ => Err(self.error(
                        end,
                        format!(
                            "expected `:value` after `{}`, as in `__tag__:__client_ip__:192.0.2.1`",
                            describe(&key)
                        ),
                    )),
                }
            }
            other => Err(self.error(
                other.map_or(colon.end, |t| t.start),
                "expected a tag name after `__tag__:`, as in `__tag__:__client_ip__:192.0.2.1`",
            )),
        }
    }

    /// What follows a key (the next token is `:`, a comparison or a range).
    fn suffix(&mut self, key_start: usize, key: Field) -> Result<Search, ParseError> {
        let op = self.next().expect("peeked");
        match op.kind {
            Kind::Colon => self.value(&op, key),
            Kind::Cmp(cmp) => self.comparison(key_start, &op, cmp, key),
            Kind::In { low, high } => Ok(Search::Range {
                field: key,
                low,
                high,
            }),
            _ => unreachable!("suffix is only called before `:`, a comparison or `in`"),
        }
    }

    /// The value after `key:` (`colon`).
    fn value(&mut self, colon: &Token<'_>, key: Field) -> Result<Search, ParseError> {
        let value = self.next();
        match value {
            Some(Token {
                kind: Kind::Word(word),
                start,
                ..
            }) => {
                if word.raw == "*" {
                    return Ok(Search::Exists(key));
                }
                let pattern = bare_pattern(self.query, start, &word, Some(&key))?;
                Ok(Search::Field {
                    field: key,
                    pattern,
                })
            }
            Some(Token {
                kind: Kind::Quoted(word),
                ..
            }) => Ok(Search::Field {
                pattern: quoted_pattern(&word),
                field: key,
            }),
            Some(Token {
                kind: Kind::Phrase(word),
                ..
            }) => Ok(Search::Phrase {
                field: Some(key),
                text: word.text,
            }),
            other => {
                let at = other.as_ref().map_or(colon.end, |t| t.start);
                let name = describe(&key);
                Err(self.error(
                    at,
                    format!(
                        "missing value after `{name}:`: write `{name}:value`, `{name}:\"\"` for an empty value or `{name}:*` for any value (quote values that are operators, like `\"and\"`)"
                    ),
                ))
            }
        }
    }

    /// `key <op> number`. A right side that is not a number makes the whole term full-text,
    /// as SLS does (`owner_id>abc` searches for `owner_id` and `abc`).
    fn comparison(
        &mut self,
        key_start: usize,
        op: &Token<'_>,
        cmp: Cmp,
        key: Field,
    ) -> Result<Search, ParseError> {
        let name = describe(&key);
        let missing = |parser: &Self, at: usize| {
            parser.error(
                at,
                format!(
                    "missing number after `{name} {op}`: write a number such as `{name} {op} 400`",
                    op = cmp.as_str()
                ),
            )
        };
        let value = match self.next() {
            Some(
                token @ Token {
                    kind: Kind::Word(_) | Kind::Quoted(_),
                    ..
                },
            ) => token,
            other => return Err(missing(self, other.map_or(op.end, |t| t.start))),
        };
        let (text, quoted) = match &value.kind {
            Kind::Word(w) => (w, false),
            Kind::Quoted(w) => (w, true),
            _ => unreachable!("matched above"),
        };
        if !quoted {
            if let Some(v) = parse_number(&text.text) {
                let (low, high) = match cmp {
                    Cmp::Gt => (Bound::Excluded(v), Bound::Unbounded),
                    Cmp::Ge => (Bound::Included(v), Bound::Unbounded),
                    Cmp::Lt => (Bound::Unbounded, Bound::Excluded(v)),
                    Cmp::Le => (Bound::Unbounded, Bound::Included(v)),
                    Cmp::Eq => (Bound::Included(v), Bound::Included(v)),
                };
                return Ok(Search::Range {
                    field: key,
                    low,
                    high,
                });
            }
            if text.raw == "*" {
                return Err(missing(self, value.start));
            }
        }
        // Full-text fallback: the key as written, then the value.
        let key_text = self.query[key_start..op.start].trim_end();
        let key_term = Search::Text(crate::ast::Pattern {
            text: unquote(key_text),
            quoted: key_text.starts_with('"'),
        });
        let value_term = if quoted {
            Search::Text(quoted_pattern(text))
        } else {
            Search::Text(bare_pattern(self.query, value.start, text, None)?)
        };
        Ok(Search::And(Box::new(key_term), Box::new(value_term)))
    }
}

/// A key's source text as a full-text pattern: quotes removed and escapes resolved.
fn unquote(key: &str) -> String {
    let inner = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(key);
    let mut text = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        text.push(if c == '\\' {
            chars.next().unwrap_or('\\')
        } else {
            c
        });
    }
    text
}
