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

use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};

use crate::fc_error::FcError;
use crate::signature::{Credentials, MAX_SKEW};

/// The algorithm name, first word of `Authorization`.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";
/// The header carrying the body's hex SHA-256.
pub const CONTENT_SHA256: &str = "x-acs-content-sha256";
/// The header carrying the signing time, `2026-12-07T10:00:00Z`.
pub const DATE: &str = "x-acs-date";

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
    let string_to_sign = format!(
        "{ALGORITHM}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
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

/// Checks an ACS3 signature; the error is FC's answer (400 for a missing
/// header, 403 for a wrong key, a stale date or a signature that does not
/// match, naming the canonical request the server computed).
pub fn verify(
    credentials: &Credentials,
    request: &SignedRequest<'_>,
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
        forbidden(
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
    for required in [DATE, CONTENT_SHA256] {
        if !authorization.signed_headers.contains(&required) {
            return Err(forbidden(
                "SignatureNotMatch",
                format!("`{required}` must be one of the SignedHeaders"),
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
        sign(&credentials.access_key_secret, canonical) == authorization.signature
    };
    if matches(&as_sent) {
        return Ok(());
    }
    let normalized = normalized_path(request.path);
    if normalized != request.path
        && matches(&canonical_request(
            request,
            &normalized,
            &authorization.signed_headers,
            payload,
        ))
    {
        return Ok(());
    }
    Err(forbidden(
        "SignatureNotMatch",
        format!(
            "the request signature does not match (check the AccessKeySecret in the `fclocal start` banner); the server signed this canonical request: {as_sent:?}"
        ),
    ))
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
mod tests {
    use super::*;

    fn credentials() -> Credentials {
        Credentials {
            access_key_id: "ak".into(),
            access_key_secret: "secret".into(),
        }
    }

    /// The headers the Python SDK (alibabacloud-fc20230330) sets for an
    /// async InvokeFunction of `demo$hostile`.
    fn python_sdk_headers(date: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "127.0.0.1:8000"),
            ("x-acs-version", "2023-03-30"),
            ("x-acs-action", "InvokeFunction"),
            ("user-agent", "ua"),
            ("x-acs-date", date),
            ("x-acs-signature-nonce", "nonce-1"),
            ("accept", "application/json"),
            ("content-type", "application/octet-stream"),
            ("x-fc-invocation-type", "Async"),
            (
                "x-acs-content-sha256",
                "1bb3500df45f76f3ad7b7bb1cdf725295f3b03bfe3fc57ef4d7e6b9f17585dd4",
            ),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        headers
    }

    /// Adds the `Authorization` a Node.js SDK would send.
    fn sign_into(headers: &mut HeaderMap, method: &str, path: &str, query: Option<&str>) {
        let value = authorization(
            &credentials(),
            &SignedRequest {
                method,
                path,
                query,
                headers,
            },
        );
        headers.insert("authorization", value.parse().unwrap());
    }

    const PATH: &str = "/2023-03-30/functions/demo%24hostile/invocations";
    const QUERY: &str = "qualifier=LATEST&b=a+b%2Fc";

    #[test]
    fn the_python_sdks_signature_verifies() {
        // Computed by alibabacloud_openapi_util 0.2.4
        // `Client.get_authorization(request, 'ACS3-HMAC-SHA256', sha256('{"action":"ok"}'), 'ak', 'secret')`
        // with the headers above and query {'qualifier': 'LATEST', 'b': 'a b/c'}.
        let mut headers = python_sdk_headers("2026-12-07T10:00:00Z");
        headers.insert(
            "authorization",
            "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=accept;content-type;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version;x-fc-invocation-type,Signature=b2e260a004de04ccafd1df076fe1447f4579167bb198ca72ab80162abcec5b28"
                .parse()
                .unwrap(),
        );
        let request = SignedRequest {
            method: "POST",
            path: PATH,
            query: Some(QUERY),
            headers: &headers,
        };
        let signed_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_637_600);
        assert_eq!(format_date(signed_at), "2026-12-07T10:00:00Z");
        verify(
            &credentials(),
            &request,
            signed_at + Duration::from_secs(60),
        )
        .unwrap();
        verify_payload(&headers, br#"{"action":"ok"}"#).unwrap();
        let tampered = verify_payload(&headers, br#"{"action":"evil"}"#).unwrap_err();
        assert_eq!(tampered.code, "SignatureNotMatch");

        // A signed header changed in transit no longer verifies.
        let mut changed = headers.clone();
        changed.insert("x-fc-invocation-type", "Sync".parse().unwrap());
        let request = SignedRequest {
            headers: &changed,
            ..request
        };
        let error = verify(&credentials(), &request, signed_at).unwrap_err();
        assert_eq!(
            (error.status, error.code),
            (StatusCode::FORBIDDEN, "SignatureNotMatch")
        );
    }

    #[test]
    fn the_canonical_query_sorts_and_encodes_values() {
        assert_eq!(
            canonical_query(Some("qualifier=LATEST&b=a+b%2Fc&a=%7E*'")),
            "a=~%2A%27&b=a%20b%2Fc&qualifier=LATEST"
        );
        assert_eq!(canonical_query(None), "");
        assert_eq!(canonical_query(Some("limit=")), "limit=");
    }

    #[test]
    fn a_path_sent_less_encoded_than_signed_still_verifies() {
        let now = SystemTime::now();
        let mut headers = python_sdk_headers(&format_date(now));
        sign_into(
            &mut headers,
            "GET",
            "/2023-03-30/functions/demo%24hostile",
            None,
        );
        let sent = SignedRequest {
            method: "GET",
            path: "/2023-03-30/functions/demo$hostile",
            query: None,
            headers: &headers,
        };
        verify(&credentials(), &sent, now).unwrap();
    }

    #[test]
    fn stale_dates_wrong_keys_and_missing_headers_get_fcs_answers() {
        let now = SystemTime::now();
        let old = now - Duration::from_secs(20 * 60);
        let mut headers = python_sdk_headers(&format_date(old));
        sign_into(
            &mut headers,
            "GET",
            "/2023-03-30/functions",
            Some("limit=2"),
        );
        let request = SignedRequest {
            method: "GET",
            path: "/2023-03-30/functions",
            query: Some("limit=2"),
            headers: &headers,
        };
        assert_eq!(
            verify(&credentials(), &request, now).unwrap_err().code,
            "RequestTimeTooSkewed"
        );
        verify(&credentials(), &request, old).unwrap();
        let other = Credentials {
            access_key_id: "other".into(),
            access_key_secret: "secret".into(),
        };
        assert_eq!(
            verify(&other, &request, old).unwrap_err().code,
            "InvalidAccessKeyId"
        );
        let wrong_secret = Credentials {
            access_key_id: "ak".into(),
            access_key_secret: "wrong".into(),
        };
        assert_eq!(
            verify(&wrong_secret, &request, old).unwrap_err().code,
            "SignatureNotMatch"
        );
        let bare = HeaderMap::new();
        let unsigned = SignedRequest {
            headers: &bare,
            ..request
        };
        let missing = verify(&credentials(), &unsigned, now).unwrap_err();
        assert_eq!(
            (missing.status, missing.code),
            (StatusCode::BAD_REQUEST, "MissingRequiredHeader")
        );
    }

    #[test]
    fn authorization_headers_parse() {
        assert_eq!(
            parse_authorization(
                "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host;x-acs-date,Signature=ab"
            ),
            Some(Authorization {
                key_id: "ak",
                signed_headers: vec!["host", "x-acs-date"],
                signature: "ab",
            })
        );
        assert_eq!(parse_authorization("FC ak:sig"), None);
        assert!(is_acs3("ACS3-HMAC-SHA256 Credential=ak"));
    }
}
