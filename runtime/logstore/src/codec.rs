//! How ordered key/value pairs (contents, tags) are stored: as one JSON **object** per row,
//! keys in append order, duplicates kept.
//!
//! Why an object and not an array of pairs: SQLite's JSON1 can then filter on a key directly
//! (`json_extract(contents, '$."functionName"')`), and a later migration can add expression
//! or FTS indexes over the same text. SQLite keeps the text as written, so the order survives;
//! decoding uses our own visitor (not `serde_json::Map`) so order and duplicates survive the
//! way back too.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Serializes a pair slice as a JSON object in order.
struct AsObject<'a>(&'a [(String, String)]);

impl Serialize for AsObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Appends the JSON object for `pairs` to `buf` (cleared first) and returns it as `&str`.
/// The buffer is reused across rows by the writer to avoid an allocation per line.
pub(crate) fn encode_into<'b>(
    buf: &'b mut Vec<u8>,
    pairs: &[(String, String)],
) -> Result<&'b str, serde_json::Error> {
    buf.clear();
    serde_json::to_writer(&mut *buf, &AsObject(pairs))?;
    // serde_json only writes UTF-8; the check is cheap insurance rather than `unsafe`.
    std::str::from_utf8(buf).map_err(serde::ser::Error::custom)
}

/// Pairs decoded from a JSON object with order and duplicates preserved.
struct Pairs(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of string values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    out.push((k, v));
                }
                Ok(Pairs(out))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

/// Decodes a stored JSON object back into ordered pairs.
pub(crate) fn decode(text: &str) -> Result<Vec<(String, String)>, serde_json::Error> {
    serde_json::from_str::<Pairs>(text).map(|p| p.0)
}

/// The SQL path expression that `json_extract` needs for `key`, or `None` when the key
/// cannot be written as a quoted label (it contains `"`, which SQLite paths cannot escape).
pub(crate) fn json_path(key: &str) -> Option<String> {
    (!key.contains('"')).then(|| format!("$.\"{key}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn round_trip_keeps_order_duplicates_and_escapes() {
        let p = pairs(&[
            ("z", "1"),
            ("a", "quote \" backslash \\ newline \n"),
            ("z", "dup"),
            ("中文", "日本語 🎉"),
            ("", ""),
        ]);
        let mut buf = Vec::new();
        let text = encode_into(&mut buf, &p).unwrap().to_owned();
        assert!(text.starts_with("{\"z\":\"1\",\"a\""), "{text}");
        assert_eq!(decode(&text).unwrap(), p);
    }

    #[test]
    fn empty_is_an_empty_object() {
        let mut buf = Vec::new();
        assert_eq!(encode_into(&mut buf, &[]).unwrap(), "{}");
        assert!(decode("{}").unwrap().is_empty());
    }

    #[test]
    fn non_string_values_are_rejected() {
        assert!(decode("{\"a\":1}").is_err());
        assert!(decode("[1]").is_err());
    }

    #[test]
    fn paths() {
        assert_eq!(json_path("a.b").as_deref(), Some("$.\"a.b\""));
        assert_eq!(json_path("a\"b"), None);
    }
}
