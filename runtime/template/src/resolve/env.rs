//! A function's `EnvironmentVariables`, with FC's rules: names start with a letter and
//! hold letters, digits and `_`; values are strings; `FC_*` names are reserved for the
//! variables FC sets itself; names and values total at most 4 KB.

use super::props::expect_mapping;
use crate::diagnostics::Diags;
use crate::yaml::{Entry, Value};

/// FC's limit on the total size of names and values.
const MAX_TOTAL_BYTES: usize = 4096;

pub(crate) fn resolve(entry: &Entry, ctx: &str, d: &mut Diags) -> Vec<(String, String)> {
    let Some(map) = expect_mapping(&entry.value, "EnvironmentVariables", ctx, d) else {
        return Vec::new();
    };
    let mut vars = Vec::new();
    let mut total = 0;
    for var in &map.entries {
        let key = var.key.as_str();
        total += key.len();
        if let Some(reason) = name_problem(key) {
            d.error(
                var.key_pos,
                format!("{ctx}: invalid environment variable name `{key}`: {reason}"),
            );
        } else if key.starts_with("FC_") {
            d.error(
                var.key_pos,
                format!(
                    "{ctx}: environment variable `{key}` is reserved: FC sets the `FC_*` variables itself; rename it"
                ),
            );
        }
        let value = &var.value;
        match &value.value {
            Value::Str(s) => {
                total += s.len();
                vars.push((key.to_owned(), s.clone()));
            }
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                let text = value.scalar_text().unwrap_or_default();
                d.error(
                    value.pos,
                    format!(
                        "{ctx}: environment variable `{key}` must be a string, found {} `{text}`; quote it: `{key}: '{text}'`",
                        value.kind()
                    ),
                );
            }
            Value::Null => d.error(
                value.pos,
                format!(
                    "{ctx}: environment variable `{key}` has no value; write `{key}: ''` for an empty string"
                ),
            ),
            Value::Seq(_) | Value::Map(_) => d.error(
                value.pos,
                format!(
                    "{ctx}: environment variable `{key}` must be a string, found {}",
                    value.kind()
                ),
            ),
        }
    }
    if total > MAX_TOTAL_BYTES {
        d.error(
            entry.key_pos,
            format!(
                "{ctx}: EnvironmentVariables take {total} bytes (names plus values); FC allows at most 4 KB ({MAX_TOTAL_BYTES} bytes)"
            ),
        );
    }
    vars
}

/// Why `name` is not a valid variable name, if it is not.
fn name_problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    match chars.next() {
        None => Some("it is empty".into()),
        Some(c) if !c.is_ascii_alphabetic() => {
            Some(format!("it must start with a letter, not `{c}`"))
        }
        Some(_) => chars
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
            .map(|c| format!("it may contain only letters, digits and `_`, not `{c}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(name_problem("PORT"), None);
        assert_eq!(name_problem("a_1"), None);
        assert!(name_problem("1A").is_some());
        assert!(name_problem("_A").is_some());
        assert!(name_problem("A-B").is_some());
        assert!(name_problem("").is_some());
    }
}
