//! Typed access to a mapping of properties, reporting every problem as a diagnostic:
//! unknown keys (with a "did you mean"), missing required keys, wrong YAML types (with the
//! fix, e.g. "quote it"), and out-of-range numbers.

use std::ops::RangeInclusive;

use crate::diagnostics::{Diags, Pos};
use crate::yaml::{Entry, Mapping, Node, Value};

/// A mapping being validated, with the label its messages start with (for example
/// ``function `svc/fn` ``) and the position to report missing keys at (the owner's key).
#[derive(Clone, Copy)]
pub(crate) struct Props<'a> {
    pub map: &'a Mapping,
    pub pos: Pos,
    pub ctx: &'a str,
}

impl<'a> Props<'a> {
    pub fn new(map: &'a Mapping, pos: Pos, ctx: &'a str) -> Self {
        Props { map, pos, ctx }
    }

    /// Reports every key not in `known`.
    pub fn check_known(&self, known: &[&str], d: &mut Diags) {
        for entry in &self.map.entries {
            if !known.contains(&entry.key.as_str()) {
                d.error(entry.key_pos, unknown_key(self.ctx, &entry.key, known));
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.map.get(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&'a Entry> {
        self.map.get(key)
    }

    /// The value of a required key, or an error naming it (plus `hint`, if any).
    pub fn required(&self, key: &str, hint: &str, d: &mut Diags) -> Option<&'a Node> {
        let node = self.get(key);
        if node.is_none() {
            d.error(
                self.pos,
                format!("{}: missing required property `{key}`{hint}", self.ctx),
            );
        }
        node
    }

    /// The entry of a required key (its key's position places what is under it), or
    /// an error naming it (plus `hint`, if any).
    pub fn required_entry(&self, key: &str, hint: &str, d: &mut Diags) -> Option<&'a Entry> {
        let entry = self.entry(key);
        if entry.is_none() {
            self.required(key, hint, d);
        }
        entry
    }

    pub fn string(&self, key: &str, d: &mut Diags) -> Option<String> {
        self.get(key).and_then(|n| string(n, key, self.ctx, d))
    }

    pub fn required_string(&self, key: &str, hint: &str, d: &mut Diags) -> Option<String> {
        self.required(key, hint, d)
            .and_then(|n| string(n, key, self.ctx, d))
    }

    pub fn boolean(&self, key: &str, d: &mut Diags) -> Option<bool> {
        self.get(key).and_then(|n| boolean(n, key, self.ctx, d))
    }

    /// An optional integer within `range`; `unit` (e.g. "seconds") makes range errors clearer.
    pub fn integer(
        &self,
        key: &str,
        range: RangeInclusive<i64>,
        unit: &str,
        d: &mut Diags,
    ) -> Option<i64> {
        self.get(key)
            .and_then(|n| integer(n, key, range, unit, self.ctx, d))
    }

    pub fn required_integer(
        &self,
        key: &str,
        range: RangeInclusive<i64>,
        unit: &str,
        d: &mut Diags,
    ) -> Option<i64> {
        self.required(key, "", d)
            .and_then(|n| integer(n, key, range, unit, self.ctx, d))
    }

    /// An optional string that must be one of `allowed` (compared exactly).
    pub fn one_of(&self, key: &str, allowed: &[&str], d: &mut Diags) -> Option<String> {
        let node = self.get(key)?;
        let value = string(node, key, self.ctx, d)?;
        if allowed.contains(&value.as_str()) {
            return Some(value);
        }
        d.error(
            node.pos,
            format!(
                "{}: `{key}` must be one of {}, found `{value}`{}",
                self.ctx,
                quoted_list(allowed),
                did_you_mean(&value, allowed)
            ),
        );
        None
    }

    /// An optional value that must be a mapping (checked, otherwise ignored).
    pub fn mapping(&self, key: &str, d: &mut Diags) -> Option<&'a Mapping> {
        let node = self.get(key)?;
        expect_mapping(node, key, self.ctx, d)
    }
}

/// A "did you mean" suffix for a misspelt key or value, or an empty string.
pub(crate) fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    match suggest(word, candidates) {
        Some(best) if best.eq_ignore_ascii_case(word) => {
            format!("; did you mean `{best}`? (names are case-sensitive)")
        }
        Some(best) => format!("; did you mean `{best}`?"),
        None => String::new(),
    }
}

/// The closest candidate to `word`, when it is close enough to be a likely typo.
pub(crate) fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let word = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| {
            let lower = c.to_ascii_lowercase();
            let score = strsim::normalized_damerau_levenshtein(&word, &lower)
                .max(strsim::jaro_winkler(&word, &lower) - 0.15);
            (*c, score)
        })
        .filter(|(_, score)| *score >= 0.65)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

/// A suggestion for a misspelt resource type. Types share the long `Aliyun::Serverless::`
/// prefix, which would make any two of them look alike, so only the rest is compared.
pub(crate) fn did_you_mean_type(found: &str, types: &[&str]) -> String {
    const PREFIX: &str = "Aliyun::Serverless::";
    let Some(short) = found.strip_prefix(PREFIX) else {
        return did_you_mean(found, types);
    };
    let shorts: Vec<&str> = types
        .iter()
        .filter_map(|t| t.strip_prefix(PREFIX))
        .collect();
    match suggest(short, &shorts) {
        Some(best) if best.eq_ignore_ascii_case(short) => {
            format!("; did you mean `{PREFIX}{best}`? (names are case-sensitive)")
        }
        Some(best) => format!("; did you mean `{PREFIX}{best}`?"),
        None => String::new(),
    }
}

