//! FC 3.0's HTTP triggers for built-in runtimes (Node.js, Python): the
//! request reaches the handler as an *event* and the handler's return value
//! is the response (reference/fc-runtimes.md §3, "HTTP and event handler
//! signatures are unified"). Custom runtimes (WebAssembly components) keep
//! FC 2.0's HTTP behaviour and never come here.
//!
//! The event: `{"version":"v1","rawPath","body","isBase64Encoded","headers",
//! "queryParameters","requestContext":{…,"http":{"method","path","protocol",
//! "sourceIp","userAgent"},"requestId","time","timeEpoch"}}`, repeated
//! headers and query parameters comma-joined, `body` base64 unless it is
//! UTF-8 text. The answer: `{"statusCode","headers","isBase64Encoded","body"}`;
//! anything else is a 200 whose body is the returned bytes.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde_json::{Map, Value, json};

/// What the event is built from.
pub struct HttpEventInput<'a> {
    /// The request method.
    pub method: &'a Method,
    /// The path as sent (still percent-encoded): `rawPath`.
    pub raw_path: &'a str,
    /// The query string without `?`.
    pub query: &'a str,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The body.
    pub body: &'a [u8],
    /// The client's address.
    pub source_ip: String,
    /// The request id.
    pub request_id: &'a str,
    /// The account id functions see.
    pub account_id: &'a str,
    /// The host the request named (`domainName`).
    pub domain: &'a str,
}

/// The FC 3.0 HTTP event for a request, as JSON bytes.
pub fn event(input: &HttpEventInput<'_>, now: SystemTime) -> Vec<u8> {
    let mut headers = Map::new();
    for (name, value) in input.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        let key = canonical_header_name(name.as_str());
        join_into(&mut headers, key, value);
    }
    let mut queries = Map::new();
    for (key, value) in form_urlencoded::parse(input.query.as_bytes()) {
        join_into(&mut queries, key.into_owned(), value.into_owned());
    }
    let (body, is_base64) = match std::str::from_utf8(input.body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (STANDARD.encode(input.body), true),
    };
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let time = chrono::DateTime::<chrono::Utc>::from(now)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let decoded_path = percent_decoded(input.raw_path);
    let user_agent = input
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let event = json!({
        "version": "v1",
        "rawPath": input.raw_path,
        "body": body,
        "isBase64Encoded": is_base64,
        "headers": headers,
        "queryParameters": queries,
        "requestContext": {
            "accountId": input.account_id,
            "domainName": input.domain,
            "domainPrefix": input.domain.split('.').next().unwrap_or_default(),
            "http": {
                "method": input.method.as_str(),
                "path": decoded_path,
                "protocol": "HTTP/1.1",
                "sourceIp": input.source_ip,
                "userAgent": user_agent,
            },
            "requestId": input.request_id,
            "time": time,
            "timeEpoch": since.as_millis().to_string(),
        },
    });
    serde_json::to_vec(&event).unwrap_or_default()
}

/// The HTTP response for what the handler returned.
pub fn response(returned: &[u8]) -> Response {
    let shaped = serde_json::from_slice::<Value>(returned)
        .ok()
        .and_then(|value| value.as_object().cloned())
        .filter(|object| object.contains_key("statusCode"));
    let Some(shaped) = shaped else {
        return Response::new(Body::from(returned.to_vec()));
    };
    let status = shaped
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|code| u16::try_from(code).ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or(StatusCode::OK);
    let body = match shaped.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => {
            if shaped.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
                STANDARD
                    .decode(text)
                    .unwrap_or_else(|_| text.as_bytes().to_vec())
            } else {
                text.as_bytes().to_vec()
            }
        }
        Some(other) => other.to_string().into_bytes(),
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    if let Some(Value::Object(headers)) = shaped.get("headers") {
        for (name, value) in headers {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&text),
            ) {
                response.headers_mut().append(name, value);
            }
        }
    }
    response
}

