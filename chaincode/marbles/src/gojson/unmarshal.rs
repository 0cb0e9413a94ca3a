//! `json.Unmarshal(data, &existingStruct)` with its error ignored, as
//! Marbles calls it.
//!
//! Go's rules, reproduced: invalid JSON changes nothing; `null` changes
//! nothing; a non-object changes nothing; in an object every member is
//! applied in order to the field whose JSON name matches the key exactly or
//! case-insensitively (Unicode simple folding, so `ſ` matches `s` and the
//! Kelvin sign `K` matches `k`); unknown keys are skipped; a member whose
//! type does not fit its field (a string for an `int`, `1.5` for an `int`,
//! an out-of-range number) leaves that field as it was; a `null` member
//! leaves its field as it was; nested structs merge the same way.

use super::decode::{Value, parse};

/// A Go struct with JSON-tagged fields.
pub trait GoStruct {
    /// Applies one object member whose key matched `field` (a JSON name as
    /// returned by [`GoStruct::fields`]).
    fn set_field(&mut self, field: &str, value: &Value);

    /// The struct's JSON field names, in declaration order.
    fn fields() -> &'static [&'static str];
}

/// Go's `json.Unmarshal(data, target)`, ignoring the returned error.
pub fn unmarshal_into<T: GoStruct>(target: &mut T, data: &[u8]) {
    if let Some(value) = parse(data) {
        merge(target, &value);
    }
}

/// Applies a decoded value to a struct: only objects change it.
pub fn merge<T: GoStruct>(target: &mut T, value: &Value) {
    let Value::Object(members) = value else {
        return;
    };
    for (key, member) in members {
        if let Some(field) = T::fields().iter().find(|name| fold_equal(name, key)) {
            target.set_field(field, member);
        }
    }
}

/// A `string` field: only JSON strings assign it.
pub fn set_string(field: &mut String, value: &Value) {
    if let Value::String(s) = value {
        field.clone_from(s);
    }
}

/// An `int` (64-bit on the peer) field: only integer literals in range
/// assign it (Go's `strconv.ParseInt(literal, 10, 64)`).
pub fn set_int(field: &mut i64, value: &Value) {
    if let Value::Number(literal) = value
        && let Ok(n) = literal.parse::<i64>()
    {
        *field = n;
    }
}

/// A `bool` field: only `true` and `false` assign it.
pub fn set_bool(field: &mut bool, value: &Value) {
    if let Value::Bool(b) = value {
        *field = *b;
    }
}

/// Whether a JSON key selects the field `name` (ASCII): equal ignoring ASCII
/// case, where `ſ` (U+017F) also counts as `s` and `K` (U+212A) as `k`,
/// the only non-ASCII characters that fold to ASCII letters.
fn fold_equal(name: &str, key: &str) -> bool {
    let mut key_chars = key.chars();
    for n in name.chars() {
        let Some(k) = key_chars.next() else {
            return false;
        };
        let n = n.to_ascii_lowercase();
        let matches = k.to_ascii_lowercase() == n
            || (n == 's' && k == '\u{17F}')
            || (n == 'k' && k == '\u{212A}');
        if !matches {
            return false;
        }
    }
    key_chars.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq)]
    struct Inner {
        name: String,
    }

    impl GoStruct for Inner {
        fn set_field(&mut self, _field: &str, value: &Value) {
            set_string(&mut self.name, value);
        }
        fn fields() -> &'static [&'static str] {
            &["name"]
        }
    }

    #[derive(Debug, Default, PartialEq)]
    struct Outer {
        doc_type: String,
        size: i64,
        on: bool,
        inner: Inner,
    }

    impl GoStruct for Outer {
        fn set_field(&mut self, field: &str, value: &Value) {
            match field {
                "docType" => set_string(&mut self.doc_type, value),
                "size" => set_int(&mut self.size, value),
                "on" => set_bool(&mut self.on, value),
                _ => merge(&mut self.inner, value),
            }
        }
        fn fields() -> &'static [&'static str] {
            &["docType", "size", "on", "inner"]
        }
    }

    fn start() -> Outer {
        Outer {
            doc_type: "old".into(),
            size: 7,
            on: true,
            inner: Inner {
                name: "kept".into(),
            },
        }
    }

    fn after(json: &str) -> Outer {
        let mut value = start();
        unmarshal_into(&mut value, json.as_bytes());
        value
    }

    #[test]
    fn invalid_json_null_and_non_objects_change_nothing() {
        for json in ["", "{", "{\"size\":1,}", "null", "[1]", "\"x\"", "42"] {
            assert_eq!(after(json), start(), "{json}");
        }
    }

    #[test]
    fn members_merge_into_the_existing_value() {
        let v = after(r#"{"size": 3, "inner": {}, "unknown": 1}"#);
        assert_eq!(
            (v.size, v.doc_type.as_str(), v.inner.name.as_str()),
            (3, "old", "kept")
        );
        let v = after(r#"{"inner": {"name": "new"}, "on": false}"#);
        assert_eq!((v.inner.name.as_str(), v.on), ("new", false));
    }

    #[test]
    fn mismatched_types_and_nulls_keep_the_old_field() {
        let v = after(r#"{"size": "35", "docType": 1, "on": null, "inner": "x", "size": 1.5}"#);
        assert_eq!(v, start());
        assert_eq!(after(r#"{"size": 99999999999999999999}"#).size, 7);
        assert_eq!(after(r#"{"size": -0}"#).size, 0);
    }

    #[test]
    fn keys_match_case_insensitively_and_later_members_win() {
        let v = after(r#"{"DOCTYPE": "a", "doctype": "b", "SIZE": 1, "ſize": 2}"#);
        assert_eq!((v.doc_type.as_str(), v.size), ("b", 2));
        assert!(fold_equal("kelvin", "\u{212A}ELVIN"));
        assert!(!fold_equal("size", "siz"));
        assert!(!fold_equal("size", "sizes"));
    }
}
