//! SLS's v1 request signature, as the SDKs compute it (go-sdk `signature.go`
//! `SignerV1`, py-sdk `util.py` `get_request_authorization`, rs-sdk
//! `sign/src/sign.rs` `sign_v1`):
//!
//! ```text
//! Authorization: LOG <AccessKeyId>:base64(HMAC-SHA1(secret, stringToSign))
//! stringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n
//!                <x-log-* and x-acs-* headers, lower-cased, sorted, as `name:value\n`>
//!                <path>[?<sorted `key=value` pairs, URL-decoded, joined by &>]
//! ```
//!
//! Details the SDKs agree on: `Content-MD5` is the upper-case hex MD5 of the
//! body as sent (empty when there is none); header values are trimmed; the
//! path is the one on the wire (logstore names need no escaping); query
//! values are signed decoded (`cursor=MTQ…==`, not `%3D%3D`). Two variants are
//! also accepted: go-sdk's extra `\n` when no `x-log-*` header is signed, and
//! the percent-decoded path. go-sdk forks prefix `SLS ` instead of `LOG `.
//! `x-log-date` is a copy of `Date` that py-sdk and npm `@alicloud/log` add
//! *after* signing (for proxies that drop `Date`), so a signature is also
//! accepted without it, and it stands in for a missing `Date`.
//!
//! Verification only runs with [`ApiConfig::credentials`](crate::ApiConfig)
//! set (fclocal's `--auth`); `Date` must then be within 15 minutes of the
//! server's clock, as on SLS. Besides the server's own pair, requests may be
//! signed with a function's scoped credentials ([`crate::sts`]: an `STS.`
//! AccessKeyId and its `x-acs-security-token`); [`authorize`] then keeps
//! them to the function's logstore.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha1::Sha1;

use crate::config::Credentials;
use crate::error::ApiError;
use crate::project;
use crate::sts::{self, Scope};

