//! SDK-shaped requests and answers, and the shared test settings.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use fclocal_sls_api::compression::Compression;
use fclocal_sls_api::params::Params;
use fclocal_sls_api::{ApiConfig, Clock, Credentials, Log, LogContent, LogGroup, signature};
use http::{HeaderMap, Request, StatusCode};
use md5::{Digest as _, Md5};
use prost::Message as _;
use tower::ServiceExt as _;

pub use crate::fake::FakeBackend;

/// The fixed "now" of every test, UNIX seconds (2027-01-15).
pub const NOW: u64 = 1_800_000_000;
/// The project the fake knows.
pub const PROJECT: &str = "proj";
/// The logstore the fake knows (2 shards).
pub const LOGSTORE: &str = "fc-logs";
/// `Host` as the SDKs send it for endpoint `127.0.0.1:9000`.
pub const HOST: &str = "proj.127.0.0.1:9000";

pub fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW)
}

pub fn config() -> ApiConfig {
    ApiConfig {
        clock: Clock::fixed(now()),
        ..ApiConfig::default()
    }
}

pub fn credentials() -> Credentials {
    Credentials::new("test-ak", "test-secret")
}

/// The router over `backend`.
pub fn app(backend: &Arc<FakeBackend>, config: ApiConfig) -> Router {
    fclocal_sls_api::router(backend.clone(), config)
}

/// An answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts an SLS error answer and returns its message.
    pub fn error(&self, status: u16, code: &str) -> String {
        let json = self.json();
        assert_eq!(
            (
                self.status.as_u16(),
                json["errorCode"].as_str().unwrap_or("")
            ),
            (status, code),
            "{json}"
        );
        assert!(!self.header("x-log-requestid").is_empty());
        json["errorMessage"].as_str().unwrap_or("").to_owned()
    }
}

pub async fn send(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

/// A request as the SDKs start one: `Host: proj.<endpoint>` and the
/// `x-log-*` headers every SDK sends.
pub fn sdk_request(method: &str, uri: &str) -> http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("host", HOST)
        .header("x-log-apiversion", "0.6.0")
        .header("x-log-signaturemethod", "hmac-sha1")
        .header("date", httpdate::fmt_http_date(now()))
}

/// A GET with no body.
pub fn get(uri: &str) -> Request<Body> {
    sdk_request("GET", uri)
        .header("x-log-bodyrawsize", "0")
        .body(Body::empty())
        .unwrap()
}

/// A group of logs at `NOW`, `message` = each text.
pub fn group(topic: &str, messages: &[&str]) -> LogGroup {
    LogGroup {
        logs: messages
            .iter()
            .enumerate()
            .map(|(i, message)| Log {
                time: (NOW - 100 + i as u64) as u32,
                contents: vec![
                    LogContent::new("message", *message),
                    LogContent::new("functionName", "hello"),
                ],
                time_ns: None,
            })
            .collect(),
        topic: Some(topic.to_owned()),
        source: Some("10.0.0.1".to_owned()),
        log_tags: vec![fclocal_sls_api::LogTag::new(
            "__receive_time__",
            NOW.to_string(),
        )],
        ..LogGroup::default()
    }
}

/// PutLogs as an SDK sends it: protobuf, compressed as asked (raw LZ4 block
/// or zstd), `x-log-bodyrawsize` always.
pub fn put(uri: &str, group: &LogGroup, compression: Option<Compression>) -> Request<Body> {
    put_bytes(uri, group.encode_to_vec(), compression)
}

pub fn put_bytes(uri: &str, raw: Vec<u8>, compression: Option<Compression>) -> Request<Body> {
    let mut builder = sdk_request("POST", uri)
        .header("content-type", "application/x-protobuf")
        .header("x-log-bodyrawsize", raw.len().to_string());
    let body = match compression {
        Some(compression) => {
            builder = builder.header("x-log-compresstype", compression.name());
            compression.compress(&raw).unwrap()
        }
        None => raw,
    };
    builder.body(Body::from(body)).unwrap()
}

/// Signs a request as the SDKs do: `Content-MD5` (upper-case hex) for a body,
/// then `Authorization: LOG <id>:<signature>` over the wire path and the
/// decoded query.
pub fn sign(request: Request<Body>, body: &[u8], credentials: &Credentials) -> Request<Body> {
    let (mut parts, request_body) = request.into_parts();
    if !body.is_empty() {
        let md5 = format!("{:X}", Md5::digest(body));
        parts.headers.insert("content-md5", md5.parse().unwrap());
    }
    let query = Params::from_query(parts.uri.query());
    let text = signature::string_to_sign(
        parts.method.as_str(),
        parts.uri.path(),
        &parts.headers,
        query.pairs(),
    );
    parts.headers.insert(
        "authorization",
        signature::authorization(credentials, &text)
            .parse()
            .unwrap(),
    );
    Request::from_parts(parts, request_body)
}

/// Decodes a compressed answer as go-sdk does: by `x-log-compresstype`, to
/// exactly `x-log-bodyrawsize` bytes.
pub fn decompress(answer: &Answer) -> Vec<u8> {
    let raw: usize = answer.header("x-log-bodyrawsize").parse().unwrap();
    match answer.header("x-log-compresstype") {
        "lz4" => {
            let out = lz4_flex::block::decompress(&answer.body, raw).unwrap();
            assert_eq!(out.len(), raw);
            out
        }
        "zstd" => zstd::bulk::decompress(&answer.body, raw).unwrap(),
        other => panic!("unexpected compression {other}"),
    }
}
