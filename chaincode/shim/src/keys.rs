//! Simple-key rules shared by every stub implementation, with Fabric's error
//! texts (`fabric-chaincode-go` `shim/stub.go`), so chaincode sees the same
//! errors natively under [`MockStub`](crate::MockStub) as in fclocal.

/// Composite keys start with this character; simple keys must not, so the
/// two namespaces never collide.
pub const COMPOSITE_KEY_NAMESPACE: char = '\u{0}';

/// What an empty range start becomes: the first simple key after the
/// composite-key namespace (Fabric's `emptyKeySubstitute`).
pub const EMPTY_KEY_SUBSTITUTE: &str = "\u{1}";

/// `PutState` refuses only the empty key; composite keys (which start with
/// U+0000) are written with `PutState` too.
pub fn check_put_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("key must not be an empty string".to_string());
    }
    Ok(())
}

/// Fabric's `SetEvent` check.
pub fn check_event_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("event name can not be empty string".to_string());
    }
    Ok(())
}

/// The bounds `GetStateByRange` sends to the peer: an empty start becomes
/// [`EMPTY_KEY_SUBSTITUTE`], and neither bound may start with U+0000
/// (Fabric's `validateSimpleKeys`). An empty end stays empty: no upper bound.
pub fn range_bounds(start: &str, end: &str) -> Result<(String, String), String> {
    let start = if start.is_empty() {
        EMPTY_KEY_SUBSTITUTE
    } else {
        start
    };
    for key in [start, end] {
        if key.starts_with(COMPOSITE_KEY_NAMESPACE) {
            return Err(format!(
                "first character of the key [{key}] contains a null character which is not allowed"
            ));
        }
    }
    Ok((start.to_string(), end.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_needs_a_key_but_accepts_composite_keys() {
        assert_eq!(
            check_put_key("").unwrap_err(),
            "key must not be an empty string"
        );
        assert!(check_put_key("\u{0}color\u{0}blue\u{0}").is_ok());
    }

    #[test]
    fn empty_event_names_are_refused() {
        assert_eq!(
            check_event_name("").unwrap_err(),
            "event name can not be empty string"
        );
        assert!(check_event_name("transfer").is_ok());
    }

    #[test]
    fn range_bounds_substitute_an_empty_start_and_refuse_composite_bounds() {
        assert_eq!(
            range_bounds("", "").unwrap(),
            ("\u{1}".into(), String::new())
        );
        assert_eq!(range_bounds("a", "b").unwrap(), ("a".into(), "b".into()));
        assert_eq!(
            range_bounds("\u{0}x", "").unwrap_err(),
            "first character of the key [\u{0}x] contains a null character which is not allowed"
        );
        assert!(range_bounds("a", "\u{0}").is_err());
    }
}
