//! Calling an HTTP function (`wasi:http/incoming-handler`) with one request.
//!
//! The request carries FC's context as `x-fc-*` headers and the client's
//! address in `x-forwarded-for`; any `x-fc-*` header the client sent is
//! removed first, so a caller cannot forge the context. The response body is
//! collected while the guest writes it (a guest writing a large body would
//! otherwise wait forever for a reader), up to a size limit.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::context::EventContext;
use crate::error::InvocationError;
use crate::instance::{FunctionInstance, InstanceExports, Invocation};
use crate::logs::LogSink;

/// How much later than the deadline the host-side timeout fires (see
/// `instance.rs`).
const HOST_TIMEOUT_GRACE: Duration = Duration::from_millis(50);

/// One HTTP request for a function, already read in full.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// Path and query as the function sees them (without the
    /// `/2016-08-15/proxy/{service}/{function}` prefix), e.g. `/a/b?x=1`.
    pub path_and_query: String,
    /// Request headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The client's address, passed as `x-forwarded-for`.
    pub client_ip: String,
    /// The request URI as the client sent it, with the trigger's prefix
    /// (`/2016-08-15/proxy/svc/fn/a?x=1`): Node.js's `request.url`, WSGI's
    /// `fc.request_uri`. Language engines only.
    pub request_uri: String,
}

/// An HTTP function's response, read in full.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: StatusCode,
    /// Headers as the function set them.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl FunctionInstance {
    /// Calls an HTTP function with `request`, collecting at most
    /// `max_response_bytes` of response body.
    pub async fn invoke_http(
        &mut self,
        request: HttpRequest,
        context: &EventContext,
        timeout: Duration,
        max_response_bytes: usize,
        sink: Arc<dyn LogSink>,
    ) -> Invocation<HttpResponse> {
        if matches!(self.parts().1, InstanceExports::Language(_)) {
            return self
                .invoke_language_http(request, context, timeout, max_response_bytes, sink)
                .await;
        }
        let started = self.begin(timeout, sink);
        let hyper_request = match build_request(request, context) {
            Ok(request) => request,
            Err(message) => {
                return self.finish(
                    started,
                    timeout,
                    Ok(Ok(Err(InvocationError::Host { message }))),
                );
            }
        };
        let (store, exports) = self.parts();
        let InstanceExports::Http(proxy) = exports else {
            let message = "this is an event function; invoke it with an event, not an HTTP request"
                .to_owned();
            return self.finish(
                started,
                timeout,
                Ok(Ok(Err(InvocationError::Host { message }))),
            );
        };
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let prepared = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, hyper_request)
            .and_then(|request| {
                let out = store.data_mut().http().new_response_outparam(sender)?;
                Ok((request, out))
            });
        let (guest_request, out) = match prepared {
            Ok(handles) => handles,
            Err(error) => return self.finish(started, timeout, Ok(Err(error))),
        };
        let response = async move {
            match receiver.await {
                Ok(Ok(response)) => collect(response, max_response_bytes).await,
                Ok(Err(code)) => Err(error_code(&code)),
                Err(_) => Err(InvocationError::Host {
                    message: "the function returned without setting a response (it never called response-outparam::set)".to_owned(),
                }),
            }
        };
        let call = proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut *store, guest_request, out);
        let outcome =
            tokio::time::timeout(timeout + HOST_TIMEOUT_GRACE, drive(call, response)).await;
        self.finish(started, timeout, outcome)
    }
}

/// Runs the guest's `handle` and the response collection side by side. A trap
/// ends it at once; otherwise the response is awaited after `handle` returns
/// (the guest may finish writing its body as it returns).
async fn drive<C, R>(
    call: C,
    response: R,
) -> wasmtime::Result<Result<HttpResponse, InvocationError>>
where
    C: Future<Output = wasmtime::Result<()>>,
    R: Future<Output = Result<HttpResponse, InvocationError>>,
{
    tokio::pin!(call);
    tokio::pin!(response);
    let mut early = None;
    let called = loop {
        tokio::select! {
            called = &mut call => break called,
            ready = &mut response, if early.is_none() => early = Some(ready),
        }
    };
    called?;
    Ok(match early {
        Some(ready) => ready,
        None => response.await,
    })
}

fn build_request(
    request: HttpRequest,
    context: &EventContext,
) -> Result<hyper::Request<Full<Bytes>>, String> {
    let mut headers = request.headers;
    let forged: Vec<HeaderName> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("x-fc-"))
        .cloned()
        .collect();
    for name in forged {
        headers.remove(&name);
    }
    for (name, value) in context.fc_headers() {
        let value = HeaderValue::from_str(&value)
            .map_err(|_| format!("context value for {name} is not a valid header value"))?;
        headers.insert(HeaderName::from_static(name), value);
    }
    let client_ip = HeaderValue::from_str(&request.client_ip).map_err(|_| {
        format!(
            "client address {:?} is not a valid header value",
            request.client_ip
        )
    })?;
    headers.insert("x-forwarded-for", client_ip);
    let authority = headers
        .get(http::header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    if !headers.contains_key(http::header::HOST) {
        headers.insert(http::header::HOST, HeaderValue::from_static("localhost"));
    }
    let path = if request.path_and_query.starts_with('/') {
        request.path_and_query
    } else {
        format!("/{}", request.path_and_query)
    };
    let uri = http::Uri::builder()
        .scheme("http")
        .authority(authority)
        .path_and_query(path)
        .build()
        .map_err(|error| format!("invalid request URI: {error}"))?;
    let mut builder = hyper::Request::builder().method(request.method).uri(uri);
    if let Some(map) = builder.headers_mut() {
        *map = headers;
    }
    builder
        .body(Full::new(request.body))
        .map_err(|error| format!("invalid request: {error}"))
}

async fn collect(
    response: hyper::Response<HyperOutgoingBody>,
    max_bytes: usize,
) -> Result<HttpResponse, InvocationError> {
    let (parts, mut body) = response.into_parts();
    let mut collected = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| InvocationError::Host {
            message: format!("the function's response body failed: {error}"),
        })?;
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > max_bytes {
                return Err(InvocationError::Host {
                    message: format!(
                        "the function's response body exceeds the limit of {max_bytes} bytes"
                    ),
                });
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(HttpResponse {
        status: parts.status,
        headers: parts.headers,
        body: collected.freeze(),
    })
}

fn error_code(code: &ErrorCode) -> InvocationError {
    InvocationError::Host {
        message: format!("the function answered with the wasi:http error {code:?}"),
    }
}
