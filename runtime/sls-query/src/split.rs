//! Splitting a query into its search and analytic parts at the first top-level `|`.
//!
//! A `|` inside double or single quotes, or escaped with `\`, belongs to the search text
//! (`message:"a|b"`). Single quotes are not search syntax in SLS, but a quoted SQL-ish
//! fragment such as `'a|b'` should not be cut in half; an apostrophe that is never closed
//! (`don't | select …`) is an ordinary character, so the split is retried ignoring single
//! quotes.

/// The two parts of a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parts<'a> {
    /// The search text, before the `|` (or the whole query).
    pub search: &'a str,
    /// The analytic text after the `|` and its byte offset in the whole query.
    pub analytic: Option<(usize, &'a str)>,
}

/// Finds the first top-level `|` and splits there.
pub(crate) fn split(query: &str) -> Parts<'_> {
    let pipe = match find_pipe(query, true) {
        Scan::UnclosedSingleQuote => find_pipe(query, false),
        found => found,
    };
    match pipe {
        Scan::Pipe(at) => Parts {
            search: &query[..at],
            analytic: Some((at + 1, &query[at + 1..])),
        },
        _ => Parts {
            search: query,
            analytic: None,
        },
    }
}

/// What [`find_pipe`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// A top-level `|` at this byte offset.
    Pipe(usize),
    /// No top-level `|`.
    NoPipe,
    /// No top-level `|`, and a single-quoted run was never closed.
    UnclosedSingleQuote,
}

/// Looks for the first `|` outside quotes. With `single_quotes` false, `'` is an ordinary
/// character.
fn find_pipe(query: &str, single_quotes: bool) -> Scan {
    let mut quote: Option<char> = None;
    let mut chars = query.char_indices();
    while let Some((at, c)) = chars.next() {
        match (quote, c) {
            (_, '\\') => {
                chars.next();
            }
            (None, '|') => return Scan::Pipe(at),
            (None, '"') => quote = Some('"'),
            (None, '\'') if single_quotes => quote = Some('\''),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    if quote == Some('\'') {
        Scan::UnclosedSingleQuote
    } else {
        Scan::NoPipe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analytic(q: &str) -> Option<(usize, &str)> {
        split(q).analytic
    }

    #[test]
    fn no_pipe_is_all_search() {
        assert_eq!(
            split("a and b"),
            Parts {
                search: "a and b",
                analytic: None
            }
        );
    }

    #[test]
    fn splits_at_first_pipe() {
        let p = split("* | select a || b | c");
        assert_eq!(p.search, "* ");
        assert_eq!(p.analytic, Some((3, " select a || b | c")));
    }

    #[test]
    fn pipes_in_quotes_and_escapes_are_search_text() {
        assert_eq!(analytic(r#"k:"a|b" | x"#), Some((9, " x")));
        assert_eq!(analytic(r#"k:"a\"|b" | x"#), Some((11, " x")));
        assert_eq!(analytic(r"a\|b | x"), Some((6, " x")));
        assert_eq!(analytic("k:'a|b' | x"), Some((9, " x")));
    }

    #[test]
    fn unclosed_apostrophe_is_an_ordinary_character() {
        assert_eq!(analytic("don't | select 1"), Some((7, " select 1")));
    }

    #[test]
    fn closed_single_quotes_without_a_pipe_stay_search() {
        assert_eq!(analytic("k:'a|b'"), None);
    }

    #[test]
    fn unclosed_double_quote_hides_the_pipe() {
        // The search parser then reports the unterminated quote.
        assert_eq!(analytic(r#"k:"a | b"#), None);
    }
}
