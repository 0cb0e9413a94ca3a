//! A bound on how deep the analytic statement's expression tree can be, checked on the
//! tokens before sqlparser builds the tree.
//!
//! sqlparser parses `a or b or c …` in a loop, so its recursion limit does not see a long
//! chain; but the tree it builds is as deep as the chain is long, and everything after it
//! (the rewrite, the column analysis, rendering, dropping, SQLite) descends it recursively.
//! A 3,000-term `where … or …` overflowed a 2 MB thread stack. So the operators of one
//! expression are counted here: within each pair of parentheses, from the last `,` (list
//! items are siblings, not nested), plus the parentheses and the operators open around
//! them. That count bounds the tree's depth from above.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::walk::{Place, SqlError};
use crate::limits::{MAX_SQL_OPERATORS, MAX_SQL_SET_OPERATIONS};

/// Errors when some expression of `tokens` chains more than [`MAX_SQL_OPERATORS`] operators,
/// or the statement has more than [`MAX_SQL_SET_OPERATIONS`] `union`s (and the like).
pub(crate) fn check(tokens: &[TokenWithSpan]) -> Result<(), SqlError> {
    let mut set_operations = 0usize;
    // Operators counted at each open parenthesis level since its last `,`.
    let mut levels: Vec<usize> = vec![0];
    let mut total = 0usize;
    for token in tokens {
        match &token.token {
            Token::LParen => {
                levels.push(0);
                total += 1;
            }
            Token::RParen if levels.len() > 1 => {
                total -= levels.pop().unwrap_or(0) + 1;
            }
            Token::Comma => {
                if let Some(top) = levels.last_mut() {
                    total -= *top;
                    *top = 0;
                }
            }
            Token::Word(word)
                if matches!(
                    word.keyword,
                    Keyword::UNION | Keyword::INTERSECT | Keyword::EXCEPT
                ) =>
            {
                set_operations += 1;
                if set_operations > MAX_SQL_SET_OPERATIONS {
                    return Err(SqlError {
                        message: format!(
                            "the query combines more than {MAX_SQL_SET_OPERATIONS} SELECTs with `union`, `intersect` or `except`: split it, or select the rows in one SELECT with `where … in (…)` or `group by`"
                        ),
                        at: Place::of(token.span.start),
                    });
                }
            }
            t if is_operator(t) => {
                if let Some(top) = levels.last_mut() {
                    *top += 1;
                    total += 1;
                }
            }
            _ => {}
        }
        if total > MAX_SQL_OPERATORS {
            return Err(SqlError {
                message: format!(
                    "the expression chains or nests more than {MAX_SQL_OPERATORS} operators (SQLite allows expressions 1,000 levels deep): write long `or` chains as `x in (a, b, …)`, or split the query"
                ),
                at: Place::of(token.span.start),
            });
        }
    }
    Ok(())
}

/// Tokens that join two expressions into a deeper one (or prefix one, like `not`).
fn is_operator(token: &Token) -> bool {
    match token {
        Token::Word(word) => matches!(
            word.keyword,
            Keyword::AND
                | Keyword::OR
                | Keyword::NOT
                | Keyword::IS
                | Keyword::LIKE
                | Keyword::ILIKE
                | Keyword::BETWEEN
                | Keyword::IN
                | Keyword::COLLATE
        ),
        Token::DoubleEq
        | Token::Eq
        | Token::Neq
        | Token::Lt
        | Token::Gt
        | Token::LtEq
        | Token::GtEq
        | Token::Spaceship
        | Token::Plus
        | Token::Minus
        | Token::Mul
        | Token::Div
        | Token::DuckIntDiv
        | Token::Mod
        | Token::StringConcat
        | Token::Ampersand
        | Token::Pipe
        | Token::Caret
        | Token::ShiftLeft
        | Token::ShiftRight
        | Token::DoubleColon
        | Token::LBracket
        | Token::Period => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::tokenizer::Tokenizer;

    use super::*;
    use crate::analytic::dialect::SlsDialect;

    fn checked(sql: &str) -> Result<(), SqlError> {
        let tokens = Tokenizer::new(&SlsDialect, sql)
            .tokenize_with_location()
            .expect("tokenizes");
        check(&tokens)
    }

    fn or_chain(n: usize) -> String {
        let terms: Vec<String> = (0..n).map(|i| format!("a = {i}")).collect();
        format!("SELECT count(*) FROM log WHERE {}", terms.join(" or "))
    }

    #[test]
    fn long_chains_are_refused_with_their_place() {
        // `a = i` and `or`: two operators per term.
        assert!(checked(&or_chain(MAX_SQL_OPERATORS / 2)).is_ok());
        let e = checked(&or_chain(3000)).expect_err("3,000 terms");
        assert!(e.message.contains("x in (a, b, …)"), "{}", e.message);
        assert!(matches!(e.at, Place::At(_)), "{:?}", e.at);
    }

    #[test]
    fn list_items_and_closed_parentheses_do_not_add_up() {
        let items: Vec<String> = (0..2000).map(|i| format!("a + {i}")).collect();
        assert!(checked(&format!("SELECT {}", items.join(", "))).is_ok());
        let groups: Vec<String> = (0..2000).map(|i| format!("(a + {i})")).collect();
        assert!(checked(&format!("SELECT {}", groups.join(", "))).is_ok());
    }

    #[test]
    fn set_operations_are_counted() {
        let unions = " union select 1".repeat(MAX_SQL_SET_OPERATIONS);
        assert!(checked(&format!("SELECT 1{unions}")).is_ok());
        let e = checked(&format!("SELECT 1{unions} except select 2")).expect_err("too many");
        assert!(e.message.contains("union"), "{}", e.message);
    }

    #[test]
    fn nesting_adds_up() {
        let inner = "a + ".repeat(600) + "1";
        let sql = format!("SELECT {}{inner}{}", "(a + ".repeat(600), ")".repeat(600));
        assert!(checked(&sql).is_err());
    }
}
