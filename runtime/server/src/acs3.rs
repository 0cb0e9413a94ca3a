//! Alibaba Cloud's V3 request signature, `ACS3-HMAC-SHA256`, as the
//! OpenAPI SDKs compute it for FC's 2021-04-06 and 2023-03-30 APIs
//! (PyPI `alibabacloud_openapi_util` / `alibabacloud_tea_openapi`
//! `get_authorization`, npm `@alicloud/openapi-util` /
//! `@alicloud/openapi-core` `getAuthorization`):
//!
//! ```text
//! Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b;c>,Signature=<hex>
//! canonical request = METHOD \n path \n canonical query \n
//!                     <`name:value\n` per signed header, sorted> \n
//!                     <signed header names joined by ;> \n
//!                     <x-acs-content-sha256: hex SHA-256 of the body>
//! string to sign    = "ACS3-HMAC-SHA256\n" + hex(SHA-256(canonical request))
//! signature         = hex(HMAC-SHA256(secret, string to sign))
//! ```
//!
//! - The path is signed as sent: the SDKs percent-encode each path
//!   parameter (`demo$hello` is `demo%24hello` on the wire and in the
//!   signature). A path a client sent less encoded than it signed is tried
//!   once more with every segment RFC 3986-encoded.
//! - The canonical query is every parameter sorted by name, `name=value`
//!   joined by `&`, the value RFC 3986-encoded (only `A-Z a-z 0-9 - _ . ~`
//!   stay as they are) and the name as it is.
//! - Which headers are signed is the client's choice (the Python SDKs sign
//!   every header they set, the Node.js ones `host`, `content-type` and
//!   `x-acs-*`), so the `SignedHeaders` list is followed; a header sent twice
//!   is signed as its trimmed values, sorted, joined by `,`. `x-acs-date`
//!   and `x-acs-content-sha256` must be among them: the first keeps a
//!   captured request from being replayed after 15 minutes, the second
//!   covers the body, whose hash [`verify_payload`] checks once it is read.
//!   `host` must be too when the request has one (both SDK families sign
//!   it), so a request captured on its way to another endpoint cannot be
//!   sent here; and so must `x-acs-signature-nonce` when it is present.
//! - Within those 15 minutes a captured request could still be sent again:
//!   each nonce of an accepted request is remembered ([`SeenNonces`]) until
//!   its `x-acs-date` goes stale, and a second request with it is refused
//!   with `SignatureNonceUsed`, the gateway's code. The SDKs make a new
//!   nonce for every attempt, retries included.
//! - Signatures are compared in constant time (`Mac::verify_slice` on the
//!   decoded bytes), so response timing says nothing about how much of a
//!   guessed signature was right.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};

use crate::fc_error::FcError;
pub use crate::nonces::SeenNonces;
use crate::signature::{Credentials, MAX_SKEW};

/// The algorithm name, first word of `Authorization`.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";
/// The header carrying the body's hex SHA-256.
pub const CONTENT_SHA256: &str = "x-acs-content-sha256";
/// The header carrying the signing time, `2026-12-07T10:00:00Z`.
pub const DATE: &str = "x-acs-date";
/// The header carrying a value the client makes new for every request.
pub const NONCE: &str = "x-acs-signature-nonce";

/// What of a request the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The path as sent, still percent-encoded.
    pub path: &'a str,
    /// The query as sent, without `?`.
    pub query: Option<&'a str>,
    /// The request headers.
    pub headers: &'a HeaderMap,
}

/// The parts of an `Authorization: ACS3-HMAC-SHA256 ...` header.
#[derive(Debug, PartialEq, Eq)]
struct Authorization<'a> {
    key_id: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

/// Whether `authorization` is an ACS3 signature (rather than FC's own).
pub fn is_acs3(authorization: &str) -> bool {
    authorization.starts_with("ACS3-")
}

fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut key_id, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (name, value) = part.trim().split_once('=')?;
        match name {
            "Credential" => key_id = Some(value),
            "SignedHeaders" => signed = Some(value),
            "Signature" => signature = Some(value),
            _ => {}
        }
    }
    Some(Authorization {
        key_id: key_id?,
        signed_headers: signed?.split(';').filter(|name| !name.is_empty()).collect(),
        signature: signature?,
    })
}

