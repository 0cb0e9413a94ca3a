//! FC's request signature, as the official SDKs compute it (fc2-sdk
//! `lib/helper.js` `composeStringToSign`, `lib/client.js` `getSignature`):
//!
//! ```text
//! Authorization: FC <AccessKeyId>:base64(HMAC-SHA256(secret, stringToSign))
//! stringToSign = METHOD \n Content-MD5 \n Content-Type \n Date \n
//!                <x-fc-* headers, lower-cased and sorted, as `name:value\n`>
//!                <URL-decoded path>
//!                [\n <sorted `key=value` query lines joined by \n>]   (HTTP-trigger paths only)
//! ```
//!
//! `Date` must be within 15 minutes of the server's clock. The fc2 SDKs sort
//! the query lines; the newer FC Open API SDKs' HTTP-trigger signing helper
//! keeps them in URL order, so both orders are accepted (the lines, and so
//! every parameter and value, are signed either way).

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use http::{HeaderMap, StatusCode};
use sha2::Sha256;

use crate::fc_error::FcError;

/// How far `Date` may be from the server's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// The AccessKey pair requests are signed with. Its `Debug` never prints
/// the secret (it ends up in `ServerOptions`' debug output and in logs).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// AccessKey ID.
    pub access_key_id: String,
    /// AccessKey secret.
    pub access_key_secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .finish()
    }
}

/// The string FC signs. `queries` is `Some` for HTTP-trigger paths
/// (`/2016-08-15/proxy/...`), whose query parameters are signed too.
pub fn string_to_sign(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    queries: Option<&[(String, String)]>,
) -> String {
    string_to_sign_in(QueryOrder::Sorted, method, path, headers, queries)
}

/// How the query lines of an HTTP-trigger signature are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueryOrder {
    /// Sorted (the fc2 SDKs).
    Sorted,
    /// As in the URL (the FC Open API SDKs' signing helper).
    AsSent,
}

fn string_to_sign_in(
    order: QueryOrder,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    queries: Option<&[(String, String)]>,
) -> String {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    };
    let mut fc_headers: Vec<(String, &str)> = headers
        .iter()
        .filter_map(|(name, value)| {
            let name = name.as_str().trim().to_ascii_lowercase();
            (name.starts_with("x-fc-")).then(|| (name, value.to_str().unwrap_or("")))
        })
        .collect();
    fc_headers.sort();
    let mut text = format!(
        "{method}\n{}\n{}\n{}\n",
        header("content-md5"),
        header("content-type"),
        header("date")
    );
    for (name, value) in fc_headers {
        text.push_str(&format!("{name}:{value}\n"));
    }
    text.push_str(&percent_decode(path));
    if let Some(queries) = queries {
        let mut lines: Vec<String> = queries.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if order == QueryOrder::Sorted {
            lines.sort();
        }
        text.push('\n');
        text.push_str(&lines.join("\n"));
    }
    text
}

/// `base64(HMAC-SHA256(secret, string_to_sign))`.
pub fn sign(secret: &str, string_to_sign: &str) -> String {
    BASE64.encode(mac(secret, string_to_sign).finalize().into_bytes())
}

/// Whether `signature` (base64) is [`sign`]'s answer, compared in constant
/// time so response timing says nothing about how much of a guessed
/// signature was right; text that is not base64 matches nothing.
fn signature_matches(secret: &str, string_to_sign: &str, signature: &str) -> bool {
    BASE64
        .decode(signature)
        .is_ok_and(|bytes| mac(secret, string_to_sign).verify_slice(&bytes).is_ok())
}

fn mac(secret: &str, string_to_sign: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(string_to_sign.as_bytes());
    mac
}

/// The `Authorization` header value for a request.
pub fn authorization(credentials: &Credentials, string_to_sign: &str) -> String {
    format!(
        "FC {}:{}",
        credentials.access_key_id,
        sign(&credentials.access_key_secret, string_to_sign)
    )
}

