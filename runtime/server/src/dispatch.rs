//! Routes Function Compute's URLs to their handlers: HTTP triggers under
//! `/2016-08-15/proxy/`, FC's API (InvokeFunction and the management reads)
//! under `/2016-08-15/`, `/2021-04-06/` and `/2023-03-30/`. Anything else
//! gets FC's 404.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use fclocal_invoke::new_request_id;
use http::{Request, StatusCode};

use crate::fc_api::{self, route::ApiVersion};
use crate::fc_error::FcError;
use crate::headers;
use crate::proxy;
use crate::state::AppState;

/// The fallback handler for everything the admin routes do not take.
pub async fn dispatch(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request<Body>,
) -> Response {
    let request_id = new_request_id();
    let path = request.uri().path().to_owned();
    if let Some(rest) = path.strip_prefix(proxy::PREFIX) {
        return proxy::handle(&state, peer, request, rest, &request_id).await;
    }
    if let Some((version, rest)) = ApiVersion::of_path(&path) {
        return fc_api::handle(&state, request, version, rest, &request_id).await;
    }
    let mut response = FcError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!(
            "no route for {path}; HTTP triggers live under /2016-08-15/proxy/{{service}}/{{function}}/, FC's API under /2016-08-15/services/, /2021-04-06/services/ and /2023-03-30/functions/ (InvokeFunction: …/functions/{{function}}/invocations)"
        ),
    )
    .into_response();
    headers::ensure_request_headers(response.headers_mut(), &request_id);
    response
}
