//! Signatures: accepted always, verified under `--auth`.

use std::time::{Duration, SystemTime};

use axum::body::Body;
use fclocal_sls_api::compression::Compression;
use fclocal_sls_api::{ApiConfig, Clock, Credentials};
use prost::Message as _;

use crate::support::*;

fn auth_config() -> ApiConfig {
    ApiConfig {
        credentials: Some(credentials()),
        ..config()
    }
}

#[tokio::test]
async fn without_credentials_any_signature_passes() {
    let router = app(&FakeBackend::new(), config());
    let mut request = get("/logstores");
    request.headers_mut().insert(
        "authorization",
        "LOG someone:not-a-signature".parse().unwrap(),
    );
    assert_eq!(send(&router, request).await.status, 200);
}

#[tokio::test]
async fn signed_requests_pass_and_unsigned_or_wrong_ones_do_not() {
    let backend = FakeBackend::new();
    let router = app(&backend, auth_config());

    // PutLogs with a compressed body: Content-MD5 covers the bytes sent.
    let raw = group("svc", &["signed"]).encode_to_vec();
    let compressed = Compression::Lz4.compress(&raw).unwrap();
    let request = sdk_request("POST", "/logstores/fc-logs/shards/lb")
        .header("content-type", "application/x-protobuf")
        .header("x-log-compresstype", "lz4")
        .header("x-log-bodyrawsize", raw.len().to_string())
        .body(Body::from(compressed.clone()))
        .unwrap();
    let answer = send(&router, sign(request, &compressed, &credentials())).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(backend.total_groups(), 1);

    // GetLogs v1: query values are signed decoded (`+`, `%7C`, `==`).
    let uri = format!(
        "/logstores/fc-logs?type=log&from={}&to={}&query=signed+%7C+select+1&topic=",
        NOW - 600,
        NOW + 1
    );
    let answer = send(&router, sign(get(&uri), b"", &credentials())).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);

    let answer = send(&router, get("/logstores")).await;
    assert!(answer.error(401, "Unauthorized").contains("not signed"));

    let wrong = Credentials::new("test-ak", "another-secret");
    let answer = send(&router, sign(get("/logstores"), b"", &wrong)).await;
    let message = answer.error(401, "SignatureNotMatch");
    assert!(
        message.contains("/logstores"),
        "the message shows the signed string: {message}"
    );

    let stranger = Credentials::new("stranger", "test-secret");
    send(&router, sign(get("/logstores"), b"", &stranger))
        .await
        .error(401, "InvalidAccessKeyId");

    // A signature for one query does not cover another.
    let signed = sign(get("/logstores?size=1"), b"", &credentials());
    let (mut parts, body) = signed.into_parts();
    parts.uri = "/logstores?size=2".parse().unwrap();
    send(&router, http::Request::from_parts(parts, body))
        .await
        .error(401, "SignatureNotMatch");
}

#[tokio::test]
async fn a_stale_date_is_expired() {
    let router = app(&FakeBackend::new(), auth_config());
    let mut request = get("/logstores");
    let stale = now() - Duration::from_secs(20 * 60);
    request
        .headers_mut()
        .insert("date", httpdate::fmt_http_date(stale).parse().unwrap());
    send(&router, sign(request, b"", &credentials()))
        .await
        .error(400, "RequestTimeExpired");
}

#[tokio::test]
async fn the_rs_sdk_test_vector_passes_through_the_router() {
    // aliyun-log-rust-sdk sign/src/sign.rs test_sign_case2: Date is the epoch.
    let router = app(
        &FakeBackend::new(),
        ApiConfig {
            credentials: Some(Credentials::new("test-access-key-id", "test-access-key")),
            clock: Clock::fixed(SystemTime::UNIX_EPOCH),
            ..ApiConfig::default()
        },
    );
    let body = "\n            {\"key\": \"value\"}\n        ";
    let request = http::Request::builder()
        .method("POST")
        .uri("/logstores/test-logstore?type=log&offset=0&line=100")
        .header("host", "proj.127.0.0.1")
        .header("x-log-apiversion", "0.6.0")
        .header("x-log-signaturemethod", "hmac-sha1")
        .header("content-type", "application/json")
        .header("content-md5", "CE688F8D1AC3ED309BA9BE0A5ABAFCE5")
        .header("date", "Thu, 01 Jan 1970 00:00:00 GMT")
        .header(
            "authorization",
            "LOG test-access-key-id:4pL2xZJERC3tPKtRiHh9+nMG3tI=",
        )
        .body(Body::from(body))
        .unwrap();
    let answer = send(&router, request).await;
    // Past the signature check, PutLogs finds JSON where protobuf belongs.
    answer.error(400, "PostBodyInvalid");
}
