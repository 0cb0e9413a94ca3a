//! Parsing the analytic text with sqlparser: exactly one SELECT query, no trailing `;`,
//! and errors with the place sqlparser reports.

use sqlparser::ast::{Query, Statement};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Token, Tokenizer};

use super::dialect::SlsDialect;
use super::walk::{Place, SqlError};
use crate::limits::MAX_SQL_NESTING;

/// Parses `sql` (the text after the `|`) into one query.
pub(crate) fn parse(sql: &str) -> Result<Query, SqlError> {
    let tokens = Tokenizer::new(&SlsDialect, sql)
        .tokenize_with_location()
        .map_err(|e| SqlError {
            message: format!("invalid analytic statement: {}", e.message),
            at: Place::of(e.location),
        })?;
    let first = tokens
        .iter()
        .find(|t| !matches!(t.token, Token::Whitespace(_)))
        .cloned();
    let Some(first) = first else {
        return Err(SqlError {
            message: "the analytic statement after `|` is empty: write a query such as `* | SELECT count(*)`".into(),
            at: Place::Start,
        });
    };
    let starts_query = match &first.token {
        Token::Word(w) => matches!(w.keyword, Keyword::SELECT | Keyword::WITH),
        Token::LParen => true,
        _ => false,
    };
    if !starts_query {
        return Err(SqlError {
            message: format!(
                "the analytic statement after `|` must be a SELECT query, not `{}` (SPL/scan pipelines such as `| where …` are not supported)",
                first.token
            ),
            at: Place::of(first.span.start),
        });
    }

    super::depth::check(&tokens)?;
    let mut parser = Parser::new(&SlsDialect)
        .with_recursion_limit(MAX_SQL_NESTING)
        .with_tokens_with_locations(tokens);
    let statement = parser.parse_statement().map_err(parser_error)?;
    let Statement::Query(query) = statement else {
        return Err(SqlError {
            message: "the analytic statement must be a SELECT query".into(),
            at: Place::of(first.span.start),
        });
    };
    let next = parser.peek_token();
    match next.token {
        Token::EOF => Ok(*query),
        Token::SemiColon => Err(SqlError {
            message:
                "remove the `;`: SLS accepts exactly one statement without a trailing semicolon"
                    .into(),
            at: Place::of(next.span.start),
        }),
        other => Err(SqlError {
            message: format!("unexpected `{other}` after the end of the query"),
            at: Place::of(next.span.start),
        }),
    }
}

/// sqlparser's error, with the " at Line: L, Column: C" it appends turned into a place.
fn parser_error(error: ParserError) -> SqlError {
    let text = match error {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s,
        ParserError::RecursionLimitExceeded => format!(
            "the query nests parentheses, subqueries, function calls or unary operators too deeply (sqlparser's limit is {MAX_SQL_NESTING} nested parsing steps, about 25 parentheses or 12 subqueries): flatten it (a `WITH` query can name a step instead of nesting it)"
        ),
    };
    let (message, at) = split_location(&text);
    let at = match at {
        Some(location) => Place::of(location),
        None if message.ends_with("found: EOF") => Place::End,
        None => Place::Start,
    };
    SqlError {
        message: format!("invalid analytic statement: {message}"),
        at,
    }
}

/// Splits `"… at Line: 1, Column: 22"` into the message and the place.
fn split_location(text: &str) -> (&str, Option<Location>) {
    let Some(at) = text.rfind(" at Line: ") else {
        return (text, None);
    };
    let place = &text[at + " at Line: ".len()..];
    let parsed = place.split_once(", Column: ").and_then(|(line, column)| {
        Some(Location {
            line: line.trim().parse().ok()?,
            column: column.trim().parse().ok()?,
        })
    });
    match parsed {
        Some(location) => (&text[..at], Some(location)),
        None => (text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(sql: &str) -> SqlError {
        parse(sql).expect_err(sql)
    }

    fn loc(line: u64, column: u64) -> Place {
        Place::At(Location { line, column })
    }

    #[test]
    fn one_select() {
        assert_eq!(parse(" SELECT 1 ").unwrap().to_string(), "SELECT 1");
        assert_eq!(
            parse("WITH t AS (SELECT 1) SELECT * FROM t")
                .unwrap()
                .to_string(),
            "WITH t AS (SELECT 1) SELECT * FROM t"
        );
    }

    #[test]
    fn trailing_semicolon() {
        let e = err("SELECT 1;");
        assert_eq!(e.at, loc(1, 9));
        assert!(e.message.contains("remove the `;`"), "{}", e.message);
    }

    #[test]
    fn not_a_query() {
        let e = err(" status:200 | WHERE a = 1");
        assert_eq!(e.at, loc(1, 2));
        assert!(e.message.contains("must be a SELECT"), "{}", e.message);
        let e = err("DELETE FROM log");
        assert!(e.message.contains("must be a SELECT"), "{}", e.message);
    }

    #[test]
    fn empty() {
        assert!(err("  ").message.contains("empty"));
    }

    #[test]
    fn sqlparser_errors_keep_their_place() {
        let e = err("SELECT a FROM log WHERE");
        assert_eq!(e.at, Place::End, "{}", e.message);
        assert!(
            e.message.contains("Expected: an expression"),
            "{}",
            e.message
        );
        let e = err("SELECT a,, b");
        assert_eq!(e.at, loc(1, 10));
        assert!(!e.message.contains("Line:"), "{}", e.message);
        let e = err("SELECT 'abc");
        assert_eq!(e.at, loc(1, 8));
        assert!(
            e.message.contains("Unterminated string literal"),
            "{}",
            e.message
        );
    }

    #[test]
    fn two_statements() {
        let e = err("SELECT 1 SELECT 2");
        assert_eq!(e.at, loc(1, 10));
    }

    #[test]
    fn location_suffix() {
        let at = Some(Location { line: 2, column: 7 });
        assert_eq!(split_location("x at Line: 2, Column: 7"), ("x", at));
        assert_eq!(split_location("x"), ("x", None));
    }
}
