//! Composite keys: several attributes packed into one state key so that
//! partial-key range scans can find them (Fabric's `CreateCompositeKey`,
//! `SplitCompositeKey`, `GetStateByPartialCompositeKey`).
//!
//! A composite key is `U+0000 objectType U+0000 attr1 U+0000 attr2 U+0000 …`.
//! This is pure string formatting, so it lives in the shim rather than behind
//! a host call; the host only sees the resulting keys. The leading U+0000
//! keeps composite keys apart from simple keys, which range queries refuse to
//! start with.

use crate::keys::COMPOSITE_KEY_NAMESPACE;

/// Separates the components of a composite key (and starts it).
const MIN_UNICODE_RUNE: char = '\u{0}';
/// Appended to a partial key to form the exclusive end of its range: no
/// valid attribute contains it, so every key with the prefix sorts below.
const MAX_UNICODE_RUNE: char = '\u{10FFFF}';

/// Builds the composite key for `object_type` and `attributes`.
///
/// Neither may contain U+0000 or U+10FFFF; the error is Fabric's, e.g.
/// `input contains unicode U+0000 starting at position [1]. U+0000 and
/// U+10FFFF are not allowed in the input attribute of a composite key`
/// (the position is a byte offset, as in Go).
pub fn create_composite_key(object_type: &str, attributes: &[&str]) -> Result<String, String> {
    validate_attribute(object_type)?;
    let mut key = String::with_capacity(
        2 + object_type.len() + attributes.iter().map(|a| a.len() + 1).sum::<usize>(),
    );
    key.push(COMPOSITE_KEY_NAMESPACE);
    key.push_str(object_type);
    key.push(MIN_UNICODE_RUNE);
    for attribute in attributes {
        validate_attribute(attribute)?;
        key.push_str(attribute);
        key.push(MIN_UNICODE_RUNE);
    }
    Ok(key)
}

/// Splits a composite key into its object type and attributes.
///
/// Go's `splitCompositeKey` never fails but indexes out of bounds (panics)
/// on a key without components; here a key that does not start with U+0000
/// or has no terminated component is an error instead. Text after the last
/// U+0000 is ignored, as in Go.
pub fn split_composite_key(key: &str) -> Result<(String, Vec<String>), String> {
    let invalid = || format!("invalid composite key [{key}]");
    let body = key
        .strip_prefix(COMPOSITE_KEY_NAMESPACE)
        .ok_or_else(invalid)?;
    let mut components: Vec<String> = body.split(MIN_UNICODE_RUNE).map(str::to_string).collect();
    components.pop(); // whatever follows the last separator
    if components.is_empty() {
        return Err(invalid());
    }
    let object_type = components.remove(0);
    Ok((object_type, components))
}

/// The range `[start, end)` that `GetStateByPartialCompositeKey` scans: the
/// partial key, and the partial key followed by U+10FFFF.
pub fn partial_key_range(
    object_type: &str,
    attributes: &[&str],
) -> Result<(String, String), String> {
    let start = create_composite_key(object_type, attributes)?;
    let mut end = start.clone();
    end.push(MAX_UNICODE_RUNE);
    Ok((start, end))
}

/// Fabric's `validateCompositeKeyAttribute` (UTF-8 validity is guaranteed by
/// `&str`). `%#U` prints U+0000 and U+10FFFF without a quoted character,
/// since Go considers neither printable.
fn validate_attribute(attribute: &str) -> Result<(), String> {
    match attribute
        .char_indices()
        .find(|&(_, c)| c == MIN_UNICODE_RUNE || c == MAX_UNICODE_RUNE)
    {
        Some((position, c)) => Err(format!(
            "input contains unicode U+{:04X} starting at position [{position}]. U+0000 and U+10FFFF are not allowed in the input attribute of a composite key",
            u32::from(c)
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_fabric_composite_keys() {
        assert_eq!(
            create_composite_key("color~name", &["blue", "marble1"]).unwrap(),
            "\u{0}color~name\u{0}blue\u{0}marble1\u{0}"
        );
        assert_eq!(create_composite_key("t", &[]).unwrap(), "\u{0}t\u{0}");
        assert_eq!(create_composite_key("", &[""]).unwrap(), "\u{0}\u{0}\u{0}");
    }

    #[test]
    fn refuses_separator_characters_with_fabric_errors() {
        assert_eq!(
            create_composite_key("a\u{0}b", &[]).unwrap_err(),
            "input contains unicode U+0000 starting at position [1]. U+0000 and U+10FFFF are not allowed in the input attribute of a composite key"
        );
        assert_eq!(
            create_composite_key("t", &["ok", "é\u{10FFFF}"]).unwrap_err(),
            "input contains unicode U+10FFFF starting at position [2]. U+0000 and U+10FFFF are not allowed in the input attribute of a composite key"
        );
    }

    #[test]
    fn split_inverts_create() {
        let key = create_composite_key("owner~marble", &["bob", "m1", ""]).unwrap();
        assert_eq!(
            split_composite_key(&key).unwrap(),
            (
                "owner~marble".to_string(),
                vec!["bob".to_string(), "m1".to_string(), String::new()]
            )
        );
        assert_eq!(
            split_composite_key("\u{0}t\u{0}").unwrap(),
            ("t".to_string(), vec![])
        );
        // Like Go, an unterminated tail is dropped.
        assert_eq!(
            split_composite_key("\u{0}t\u{0}a\u{0}tail").unwrap(),
            ("t".to_string(), vec!["a".to_string()])
        );
    }

    #[test]
    fn split_refuses_simple_keys() {
        assert_eq!(
            split_composite_key("m1").unwrap_err(),
            "invalid composite key [m1]"
        );
        assert!(split_composite_key("\u{0}no-separator").is_err());
        assert!(split_composite_key("").is_err());
    }

    #[test]
    fn partial_range_covers_exactly_the_prefix() {
        let (start, end) = partial_key_range("color~name", &["blue"]).unwrap();
        assert_eq!(start, "\u{0}color~name\u{0}blue\u{0}");
        assert_eq!(end, "\u{0}color~name\u{0}blue\u{0}\u{10FFFF}");
        let inside = create_composite_key("color~name", &["blue", "zzz\u{10FFFE}"]).unwrap();
        let outside = create_composite_key("color~name", &["bluer", "m"]).unwrap();
        assert!(start <= inside && inside < end);
        assert!(!(start <= outside && outside < end));
    }
}