/// RFC 3986 encoding of everything but `A-Z a-z 0-9 - _ . ~` (Python's
/// `quote(s, safe='~')`, JavaScript's `encodeURIComponent` plus `!'()*`).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The canonical query: parameters sorted by name, values encoded.
pub fn canonical_query(query: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Every path segment decoded and re-encoded as the SDKs encode them.
fn normalized_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            let decoded: Vec<u8> = percent_decode(segment.as_bytes());
            encode(&String::from_utf8_lossy(&decoded))
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let hex = |byte: u8| (byte as char).to_digit(16).map(|digit| digit as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(high), Some(low)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(high * 16 + low);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The canonical request for `request` signing `signed_headers` (lower
/// case, in the order given) with `payload_hash`.
pub fn canonical_request(
    request: &SignedRequest<'_>,
    path: &str,
    signed_headers: &[&str],
    payload_hash: &str,
) -> String {
    let mut text = format!(
        "{}\n{path}\n{}\n",
        request.method,
        canonical_query(request.query)
    );
    for name in signed_headers {
        let mut values: Vec<&str> = request
            .headers
            .get_all(*name)
            .iter()
            .map(|value| value.to_str().unwrap_or("").trim())
            .collect();
        values.sort_unstable();
        text.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    text.push('\n');
    text.push_str(&signed_headers.join(";"));
    text.push('\n');
    text.push_str(payload_hash);
    text
}

/// `hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" + hex(SHA-256(canonical))))`.
pub fn sign(secret: &str, canonical_request: &str) -> String {
    hex::encode(mac(secret, canonical_request).finalize().into_bytes())
}

/// Whether `signature` (hex, either case) is [`sign`]'s answer, compared
/// in constant time; text that is not hex matches nothing.
fn signature_matches(secret: &str, canonical_request: &str, signature: &str) -> bool {
    hex::decode(signature)
        .is_ok_and(|bytes| mac(secret, canonical_request).verify_slice(&bytes).is_ok())
}

/// The HMAC of the string to sign, before it is finalized.
fn mac(secret: &str, canonical_request: &str) -> Hmac<Sha256> {
    let string_to_sign = format!(
        "{ALGORITHM}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(string_to_sign.as_bytes());
    mac
}

/// The `Authorization` value a Node.js SDK would send for `request`: it
/// signs `host`, `content-type` and every `x-acs-*` header present.
pub fn authorization(credentials: &Credentials, request: &SignedRequest<'_>) -> String {
    let mut names: Vec<&str> = request
        .headers
        .keys()
        .map(|name| name.as_str())
        .filter(|name| name.starts_with("x-acs-") || *name == "host" || *name == "content-type")
        .collect();
    names.sort_unstable();
    names.dedup();
    let payload = request
        .headers
        .get(CONTENT_SHA256)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let canonical = canonical_request(request, request.path, &names, payload);
    format!(
        "{ALGORITHM} Credential={},SignedHeaders={},Signature={}",
        credentials.access_key_id,
        names.join(";"),
        sign(&credentials.access_key_secret, &canonical)
    )
}

/// `x-acs-date` for `time`: `2026-12-07T10:00:00Z`.
pub fn format_date(time: SystemTime) -> String {
    DateTime::<Utc>::from(time)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Checks an ACS3 signature and remembers its nonce in `nonces`; the error
/// is FC's answer (400 for a missing or malformed header, 403 for a wrong
/// key, a stale date, a signature that does not match, naming the canonical
/// request the server computed, or a nonce already used).
pub fn verify(
    credentials: &Credentials,
    request: &SignedRequest<'_>,
    nonces: &SeenNonces,
    now: SystemTime,
) -> Result<(), FcError> {
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let missing = |name: &str| {
        FcError::new(
            StatusCode::BAD_REQUEST,
            "MissingRequiredHeader",
            format!(
                "the request needs a `{name}` header: sign it as the Alibaba Cloud SDKs do (ACS3-HMAC-SHA256 with x-acs-date and x-acs-content-sha256)"
            ),
        )
    };
    let forbidden = |code, message: String| FcError::new(StatusCode::FORBIDDEN, code, message);
    let value = header("authorization").ok_or_else(|| missing("Authorization"))?;
    let authorization = parse_authorization(value).ok_or_else(|| {
        FcError::new(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            format!(
                "the `Authorization` header must read `{ALGORITHM} Credential=<AccessKeyId>,SignedHeaders=<a;b>,Signature=<hex>`"
            ),
        )
    })?;
    let date = header(DATE).ok_or_else(|| missing(DATE))?;
    let payload = header(CONTENT_SHA256).ok_or_else(|| missing(CONTENT_SHA256))?;
    let signed_at = NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%SZ")
        .map(|time| SystemTime::from(time.and_utc()))
        .map_err(|_| {
            forbidden(
                "InvalidArgument",
                format!(
                    "the `{DATE}` header {date:?} is not a UTC time like `2026-12-07T10:00:00Z`"
                ),
            )
        })?;
    let skew = now
        .duration_since(signed_at)
        .or_else(|_| signed_at.duration_since(now))
        .unwrap_or(Duration::ZERO);
    if skew > MAX_SKEW {
        return Err(forbidden(
            "RequestTimeTooSkewed",
            format!(
                "the `{DATE}` header is {} s away from the server's time; it must be within 15 minutes",
                skew.as_secs()
            ),
        ));
    }
    if authorization.key_id != credentials.access_key_id {
        return Err(forbidden(
            "InvalidAccessKeyId",
            format!(
                "AccessKeyId {:?} is not the one fclocal was started with (shown in the `fclocal start` banner)",
                authorization.key_id
            ),
        ));
    }
    // `host` and the nonce only when sent: a request without them has
    // nothing there to protect.
    let present = |name: &str| request.headers.contains_key(name);
    let required = [
        (DATE, true),
        (CONTENT_SHA256, true),
        ("host", present("host")),
        (NONCE, present(NONCE)),
    ];
    for (name, _) in required.iter().filter(|(_, needed)| *needed) {
        if !authorization.signed_headers.contains(name) {
            return Err(forbidden(
                "SignatureNotMatch",
                format!(
                    "`{name}` must be one of the SignedHeaders (the Alibaba Cloud SDKs sign it)"
                ),
            ));
        }
    }
    let as_sent = canonical_request(
        request,
        request.path,
        &authorization.signed_headers,
        payload,
    );
    let matches = |canonical: &str| {
        signature_matches(
            &credentials.access_key_secret,
            canonical,
            authorization.signature,
        )
    };
    let normalized = normalized_path(request.path);
    let signed = matches(&as_sent)
        || (normalized != request.path
            && matches(&canonical_request(
                request,
                &normalized,
                &authorization.signed_headers,
                payload,
            )));
    if !signed {
        return Err(forbidden(
            "SignatureNotMatch",
            format!(
                "the request signature does not match (check the AccessKeySecret in the `fclocal start` banner); the server signed this canonical request: {as_sent:?}"
            ),
        ));
    }
    // Only a verified request's nonce is remembered: one nobody could sign
    // must not push a real one out of the bounded memory.
    // Until then the date keeps the request fresh; after it, the date
    // refuses it.
    let stale_from = signed_at.checked_add(MAX_SKEW).unwrap_or(signed_at);
    let nonce = request
        .headers
        .get(NONCE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()));
    if let Some(nonce) = nonce
        && !nonces.first_use(&nonce, stale_from, now)
    {
        return Err(forbidden(
            "SignatureNonceUsed",
            format!(
                "Specified signature nonce was used already: a request with `{NONCE}: {nonce}` was already received in the last 15 minutes; send each request with a new nonce (the Alibaba Cloud SDKs do)"
            ),
        ));
    }
    Ok(())
}

/// `x-acs-content-sha256` of `body`: its hex SHA-256.
pub fn content_sha256(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Checks that the body is the one signed: its SHA-256 is
/// `x-acs-content-sha256`.
pub fn verify_payload(headers: &HeaderMap, body: &[u8]) -> Result<(), FcError> {
    let signed = headers
        .get(CONTENT_SHA256)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let actual = content_sha256(body);
    if signed.eq_ignore_ascii_case(&actual) {
        Ok(())
    } else {
        Err(FcError::new(
            StatusCode::FORBIDDEN,
            "SignatureNotMatch",
            format!(
                "the body's SHA-256 is {actual}, but `{CONTENT_SHA256}` says {signed:?}: the body is not the one signed"
            ),
        ))
    }
}

#[cfg(test)]
mod tests;