/// Checks a request's signature; the error is FC's answer (400 for missing
/// headers, 403 for a wrong key, a bad signature or a stale `Date`).
pub fn verify(
    credentials: &Credentials,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    queries: Option<&[(String, String)]>,
    now: SystemTime,
) -> Result<(), FcError> {
    let missing = |name: &str| {
        FcError::new(
            StatusCode::BAD_REQUEST,
            "MissingRequiredHeader",
            format!(
                "the request needs a `{name}` header: sign it as the FC SDKs do (`Authorization: FC <AccessKeyId>:<signature>` with a `Date` header)"
            ),
        )
    };
    let forbidden = |code, message: String| FcError::new(StatusCode::FORBIDDEN, code, message);
    let authorization = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| missing("Authorization"))?;
    let date = headers
        .get(http::header::DATE)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| missing("Date"))?;
    let date = httpdate::parse_http_date(date).map_err(|_| {
        forbidden(
            "InvalidArgument",
            format!("the `Date` header {date:?} is not an HTTP date like `Mon, 23 Nov 2026 10:00:00 GMT`"),
        )
    })?;
    let skew = now
        .duration_since(date)
        .or_else(|_| date.duration_since(now))
        .unwrap_or_default();
    if skew > MAX_SKEW {
        return Err(forbidden(
            "RequestTimeTooSkewed",
            format!(
                "the `Date` header is {} s away from the server's time; it must be within 15 minutes",
                skew.as_secs()
            ),
        ));
    }
    let Some((key_id, signature)) = authorization
        .strip_prefix("FC ")
        .and_then(|rest| rest.split_once(':'))
    else {
        return Err(forbidden(
            "InvalidArgument",
            "the `Authorization` header must read `FC <AccessKeyId>:<signature>`".to_owned(),
        ));
    };
    if key_id != credentials.access_key_id {
        return Err(forbidden(
            "InvalidAccessKeyId",
            format!(
                "AccessKeyId {key_id:?} is not the one fclocal was started with (shown in the `fclocal start` banner)"
            ),
        ));
    }
    let text = string_to_sign(method, path, headers, queries);
    let as_sent = || string_to_sign_in(QueryOrder::AsSent, method, path, headers, queries);
    let matches = |text: &str| signature_matches(&credentials.access_key_secret, text, signature);
    let signed = matches(&text) || (queries.is_some() && matches(&as_sent()));
    if !signed {
        return Err(forbidden(
            "SignatureNotMatch",
            format!(
                "the request signature does not match; the server signed this string: {text:?}"
            ),
        ));
    }
    Ok(())
}