/// How far `Date` may be from the server's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// The string an SDK signs for a request. `path` is the URL path as sent and
/// `query` the decoded query pairs.
pub fn string_to_sign(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> String {
    let mut text = header_part(method, headers);
    for (name, value) in signed_headers(headers) {
        text.push_str(&name);
        text.push(':');
        text.push_str(value);
        text.push('\n');
    }
    text.push_str(path);
    text.push_str(&canonical_query(query));
    text
}

/// `base64(HMAC-SHA1(secret, string_to_sign))`.
pub fn sign(secret: &str, string_to_sign: &str) -> String {
    BASE64.encode(mac(secret, string_to_sign).finalize().into_bytes())
}

/// The `Authorization` header value for a request: `LOG <id>:<signature>`.
pub fn authorization(credentials: &Credentials, string_to_sign: &str) -> String {
    format!(
        "LOG {}:{}",
        credentials.access_key_id,
        sign(&credentials.access_key_secret, string_to_sign)
    )
}

/// Checks a request's v1 signature; the error is SLS's answer.
pub fn verify(
    credentials: &Credentials,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    query: &[(String, String)],
    now: SystemTime,
) -> Result<(), ApiError> {
    verify_scoped(credentials, method, path, headers, query, now).map(|_| ())
}

/// [`verify`], and for a function's scoped credentials also checks that the
/// request stays on that function's logstore (the project resolved as
/// [`project::resolve`] does, with `default_project`).
pub fn authorize(
    credentials: &Credentials,
    default_project: Option<&str>,
    method: &str,
    uri: &http::Uri,
    headers: &HeaderMap,
    query: &[(String, String)],
    now: SystemTime,
) -> Result<(), ApiError> {
    let Some(scope) = verify_scoped(credentials, method, uri.path(), headers, query, now)? else {
        return Ok(());
    };
    let query_project = query
        .iter()
        .find(|(key, _)| key == project::PROJECT_PARAM)
        .map(|(_, value)| value.as_str());
    let project = project::resolve(
        headers,
        uri.authority().map(|authority| authority.as_str()),
        query_project,
        default_project,
    )?;
    let logstore = uri
        .path()
        .strip_prefix("/logstores/")
        .and_then(|rest| rest.split('/').next())
        .map(percent_decode);
    if project == scope.project && logstore.as_deref() == Some(scope.logstore.as_str()) {
        return Ok(());
    }
    Err(ApiError::Unauthorized(format!(
        "denied by sts or ram: the credentials of function {}/{} may only use logstore {} of project {}, not {method} {} in project {project}",
        scope.service,
        scope.function,
        scope.logstore,
        scope.project,
        uri.path()
    )))
}

/// The signature check; `Some(scope)` when the request was signed with a
/// function's scoped credentials.
fn verify_scoped(
    credentials: &Credentials,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    query: &[(String, String)],
    now: SystemTime,
) -> Result<Option<Scope>, ApiError> {
    let authorization = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "the request is not signed, and fclocal was started with --auth: sign it as the SLS SDKs do (`Authorization: LOG <AccessKeyId>:<signature>` and a `Date` header) with the AccessKey pair fclocal printed".to_owned(),
            )
        })?;
    let Some((key_id, signature)) = authorization
        .strip_prefix("LOG ")
        .or_else(|| authorization.strip_prefix("SLS "))
        .and_then(|rest| rest.trim().split_once(':'))
    else {
        return Err(ApiError::Unauthorized(format!(
            "the Authorization header must read `LOG <AccessKeyId>:<signature>` (SLS signature v1; v4 is not supported by fclocal), got {:?}",
            authorization.split(' ').next().unwrap_or("")
        )));
    };
    check_date(headers, now)?;
    let (secret, scope) = if key_id.starts_with(sts::ACCESS_KEY_PREFIX) {
        let token = headers
            .get(sts::SECURITY_TOKEN_HEADER)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| {
                ApiError::InvalidAccessKeyId(format!(
                    "AccessKeyId {key_id:?} is an STS key: send its security token in the {} header (the function's ALIBABA_CLOUD_SECURITY_TOKEN)",
                    sts::SECURITY_TOKEN_HEADER
                ))
            })?;
        let (scope, secret) = sts::open(&credentials.access_key_secret, key_id, token)?;
        (secret, Some(scope))
    } else if key_id == credentials.access_key_id {
        (credentials.access_key_secret.clone(), None)
    } else {
        return Err(ApiError::InvalidAccessKeyId(format!(
            "AccessKeyId {key_id:?} is not the one fclocal was started with (shown in the `fclocal start` banner)"
        )));
    };
    let signature = BASE64.decode(signature.trim()).unwrap_or_default();
    let candidates = candidates(method, path, headers, query);
    let matches = candidates
        .iter()
        .any(|text| mac(&secret, text).verify_slice(&signature).is_ok());
    if matches {
        return Ok(scope);
    }
    Err(ApiError::SignatureNotMatch(format!(
        "Signature {:?} not matched; the server signed this string: {:?}",
        authorization.rsplit(':').next().unwrap_or(""),
        candidates.first().map(String::as_str).unwrap_or("")
    )))
}

/// `x-log-date`: see the module docs.
const LOG_DATE: &str = "x-log-date";

/// `Date`, or `x-log-date` when a proxy dropped `Date`.
fn request_date(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(http::header::DATE)
        .or_else(|| headers.get(LOG_DATE))
        .and_then(|value| value.to_str().ok())
}

fn check_date(headers: &HeaderMap, now: SystemTime) -> Result<(), ApiError> {
    let date = request_date(headers).ok_or_else(|| {
        ApiError::RequestTimeExpired("Date does not exist in http header".to_owned())
    })?;
    let at = httpdate::parse_http_date(date).map_err(|_| {
        ApiError::RequestTimeExpired(format!(
            "Request time {date:?} not follow RFC822 spec: send a date like `Mon, 23 Nov 2026 10:00:00 GMT`"
        ))
    })?;
    let skew = now
        .duration_since(at)
        .or_else(|_| at.duration_since(now))
        .unwrap_or_default();
    if skew > MAX_SKEW {
        return Err(ApiError::RequestTimeExpired(format!(
            "Request time {date} has been expired while server time is {}: the clocks differ by {} s, over 15 minutes",
            httpdate::fmt_http_date(now),
            skew.as_secs()
        )));
    }
    Ok(())
}