/// "unknown property `X`" with a suggestion, or the list of known properties.
pub(crate) fn unknown_key(ctx: &str, key: &str, known: &[&str]) -> String {
    let hint = did_you_mean(key, known);
    if hint.is_empty() {
        format!(
            "{ctx}: unknown property `{key}`; expected one of: {}",
            known.join(", ")
        )
    } else {
        format!("{ctx}: unknown property `{key}`{hint}")
    }
}

pub(crate) fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A string value; numbers and booleans get a "quote it" hint, since YAML read them as
/// something else.
pub(crate) fn string(node: &Node, key: &str, ctx: &str, d: &mut Diags) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            let text = node.scalar_text().unwrap_or_default();
            d.error(
                node.pos,
                format!(
                    "{ctx}: `{key}` must be a string, found {} `{text}`; quote it: `{key}: '{text}'`",
                    node.kind()
                ),
            );
            None
        }
        _ => {
            d.error(
                node.pos,
                format!("{ctx}: `{key}` must be a string, found {}", node.kind()),
            );
            None
        }
    }
}

pub(crate) fn boolean(node: &Node, key: &str, ctx: &str, d: &mut Diags) -> Option<bool> {
    match &node.value {
        Value::Bool(b) => Some(*b),
        Value::Str(s) if s == "true" || s == "false" => {
            d.error(
                node.pos,
                format!(
                    "{ctx}: `{key}` must be a boolean, found the string '{s}'; remove the quotes: `{key}: {s}`"
                ),
            );
            None
        }
        _ => {
            let found = match node.scalar_text() {
                Some(text) => format!("{} `{text}`", node.kind()),
                None => node.kind().to_owned(),
            };
            d.error(
                node.pos,
                format!("{ctx}: `{key}` must be a boolean (`true` or `false`), found {found}"),
            );
            None
        }
    }
}

pub(crate) fn integer(
    node: &Node,
    key: &str,
    range: RangeInclusive<i64>,
    unit: &str,
    ctx: &str,
    d: &mut Diags,
) -> Option<i64> {
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" ({unit})")
    };
    let value = match &node.value {
        Value::Int(i) => *i,
        Value::Str(s) if s.trim().parse::<i64>().is_ok() => {
            d.error(
                node.pos,
                format!(
                    "{ctx}: `{key}` must be an integer, found the string '{s}'; remove the quotes: `{key}: {}`",
                    s.trim()
                ),
            );
            return None;
        }
        _ => {
            let found = match node.scalar_text() {
                Some(text) => format!("{} `{text}`", node.kind()),
                None => node.kind().to_owned(),
            };
            d.error(
                node.pos,
                format!("{ctx}: `{key}` must be an integer{unit}, found {found}"),
            );
            return None;
        }
    };
    match i64::try_from(value) {
        Ok(v) if range.contains(&v) => Some(v),
        _ => {
            d.error(
                node.pos,
                format!(
                    "{ctx}: `{key}` must be from {} to {}{unit}, found {value}",
                    range.start(),
                    range.end()
                ),
            );
            None
        }
    }
}

pub(crate) fn expect_mapping<'n>(
    node: &'n Node,
    key: &str,
    ctx: &str,
    d: &mut Diags,
) -> Option<&'n Mapping> {
    let map = node.as_map();
    if map.is_none() {
        d.error(
            node.pos,
            format!("{ctx}: `{key}` must be a mapping, found {}", node.kind()),
        );
    }
    map
}

pub(crate) fn expect_list<'n>(
    node: &'n Node,
    key: &str,
    ctx: &str,
    d: &mut Diags,
) -> Option<&'n [Node]> {
    match &node.value {
        Value::Seq(items) => Some(items),
        _ => {
            d.error(
                node.pos,
                format!("{ctx}: `{key}` must be a list, found {}", node.kind()),
            );
            None
        }
    }
}

/// A list of strings, every item checked.
pub(crate) fn string_list(node: &Node, key: &str, ctx: &str, d: &mut Diags) -> Option<Vec<String>> {
    let items = expect_list(node, key, ctx, d)?;
    let strings: Vec<Option<String>> = items.iter().map(|item| string(item, key, ctx, d)).collect();
    strings.into_iter().collect()
}

/// Converts a checked `i64` into a narrower unsigned type; ranges are checked first, so
/// the fallback is never used.
pub(crate) fn narrow<T: TryFrom<i64> + Default>(value: i64) -> T {
    T::try_from(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_and_case() {
        let known = ["Handler", "Runtime", "CodeUri", "Timeout", "MemorySize"];
        assert_eq!(suggest("Timout", &known), Some("Timeout"));
        assert_eq!(suggest("timeout", &known), Some("Timeout"));
        assert_eq!(suggest("CodeURI", &known), Some("CodeUri"));
        assert_eq!(suggest("Handle", &known), Some("Handler"));
        assert_eq!(suggest("Memory", &known), Some("MemorySize"));
        assert_eq!(suggest("Banana", &known), None);
        assert_eq!(suggest("", &known), None);
        assert_eq!(suggest("FETCH", &["GET", "POST", "PATCH"]), None);
        assert_eq!(suggest("rust", &["custom", "java8"]), None);
        assert_eq!(
            did_you_mean_type(
                "Aliyun::Serverless::Queue",
                &["Aliyun::Serverless::Flow", "Aliyun::Serverless::Service"]
            ),
            ""
        );
        assert_eq!(
            did_you_mean_type(
                "Aliyun::Serverless::Services",
                &["Aliyun::Serverless::Service"]
            ),
            "; did you mean `Aliyun::Serverless::Service`?"
        );
        assert_eq!(
            did_you_mean("timeout", &known),
            "; did you mean `Timeout`? (names are case-sensitive)"
        );
    }
}