/// `content-type` → `Content-Type`, as FC canonicalises header keys.
fn canonical_header_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Adds `value` under `key`, comma-joined with an earlier value.
fn join_into(map: &mut Map<String, Value>, key: String, value: String) {
    match map.get_mut(&key) {
        Some(Value::String(existing)) => {
            existing.push(',');
            existing.push_str(&value);
        }
        _ => {
            map.insert(key, Value::String(value));
        }
    }
}

fn percent_decoded(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_has_fc3s_shape() {
        let mut headers = HeaderMap::new();
        headers.append("x-token", HeaderValue::from_static("a"));
        headers.append("x-token", HeaderValue::from_static("b"));
        headers.append("user-agent", HeaderValue::from_static("curl/8"));
        let input = HttpEventInput {
            method: &Method::POST,
            raw_path: "/api/a%20b",
            query: "x=1&x=2&y=3",
            headers: &headers,
            body: b"hello",
            source_ip: "127.0.0.1".to_owned(),
            request_id: "req-1",
            account_id: "123",
            domain: "web.localhost",
        };
        let at = UNIX_EPOCH + std::time::Duration::from_millis(1_693_896_071_895);
        let event: Value = serde_json::from_slice(&event(&input, at)).unwrap();
        assert_eq!(event["version"], "v1");
        assert_eq!(event["rawPath"], "/api/a%20b");
        assert_eq!(event["body"], "hello");
        assert_eq!(event["isBase64Encoded"], false);
        assert_eq!(event["headers"]["X-Token"], "a,b");
        assert_eq!(event["headers"]["User-Agent"], "curl/8");
        assert_eq!(event["queryParameters"], json!({"x": "1,2", "y": "3"}));
        let context = &event["requestContext"];
        assert_eq!(context["http"]["method"], "POST");
        assert_eq!(context["http"]["path"], "/api/a b");
        assert_eq!(context["http"]["sourceIp"], "127.0.0.1");
        assert_eq!(context["http"]["userAgent"], "curl/8");
        assert_eq!(context["requestId"], "req-1");
        assert_eq!(context["time"], "2023-09-05T06:41:11Z");
        assert_eq!(context["timeEpoch"], "1693896071895");
        assert_eq!(context["domainPrefix"], "web");
    }

    #[test]
    fn a_binary_body_is_base64() {
        let headers = HeaderMap::new();
        let input = HttpEventInput {
            method: &Method::PUT,
            raw_path: "/",
            query: "",
            headers: &headers,
            body: &[0xff, 0x00],
            source_ip: String::new(),
            request_id: "r",
            account_id: "",
            domain: "",
        };
        let event: Value = serde_json::from_slice(&event(&input, UNIX_EPOCH)).unwrap();
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(event["body"], "/wA=");
    }

    #[tokio::test]
    async fn a_shaped_answer_sets_status_headers_and_body() {
        let answer = response(
            br#"{"statusCode":201,"headers":{"Content-Type":"application/json","X-N":3},"body":"{\"ok\":true}"}"#,
        );
        assert_eq!(answer.status(), StatusCode::CREATED);
        assert_eq!(answer.headers()["content-type"], "application/json");
        assert_eq!(answer.headers()["x-n"], "3");
        let body = axum::body::to_bytes(answer.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], br#"{"ok":true}"#);

        let binary = response(br#"{"statusCode":200,"isBase64Encoded":true,"body":"/wA="}"#);
        let body = axum::body::to_bytes(binary.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], &[0xff, 0x00]);
    }

    #[tokio::test]
    async fn anything_else_is_a_200_with_the_returned_bytes() {
        for returned in [&b"plain text"[..], br#"{"no":"status"}"#, b"[1,2]"] {
            let answer = response(returned);
            assert_eq!(answer.status(), StatusCode::OK);
            let body = axum::body::to_bytes(answer.into_body(), 1024)
                .await
                .unwrap();
            assert_eq!(&body[..], returned);
        }
    }
}
