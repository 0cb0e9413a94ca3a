//! [`MultiMap`]: FC's shape for queries and headers.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// An ordered map from a name to one or more values, as FC passes
/// `req.queries` and `req.headers`: it serialises to a JSON object whose
/// values are a string for a name seen once and an array of strings for a
/// repeated name, in first-seen order.
///
/// ```
/// use fclocal_sdk::http::MultiMap;
///
/// let mut m = MultiMap::new();
/// m.append("type", "create");
/// m.append("tag", "a");
/// m.append("tag", "b");
/// assert_eq!(m.get("tag"), Some("a"));
/// assert_eq!(m.get_all("tag"), ["a", "b"]);
/// assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"type":"create","tag":["a","b"]}"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MultiMap {
    entries: Vec<(String, Vec<String>)>,
}

impl MultiMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value under `name`, after any values it already has.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => self.entries.push((name, vec![value])),
        }
    }

    /// The first value under `name` (names are compared exactly).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).first().map(String::as_str)
    }

    /// Every value under `name`, in the order they arrived; empty if none.
    pub fn get_all(&self, name: &str) -> &[String] {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, values)| values.as_slice())
            .unwrap_or_default()
    }

    /// Whether `name` has at least one value.
    pub fn contains_key(&self, name: &str) -> bool {
        self.entries.iter().any(|(n, _)| n == name)
    }

    /// The names and their values, in first-seen order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries
            .iter()
            .map(|(n, values)| (n.as_str(), values.as_slice()))
    }

    /// The number of distinct names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no names.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for MultiMap {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = MultiMap::new();
        for (k, v) in iter {
            map.append(k, v);
        }
        map
    }
}

impl Serialize for MultiMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (name, values) in &self.entries {
            match values.as_slice() {
                [one] => map.serialize_entry(name, one)?,
                many => map.serialize_entry(name, many)?,
            }
        }
        map.end()
    }
}
