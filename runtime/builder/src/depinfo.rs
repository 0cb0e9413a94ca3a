//! Reads the dependency files (`.d`) cargo writes beside each artifact: the
//! list of every source file the artifact was built from, including path
//! dependencies and `include_bytes!`-ed WIT files. This is what lets fclocal
//! decide an artifact is up to date without running cargo.

use std::path::PathBuf;

/// The inputs listed by a Makefile-style dep-info file (`target: dep dep…`).
/// Escaped spaces (`\ `) are kept inside paths; continuation lines are joined.
pub(crate) fn parse(contents: &str) -> Vec<PathBuf> {
    let joined = contents.replace("\\\n", " ");
    let Some(first_rule) = joined.lines().find(|line| line.contains(": ")) else {
        return Vec::new();
    };
    let Some((_, deps)) = split_rule(first_rule) else {
        return Vec::new();
    };
    let mut paths = Vec::new();
    let mut current = String::new();
    let mut chars = deps.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => {
                current.push(' ');
                chars.next();
            }
            ' ' | '\t' => {
                if !current.is_empty() {
                    paths.push(PathBuf::from(std::mem::take(&mut current)));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        paths.push(PathBuf::from(current));
    }
    paths
}

/// Splits `target: deps` at the first `: ` that is not part of an escaped path.
fn split_rule(line: &str) -> Option<(&str, &str)> {
    let bytes = line.as_bytes();
    (0..bytes.len().saturating_sub(1))
        .find(|&i| bytes[i] == b':' && bytes[i + 1] == b' ' && (i == 0 || bytes[i - 1] != b'\\'))
        .map(|i| (&line[..i], &line[i + 2..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_first_rule_only() {
        let text = "/t/hello.wasm: /src/lib.rs /sdk/src/lib.rs\n\n/src/lib.rs:\n/sdk/src/lib.rs:\n";
        assert_eq!(
            parse(text),
            [
                PathBuf::from("/src/lib.rs"),
                PathBuf::from("/sdk/src/lib.rs")
            ]
        );
    }

    #[test]
    fn keeps_escaped_spaces_and_joins_continuations() {
        let text = "/t/a.wasm: /my\\ dir/lib.rs \\\n  /other.rs\n";
        assert_eq!(
            parse(text),
            [PathBuf::from("/my dir/lib.rs"), PathBuf::from("/other.rs")]
        );
    }

    #[test]
    fn empty_or_garbage_gives_no_inputs() {
        assert!(parse("").is_empty());
        assert!(parse("no rule here").is_empty());
    }
}
