//! FC's InvokeFunction API for event functions, in every version fclocal
//! serves: `POST /2016-08-15/services/{service}[.LATEST]/functions/{function}/invocations`,
//! `POST /2021-04-06/services/{service}/functions/{function}/invocations[?qualifier=LATEST]`
//! and `POST /2023-03-30/functions/{name}/invocations[?qualifier=LATEST]`.
//! `fc_api` has checked the signature and the qualifier and resolved the
//! function; an ACS3-signed body is checked against its hash here, once read.
//!
//! - `X-Fc-Invocation-Type: Sync` (default) answers 200 with the result, or
//!   with FC's error body and `X-Fc-Error-Type` (`HandledInvocationError`
//!   or `UnhandledInvocationError`) — a function error is still a 200, as
//!   on FC ("a 2xx response does not guarantee the function succeeded").
//! - `X-Fc-Invocation-Type: Async` answers 202 at once and runs the
//!   function in the background.
//!   `x-fc-async-task-id` (2023-03-30) and
//!   `x-fc-stateful-async-invocation-id` (2021-04-06), a client's id for
//!   the task, are echoed on the 202.
//! - `X-Fc-Log-Type: Tail` returns the end of the invocation's log, base64,
//!   in `X-Fc-Log-Result`.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use fclocal_engine::FunctionKind;
use fclocal_invoke::{PoolError, framing};
use http::{HeaderValue, Method, Request, StatusCode};

use crate::body::read_limited;
use crate::console::Console;
use crate::fc_api::auth;
use crate::fc_error::{ERROR_TYPE, ErrorShape, FcError};
use crate::headers;
use crate::proxy::{pool_refusal, start_failure};
use crate::state::{AppState, Lookup};

/// The headers with which clients name an asynchronous task, echoed on the 202.
const TASK_ID_HEADERS: [&str; 2] = ["x-fc-async-task-id", "x-fc-stateful-async-invocation-id"];

/// The function an InvokeFunction call runs, in FC 2.0 terms.
#[derive(Debug, Clone, Copy)]
pub struct Invocation<'a> {
    /// The service, without qualifier.
    pub service: &'a str,
    /// The function.
    pub function: &'a str,
    /// The error body the caller's API version uses.
    pub shape: ErrorShape,
}

/// Handles an InvokeFunction call of any version.
pub async fn handle(
    state: &AppState,
    request: Request<Body>,
    target: Invocation<'_>,
    request_id: &str,
) -> Response {
    let origin = request.headers().get(http::header::ORIGIN).cloned();
    let mut response = match serve(state, request, target, request_id).await {
        Ok(response) => response,
        Err(error) => error.render(target.shape, request_id),
    };
    headers::cors(response.headers_mut(), origin.as_ref());
    headers::ensure_request_headers(response.headers_mut(), request_id);
    response
}

async fn serve(
    state: &AppState,
    request: Request<Body>,
    target: Invocation<'_>,
    request_id: &str,
) -> Result<Response, FcError> {
    let (service, function) = (target.service, target.function);
    if request.method() != Method::POST {
        return Err(FcError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "InvokeFunction takes POST",
        ));
    }
    let route = match state.routes.lookup(service, function) {
        Lookup::Found(route) => route,
        Lookup::NoService => return Err(FcError::service_not_found(service)),
        Lookup::NoFunction => return Err(FcError::function_not_found(service, function)),
    };
    let loaded = state
        .pools
        .function(&route.label)
        .ok_or_else(|| FcError::internal(format!("function {} is not loaded", route.label)))?;
    if loaded.kind() == FunctionKind::Http {
        return Err(FcError::new(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            format!(
                "function {} is an HTTP function; call its HTTP trigger at /2016-08-15/proxy/{service}/{function}/",
                route.label
            ),
        ));
    }
    // Read the headers before the body: the request is not Sync, so nothing
    // borrowing it may live across an await.
    let (asynchronous, tail, task_ids) = {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_ascii_lowercase)
        };
        let task_ids: Vec<(&'static str, HeaderValue)> = TASK_ID_HEADERS
            .into_iter()
            .filter_map(|name| Some((name, request.headers().get(name)?.clone())))
            .collect();
        (
            header("x-fc-invocation-type").as_deref() == Some("async"),
            header("x-fc-log-type").as_deref() == Some("tail"),
            task_ids,
        )
    };
    let limit = if asynchronous {
        state.limits.async_body_bytes
    } else {
        state.limits.sync_body_bytes
    };
    let (parts, body) = request.into_parts();
    let event = read_limited(&parts.headers, body, limit).await?.to_vec();
    auth::verify_body(state, &parts.headers, &event)?;

    if asynchronous {
        let pools = state.pools.clone();
        let label = route.label.clone();
        let id = request_id.to_owned();
        state.background.spawn(async move {
            let outcome = match pools.invoke_event(&label, id.clone(), event).await {
                Ok(report) => match &report.result {
                    Ok(_) => "succeeded".to_owned(),
                    Err(error) => format!("failed with {} ({error})", error.fc_error_type()),
                },
                Err(error) => format!("could not run: {error}"),
            };
            Console.line(&format!("Async invocation {id} of {label} {outcome}"));
        });
        let mut response = StatusCode::ACCEPTED.into_response();
        for (name, value) in task_ids {
            response.headers_mut().insert(name, value);
        }
        return Ok(response);
    }

    // In its own task: a client that disconnects must not cut the function
    // short (on FC it runs to completion), nor leave the instance mid-call.
    let pools = state.pools.clone();
    let (label, id) = (route.label.clone(), request_id.to_owned());
    let running = state
        .background
        .spawn(async move { pools.invoke_event(&label, id, event).await });
    let report = match running
        .await
        .map_err(|panic| FcError::internal(format!("the invocation failed: {panic}")))?
    {
        Ok(report) => report,
        Err(PoolError::Invoke(error)) => {
            let mut response = start_failure(request_id, &error);
            *response.status_mut() = StatusCode::OK;
            return Ok(response);
        }
        Err(refused) => return Err(pool_refusal(state, &route.label, refused)),
    };
    let mut response = match &report.result {
        Ok(result) => {
            let mut response = Response::new(Body::from(result.clone()));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            response
        }
        Err(error) => {
            let body = framing::error_body(error, report.memory_used_bytes);
            let mut response = axum::Json(body).into_response();
            response
                .headers_mut()
                .insert(ERROR_TYPE, HeaderValue::from_static(error.fc_error_type()));
            response
        }
    };
    let checksum = headers::code_checksum(loaded.component.digest());
    headers::invocation_headers(response.headers_mut(), &report, &checksum);
    if tail && let Ok(value) = HeaderValue::from_str(&BASE64.encode(report.log_result())) {
        response.headers_mut().insert("x-fc-log-result", value);
    }
    Ok(response)
}
