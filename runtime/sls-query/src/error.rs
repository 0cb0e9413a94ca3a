//! Building [`ParseError`]s: every error points into the whole query text, so the
//! character column is derived from the byte offset in one place.

use crate::ast::ParseError;

impl ParseError {
    /// An error at byte `offset` of `query` (the whole query, search and analytic parts).
    /// `offset` is clamped to the text and moved back to a character boundary, so callers
    /// can pass "one past the end" for errors at the end of the input.
    pub(crate) fn at(query: &str, offset: usize, message: impl Into<String>) -> Self {
        let mut offset = offset.min(query.len());
        while !query.is_char_boundary(offset) {
            offset -= 1;
        }
        ParseError {
            message: message.into(),
            offset,
            column: query[..offset].chars().count() + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_counts_characters_not_bytes() {
        let e = ParseError::at("日本 x", 7, "m");
        assert_eq!((e.offset, e.column), (7, 4));
    }

    #[test]
    fn offset_is_clamped_and_aligned() {
        let e = ParseError::at("ab", 10, "m");
        assert_eq!((e.offset, e.column), (2, 3));
        let e = ParseError::at("日", 1, "m");
        assert_eq!((e.offset, e.column), (0, 1));
    }

    #[test]
    fn display_names_the_place() {
        let e = ParseError::at("abc", 1, "bad");
        assert_eq!(e.to_string(), "bad (at line 1, column 2)");
    }
}
