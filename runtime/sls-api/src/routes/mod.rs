//! The route table, what every handler shares, and the two layers around it:
//! `x-log-requestid` on every answer and signature checks under `--auth`.
//!
//! | Route | Operation |
//! |---|---|
//! | `GET /logstores` | ListLogStores |
//! | `GET /logstores/{ls}` | GetLogStore; `?type=log` GetLogs v1; `?type=histogram` GetHistograms |
//! | `POST /logstores/{ls}`, `…/shards/lb`, `…/shards/route?key=` | PutLogs |
//! | `POST /logstores/{ls}/logs` | GetLogs v2 |
//! | `GET /logstores/{ls}/shards` | ListShards |
//! | `GET /logstores/{ls}/shards/{id}` | `?type=cursor` GetCursor; `cursor_time` GetCursorTime; `logs`/`log` PullLogs |
//!
//! Any other method or path under `/logstores` answers SLS's error shape
//! naming the operations fclocal serves.

mod cursor;
mod get_logs;
mod histogram;
mod logstores;
mod pull;
mod put;
mod shards;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri, Path, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

use crate::backend::LogBackend;
use crate::config::ApiConfig;
use crate::error::ApiError;
use crate::params::Params;
use crate::{project, signature};

/// `x-log-requestid`.
pub const REQUEST_ID: &str = "x-log-requestid";

/// What every handler shares.
pub(crate) struct ApiState {
    backend: Arc<dyn LogBackend>,
    config: ApiConfig,
    requests: AtomicU64,
}

/// SLS's HTTP API over `backend`, to be merged at the server root (all routes
/// start with `/logstores`; the router has no fallback of its own, so
/// `Router::merge` into a server that has one works).
pub fn router(backend: Arc<dyn LogBackend>, config: ApiConfig) -> Router {
    let state = Arc::new(ApiState {
        backend,
        config,
        requests: AtomicU64::new(0),
    });
    Router::new()
        .route("/logstores", get(logstores::list).fallback(unsupported))
        .route(
            "/logstores/{logstore}",
            get(logstores::get_dispatch)
                .post(put::put_logs)
                .fallback(unsupported),
        )
        .route(
            "/logstores/{logstore}/logs",
            post(get_logs::v2).fallback(unsupported),
        )
        .route(
            "/logstores/{logstore}/shards",
            get(shards::list).fallback(unsupported),
        )
        .route(
            "/logstores/{logstore}/shards/lb",
            post(put::put_logs).fallback(unsupported),
        )
        .route(
            "/logstores/{logstore}/shards/route",
            post(put::put_logs).fallback(unsupported),
        )
        .route(
            "/logstores/{logstore}/shards/{shard}",
            get(shards::get_dispatch).fallback(unsupported),
        )
        .route("/logstores/{logstore}/{*rest}", any(unsupported))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(state.clone(), request_id))
        .with_state(state)
}

/// One request's context: its project, parameters, path segments and headers.
pub(crate) struct Call {
    project: String,
    params: Params,
    path: HashMap<String, String>,
    headers: HeaderMap,
    client_ip: Option<String>,
}

impl Call {
    fn logstore(&self) -> &str {
        self.path.get("logstore").map(String::as_str).unwrap_or("")
    }

    /// The `{shard}` path segment as a shard id.
    fn shard(&self) -> Result<u32, ApiError> {
        let text = self.path.get("shard").map(String::as_str).unwrap_or("");
        text.parse().map_err(|_| {
            ApiError::ParameterInvalid(format!(
                "shard id must be a non-negative integer, got {text:?}"
            ))
        })
    }
}

impl FromRequestParts<Arc<ApiState>> for Call {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<ApiState>,
    ) -> Result<Call, ApiError> {
        let params = Params::from_query(parts.uri.query());
        let project = project::resolve(
            &parts.headers,
            parts.uri.authority().map(|authority| authority.as_str()),
            params.get(project::PROJECT_PARAM),
            state.config.default_project.as_deref(),
        )?;
        let path = match Path::<HashMap<String, String>>::from_request_parts(parts, state).await {
            Ok(Path(path)) => path,
            Err(PathRejection::MissingPathParams(_)) => HashMap::new(),
            Err(rejection) => {
                return Err(ApiError::ParameterInvalid(format!("bad path: {rejection}")));
            }
        };
        let client_ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip().to_string());
        Ok(Call {
            project,
            params,
            path,
            headers: parts.headers.clone(),
            client_ip,
        })
    }
}

/// Runs a backend call on the blocking pool.
async fn backend<T, F>(state: &ApiState, call: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&dyn LogBackend) -> Result<T, ApiError> + Send + 'static,
{
    let backend = state.backend.clone();
    tokio::task::spawn_blocking(move || call(backend.as_ref()))
        .await
        .map_err(|error| ApiError::internal(format!("the log backend failed: {error}")))?
}

/// A JSON answer.
fn json(value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => ([(http::header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(error) => ApiError::internal(error).into_response(),
    }
}

/// Adds headers to an answer; values are made header-safe (control
/// characters become spaces, UTF-8 passes as opaque bytes).
fn with_headers(mut response: Response, headers: &[(&'static str, String)]) -> Response {
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(HeaderName::from_static(name), header_value(value));
    }
    response
}

fn header_value(text: &str) -> HeaderValue {
    let bytes: Vec<u8> = text
        .bytes()
        .map(|byte| {
            if byte < 0x20 && byte != b'\t' || byte == 0x7f {
                b' '
            } else {
                byte
            }
        })
        .collect();
    HeaderValue::from_bytes(&bytes).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Every answer, errors included, carries an `x-log-requestid`.
async fn request_id(State(state): State<Arc<ApiState>>, request: Request, next: Next) -> Response {
    let sequence = state.requests.fetch_add(1, Ordering::Relaxed);
    let id = format!(
        "{:08X}{:08X}{:08X}",
        state.config.clock.unix_seconds() as u32,
        std::process::id(),
        sequence as u32
    );
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, header_value(&id));
    response
}

/// Under `--auth`, only correctly signed requests get through.
async fn authenticate(
    State(state): State<Arc<ApiState>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(credentials) = &state.config.credentials {
        let uri = request
            .extensions()
            .get::<OriginalUri>()
            .map(|OriginalUri(uri)| uri.clone())
            .unwrap_or_else(|| request.uri().clone());
        let query = Params::from_query(uri.query());
        if let Err(error) = signature::authorize(
            credentials,
            state.config.default_project.as_deref(),
            request.method().as_str(),
            &uri,
            request.headers(),
            query.pairs(),
            state.config.clock.now(),
        ) {
            return error.into_response();
        }
    }
    next.run(request).await
}

/// Methods and paths under `/logstores` that fclocal does not serve.
async fn unsupported(request: Request) -> ApiError {
    ApiError::Unsupported(format!("{} {}", request.method(), request.uri().path()))
}
