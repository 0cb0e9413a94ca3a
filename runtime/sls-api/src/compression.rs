//! Body compression as the SLS SDKs use it (py-sdk `compress.py`, go-sdk
//! `log_store.go`, rs-sdk `compress.rs`).
//!
//! - Requests: `x-log-compresstype: lz4` is a **raw LZ4 block** (no size
//!   prefix; py-sdk strips `lz4.block`'s), `zstd` a zstd frame and `deflate`
//!   a zlib stream (RFC 1950, what npm aliyun-sdk's `zlib.deflateSync` and
//!   py-sdk's `zlib.compress` produce), with the uncompressed length in
//!   `x-log-bodyrawsize`. SDKs send
//!   `x-log-bodyrawsize` on uncompressed bodies too, so only
//!   `x-log-compresstype` decides whether a body is compressed.
//! - Responses: compressed only when the client's `Accept-Encoding` asks for
//!   `lz4`/`zstd`, and then marked with `x-log-compresstype` +
//!   `x-log-bodyrawsize`. go-sdk GetLogs v2 decompresses whenever
//!   `x-log-bodyrawsize` is present and rs-sdk whenever `x-log-compresstype`
//!   is, so an uncompressed response carries neither.

use bytes::Bytes;
use http::HeaderMap;

use crate::error::ApiError;

/// `x-log-compresstype`.
pub const COMPRESS_TYPE: &str = "x-log-compresstype";
/// `x-log-bodyrawsize`.
pub const BODY_RAW_SIZE: &str = "x-log-bodyrawsize";

/// A body compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Raw LZ4 block.
    Lz4,
    /// zstd frame.
    Zstd,
    /// zlib stream (RFC 1950: deflate with the zlib header and Adler-32);
    /// accepted on requests only.
    Deflate,
}