/// Every string an SDK may have signed for this request, canonical first:
/// with `x-log-date` among the signed headers, then without it.
fn candidates(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Vec<String> {
    let mut out = candidates_with(method, path, headers, query);
    if headers.contains_key(LOG_DATE) {
        let mut signed_before = headers.clone();
        signed_before.remove(LOG_DATE);
        if !signed_before.contains_key(http::header::DATE)
            && let Some(date) = headers.get(LOG_DATE)
        {
            signed_before.insert(http::header::DATE, date.clone());
        }
        out.extend(candidates_with(method, path, &signed_before, query));
    }
    out
}

/// [`candidates`] for these exact headers.
fn candidates_with(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Vec<String> {
    let decoded = percent_decode(path);
    let mut paths = vec![path.to_owned()];
    if decoded != path {
        paths.push(decoded);
    }
    let mut out = Vec::new();
    for path in &paths {
        out.push(string_to_sign(method, path, headers, query));
        if signed_headers(headers).is_empty() {
            // go-sdk joins the (here absent) headers and then adds "\n".
            out.push(format!(
                "{}\n{path}{}",
                header_part(method, headers),
                canonical_query(query)
            ));
        }
    }
    out
}

fn header_part(method: &str, headers: &HeaderMap) -> String {
    let header = |name: http::header::HeaderName| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    };
    format!(
        "{method}\n{}\n{}\n{}\n",
        header(http::header::HeaderName::from_static("content-md5")),
        header(http::header::CONTENT_TYPE),
        header(http::header::DATE)
    )
}

fn signed_headers(headers: &HeaderMap) -> Vec<(String, &str)> {
    let mut signed: Vec<(String, &str)> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("x-log-") || name.as_str().starts_with("x-acs-"))
        .map(|name| {
            let value = headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("")
                .trim();
            (name.as_str().to_owned(), value)
        })
        .collect();
    signed.sort();
    signed
}

fn canonical_query(query: &[(String, String)]) -> String {
    if query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let joined: Vec<String> = pairs
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    format!("?{}", joined.join("&"))
}

fn mac(secret: &str, text: &str) -> Hmac<Sha1> {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(text.as_bytes());
    mac
}

