//! The custom runtime's HTTP side: one fallback handler that reads what FC
//! asks for (see `contract`), runs it on the function's instance pool, and
//! answers as the contract says (see `answer`). Each call runs in a task of
//! its own, so FC giving up on a request never cuts a function short or
//! leaves an instance mid-call. Malformed requests get FC's error shape;
//! the server keeps serving.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use fclocal_engine::HttpRequest;
use fclocal_invoke::{PoolError, Report, new_request_id};
use fclocal_server::ConnectionLimits;
use http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use tokio::net::TcpListener;

use crate::answer;
use crate::context::{SpecPatch, event_context, text};
use crate::contract::{self, BASE_PATH, CONTROL_PATH, HTTP_PARAMS, Route};
use crate::error::BadRequest;
use crate::function::ServedFunction;

/// The largest event or HTTP body taken: FC's limit for a synchronous
/// invocation's payload (6 MB).
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// How much of an oversized body is read and dropped before the refusal.
const DRAIN_LIMIT: usize = 4 * MAX_BODY_BYTES;

/// FC keeps its connections to the runtime alive between invocations, so
/// an idle connection may stay open long; it is still closed eventually.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The router serving `function`.
pub fn router(function: Arc<ServedFunction>) -> Router {
    Router::new().fallback(handle).with_state(function)
}

/// Serves `function` on `listener` until `shutdown` resolves, then stops
/// accepting and returns once the requests in flight are answered.
pub async fn serve(
    listener: TcpListener,
    function: Arc<ServedFunction>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let limits = ConnectionLimits {
        client_timeout: CLIENT_TIMEOUT,
        ..ConnectionLimits::default()
    };
    fclocal_server::serve(listener, router(function), limits, shutdown).await;
}

async fn handle(
    State(function): State<Arc<ServedFunction>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request<Body>,
) -> Response {
    match dispatch(&function, peer, request).await {
        Ok(response) => response,
        Err(bad) => answer::bad_request(&bad),
    }
}

async fn dispatch(
    function: &Arc<ServedFunction>,
    peer: SocketAddr,
    request: Request<Body>,
) -> Result<Response, BadRequest> {
    let (parts, body) = request.into_parts();
    let control = text(&parts.headers, CONTROL_PATH)?;
    let accepts = function.accepts();
    let route = contract::route(&parts.method, parts.uri.path(), control.as_deref(), accepts)?;
    if route == Route::Invoke && !accepts.events {
        return Err(BadRequest::invalid(format!(
            "{} is an HTTP function (it exports wasi:http/incoming-handler): it takes HTTP requests, not events on /invoke; invoke it through its HTTP trigger",
            function.label()
        )));
    }
    if route == Route::Http && !accepts.http {
        return Err(BadRequest::invalid(format!(
            "{} is an event function: Function Compute sends it events as POST /invoke (x-fc-control-path: /invoke), not {} {}",
            function.label(),
            parts.method,
            parts.uri.path()
        )));
    }
    let patch = SpecPatch::from_headers(&parts.headers)?;
    let spec = function.spec_for(&patch, route == Route::Initialize);
    let pools = function.pools().clone();
    let context = event_context(
        &parts.headers,
        &spec,
        pools.host().settings(),
        new_request_id,
    )?;
    let label = function.label().to_owned();
    let outcome = match route {
        // No component exports these hooks: nothing runs, so nothing is printed.
        Route::PreStop | Route::PreFreeze => return Ok(answer::done()),
        Route::Initialize => {
            let running = tokio::spawn(async move { pools.initialize(&label, context).await });
            answer_with(running.await, |()| answer::done())
        }
        Route::Invoke => {
            let event = read_body(&parts.headers, body).await?;
            let running = tokio::spawn(async move {
                pools
                    .invoke_event_with(&label, context, event.to_vec())
                    .await
            });
            answer_with(running.await, answer::event_result)
        }
        Route::Http => {
            let request_uri = parts.uri.path_and_query().map_or_else(
                || parts.uri.path().to_owned(),
                |full| full.as_str().to_owned(),
            );
            let request = HttpRequest {
                method: parts.method.clone(),
                path_and_query: function_path(&parts.headers, &request_uri)?,
                client_ip: client_ip(&parts.headers, peer),
                body: read_body(&parts.headers, body).await?,
                headers: parts.headers,
                request_uri,
            };
            let running =
                tokio::spawn(async move { pools.invoke_http_with(&label, context, request).await });
            answer_with(running.await, answer::http_result)
        }
    };
    Ok(outcome)
}