/// Decodes `%XX` escapes (Node's `decodeURIComponent` on the pathname);
/// an invalid escape is kept as is.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(high * 16 + low);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|digit| digit as u8)
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

    fn signed_headers(
        date: SystemTime,
        path: &str,
        queries: Option<&[(String, String)]>,
    ) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("date", httpdate::fmt_http_date(date).parse().unwrap());
        headers.insert("content-type", "application/json".parse().unwrap());
        headers.insert("x-fc-account-id", "123".parse().unwrap());
        let text = string_to_sign("POST", path, &headers, queries);
        headers.insert(
            "authorization",
            authorization(&credentials(), &text).parse().unwrap(),
        );
        headers
    }

    #[test]
    fn the_string_to_sign_matches_the_sdks_layout() {
        let mut headers = HeaderMap::new();
        headers.insert("date", "Mon, 23 Nov 2026 10:00:00 GMT".parse().unwrap());
        headers.insert("content-md5", "abc".parse().unwrap());
        headers.insert("x-fc-z", "last".parse().unwrap());
        headers.insert("x-fc-a", "first".parse().unwrap());
        headers.insert("user-agent", "ignored".parse().unwrap());
        let queries = vec![
            ("b".to_owned(), "2".to_owned()),
            ("a".to_owned(), "1".to_owned()),
        ];
        assert_eq!(
            string_to_sign(
                "GET",
                "/2016-08-15/proxy/s/f/a%20b",
                &headers,
                Some(&queries)
            ),
            "GET\nabc\n\nMon, 23 Nov 2026 10:00:00 GMT\nx-fc-a:first\nx-fc-z:last\n/2016-08-15/proxy/s/f/a b\na=1\nb=2"
        );
        assert_eq!(
            string_to_sign("POST", "/p", &HeaderMap::new(), Some(&[])),
            "POST\n\n\n\n/p\n",
            "an HTTP-trigger path with no queries still ends with a newline"
        );
    }

    #[test]
    fn hmac_sha256_base64_is_stable() {
        // echo -n "data" | openssl dgst -sha256 -hmac key -binary | base64
        assert_eq!(
            sign("key", "data"),
            "UDH+PZicbRU3oBP6bnOdojRj/a7DtwE32Cjjas4iG9A="
        );
    }

    #[test]
    fn signatures_compare_as_decoded_bytes() {
        let signature = sign("key", "data");
        assert!(signature_matches("key", "data", &signature));
        assert!(!signature_matches("other", "data", &signature));
        assert!(!signature_matches("key", "data", &signature[..20]));
        assert!(!signature_matches("key", "data", "not base64!"));
        assert!(!signature_matches("key", "data", ""));
    }

    #[test]
    fn trigger_queries_signed_in_url_order_or_sorted_both_pass() {
        let now = SystemTime::now();
        let path = "/2016-08-15/proxy/s/f/";
        let in_url_order = vec![
            ("z".to_owned(), "1".to_owned()),
            ("a".to_owned(), "2".to_owned()),
        ];
        let mut headers = HeaderMap::new();
        headers.insert("date", httpdate::fmt_http_date(now).parse().unwrap());
        // What the FC Open API SDK's helper signs: the lines as in the URL.
        let text = string_to_sign_in(
            QueryOrder::AsSent,
            "GET",
            path,
            &headers,
            Some(&in_url_order),
        );
        assert!(text.ends_with("\nz=1\na=2"), "{text:?}");
        headers.insert(
            "authorization",
            authorization(&credentials(), &text).parse().unwrap(),
        );
        verify(
            &credentials(),
            "GET",
            path,
            &headers,
            Some(&in_url_order),
            now,
        )
        .unwrap();
        // The fc2 SDKs' sorted lines pass too.
        let sorted = signed_headers(now, path, Some(&in_url_order));
        verify(
            &credentials(),
            "POST",
            path,
            &sorted,
            Some(&in_url_order),
            now,
        )
        .unwrap();
        // Either way every value is signed.
        let changed = vec![
            ("z".to_owned(), "1".to_owned()),
            ("a".to_owned(), "3".to_owned()),
        ];
        let error = verify(&credentials(), "GET", path, &headers, Some(&changed), now).unwrap_err();
        assert!(
            format!("{error:?}").contains("SignatureNotMatch"),
            "{error:?}"
        );
    }

    #[test]
    fn a_correctly_signed_request_passes() {
        let now = SystemTime::now();
        let headers = signed_headers(now, "/2016-08-15/services/s/functions/f/invocations", None);
        verify(
            &credentials(),
            "POST",
            "/2016-08-15/services/s/functions/f/invocations",
            &headers,
            None,
            now,
        )
        .unwrap();
    }

    #[test]
    fn wrong_missing_and_stale_signatures_get_fcs_answers() {
        let now = SystemTime::now();
        let path = "/2016-08-15/proxy/s/f/";
        let headers = signed_headers(now, path, Some(&[]));
        let tampered = verify(&credentials(), "GET", path, &headers, Some(&[]), now).unwrap_err();
        assert_eq!(
            (tampered.status, tampered.code),
            (StatusCode::FORBIDDEN, "SignatureNotMatch")
        );

        let stale = signed_headers(now - Duration::from_secs(20 * 60), path, Some(&[]));
        let expired = verify(&credentials(), "POST", path, &stale, Some(&[]), now).unwrap_err();
        assert_eq!(
            (expired.status, expired.code),
            (StatusCode::FORBIDDEN, "RequestTimeTooSkewed")
        );

        let missing =
            verify(&credentials(), "POST", path, &HeaderMap::new(), None, now).unwrap_err();
        assert_eq!(
            (missing.status, missing.code),
            (StatusCode::BAD_REQUEST, "MissingRequiredHeader")
        );

        let other = Credentials {
            access_key_id: "other".into(),
            access_key_secret: "secret".into(),
        };
        let unknown = verify(&other, "POST", path, &headers, Some(&[]), now).unwrap_err();
        assert_eq!(unknown.code, "InvalidAccessKeyId");
    }
}
