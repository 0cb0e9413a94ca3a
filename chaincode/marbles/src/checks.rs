//! Argument handling as the Go chaincode does it: `sanitize_arguments`
//! (`lib.go`), `strconv.Atoi`/`Itoa` and `strings.ToLower`.

/// `sanitize_arguments`: every argument must be non-empty and at most 32
/// *bytes* long (Go's `len`); the index in the error is 0-based.
pub fn sanitize_arguments(args: &[String]) -> Result<(), String> {
    for (i, arg) in args.iter().enumerate() {
        if arg.is_empty() {
            return Err(format!("Argument {i} must be a non-empty string"));
        }
        if arg.len() > 32 {
            return Err(format!("Argument {i} must be <= 32 characters"));
        }
    }
    Ok(())
}

/// `strconv.Atoi` on a 64-bit peer: optional `+`/`-`, decimal digits,
/// within `i64`. `Itoa` of the result is `to_string()`, so `"+035"` round
/// trips to `"35"` as in Go.
pub fn atoi(s: &str) -> Option<i64> {
    s.parse().ok()
}

/// `strings.ToLower`: each character mapped on its own by Unicode's
/// *simple* lowercase mapping. Rust's `str::to_lowercase` differs in two
/// ways that Go does not share: a final `Σ` becomes `ς`, and `İ` (U+0130)
/// becomes two characters (`i` + U+0307); Go gives `σ` and `i`.
pub fn go_to_lower(s: &str) -> String {
    s.chars().map(lower_rune).collect()
}

fn lower_rune(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == '\u{130}' {
        return 'i';
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sanitize_reports_the_first_bad_argument() {
        assert!(sanitize_arguments(&strings(&["a", &"x".repeat(32)])).is_ok());
        assert_eq!(
            sanitize_arguments(&strings(&["a", ""])).unwrap_err(),
            "Argument 1 must be a non-empty string"
        );
        assert_eq!(
            sanitize_arguments(&strings(&[&"x".repeat(33), ""])).unwrap_err(),
            "Argument 0 must be <= 32 characters"
        );
        // 17 two-byte characters are 34 bytes: too long for Go's len.
        assert!(sanitize_arguments(&strings(&[&"é".repeat(17)])).is_err());
    }

    #[test]
    fn atoi_accepts_what_go_accepts() {
        assert_eq!(atoi("35"), Some(35));
        assert_eq!(atoi("+035"), Some(35));
        assert_eq!(atoi("-0"), Some(0));
        assert_eq!(atoi("9223372036854775807"), Some(i64::MAX));
        for bad in [
            "",
            "+",
            " 1",
            "1 ",
            "1.0",
            "1e3",
            "0x10",
            "1_000",
            "9223372036854775808",
        ] {
            assert_eq!(atoi(bad), None, "{bad}");
        }
    }

    #[test]
    fn to_lower_maps_like_go() {
        assert_eq!(go_to_lower("United MARBLES"), "united marbles");
        assert_eq!(go_to_lower("ΟΔΟΣ"), "οδοσ");
        assert_eq!(go_to_lower("İSTANBUL"), "istanbul");
        assert_eq!(go_to_lower("ÀÉ 😀"), "àé 😀");
    }
}
