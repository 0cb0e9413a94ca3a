//! The one thing the API needs to know about query syntax: where the search
//! statement ends and the analytic statement starts (the first `|` outside
//! quotes). GetLogs reports the halves as `whereQuery`/`aggQuery`, and
//! GetHistograms counts with the search half only.

/// `(search, analytic)`, both trimmed; the analytic half is empty when the
/// query has no `|`. Quotes (`"…"`, `'…'`) and `\` escapes inside them hide
/// a `|`.
pub fn split_query(query: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (index, c) in query.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (Some(_), '\\') => escaped = true,
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '|') => return (query[..index].trim(), query[index + 1..].trim()),
            (None, _) => {}
        }
    }
    (query.trim(), "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_unquoted_pipe_splits() {
        assert_eq!(split_query("* | select count(*)"), ("*", "select count(*)"));
        assert_eq!(split_query("error"), ("error", ""));
        assert_eq!(
            split_query(r#"msg:"a|b" | select 1"#),
            (r#"msg:"a|b""#, "select 1")
        );
        assert_eq!(split_query(r#"msg:"a\"|b""#), (r#"msg:"a\"|b""#, ""));
        assert_eq!(
            split_query("* | where a = 'x|y' | select 1"),
            ("*", "where a = 'x|y' | select 1")
        );
        assert_eq!(split_query(""), ("", ""));
    }
}
