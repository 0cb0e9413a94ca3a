//! `GET /fclocal/forwarding`: the [`ForwardStatus`] as JSON, for people and
//! tools. With `?waitFor=ID` it first waits (up to `timeout` seconds, 30 by
//! default, at most 120) until every line up to that id is forwarded, so a
//! script or test can wait for forwarding without polling. Like the rest of
//! `/fclocal/`, it answers loopback clients only.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{ConnectInfo, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use crate::forwarder::current_status;
use crate::source::LineSource;
use crate::status::Board;

/// The route's path.
pub const PATH: &str = "/fclocal/forwarding";
/// The longest `timeout` accepted.
const MAX_WAIT: Duration = Duration::from_secs(120);

struct Shared {
    board: Arc<Board>,
    source: LineSource,
    projects: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    wait_for: Option<i64>,
    timeout: Option<u64>,
}

/// The router serving [`PATH`].
pub fn router(
    board: Arc<Board>,
    source: LineSource,
    projects: Option<Vec<String>>,
) -> axum::Router {
    let shared = Arc::new(Shared {
        board,
        source,
        projects,
    });
    axum::Router::new()
        .route(PATH, get(status))
        .with_state(shared)
}

async fn status(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(params): Query<Params>,
) -> Response {
    if !peer.ip().is_loopback() {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"error": "the fclocal admin API answers loopback clients only"})),
        )
            .into_response();
    }
    if let Some(id) = params.wait_for {
        let wait = Duration::from_secs(params.timeout.unwrap_or(30)).min(MAX_WAIT);
        let _ = tokio::time::timeout(wait, shared.board.forwarded(id)).await;
    }
    Json(current_status(&shared.board, &shared.source, shared.projects.clone()).await)
        .into_response()
}