/// The answer to a finished call: its result, FC's error body for a
/// function error, or why it could not run.
fn answer_with<T>(
    joined: Result<Result<Report<T>, PoolError>, tokio::task::JoinError>,
    ok: impl FnOnce(T) -> Response,
) -> Response {
    let report = match joined {
        Ok(Ok(report)) => report,
        Ok(Err(PoolError::Throttled { function, limit })) => {
            return answer::throttled(format!(
                "function {function} is throttled: all {limit} instances are busy (raise --max-instances)"
            ));
        }
        Ok(Err(PoolError::Invoke(error))) => {
            tracing::error!("the function could not start: {error}");
            return answer::start_failure(&error);
        }
        Ok(Err(error @ PoolError::UnknownFunction(_))) => return answer::start_failure(&error),
        Err(panic) => {
            tracing::error!("an invocation panicked: {panic}");
            return answer::start_failure(&panic);
        }
    };
    match report.result {
        Ok(value) => ok(value),
        Err(error) => answer::function_error(&error, report.memory_used_bytes),
    }
}

/// The whole body, at most [`MAX_BODY_BYTES`]. A larger one is read on
/// (and dropped) up to [`DRAIN_LIMIT`], so the sender gets the refusal
/// instead of a connection reset mid-upload.
async fn read_body(headers: &HeaderMap, mut body: Body) -> Result<Bytes, BadRequest> {
    let too_large = || BadRequest {
        status: StatusCode::BAD_REQUEST,
        code: "EntityTooLarge",
        message: format!("payload size exceeds maximum allowed size ({MAX_BODY_BYTES} bytes)"),
    };
    let declared = text(headers, header::CONTENT_LENGTH.as_str())?
        .and_then(|length| length.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > DRAIN_LIMIT as u64) {
        return Err(too_large());
    }
    let mut collected = BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            BadRequest::invalid(format!("cannot read the request body: {error}"))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen <= MAX_BODY_BYTES {
            collected.extend_from_slice(&data);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(collected.freeze())
}

/// The path (and query) the function sees: the request's, without the
/// `x-fc-base-path` prefix FC put before it, so a component sees the same
/// path as under `fclocal start` (which strips its trigger prefix).
fn function_path(headers: &HeaderMap, request_uri: &str) -> Result<String, BadRequest> {
    let base = text(headers, BASE_PATH)?.unwrap_or_default();
    let base = base.trim_end_matches('/');
    let rest = match request_uri.strip_prefix(base) {
        Some(rest) if !base.is_empty() && (rest.is_empty() || rest.starts_with(['/', '?'])) => rest,
        _ => request_uri,
    };
    Ok(if rest.starts_with('/') {
        rest.to_owned()
    } else {
        format!("/{rest}")
    })
}

/// The client's address: `clientIP` of FC's `x-fc-http-params`, else the
/// first `x-forwarded-for` entry, else the peer (FC's front end).
fn client_ip(headers: &HeaderMap, peer: SocketAddr) -> String {
    let from_params = headers
        .get(HTTP_PARAMS)
        .and_then(|value| {
            base64::engine::general_purpose::STANDARD
                .decode(value.as_bytes())
                .ok()
        })
        .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok())
        .and_then(|params| params["clientIP"].as_str().map(str::to_owned));
    let forwarded = || {
        headers
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok())
            .and_then(|list| list.split(',').next())
            .map(|first| first.trim().to_owned())
            .filter(|first| !first.is_empty())
    };
    from_params
        .or_else(forwarded)
        .unwrap_or_else(|| peer.ip().to_string())
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn with(name: &'static str, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn the_base_path_is_stripped_only_as_a_whole_segment() {
        let base = with(BASE_PATH, "/2016-08-15/proxy/svc/fn/");
        let path = |uri| function_path(&base, uri).unwrap();
        assert_eq!(path("/2016-08-15/proxy/svc/fn/a/b?x=1"), "/a/b?x=1");
        assert_eq!(path("/2016-08-15/proxy/svc/fn"), "/");
        assert_eq!(path("/2016-08-15/proxy/svc/fn?x=1"), "/?x=1");
        assert_eq!(
            path("/2016-08-15/proxy/svc/fnord"),
            "/2016-08-15/proxy/svc/fnord"
        );
        assert_eq!(function_path(&HeaderMap::new(), "/a?b").unwrap(), "/a?b");
    }

    #[test]
    fn the_client_address_prefers_fcs_http_params() {
        let peer: SocketAddr = "10.0.0.9:5555".parse().unwrap();
        let params = base64::engine::general_purpose::STANDARD.encode(r#"{"clientIP":"1.2.3.4"}"#);
        assert_eq!(client_ip(&with(HTTP_PARAMS, &params), peer), "1.2.3.4");
        assert_eq!(
            client_ip(&with("x-forwarded-for", "5.6.7.8, 10.0.0.1"), peer),
            "5.6.7.8"
        );
        assert_eq!(client_ip(&HeaderMap::new(), peer), "10.0.0.9");
    }
}
