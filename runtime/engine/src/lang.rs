//! Calling a language engine (Node.js, Python): its errors, and HTTP
//! requests as the buffered records `engine-function.handle-http` takes.
//!
//! Language engines do not speak wasi:http: FC's Node.js and Python HTTP
//! APIs hand the handler a fully read request and send one response, so a
//! plain record is all they need, and it keeps resource handles (and their
//! garbage-collected lifetimes) out of the engines.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use crate::context::EventContext;
use crate::error::InvocationError;
use crate::http::{HttpRequest, HttpResponse};
use crate::instance::{FunctionInstance, InstanceExports, Invocation};
use crate::lang_bindings::{HandlerError, HttpRequest as WitRequest, HttpResponse as WitResponse};
use crate::logs::LogSink;

/// How much later than the deadline the host-side timeout fires (see
/// `instance.rs`).
const HOST_TIMEOUT_GRACE: Duration = Duration::from_millis(50);

/// An engine's `handler-error`: FC's body as the language shapes it.
pub(crate) fn reported(error: HandlerError) -> InvocationError {
    let message = serde_json::from_str::<serde_json::Value>(&error.body)
        .ok()
        .and_then(|body| body["errorMessage"].as_str().map(str::to_owned))
        .unwrap_or_else(|| error.body.clone());
    InvocationError::Reported {
        body: error.body,
        message,
        unhandled: error.unhandled,
    }
}

impl FunctionInstance {
    pub(crate) async fn invoke_language_http(
        &mut self,
        request: HttpRequest,
        context: &EventContext,
        timeout: Duration,
        max_response_bytes: usize,
        sink: Arc<dyn LogSink>,
    ) -> Invocation<HttpResponse> {
        let started = self.begin(timeout, sink);
        let wit_context = context.to_wit();
        let wit_request = to_wit_request(request);
        let (store, exports) = self.parts();
        let InstanceExports::Language(engine) = exports else {
            let message = "this function is not run by a language engine".to_owned();
            return self.finish(
                started,
                timeout,
                Ok(Ok(Err(InvocationError::Host { message }))),
            );
        };
        let call = engine.call_handle_http(store, &wit_request, &wit_context);
        let outcome = tokio::time::timeout(timeout + HOST_TIMEOUT_GRACE, call)
            .await
            .map(|called| {
                called.map(|result| {
                    result
                        .map_err(reported)
                        .and_then(|response| from_wit_response(response, max_response_bytes))
                })
            });
        self.finish(started, timeout, outcome)
    }
}

fn to_wit_request(request: HttpRequest) -> WitRequest {
    let (path, query) = match request.path_and_query.split_once('?') {
        Some((path, query)) => (path.to_owned(), query.to_owned()),
        None => (request.path_and_query.clone(), String::new()),
    };
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let path = percent_decode(&path);
    let headers = request
        .headers
        .iter()
        // FC drops these before a handler sees the request.
        .filter(|(name, _)| {
            let name = name.as_str();
            !name.starts_with("x-fc-") && name != "connection" && name != "keep-alive"
        })
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let url = if request.request_uri.is_empty() {
        request.path_and_query
    } else {
        request.request_uri
    };
    WitRequest {
        method: request.method.as_str().to_owned(),
        path,
        url,
        query,
        headers,
        client_ip: request.client_ip,
        body: request.body.to_vec(),
    }
}

fn from_wit_response(
    response: WitResponse,
    max_bytes: usize,
) -> Result<HttpResponse, InvocationError> {
    let status = StatusCode::from_u16(response.status).map_err(|_| InvocationError::Host {
        message: format!(
            "the function answered with status {}, which is not a valid HTTP status",
            response.status
        ),
    })?;
    if response.body.len() > max_bytes {
        return Err(InvocationError::Host {
            message: format!("the function's response body exceeds the limit of {max_bytes} bytes"),
        });
    }
    let mut headers = HeaderMap::new();
    for (name, value) in response.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| InvocationError::Host {
            message: format!("the function set an invalid header name {name:?}"),
        })?;
        let value = HeaderValue::from_str(&value).map_err(|_| InvocationError::Host {
            message: format!("the function set an invalid value for header {name}: {value:?}"),
        })?;
        headers.append(name, value);
    }
    Ok(HttpResponse {
        status,
        headers,
        body: Bytes::from(response.body),
    })
}

/// Decodes `%XX` escapes (FC's `request.path` and WSGI's `PATH_INFO` are
/// decoded); invalid escapes and non-UTF-8 results are kept as they came.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(high), Some(low)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_decoded_like_fcs_request_path() {
        assert_eq!(percent_decode("/a%20b/c%2Fd"), "/a b/c/d");
        assert_eq!(percent_decode("/100%"), "/100%");
        assert_eq!(percent_decode("/%zz"), "/%zz");
        assert_eq!(percent_decode("/%ff"), "/%ff");
    }

    #[test]
    fn the_request_record_splits_path_and_query() {
        let mut headers = HeaderMap::new();
        headers.insert("x-fc-request-id", "forged".parse().unwrap());
        headers.insert("connection", "keep-alive".parse().unwrap());
        headers.insert("keep-alive", "timeout=5".parse().unwrap());
        headers.append("accept", "a".parse().unwrap());
        headers.append("accept", "b".parse().unwrap());
        let record = to_wit_request(HttpRequest {
            method: http::Method::POST,
            path_and_query: "/x%20y?a=1&a=2".into(),
            headers,
            body: Bytes::from_static(b"hi"),
            client_ip: "10.0.0.1".into(),
            request_uri: "/2016-08-15/proxy/s/f/x%20y?a=1&a=2".into(),
        });
        assert_eq!(record.path, "/x y");
        assert_eq!(record.query, "a=1&a=2");
        assert_eq!(record.url, "/2016-08-15/proxy/s/f/x%20y?a=1&a=2");
        assert_eq!(
            record.headers,
            vec![
                ("accept".to_owned(), "a".to_owned()),
                ("accept".into(), "b".into())
            ]
        );
        assert_eq!(record.body, b"hi");
    }
}