/// Decodes `%XX` escapes; an invalid escape is kept as is.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(high), Some(low)) = (
                bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16)),
                bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16)),
            )
        {
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headers as rs-sdk `sign_v1` leaves them (its tests pin `Date` to the epoch).
    fn rs_sdk_headers(body: Option<&str>, token: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-log-apiversion", "0.6.0".parse().unwrap());
        headers.insert("x-log-signaturemethod", "hmac-sha1".parse().unwrap());
        headers.insert("date", "Thu, 01 Jan 1970 00:00:00 GMT".parse().unwrap());
        if let Some(token) = token {
            headers.insert("x-acs-security-token", token.parse().unwrap());
        }
        if let Some(body) = body {
            headers.insert("content-type", "application/json".parse().unwrap());
            headers.insert("content-length", body.len().to_string().parse().unwrap());
            // rs-sdk: format!("{:X}", md5::compute(body))
            headers.insert(
                "content-md5",
                "CE688F8D1AC3ED309BA9BE0A5ABAFCE5".parse().unwrap(),
            );
        }
        headers
    }

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const RS_SDK_BODY: &str = "\n            {\"key\": \"value\"}\n        ";

    #[test]
    fn matches_the_rs_sdk_test_vectors() {
        // aliyun-log-rust-sdk sign/src/sign.rs, test_sign_case1..4.
        let empty = Credentials::new("", "");
        let text = string_to_sign("GET", "/", &rs_sdk_headers(None, None), &[]);
        assert_eq!(
            authorization(&empty, &text),
            "LOG :SApFTtfTFKHmzdEdaMe5TjNn+RQ="
        );

        let credentials = Credentials::new("test-access-key-id", "test-access-key");
        let query = pairs(&[("type", "log"), ("offset", "0"), ("line", "100")]);
        let text = string_to_sign(
            "POST",
            "/logstores/test-logstore",
            &rs_sdk_headers(Some(RS_SDK_BODY), None),
            &query,
        );
        assert_eq!(
            authorization(&credentials, &text),
            "LOG test-access-key-id:4pL2xZJERC3tPKtRiHh9+nMG3tI="
        );

        let headers = rs_sdk_headers(Some(RS_SDK_BODY), Some("test-security-token"));
        let text = string_to_sign("POST", "/logstores/test-logstore", &headers, &query);
        assert_eq!(
            authorization(&credentials, &text),
            "LOG test-access-key-id:ZQt+0wIvpd+O9yIJKeKxZTJ2hv0="
        );

        let query = pairs(&[
            ("type", "log"),
            ("count", "1000"),
            ("cursor", "MTczNzY2OTAzNjAxNzIxODQ1NA=="),
        ]);
        let text = string_to_sign("POST", "/logstores/test/shards/2", &headers, &query);
        assert_eq!(
            authorization(&credentials, &text),
            "LOG test-access-key-id:K3rw5WXRe77aZ/meSyEa8NNUYFc="
        );
    }

    #[test]
    fn the_layout_matches_the_sdks() {
        let mut headers = HeaderMap::new();
        headers.insert("date", "Mon, 23 Nov 2026 10:00:00 GMT".parse().unwrap());
        headers.insert("x-log-bodyrawsize", " 0 ".parse().unwrap());
        headers.insert("x-acs-security-token", "t".parse().unwrap());
        headers.insert("user-agent", "ignored".parse().unwrap());
        let query = pairs(&[("to", "2"), ("from", "1")]);
        assert_eq!(
            string_to_sign("GET", "/logstores/ls", &headers, &query),
            "GET\n\n\nMon, 23 Nov 2026 10:00:00 GMT\nx-acs-security-token:t\nx-log-bodyrawsize:0\n/logstores/ls?from=1&to=2"
        );
    }

    #[test]
    fn py_sdk_signatures_verify_with_the_x_log_date_it_adds_after_signing() {
        // py-sdk AuthV1.sign_request: sign, then `headers['x-log-date'] = headers['Date']`.
        let credentials = Credentials::new("test-access-key-id", "test-access-key");
        let mut headers = rs_sdk_headers(Some(RS_SDK_BODY), None);
        let query = pairs(&[("type", "log"), ("offset", "0"), ("line", "100")]);
        let text = string_to_sign("POST", "/logstores/test-logstore", &headers, &query);
        let signed = authorization(&credentials, &text);
        headers.insert("authorization", signed.parse().unwrap());
        headers.insert(
            "x-log-date",
            "Thu, 01 Jan 1970 00:00:00 GMT".parse().unwrap(),
        );
        let epoch = SystemTime::UNIX_EPOCH;
        verify(
            &credentials,
            "POST",
            "/logstores/test-logstore",
            &headers,
            &query,
            epoch,
        )
        .unwrap();
        // A proxy that drops `Date`: `x-log-date` stands in for it.
        headers.remove("date");
        verify(
            &credentials,
            "POST",
            "/logstores/test-logstore",
            &headers,
            &query,
            epoch,
        )
        .unwrap();
        // Still bound to the signed content.
        let tampered = pairs(&[("type", "log"), ("offset", "1"), ("line", "100")]);
        let error = verify(
            &credentials,
            "POST",
            "/logstores/test-logstore",
            &headers,
            &tampered,
            epoch,
        )
        .unwrap_err();
        assert_eq!(error.code(), "SignatureNotMatch");
    }

    #[test]
    fn verify_accepts_the_vector_and_rejects_tampering() {
        let credentials = Credentials::new("test-access-key-id", "test-access-key");
        let mut headers = rs_sdk_headers(Some(RS_SDK_BODY), None);
        headers.insert(
            "authorization",
            "LOG test-access-key-id:4pL2xZJERC3tPKtRiHh9+nMG3tI="
                .parse()
                .unwrap(),
        );
        let query = pairs(&[("type", "log"), ("offset", "0"), ("line", "100")]);
        let epoch = SystemTime::UNIX_EPOCH;
        verify(
            &credentials,
            "POST",
            "/logstores/test-logstore",
            &headers,
            &query,
            epoch,
        )
        .unwrap();

        let tampered = pairs(&[("type", "log"), ("offset", "1"), ("line", "100")]);
        let error = verify(
            &credentials,
            "POST",
            "/logstores/test-logstore",
            &headers,
            &tampered,
            epoch,
        )
        .unwrap_err();
        assert_eq!(
            (error.status().as_u16(), error.code()),
            (401, "SignatureNotMatch")
        );

        let late = epoch + Duration::from_secs(16 * 60);
        let error = verify(
            &credentials,
            "POST",
            "/logstores/test-logstore",
            &headers,
            &query,
            late,
        )
        .unwrap_err();
        assert_eq!(error.code(), "RequestTimeExpired");

        let other = Credentials::new("someone-else", "test-access-key");
        let error = verify(
            &other,
            "POST",
            "/logstores/test-logstore",
            &headers,
            &query,
            epoch,
        )
        .unwrap_err();
        assert_eq!(error.code(), "InvalidAccessKeyId");

        headers.remove("authorization");
        let error = verify(
            &credentials,
            "POST",
            "/logstores/test-logstore",
            &headers,
            &query,
            epoch,
        )
        .unwrap_err();
        assert_eq!(
            (error.status().as_u16(), error.code()),
            (401, "Unauthorized")
        );
    }

    #[test]
    fn scoped_credentials_sign_only_for_their_logstore() {
        let server = Credentials::new("LTAIserver", "server-secret");
        let scoped = sts::mint(
            "server-secret",
            &Scope {
                project: "p".into(),
                logstore: "ls".into(),
                service: "s".into(),
                function: "f".into(),
            },
        );
        let signed = |path: &str, project: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("date", "Thu, 01 Jan 1970 00:00:00 GMT".parse().unwrap());
            headers.insert("x-log-project", project.parse().unwrap());
            headers.insert(
                sts::SECURITY_TOKEN_HEADER,
                scoped.security_token.parse().unwrap(),
            );
            let text = string_to_sign("POST", path, &headers, &[]);
            let pair = Credentials::new(
                scoped.access_key_id.clone(),
                scoped.access_key_secret.clone(),
            );
            headers.insert(
                "authorization",
                authorization(&pair, &text).parse().unwrap(),
            );
            headers
        };
        let check = |path: &str, project: &str| {
            authorize(
                &server,
                None,
                "POST",
                &path.parse().unwrap(),
                &signed(path, project),
                &[],
                SystemTime::UNIX_EPOCH,
            )
        };
        check("/logstores/ls/shards/lb", "p").unwrap();
        for (path, project) in [
            ("/logstores/other/shards/lb", "p"),
            ("/logstores/ls/shards/lb", "q"),
            ("/logstores", "p"),
        ] {
            let error = check(path, project).unwrap_err();
            assert_eq!(error.code(), "Unauthorized", "{path} in {project}");
        }
        // The scoped secret is not the server's: signing with it under the
        // server's AccessKeyId fails.
        let mut headers = signed("/logstores/ls/shards/lb", "p");
        let text = string_to_sign("POST", "/logstores/ls/shards/lb", &headers, &[]);
        headers.insert(
            "authorization",
            format!("LOG LTAIserver:{}", sign(&scoped.access_key_secret, &text))
                .parse()
                .unwrap(),
        );
        let error = verify(
            &server,
            "POST",
            "/logstores/ls/shards/lb",
            &headers,
            &[],
            SystemTime::UNIX_EPOCH,
        )
        .unwrap_err();
        assert_eq!(error.code(), "SignatureNotMatch");
    }

    #[test]
    fn go_sdks_empty_header_block_and_escaped_paths_verify() {
        let credentials = Credentials::new("ak", "sk");
        let mut headers = HeaderMap::new();
        headers.insert("date", "Thu, 01 Jan 1970 00:00:00 GMT".parse().unwrap());
        let go_text = "GET\n\n\nThu, 01 Jan 1970 00:00:00 GMT\n\n/logstores/a b";
        headers.insert(
            "authorization",
            format!("SLS ak:{}", sign("sk", go_text)).parse().unwrap(),
        );
        verify(
            &credentials,
            "GET",
            "/logstores/a%20b",
            &headers,
            &[],
            SystemTime::UNIX_EPOCH,
        )
        .unwrap();
    }
}
