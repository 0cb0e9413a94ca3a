//! Go's `json.Marshal` string encoding (Go 1.9/1.10, the toolchain of the
//! Fabric 1.1 peers Marbles was written for).
//!
//! Besides `"` and `\`, Go escapes `\n`, `\r`, `\t` by name, every other
//! control character as `\u00XX` (lowercase hex; `\b` and `\f` got short
//! forms only in Go 1.22), the HTML characters `<`, `>`, `&` as `\u003c`,
//! `\u003e`, `\u0026`, and U+2028/U+2029 as `\u2028`/`\u2029`.

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `s` as a quoted JSON string, escaped as Go escapes it.
pub fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0}'..='\u{1f}' | '<' | '>' | '&' => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(s: &str) -> String {
        let mut out = String::new();
        push_string(&mut out, s);
        out
    }

    #[test]
    fn escapes_like_go() {
        assert_eq!(encoded("plain é 😀"), "\"plain é 😀\"");
        assert_eq!(encoded("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(
            encoded("\n\r\t\u{8}\u{c}\u{1}\u{1f}"),
            r#""\n\r\t\u0008\u000c\u0001\u001f""#
        );
        assert_eq!(encoded("<a&b>"), r#""\u003ca\u0026b\u003e""#);
        assert_eq!(
            encoded("\u{2028}\u{2029}\u{7f}"),
            "\"\\u2028\\u2029\u{7f}\""
        );
    }
}
