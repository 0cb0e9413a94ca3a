//! HTTP triggers: `/2016-08-15/proxy/{service}/{function}/{path...}`.
//!
//! The function sees the path after that prefix, the query, the headers, the
//! method, the body and the client's address. The trigger's `Methods` and
//! `AuthType` are enforced; failures get FC's status and error type
//! (reference/fc.md §5): 404 for an unknown service or function or one
//! without an HTTP trigger, 403 for a method the trigger does not list or a
//! bad signature, 400 for a missing signature or an oversized body, 429 when
//! throttled, 502 `UnhandledInvocationError` for a function that traps, times
//! out or runs out of memory.

use std::net::SocketAddr;
use std::time::SystemTime;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use fclocal_engine::HttpRequest;
use fclocal_invoke::{PoolError, Report, framing};
use fclocal_template::{AuthType, CodeLocation};
use http::{HeaderValue, Method, Request, StatusCode};

use crate::body::read_limited;
use crate::fc_error::{ERROR_TYPE, FcError};
use crate::fc3_event;
use crate::headers;
use crate::signature;
use crate::state::{AppState, Lookup};

/// The prefix of every HTTP-trigger URL.
pub const PREFIX: &str = "/2016-08-15/proxy/";

/// Handles a request under [`PREFIX`]; `rest` is the path after it.
pub async fn handle(
    state: &AppState,
    peer: SocketAddr,
    request: Request<Body>,
    rest: &str,
    request_id: &str,
) -> Response {
    let origin = request.headers().get(http::header::ORIGIN).cloned();
    let mut response = match serve(state, peer, request, rest, request_id).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    };
    headers::cors(response.headers_mut(), origin.as_ref());
    headers::ensure_request_headers(response.headers_mut(), request_id);
    response
}

async fn serve(
    state: &AppState,
    peer: SocketAddr,
    request: Request<Body>,
    rest: &str,
    request_id: &str,
) -> Result<Response, FcError> {
    let mut parts = rest.splitn(3, '/');
    let service = parts.next().unwrap_or_default();
    let function = parts.next().unwrap_or_default();
    let function_path = format!("/{}", parts.next().unwrap_or_default());
    let route = match state.routes.lookup(service, function) {
        Lookup::Found(route) => route,
        Lookup::NoService => return Err(FcError::service_not_found(service)),
        Lookup::NoFunction => return Err(FcError::function_not_found(service, function)),
    };
    let Some(http) = &route.http else {
        return Err(FcError::new(
            StatusCode::NOT_FOUND,
            "FunctionNotFound",
            format!(
                "function {} has no HTTP trigger; invoke it with the InvokeFunction API (POST /2016-08-15/services/{service}/functions/{function}/invocations)",
                route.label
            ),
        ));
    };
    if request
        .headers()
        .get(http::header::UPGRADE)
        .is_some_and(|upgrade| upgrade.as_bytes().eq_ignore_ascii_case(b"websocket"))
    {
        // fun's answer, word for word.
        return Ok((StatusCode::FORBIDDEN, "websocket not support").into_response());
    }
    let method = request.method().clone();
    if method == Method::OPTIONS && !http.allows(&method) {
        let headers = headers::preflight(request.headers(), &http.methods_text());
        return Ok((StatusCode::OK, headers).into_response());
    }
    if !http.allows(&method) {
        return Err(FcError::new(
            StatusCode::FORBIDDEN,
            "MethodNotAllowed",
            format!(
                "method {method} is not allowed by HTTP trigger `{}` of {}; it allows {}",
                http.trigger,
                route.label,
                http.methods_text()
            ),
        ));
    }
    let query = request.uri().query().unwrap_or("").to_owned();
    if http.auth == AuthType::Function && state.verify_signatures {
        let queries: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        signature::verify(
            &state.credentials,
            method.as_str(),
            request.uri().path(),
            request.headers(),
            Some(&queries),
            SystemTime::now(),
        )?;
    }
    let (parts, body) = request.into_parts();
    let request_uri = parts.uri.path_and_query().map_or_else(
        || parts.uri.path().to_owned(),
        |full| full.as_str().to_owned(),
    );
    let body = read_limited(&parts.headers, body, state.limits.sync_body_bytes).await?;
    if state.fc3 && matches!(route.spec.code, CodeLocation::Source { .. }) {
        let domain = parts
            .headers
            .get(http::header::HOST)
            .and_then(|host| host.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let event = fc3_event::event(
            &fc3_event::HttpEventInput {
                method: &method,
                raw_path: &function_path,
                query: &query,
                headers: &parts.headers,
                body: &body,
                source_ip: peer.ip().to_string(),
                request_id,
                account_id: &state.pools.host().settings().account_id,
                domain: &domain,
            },
            SystemTime::now(),
        );
        return fc3_http_as_event(state, &route.label, request_id, event).await;
    }
    let path_and_query = if query.is_empty() {
        function_path
    } else {
        format!("{function_path}?{query}")
    };
    let invocation = HttpRequest {
        method,
        path_and_query,
        headers: parts.headers,
        body,
        client_ip: peer.ip().to_string(),
        request_uri,
    };
    let pools = state.pools.clone();
    let (label, id) = (route.label.clone(), request_id.to_owned());
    let report = match run_in_background(state, &route.label, request_id, async move {
        pools.invoke_http(&label, id, invocation).await
    })
    .await?
    {
        Ran::Report(report) => report,
        Ran::Refused(response) => return Ok(response),
    };
    Ok(answer(state, &route.label, &report, |answer| {
        let mut response = Response::new(Body::from(answer.body.clone()));
        *response.status_mut() = answer.status;
        *response.headers_mut() = answer.headers.clone();
        response
    }))
}

/// An invocation that ran, or the answer when it could not start.
enum Ran<T> {
    Report(Report<T>),
    Refused(Response),
}

/// Runs an invocation in its own task: a client that disconnects must not
/// cut the function short (on FC it runs to completion), nor leave the
/// instance mid-call.
async fn run_in_background<T: Send + 'static>(
    state: &AppState,
    label: &str,
    request_id: &str,
    invocation: impl Future<Output = Result<Report<T>, PoolError>> + Send + 'static,
) -> Result<Ran<T>, FcError> {
    let running = state.background.spawn(invocation);
    match running
        .await
        .map_err(|panic| FcError::internal(format!("the invocation failed: {panic}")))?
    {
        Ok(report) => Ok(Ran::Report(report)),
        Err(PoolError::Invoke(error)) => Ok(Ran::Refused(start_failure(request_id, &error))),
        Err(refused) => Err(pool_refusal(state, label, refused)),
    }
}

