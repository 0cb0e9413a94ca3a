//! The runtime's answers to FC. Every answer carries `x-fc-status` beside
//! its status code, as the contract asks (FC doc 425057: "StatusCode and
//! x-fc-status: 200 succeeded, 404 failed"): FC reads a failure from them
//! and shows the body, FC's error JSON, as the function's error.

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use fclocal_engine::{HttpResponse, InvocationError};
use fclocal_invoke::framing;
use http::{HeaderValue, StatusCode, header};

use crate::contract::STATUS;
use crate::error::BadRequest;

const JSON: &str = "application/json";
const OCTETS: &str = "application/octet-stream";

/// An event function's result: 200, the bytes it returned.
pub fn event_result(result: Vec<u8>) -> Response {
    answer(StatusCode::OK, OCTETS, Bytes::from(result))
}

/// A lifecycle call that succeeded (or had nothing to run): 200, no body.
pub fn done() -> Response {
    answer(StatusCode::OK, OCTETS, Bytes::new())
}

/// An HTTP function's response, as it set it, with `x-fc-status: 200`.
/// `x-fc-*` headers the function set are dropped, as FC drops them before
/// the client sees the response (`fclocal start` does the same), and the
/// framing headers are recomputed for the collected body.
pub fn http_result(response: HttpResponse) -> Response {
    let mut answer = Response::new(Body::from(response.body));
    *answer.status_mut() = response.status;
    let mut headers = response.headers;
    let reserved: Vec<_> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("x-fc-"))
        .cloned()
        .collect();
    for name in reserved {
        headers.remove(name);
    }
    headers.remove(header::CONTENT_LENGTH);
    headers.remove(header::TRANSFER_ENCODING);
    headers.insert(STATUS, HeaderValue::from_static("200"));
    *answer.headers_mut() = headers;
    answer
}

/// A failed invocation or initializer: 404 with `x-fc-status: 404` and
/// FC's error body (`errorMessage`, `errorType`, `stackTrace`).
pub fn function_error(error: &InvocationError, memory_used_bytes: u64) -> Response {
    let body = framing::error_body(error, memory_used_bytes);
    failure(StatusCode::NOT_FOUND, body)
}

/// The instance could not start (its component does not instantiate
/// within MemorySize, say): a function error, with the cause chain.
pub fn start_failure(error: &dyn std::error::Error) -> Response {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    let body = serde_json::json!({
        "errorMessage": message,
        "errorType": "FunctionUnhandledError",
    });
    failure(StatusCode::NOT_FOUND, body)
}

/// Every instance is busy at the cap (`--max-instances`): FC's 429
/// `ResourceExhausted`.
pub fn throttled(message: String) -> Response {
    let body = serde_json::json!({"errorCode": "ResourceExhausted", "errorMessage": message});
    failure(StatusCode::TOO_MANY_REQUESTS, body)
}

/// A request outside the contract: FC's error shape
/// (`{"errorCode", "errorMessage"}`), the server keeps serving.
pub fn bad_request(error: &BadRequest) -> Response {
    let body = serde_json::json!({"errorCode": error.code, "errorMessage": error.message});
    failure(error.status, body)
}

fn failure(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = answer(status, JSON, Bytes::from(body.to_string()));
    response
        .headers_mut()
        .insert(STATUS, HeaderValue::from_static("404"));
    response
}

fn answer(status: StatusCode, content_type: &'static str, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let code = if status.is_success() { "200" } else { "404" };
    headers.insert(STATUS, HeaderValue::from_static(code));
    response
}
