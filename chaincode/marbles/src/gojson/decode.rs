//! Parses JSON the way Go's `encoding/json` accepts it: RFC 8259 syntax,
//! and invalid UTF-8 or unpaired surrogate escapes become U+FFFD instead of
//! errors.
//!
//! Nesting is limited to 1,000 levels so the recursive parser cannot
//! overflow the guest's 1 MiB stack. Go accepts deeper input (10,000 levels
//! since Go 1.15, unlimited before), but no value Marbles can store nests
//! that deep: its JSON is built from at most five arguments of at most 32
//! bytes each.

/// A parsed JSON value. Numbers keep their text: Go converts them per
/// destination type, and an `int` field accepts only integer literals.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number literal, as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object's members in document order (duplicates kept, as Go
    /// applies each in turn).
    Object(Vec<(String, Value)>),
}

const MAX_DEPTH: usize = 1_000;

/// The value of `input`, or `None` when Go's `json.Unmarshal` would report a
/// syntax error (including empty input and trailing data).
pub fn parse(input: &[u8]) -> Option<Value> {
    let mut parser = Parser { input, pos: 0 };
    let value = parser.value(0)?;
    parser.skip_whitespace();
    (parser.pos == input.len()).then_some(value)
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, literal: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(literal.len())?;
        (self.input.get(self.pos..end)? == literal).then(|| self.pos = end)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        self.skip_whitespace();
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Value::String),
            b't' => self.eat(b"true").map(|()| Value::Bool(true)),
            b'f' => self.eat(b"false").map(|()| Value::Bool(false)),
            b'n' => self.eat(b"null").map(|()| Value::Null),
            b'-' | b'0'..=b'9' => self.number().map(Value::Number),
            _ => None,
        }
    }

    fn object(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.pos += 1; // {
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(Value::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            self.skip_whitespace();
            self.eat(b":")?;
            members.push((key, self.value(depth)?));
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(Value::Object(members));
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.pos += 1; // [
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(Value::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(Value::Array(items));
                }
                _ => return None,
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<String> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.required_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.required_digits()?;
        }
        Some(String::from_utf8_lossy(&self.input[start..self.pos]).into_owned())
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn required_digits(&mut self) -> Option<()> {
        let start = self.pos;
        self.digits();
        (self.pos > start).then_some(())
    }

    fn string(&mut self) -> Option<String> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while matches!(self.peek(), Some(b) if b >= 0x20 && b != b'"' && b != b'\\') {
                self.pos += 1;
            }
            push_lossy(&mut out, &self.input[run_start..self.pos]);
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(out);
                }
                b'\\' => self.escape(&mut out)?,
                _ => return None, // a control character
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Option<()> {
        self.pos += 1; // backslash
        let c = self.peek()?;
        self.pos += 1;
        match c {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let first = self.hex4()?;
                out.push(self.unicode_escape(first));
            }
            _ => return None,
        }
        Some(())
    }

    /// Go: a surrogate followed by `\uXXXX` forming a valid pair decodes to
    /// one character; any other surrogate becomes U+FFFD (and a following
    /// escape is left for the next round).
    fn unicode_escape(&mut self, first: u32) -> char {
        if (0xD800..0xDC00).contains(&first)
            && self.input.get(self.pos..self.pos + 2) == Some(b"\\u")
        {
            let saved = self.pos;
            self.pos += 2;
            match self.hex4() {
                Some(second) if (0xDC00..0xE000).contains(&second) => {
                    let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                    return char::from_u32(code).unwrap_or('\u{FFFD}');
                }
                _ => self.pos = saved,
            }
        }
        char::from_u32(first).unwrap_or('\u{FFFD}')
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.input.get(self.pos..self.pos + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(text, 16).ok()
    }
}

/// Appends `bytes`, replacing each byte of an invalid UTF-8 sequence with
/// U+FFFD as Go's decoder does (one replacement per byte).
fn push_lossy(out: &mut String, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                out.push_str(text);
                return;
            }
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                out.push('\u{FFFD}');
                bytes = &rest[1..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::String(text.to_string())
    }

    #[test]
    fn parses_go_valid_json() {
        assert_eq!(
            parse(b" {\"a\": [1, -0.5e+3, true, null], \"a\":\"x\"} ").unwrap(),
            Value::Object(vec![
                (
                    "a".into(),
                    Value::Array(vec![
                        Value::Number("1".into()),
                        Value::Number("-0.5e+3".into()),
                        Value::Bool(true),
                        Value::Null
                    ])
                ),
                ("a".into(), s("x")),
            ])
        );
        assert_eq!(parse(b"\"\\u00e9\\n\\/\"").unwrap(), s("é\n/"));
        assert_eq!(parse(b"{}").unwrap(), Value::Object(vec![]));
    }

    #[test]
    fn refuses_what_go_refuses() {
        for bad in [
            &b""[..],
            b"   ",
            b"{",
            b"{\"a\" 1}",
            b"{\"a\":1,}",
            b"[1,]",
            b"01",
            b"1.",
            b"-",
            b"1e",
            b"'a'",
            b"\"a\tb\"",
            b"\"\\x\"",
            b"\"\\u12\"",
            b"{} {}",
            b"tru",
            b"{1:2}",
        ] {
            assert_eq!(parse(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn surrogates_and_bad_utf8_become_replacement_characters() {
        assert_eq!(parse(b"\"\\ud83d\\ude00\"").unwrap(), s("😀"));
        assert_eq!(parse(b"\"\\ud83d\"").unwrap(), s("\u{FFFD}"));
        assert_eq!(parse(b"\"\\ud83d\\u0041\"").unwrap(), s("\u{FFFD}A"));
        assert_eq!(parse(b"\"\\ude00\"").unwrap(), s("\u{FFFD}"));
        assert_eq!(parse(b"\"a\xe2\x82b\"").unwrap(), s("a\u{FFFD}\u{FFFD}b"));
    }

    #[test]
    fn nesting_is_limited() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(ok.as_bytes()).is_some());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(parse(deep.as_bytes()).is_none());
    }
}
