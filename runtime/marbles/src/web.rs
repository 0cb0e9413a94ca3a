//! The Marbles routes: the UI at `/` (plain HTML, CSS and JS compiled into the
//! binary with `include_str!`; no build step, nothing loaded from elsewhere),
//! the websocket at `/ws` and the call-out counters at `/marbles/stats`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::header;

use crate::{Marbles, session};

const INDEX_HTML: &str = include_str!("../assets/index.html");
const MARBLES_JS: &str = include_str!("../assets/marbles.js");
const MARBLES_CSS: &str = include_str!("../assets/marbles.css");

/// The Marbles routes, to merge at the server root: `GET /`, `GET /ws`,
/// `GET /marbles/stats`, `GET /marbles/marbles.js`, `GET /marbles/marbles.css`.
pub fn router(marbles: Arc<Marbles>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }),
        )
        .route(
            "/marbles/marbles.js",
            get(|| async { asset("text/javascript; charset=utf-8", MARBLES_JS) }),
        )
        .route(
            "/marbles/marbles.css",
            get(|| async { asset("text/css; charset=utf-8", MARBLES_CSS) }),
        )
        .route("/marbles/stats", get(stats))
        .route("/ws", get(websocket))
        .with_state(marbles)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn stats(State(marbles): State<Arc<Marbles>>) -> Response {
    axum::Json(marbles.callout().stats_json()).into_response()
}

/// The largest message a browser may send: Marbles messages are a few hundred bytes,
/// and the default (64 MiB) would let one frame take that much memory.
const MAX_CLIENT_MESSAGE: usize = 64 * 1024;

async fn websocket(State(marbles): State<Arc<Marbles>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| {
            let tasks = marbles.tasks.clone();
            tasks.track_future(async move {
                session::run(socket, marbles).await;
            })
        })
}
