//! ACS3 verification against the SDKs' signatures, and its refusals.

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
        &SeenNonces::default(),
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
    let error = verify(&credentials(), &request, &SeenNonces::default(), signed_at).unwrap_err();
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
    verify(&credentials(), &sent, &SeenNonces::default(), now).unwrap();
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
        verify(&credentials(), &request, &SeenNonces::default(), now)
            .unwrap_err()
            .code,
        "RequestTimeTooSkewed"
    );
    verify(&credentials(), &request, &SeenNonces::default(), old).unwrap();
    let other = Credentials {
        access_key_id: "other".into(),
        access_key_secret: "secret".into(),
    };
    assert_eq!(
        verify(&other, &request, &SeenNonces::default(), old)
            .unwrap_err()
            .code,
        "InvalidAccessKeyId"
    );
    let wrong_secret = Credentials {
        access_key_id: "ak".into(),
        access_key_secret: "wrong".into(),
    };
    assert_eq!(
        verify(&wrong_secret, &request, &SeenNonces::default(), old)
            .unwrap_err()
            .code,
        "SignatureNotMatch"
    );
    let bare = HeaderMap::new();
    let unsigned = SignedRequest {
        headers: &bare,
        ..request
    };
    let missing = verify(&credentials(), &unsigned, &SeenNonces::default(), now).unwrap_err();
    assert_eq!(
        (missing.status, missing.code),
        (StatusCode::BAD_REQUEST, "MissingRequiredHeader")
    );
}

/// A request signed now by a Node.js SDK, and the time it was signed.
fn signed_now(path: &str) -> (HeaderMap, SystemTime) {
    let now = SystemTime::now();
    let mut headers = python_sdk_headers(&format_date(now));
    sign_into(&mut headers, "GET", path, None);
    (headers, now)
}

fn get<'a>(path: &'a str, headers: &'a HeaderMap) -> SignedRequest<'a> {
    SignedRequest {
        method: "GET",
        path,
        query: None,
        headers,
    }
}

#[test]
fn a_request_sent_again_with_its_nonce_is_refused_until_its_date_goes_stale() {
    let path = "/2023-03-30/functions";
    let (headers, now) = signed_now(path);
    let nonces = SeenNonces::default();
    verify(&credentials(), &get(path, &headers), &nonces, now).unwrap();
    let again = verify(
        &credentials(),
        &get(path, &headers),
        &nonces,
        now + Duration::from_secs(60),
    )
    .unwrap_err();
    assert_eq!(
        (again.status, again.code),
        (StatusCode::FORBIDDEN, "SignatureNonceUsed")
    );
    assert!(
        again.message.contains("already received"),
        "{}",
        again.message
    );

    // A new nonce, as an SDK retry makes, passes.
    let mut retry = headers.clone();
    retry.insert(NONCE, "nonce-2".parse().unwrap());
    retry.remove("authorization");
    sign_into(&mut retry, "GET", path, None);
    verify(&credentials(), &get(path, &retry), &nonces, now).unwrap();

    // A request that does not verify leaves no nonce behind.
    let mut forged = headers.clone();
    forged.insert(NONCE, "nonce-3".parse().unwrap());
    assert_eq!(
        verify(&credentials(), &get(path, &forged), &nonces, now)
            .unwrap_err()
            .code,
        "SignatureNotMatch"
    );
    assert_eq!(nonces.len(), 2);
}

#[test]
fn host_and_the_nonce_must_be_signed_when_sent() {
    let path = "/2023-03-30/functions";
    let now = SystemTime::now();
    for left_out in ["host", NONCE] {
        let mut headers = python_sdk_headers(&format_date(now));
        let value = headers.remove(left_out).unwrap();
        sign_into(&mut headers, "GET", path, None);
        headers.insert(left_out, value);
        let error = verify(
            &credentials(),
            &get(path, &headers),
            &SeenNonces::default(),
            now,
        )
        .unwrap_err();
        assert_eq!(
            (error.status, error.code),
            (StatusCode::FORBIDDEN, "SignatureNotMatch"),
            "{left_out}"
        );
        assert!(
            error
                .message
                .contains(&format!("`{left_out}` must be one of the SignedHeaders")),
            "{}",
            error.message
        );
        // Not sent at all, there is nothing to protect.
        headers.remove(left_out);
        verify(
            &credentials(),
            &get(path, &headers),
            &SeenNonces::default(),
            now,
        )
        .unwrap();
    }
}

#[test]
fn a_malformed_authorization_is_a_bad_request() {
    let path = "/2023-03-30/functions";
    let (mut headers, now) = signed_now(path);
    headers.insert(
        "authorization",
        "ACS3-HMAC-SHA256 Credential=ak".parse().unwrap(),
    );
    let error = verify(
        &credentials(),
        &get(path, &headers),
        &SeenNonces::default(),
        now,
    )
    .unwrap_err();
    assert_eq!(
        (error.status, error.code),
        (StatusCode::BAD_REQUEST, "InvalidArgument")
    );
}

#[test]
fn signatures_compare_as_bytes_in_either_hex_case() {
    let canonical = "GET\n/\n\n\n\n";
    let signature = sign("secret", canonical);
    assert!(signature_matches("secret", canonical, &signature));
    assert!(signature_matches(
        "secret",
        canonical,
        &signature.to_ascii_uppercase()
    ));
    assert!(!signature_matches("other", canonical, &signature));
    assert!(!signature_matches("secret", canonical, &signature[..62]));
    assert!(!signature_matches("secret", canonical, "not hex"));
    assert!(!signature_matches("secret", canonical, ""));
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
