//! Reading one field out of a stored contents/tags JSON object, fast.
//!
//! Analytic SQL calls [`lookup`] once per row and column (`group by functionName` over a
//! million lines), so it must not build a map. The writer stores objects in serde_json's
//! compact form (`{"k":"v","k2":"v2"}`), where the byte pair `{"` or `,"` can only start a
//! key: inside any JSON string a `"` is escaped as `\"`. So the first `,"key":` (or `{"key":`
//! at the start) found by a substring search *is* the key, and its string value is sliced
//! out without decoding unless it has escapes. Objects in another layout, and keys that JSON
//! escapes, take the slow path through serde_json.

use std::borrow::Cow;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value as Json;

/// The value of the first `key` in the JSON object `json` (stored contents or tags), or
/// `None` if absent. Non-string values (not written by fclocal, but possible in files edited
/// by hand) come back as their JSON text; `null` as `None`.
pub(crate) fn lookup<'a>(json: &'a str, key: &str) -> Option<Cow<'a, str>> {
    let bytes = json.as_bytes();
    let compact = json == "{}" || bytes.get(1) == Some(&b'"');
    let plain = !key.contains(|c: char| c == '"' || c == '\\' || c.is_control());
    if !(compact && plain && bytes.first() == Some(&b'{')) {
        return lookup_slow(json, key);
    }
    let mut needle = String::with_capacity(key.len() + 3);
    needle.push('"');
    needle.push_str(key);
    needle.push_str("\":");
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut from = 0;
    while let Some(found) = finder.find(&bytes[from..]) {
        let at = from + found;
        if at > 0 && matches!(bytes[at - 1], b'{' | b',') {
            return value_at(json, at + needle.len());
        }
        from = at + 1;
    }
    None
}

/// The string value starting at byte `start` (an opening quote in compact JSON).
fn value_at(json: &str, start: usize) -> Option<Cow<'_, str>> {
    let bytes = json.as_bytes();
    if bytes.get(start) != Some(&b'"') {
        // A number, object, … : let serde_json read it.
        return lookup_value_slow(&json[start..]);
    }
    let mut i = start + 1;
    let mut escaped = false;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let raw = &json[start..=i];
                return if escaped {
                    serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
                } else {
                    Some(Cow::Borrowed(&raw[1..raw.len() - 1]))
                };
            }
            b'\\' => {
                escaped = true;
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

/// Reads the first JSON value of `rest` (which may continue after it).
fn lookup_value_slow(rest: &str) -> Option<Cow<'_, str>> {
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Json>();
    match stream.next()?.ok()? {
        Json::Null => None,
        Json::String(s) => Some(Cow::Owned(s)),
        other => Some(Cow::Owned(other.to_string())),
    }
}

/// [`lookup`] through serde_json, for any JSON layout.
fn lookup_slow<'a>(json: &'a str, key: &str) -> Option<Cow<'a, str>> {
    let mut de = serde_json::Deserializer::from_str(json);
    de.deserialize_map(FindKey(key)).ok().flatten()
}

/// A serde visitor that walks an object's entries and keeps the first value under its key.
struct FindKey<'k>(&'k str);

impl<'de> Visitor<'de> for FindKey<'_> {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            if found.is_none() && k == self.0 {
                found = map.next_value_seed(AnyValue)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Deserializes any JSON value into its text form (strings unquoted, `null` = `None`).
struct AnyValue;

impl<'de> DeserializeSeed<'de> for AnyValue {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let v = <Json as serde::Deserialize>::deserialize(d)?;
        Ok(match v {
            Json::Null => None,
            Json::String(s) => Some(Cow::Owned(s)),
            other => Some(Cow::Owned(other.to_string())),
        })
    }
}

/// The value at `path` in the object `json`: `path[0]` is a key, later elements walk into
/// the value parsed as JSON (a JSON string that itself holds JSON is parsed again, so
/// `content` = `"{\"request\":{\"method\":\"GET\"}}"` answers `content.request.method`).
/// If the walk finds nothing, a key literally named `a.b.c` is tried.
pub(crate) fn extract<'a>(json: &'a str, path: &[String]) -> Option<Cow<'a, str>> {
    let (first, rest) = path.split_first()?;
    let top = lookup(json, first);
    if rest.is_empty() {
        return top;
    }
    if let Some(found) = top.and_then(|t| walk(&t, rest)) {
        return Some(Cow::Owned(found));
    }
    lookup(json, &path.join("."))
}

/// Walks `path` into the JSON text `text`.
fn walk(text: &str, path: &[String]) -> Option<String> {
    let mut current: Json = serde_json::from_str(text).ok()?;
    for segment in path {
        if let Json::String(s) = &current {
            current = serde_json::from_str(s).ok()?;
        }
        current = match current {
            Json::Object(mut map) => map.remove(segment.as_str())?,
            Json::Array(mut items) => {
                let i: usize = segment.parse().ok()?;
                if i >= items.len() {
                    return None;
                }
                items.swap_remove(i)
            }
            _ => return None,
        };
    }
    match current {
        Json::Null => None,
        Json::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// [`extract`] for a column name of analytic SQL: the exact key first, then (for a dotted
/// name such as `content.status`) the path it spells.
pub(crate) fn by_name<'a>(json: &'a str, name: &str) -> Option<Cow<'a, str>> {
    if let Some(v) = lookup(json, name) {
        return Some(v);
    }
    if !name.contains('.') {
        return None;
    }
    let path: Vec<String> = name.split('.').map(str::to_owned).collect();
    let (first, rest) = path.split_first()?;
    walk(&lookup(json, first)?, rest).map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_finds_keys_not_lookalikes_in_values() {
        let j = r#"{"message":"x,\"status\":\"500\"","status":"200","a\"b":"q"}"#;
        assert_eq!(lookup(j, "status").as_deref(), Some("200"));
        assert_eq!(
            lookup(j, "message").as_deref(),
            Some("x,\"status\":\"500\"")
        );
        assert_eq!(lookup(j, "a\"b").as_deref(), Some("q"));
        assert_eq!(lookup(j, "missing"), None);
        assert_eq!(lookup("{}", "a"), None);
    }

    #[test]
    fn first_duplicate_wins_and_other_layouts_work() {
        assert_eq!(lookup(r#"{"k":"1","k":"2"}"#, "k").as_deref(), Some("1"));
        assert_eq!(lookup(r#"{ "k" : "1" }"#, "k").as_deref(), Some("1"));
        assert_eq!(lookup(r#"{"k":12}"#, "k").as_deref(), Some("12"));
        assert_eq!(lookup(r#"{"k":null}"#, "k"), None);
        assert_eq!(lookup(r#"{"k":"é\n"}"#, "k").as_deref(), Some("é\n"));
    }

    #[test]
    fn paths_walk_into_json_values() {
        let j = r#"{"content":"{\"request\":{\"method\":\"GET\",\"n\":3}}","a.b":"lit"}"#;
        let p = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            extract(j, &p("content.request.method")).as_deref(),
            Some("GET")
        );
        assert_eq!(extract(j, &p("content.request.n")).as_deref(), Some("3"));
        assert_eq!(
            extract(j, &p("content.request")).as_deref(),
            Some(r#"{"method":"GET","n":3}"#)
        );
        assert_eq!(extract(j, &p("a.b")).as_deref(), Some("lit"));
        assert_eq!(extract(j, &p("content.nope")), None);
        assert_eq!(by_name(j, "content.request.method").as_deref(), Some("GET"));
        assert_eq!(by_name(j, "a.b").as_deref(), Some("lit"));
    }
}