impl Compression {
    /// The `x-log-compresstype` value.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
            Compression::Deflate => "deflate",
        }
    }

    /// The compression a request body declares: `None` for no header, an
    /// empty one or `none`.
    pub fn of_request(headers: &HeaderMap) -> Result<Option<Compression>, ApiError> {
        let Some(value) = headers.get(COMPRESS_TYPE) else {
            return Ok(None);
        };
        let value = value.to_str().unwrap_or("?").trim().to_ascii_lowercase();
        match value.as_str() {
            "" | "none" => Ok(None),
            "lz4" => Ok(Some(Compression::Lz4)),
            "zstd" => Ok(Some(Compression::Zstd)),
            "deflate" => Ok(Some(Compression::Deflate)),
            _ => Err(ApiError::InvalidCompressType(value)),
        }
    }

    /// The compression to answer with, from `Accept-Encoding`: LZ4 when the
    /// client accepts it, else zstd when it accepts that, else none.
    pub fn accepted(headers: &HeaderMap) -> Option<Compression> {
        let accepted: Vec<String> = headers
            .get_all(http::header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|token| {
                token
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        if accepted.iter().any(|token| token == "lz4") {
            Some(Compression::Lz4)
        } else if accepted.iter().any(|token| token == "zstd") {
            Some(Compression::Zstd)
        } else {
            None
        }
    }

    /// Compresses `data`.
    pub fn compress(self, data: &[u8]) -> Result<Vec<u8>, ApiError> {
        match self {
            Compression::Lz4 => Ok(lz4_compress(data)),
            Compression::Zstd => zstd::bulk::compress(data, 0).map_err(ApiError::internal),
            Compression::Deflate => {
                use std::io::Write as _;
                let mut encoder =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(data).map_err(ApiError::internal)?;
                encoder.finish().map_err(ApiError::internal)
            }
        }
    }

    /// Decompresses `data` that should expand to `raw_size` bytes (exactly,
    /// when given), never producing more than `limit` bytes.
    pub fn decompress(
        self,
        data: &[u8],
        raw_size: Option<usize>,
        limit: usize,
    ) -> Result<Vec<u8>, ApiError> {
        let uncompress_error = |detail: String| {
            ApiError::PostBodyUncompressError(format!(
                "the {} body does not decompress: {detail}",
                self.name()
            ))
        };
        let out = match self {
            Compression::Lz4 => {
                let raw_size = raw_size.ok_or(ApiError::MissingBodyRawSize)?;
                lz4_flex::block::decompress(data, raw_size)
                    .map_err(|error| uncompress_error(error.to_string()))?
            }
            Compression::Zstd => zstd::bulk::decompress(data, raw_size.unwrap_or(limit))
                .map_err(|error| uncompress_error(error.to_string()))?,
            Compression::Deflate => {
                use std::io::Read as _;
                // One byte past the bound, to tell "too long" from "exact".
                let bound = raw_size.unwrap_or(limit);
                let mut out = Vec::with_capacity(bound.min(1 << 20));
                flate2::read::ZlibDecoder::new(data)
                    .take(u64::try_from(bound).unwrap_or(u64::MAX).saturating_add(1))
                    .read_to_end(&mut out)
                    .map_err(|error| uncompress_error(error.to_string()))?;
                if raw_size.is_none() && out.len() > limit {
                    return Err(ApiError::PostBodyTooLarge(format!(
                        "the deflate body expands to over {limit} bytes"
                    )));
                }
                out
            }
        };
        match raw_size {
            Some(raw_size) if out.len() != raw_size => Err(uncompress_error(format!(
                "it expands to {} bytes, x-log-bodyrawsize says {raw_size}",
                out.len()
            ))),
            _ => Ok(out),
        }
    }
}

/// A raw LZ4 block. An empty input still yields one token byte, which every
/// SDK's decoder (python-lz4 included) accepts for `x-log-bodyrawsize: 0`.
pub fn lz4_compress(data: &[u8]) -> Vec<u8> {
    let out = lz4_flex::block::compress(data);
    if out.is_empty() { vec![0] } else { out }
}

/// A request body as the client meant it: decompressed per
/// `x-log-compresstype`/`x-log-bodyrawsize` and at most `limit` bytes
/// (beyond that: `PostBodyTooLarge`, with `what` naming the limit).
pub fn decode_request_body(
    headers: &HeaderMap,
    body: Bytes,
    limit: usize,
    what: &str,
) -> Result<Bytes, ApiError> {
    let too_large = |size: usize| {
        ApiError::PostBodyTooLarge(format!("the {what} is {size} bytes, over {limit}"))
    };
    let Some(compression) = Compression::of_request(headers)? else {
        if body.len() > limit {
            return Err(too_large(body.len()));
        }
        return Ok(body);
    };
    let raw_size = match headers.get(BODY_RAW_SIZE) {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|text| text.trim().parse::<usize>().ok())
                .ok_or_else(|| {
                    ApiError::InvalidBodyRawSize(format!("{value:?} is not a byte count"))
                })?,
        ),
    };
    if let Some(raw_size) = raw_size
        && raw_size > limit
    {
        return Err(too_large(raw_size));
    }
    compression
        .decompress(&body, raw_size, limit)
        .map(Bytes::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn lz4_blocks_round_trip_without_a_size_prefix() {
        let data = b"hello hello hello hello hello".repeat(10);
        let block = lz4_compress(&data);
        assert!(block.len() < data.len());
        let raw = data.len().to_string();
        let decoded = decode_request_body(
            &headers(&[(COMPRESS_TYPE, "lz4"), (BODY_RAW_SIZE, &raw)]),
            Bytes::from(block),
            1 << 20,
            "body",
        )
        .unwrap();
        assert_eq!(decoded, data);
    }

    #[test]
    fn an_empty_lz4_block_is_one_token() {
        assert_eq!(lz4_compress(b""), vec![0]);
        assert_eq!(Compression::Lz4.decompress(&[0], Some(0), 10).unwrap(), b"");
    }

    #[test]
    fn zstd_round_trips_with_or_without_a_raw_size() {
        let data = b"zstd body".repeat(20);
        let frame = Compression::Zstd.compress(&data).unwrap();
        assert_eq!(
            Compression::Zstd.decompress(&frame, None, 1 << 20).unwrap(),
            data
        );
        let error = Compression::Zstd
            .decompress(&frame, Some(3), 1 << 20)
            .unwrap_err();
        assert_eq!(error.code(), "PostBodyUncompressError");
    }

    #[test]
    fn deflate_bodies_are_zlib_streams() {
        let data = b"deflate body ".repeat(40);
        // What npm aliyun-sdk's zlib.deflateSync sends: a zlib header (0x78).
        let stream = Compression::Deflate.compress(&data).unwrap();
        assert_eq!(stream[0], 0x78);
        let raw = data.len().to_string();
        let decoded = decode_request_body(
            &headers(&[(COMPRESS_TYPE, "deflate"), (BODY_RAW_SIZE, &raw)]),
            Bytes::from(stream.clone()),
            1 << 20,
            "body",
        )
        .unwrap();
        assert_eq!(decoded, data);
        assert_eq!(
            Compression::Deflate
                .decompress(&stream, None, 1 << 20)
                .unwrap(),
            data
        );
        let code = |result: Result<Vec<u8>, ApiError>| result.unwrap_err().code();
        // A raw size that disagrees, garbage, and a bomb over the bound.
        assert_eq!(
            code(Compression::Deflate.decompress(&stream, Some(3), 1 << 20)),
            "PostBodyUncompressError"
        );
        assert_eq!(
            code(Compression::Deflate.decompress(&[0xff, 0xff], Some(3), 1 << 20)),
            "PostBodyUncompressError"
        );
        let bomb = Compression::Deflate.compress(&vec![0; 1 << 20]).unwrap();
        assert_eq!(
            code(Compression::Deflate.decompress(&bomb, None, 1000)),
            "PostBodyTooLarge"
        );
        assert_eq!(
            code(Compression::Deflate.decompress(&bomb, Some(1000), 1000)),
            "PostBodyUncompressError"
        );
    }

    #[test]
    fn bad_bodies_get_slss_codes() {
        let garbage = Bytes::from_static(&[0xff, 0xff, 0xff]);
        let lz4 = |raw: &str| headers(&[(COMPRESS_TYPE, "lz4"), (BODY_RAW_SIZE, raw)]);
        let code = |result: Result<Bytes, ApiError>| result.unwrap_err().code();
        assert_eq!(
            code(decode_request_body(&lz4("100"), garbage.clone(), 1000, "b")),
            "PostBodyUncompressError"
        );
        assert_eq!(
            code(decode_request_body(
                &lz4("5000"),
                garbage.clone(),
                1000,
                "b"
            )),
            "PostBodyTooLarge"
        );
        assert_eq!(
            code(decode_request_body(
                &lz4("many"),
                garbage.clone(),
                1000,
                "b"
            )),
            "InvalidBodyRawSize"
        );
        assert_eq!(
            code(decode_request_body(
                &headers(&[(COMPRESS_TYPE, "lz4")]),
                garbage.clone(),
                1000,
                "b"
            )),
            "MissingBodyRawSize"
        );
        assert_eq!(
            code(decode_request_body(
                &headers(&[(COMPRESS_TYPE, "brotli")]),
                garbage.clone(),
                1000,
                "b"
            )),
            "InvalidCompressType"
        );
        assert_eq!(
            code(decode_request_body(&HeaderMap::new(), garbage, 2, "b")),
            "PostBodyTooLarge"
        );
    }

    #[test]
    fn an_uncompressed_body_with_a_raw_size_passes_through() {
        let body = Bytes::from_static(b"{}");
        let decoded =
            decode_request_body(&headers(&[(BODY_RAW_SIZE, "2")]), body.clone(), 10, "b").unwrap();
        assert_eq!(decoded, body);
    }

    #[test]
    fn accept_encoding_prefers_lz4() {
        assert_eq!(
            Compression::accepted(&headers(&[("accept-encoding", "zstd, lz4")])),
            Some(Compression::Lz4)
        );
        assert_eq!(
            Compression::accepted(&headers(&[("accept-encoding", "zstd")])),
            Some(Compression::Zstd)
        );
        assert_eq!(
            Compression::accepted(&headers(&[("accept-encoding", "gzip, deflate")])),
            None
        );
        assert_eq!(Compression::accepted(&HeaderMap::new()), None);
    }
}
