//! The one serialization of the ledger: a small length-prefixed binary encoding.
//!
//! Everything that is hashed or signed (proposals, response payloads, transactions,
//! envelopes, blocks) is written with [`Writer`] and read back with [`Reader`]. The format
//! is deliberately boring so that the same value always gives the same bytes:
//!
//! - integers are fixed-width big-endian (`u8`, `u32`, `u64`, `i32` as two's complement);
//! - `bool` is one byte, 0 or 1 (anything else is rejected);
//! - byte strings and UTF-8 strings are a `u32` length followed by the bytes;
//! - sequences are a `u32` count followed by the items; `Option` is a 0/1 tag byte;
//! - struct fields are written in declaration order, with no names and no padding.
//!
//! Nothing is sorted implicitly: the producers (the simulator's read/write sets) sort what
//! must be canonical. Decoding is strict: trailing bytes, short input, bad tags and invalid
//! UTF-8 are errors, so a byte-for-byte different envelope never decodes to the same value.

use thiserror::Error;

/// A value could not be decoded from ledger bytes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "cannot decode {what}: {reason} at byte {offset}; the bytes are corrupt or were not written by this ledger version"
)]
pub struct DecodeError {
    /// What was being decoded (e.g. "transaction").
    pub what: &'static str,
    /// What went wrong.
    pub reason: String,
    /// Byte offset in the input where it went wrong.
    pub offset: usize,
}

/// Appends values to a byte buffer in the ledger encoding.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer with room for `capacity` bytes (encoding is on the hot path).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: Vec::with_capacity(capacity),
        }
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// One byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// A boolean as 0 or 1.
    pub fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }

    /// A big-endian u32.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// A big-endian i32.
    pub fn i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// A big-endian u64.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// A length (or count) as u32. Ledger values never approach 4 GiB; a larger one is a
    /// programming error upstream, so it panics rather than writing a wrong prefix.
    pub fn length(&mut self, n: usize) {
        let n = u32::try_from(n).expect("ledger values are smaller than 4 GiB");
        self.u32(n);
    }

    /// Length-prefixed bytes.
    pub fn bytes(&mut self, v: &[u8]) {
        self.length(v.len());
        self.buf.extend_from_slice(v);
    }

    /// Length-prefixed UTF-8.
    pub fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }

    /// Raw bytes with no prefix (for fixed-size fields such as hashes).
    pub fn raw(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }
}

/// Reads values written by [`Writer`], failing with a [`DecodeError`] naming `what`.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`; `what` names the value in errors.
    pub fn new(buf: &'a [u8], what: &'static str) -> Self {
        Self { buf, pos: 0, what }
    }

    /// An error at the current position.
    pub fn error(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError {
            what: self.what,
            reason: reason.into(),
            offset: self.pos,
        }
    }

    /// Fails unless every byte was consumed.
    pub fn finish(self) -> Result<(), DecodeError> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(self.error(format!(
                "{} unexpected trailing bytes",
                self.buf.len() - self.pos
            )))
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.buf.len())
            .ok_or_else(|| self.error(format!("needed {n} more bytes, input ended")))?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    /// A boolean written as 0 or 1.
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.error(format!("boolean byte is {other}, expected 0 or 1"))),
        }
    }

    /// A big-endian u32.
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// A big-endian i32.
    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    /// A big-endian u64.
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A length or count, checked against the remaining input so that a corrupt prefix
    /// cannot make us allocate gigabytes.
    pub fn length(&mut self) -> Result<usize, DecodeError> {
        let n = self.u32()? as usize;
        if n > self.buf.len() - self.pos {
            return Err(self.error(format!(
                "length {n} is larger than the {} bytes left",
                self.buf.len() - self.pos
            )));
        }
        Ok(n)
    }

    /// Length-prefixed bytes, borrowed.
    pub fn bytes_ref(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.length()?;
        self.take(n)
    }

    /// Length-prefixed bytes, owned.
    pub fn bytes(&mut self) -> Result<Vec<u8>, DecodeError> {
        Ok(self.bytes_ref()?.to_vec())
    }

    /// Length-prefixed UTF-8.
    pub fn string(&mut self) -> Result<String, DecodeError> {
        let at = self.pos;
        let bytes = self.bytes_ref()?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|e| DecodeError {
                what: self.what,
                reason: format!("string is not UTF-8 ({e})"),
                offset: at,
            })
    }

    /// Exactly `N` raw bytes.
    pub fn fixed<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        self.array()
    }
}

/// A value with a ledger encoding.
pub trait Encode {
    /// Appends the encoding of `self`.
    fn encode(&self, w: &mut Writer);

    /// The encoding of `self` as a fresh buffer.
    fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(256);
        self.encode(&mut w);
        w.into_bytes()
    }
}

/// A value that can be read back from its ledger encoding.
pub trait Decode: Sized {
    /// What the value is called in decode errors.
    const WHAT: &'static str;

    /// Reads one value from `r`.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// Decodes a whole buffer, rejecting trailing bytes.
    fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, Self::WHAT);
        let v = Self::decode(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}

/// Writes a sequence: a count, then each item.
pub fn write_seq<T>(w: &mut Writer, items: &[T], mut each: impl FnMut(&mut Writer, &T)) {
    w.length(items.len());
    for item in items {
        each(w, item);
    }
}

/// Reads a sequence written by [`write_seq`].
pub fn read_seq<'a, T>(
    r: &mut Reader<'a>,
    mut each: impl FnMut(&mut Reader<'a>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let n = r.length()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(each(r)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_primitive() {
        let mut w = Writer::new();
        w.u8(7);
        w.bool(true);
        w.u32(0xdead_beef);
        w.i32(-5);
        w.u64(u64::MAX - 1);
        w.str("héllo");
        w.bytes(&[1, 2, 3]);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes, "test value");
        assert_eq!(r.u8().unwrap(), 7);
        assert!(r.bool().unwrap());
        assert_eq!(r.u32().unwrap(), 0xdead_beef);
        assert_eq!(r.i32().unwrap(), -5);
        assert_eq!(r.u64().unwrap(), u64::MAX - 1);
        assert_eq!(r.string().unwrap(), "héllo");
        assert_eq!(r.bytes().unwrap(), vec![1, 2, 3]);
        r.finish().unwrap();
    }

    #[test]
    fn rejects_trailing_bytes_short_input_and_huge_lengths() {
        let mut r = Reader::new(&[0, 1], "thing");
        r.u8().unwrap();
        let err = r.finish().unwrap_err();
        assert_eq!(err.offset, 1);
        assert!(err.to_string().contains("cannot decode thing"), "{err}");

        let mut r = Reader::new(&[0, 0], "thing");
        assert!(r.u32().is_err());

        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 1], "thing");
        let err = r.bytes().unwrap_err();
        assert!(err.reason.contains("larger than"), "{err}");

        let mut r = Reader::new(&[2], "thing");
        assert!(r.bool().is_err());
    }
}