/// The trigger's answer for a finished invocation: `ok` shapes a result, a
/// failure is FC's 502 `UnhandledInvocationError`; reserved headers a
/// function set are dropped and FC's invocation headers added.
fn answer<T>(
    state: &AppState,
    label: &str,
    report: &Report<T>,
    ok: impl FnOnce(&T) -> Response,
) -> Response {
    let checksum = state
        .pools
        .function(label)
        .map(|function| headers::code_checksum(function.component.digest()))
        .unwrap_or_default();
    let mut response = match &report.result {
        Ok(result) => {
            let mut response = ok(result);
            headers::drop_reserved(response.headers_mut());
            response
        }
        Err(error) => {
            let body = framing::error_body(error, report.memory_used_bytes);
            let mut response = (StatusCode::BAD_GATEWAY, axum::Json(body)).into_response();
            response.headers_mut().insert(
                ERROR_TYPE,
                HeaderValue::from_static("UnhandledInvocationError"),
            );
            response
        }
    };
    headers::invocation_headers(response.headers_mut(), report, &checksum);
    response
}

/// An FC 3.0 built-in-runtime function behind an HTTP trigger: the request
/// runs as an event and the handler's return value is the response
/// ([`fc3_event`]).
async fn fc3_http_as_event(
    state: &AppState,
    label: &str,
    request_id: &str,
    event: Vec<u8>,
) -> Result<Response, FcError> {
    let pools = state.pools.clone();
    let (owned_label, id) = (label.to_owned(), request_id.to_owned());
    let report = match run_in_background(state, label, request_id, async move {
        pools.invoke_event(&owned_label, id, event).await
    })
    .await?
    {
        Ran::Report(report) => report,
        Ran::Refused(response) => return Ok(response),
    };
    Ok(answer(state, label, &report, |returned| {
        fc3_event::response(returned)
    }))
}

/// FC's answer when the pool would not run the invocation: every instance
/// busy at the cap (429), or the function not loaded.
pub fn pool_refusal(state: &AppState, label: &str, error: PoolError) -> FcError {
    match error {
        PoolError::Throttled { .. } => FcError::throttled(format!(
            "function {label} is throttled: every instance is busy and the instance cap ({}) is reached",
            state.pools.config().max_instances
        )),
        PoolError::UnknownFunction(label) => {
            FcError::internal(format!("function {label} is not loaded"))
        }
        PoolError::Invoke(error) => FcError::internal(error.to_string()),
    }
}

/// The function could not start (e.g. its initial memory exceeds
/// `MemorySize`): FC answers 502 `UnhandledInvocationError`.
pub fn start_failure(request_id: &str, error: &dyn std::error::Error) -> Response {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    let body = serde_json::json!({
        "errorMessage": format!("the function could not start: {message}"),
        "errorType": "FunctionUnhandledError",
    });
    let mut response = (StatusCode::BAD_GATEWAY, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        ERROR_TYPE,
        HeaderValue::from_static("UnhandledInvocationError"),
    );
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-fc-request-id", id);
    }
    response
}
