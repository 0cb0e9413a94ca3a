//! YAML → a small tree where every node and every mapping key knows its line and column.
//!
//! serde-saphyr does the parsing (YAML 1.2 core schema, anchors, aliases and merge keys,
//! nesting limits). A recursive [`Raw`] value wrapped in [`serde_saphyr::Spanned`] at every
//! level, keys included, gives the positions; [`Node`] is that tree with the positions
//! flattened in. Duplicate keys are forwarded to us (`DuplicateKeyPolicy::PassThrough`) so
//! we report each one ourselves, beside every other problem, instead of stopping the parse.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, MessageFormatter, Spanned, UserMessageFormatter};

use crate::diagnostics::{Diags, Pos};

/// A YAML node with its position (where it is used, for aliases).
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub pos: Pos,
    pub value: Value,
}

/// The shape of a YAML node.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Mapping),
}

/// A mapping in source order, duplicate keys removed (the first one is kept).
#[derive(Debug, Clone, Default)]
pub(crate) struct Mapping {
    pub entries: Vec<Entry>,
}

/// One `key: value` pair of a [`Mapping`].
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

impl Mapping {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

impl Node {
    /// A short phrase naming the node's YAML type, for "expected X, found Y" messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar as it would be written unquoted, for hints like "quote it: `'8080'`".
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(s) => Some(s.clone()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// Converts the node to JSON (for free-form values such as `Policies`). Integers beyond
    /// JSON's range and non-finite floats become strings rather than being lost.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => i64::try_from(*i)
                .map(J::from)
                .or_else(|_| u64::try_from(*i).map(J::from))
                .unwrap_or_else(|_| J::String(i.to_string())),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or_else(|| J::String(f.to_string())),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(
                m.entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Deepest nesting of mappings and sequences in a template. Deserialising into [`Raw`] and
/// [`convert`] recurse once per level with large frames (about 32 KiB each in a debug
/// build), so serde-saphyr's default of 64 overflowed a 2 MB thread stack; templates nest a
/// dozen levels at most.
pub(crate) const MAX_YAML_DEPTH: usize = 32;

/// Parses `source` into a [`Node`] tree. A YAML syntax error becomes one diagnostic at the
/// parser's position and `None`; duplicate or non-scalar keys become diagnostics too, but
/// the tree is still returned so the rest of the template gets checked.
pub(crate) fn parse(source: &str, diags: &mut Diags) -> Option<Node> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_YAML_DEPTH,
        },
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        // js-yaml (fun) reads `yes`/`no`/`on`/`off` as strings; so do we.
        strict_booleans: true,
        with_snippet: false,
    };
    match serde_saphyr::from_str_with_options::<Spanned<Raw>>(source, options) {
        Ok(raw) => Some(convert(raw, diags)),
        Err(err) => {
            let pos = err
                .location()
                .map(|loc| Pos {
                    line: usize::try_from(loc.line()).unwrap_or(usize::MAX),
                    column: usize::try_from(loc.column()).unwrap_or(usize::MAX),
                })
                .unwrap_or(Pos::START);
            let mut message = UserMessageFormatter.format_message(&err);
            if message.contains("Depth {") || message.contains("recursion limit exceeded") {
                message = format!(
                    "mappings and sequences nest more than {MAX_YAML_DEPTH} levels deep here; a template needs a dozen at most"
                )
                .into();
            }
            diags.error(pos, format!("invalid YAML: {message}"));
            None
        }
    }
}

fn pos_of<T>(spanned: &Spanned<T>) -> Pos {
    Pos {
        line: usize::try_from(spanned.referenced.line()).unwrap_or(usize::MAX),
        column: usize::try_from(spanned.referenced.column()).unwrap_or(usize::MAX),
    }
}

fn convert(raw: Spanned<Raw>, diags: &mut Diags) -> Node {
    let pos = pos_of(&raw);
    let value = match raw.value {
        Raw::Null => Value::Null,
        Raw::Bool(b) => Value::Bool(b),
        Raw::Int(i) => Value::Int(i),
        Raw::Float(f) => Value::Float(f),
        Raw::Str(s) => Value::Str(s),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(|i| convert(i, diags)).collect()),
        Raw::Map(pairs) => {
            let mut mapping = Mapping::default();
            // Key → position of its first occurrence; a map keeps huge mappings linear.
            let mut seen: HashMap<String, Pos> = HashMap::with_capacity(pairs.len());
            for (key, value) in pairs {
                let key_pos = pos_of(&key);
                let key_node = convert(key, diags);
                let Some(key) = key_node.scalar_text() else {
                    diags.error(
                        key_pos,
                        format!(
                            "mapping keys must be plain names, found {}",
                            key_node.kind()
                        ),
                    );
                    continue;
                };
                if let Some(first) = seen.get(&key) {
                    diags.error(
                        key_pos,
                        format!(
                            "duplicate key `{key}` (first defined at line {}, column {}); \
                             YAML keys must be unique",
                            first.line, first.column
                        ),
                    );
                    continue;
                }
                seen.insert(key.clone(), key_pos);
                let value = convert(value, diags);
                mapping.entries.push(Entry {
                    key,
                    key_pos,
                    value,
                });
            }
            Value::Map(mapping)
        }
    };
    Node { pos, value }
}

/// The untyped YAML value as serde-saphyr hands it over (`deserialize_any`), with a span
/// on every child so positions survive.
enum Raw {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        i128::try_from(v)
            .map(Raw::Int)
            .map_err(|_| E::custom("integer is too large"))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Str(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut pairs = Vec::new();
        while let Some(key) = map.next_key()? {
            let value = map.next_value()?;
            pairs.push((key, value));
        }
        Ok(Raw::Map(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse_ok(src: &str) -> (Option<Node>, Vec<String>) {
        let mut diags = Diags::new(Path::new("t.yml"));
        let node = parse(src, &mut diags);
        let (errors, _) = diags.finish();
        (node, errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn keys_and_values_carry_positions() {
        let (node, errors) = parse_ok("a:\n  bb: 'x'\n  c: 8080\n");
        assert!(errors.is_empty(), "{errors:?}");
        let root = node.unwrap();
        let a = root.as_map().unwrap().get("a").unwrap();
        assert_eq!(a.key_pos, Pos { line: 1, column: 1 });
        let inner = a.value.as_map().unwrap();
        let bb = inner.get("bb").unwrap();
        assert_eq!(bb.key_pos, Pos { line: 2, column: 3 });
        assert_eq!(bb.value.pos, Pos { line: 2, column: 7 });
        assert_eq!(bb.value.as_str(), Some("x"));
        assert!(matches!(
            inner.get("c").unwrap().value.value,
            Value::Int(8080)
        ));
    }

    #[test]
    fn quoted_numbers_stay_strings_and_yes_is_a_string() {
        let (node, _) = parse_ok("a: '3'\nb: yes\nc: true\n");
        let m = node.unwrap();
        let m = m.as_map().unwrap();
        assert_eq!(m.get("a").unwrap().value.as_str(), Some("3"));
        assert_eq!(m.get("b").unwrap().value.as_str(), Some("yes"));
        assert!(matches!(m.get("c").unwrap().value.value, Value::Bool(true)));
    }

    #[test]
    fn duplicate_keys_are_reported_and_first_kept() {
        let (node, errors) = parse_ok("a: 1\nb: 2\na: 3\n");
        assert_eq!(
            errors,
            [
                "t.yml:3:1: error: duplicate key `a` (first defined at line 1, column 1); \
              YAML keys must be unique"
            ]
        );
        let m = node.unwrap();
        assert!(matches!(
            m.as_map().unwrap().get("a").unwrap().value.value,
            Value::Int(1)
        ));
    }

    #[test]
    fn syntax_error_has_the_parser_position() {
        let (node, errors) = parse_ok("a:\n  b: 1\n c: 2\n");
        assert!(node.is_none());
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("t.yml:3:2: error: invalid YAML:"),
            "{errors:?}"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let (node, errors) = parse_ok(&src);
        assert!(node.is_none());
        assert_eq!(errors.len(), 1);
    }

    /// Nesting past [`MAX_YAML_DEPTH`] is refused; up to there, parsing and converting (both
    /// recursive) fit in a 2 MB stack, the size Tokio gives its threads. With serde-saphyr's
    /// default limit (64) this overflowed.
    #[test]
    fn deep_block_nesting_is_an_error_and_the_deepest_accepted_fits_a_small_stack() {
        let nested = |depth: usize| -> String {
            (0..depth)
                .map(|i| format!("{}k:\n", "  ".repeat(i)))
                .collect::<String>()
                + &format!("{}v", "  ".repeat(depth))
        };
        let on_small_stack = |src: String| {
            std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || {
                    let (node, errors) = parse_ok(&src);
                    (node.is_some(), errors)
                })
                .expect("spawn")
                .join()
                .expect("no panic")
        };
        let (parsed, errors) = on_small_stack(nested(MAX_YAML_DEPTH - 1));
        assert!(parsed && errors.is_empty(), "{errors:?}");
        for deep in [
            nested(MAX_YAML_DEPTH + 1),
            nested(100),
            format!("{}1{}", "{a: ".repeat(20_000), "}".repeat(20_000)),
        ] {
            let (parsed, errors) = on_small_stack(deep);
            assert!(!parsed);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(errors[0].contains("more than 32 levels deep"), "{errors:?}");
        }
    }

    #[test]
    fn aliases_and_merge_keys_resolve() {
        let (node, errors) = parse_ok("base: &b\n  x: 1\nuse:\n  <<: *b\n  y: 2\n");
        assert!(errors.is_empty(), "{errors:?}");
        let root = node.unwrap();
        let used = root.as_map().unwrap().get("use").unwrap();
        let keys: Vec<_> = used
            .value
            .as_map()
            .unwrap()
            .entries
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["y", "x"]);
    }
}
