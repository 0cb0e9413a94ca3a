//! The topics' admin routes, merged into `fclocal start`'s server:
//!
//! - `GET /fclocal/topics`: every topic and subscription with its counts
//!   ([`TopicHub::stats`]).
//! - `POST /fclocal/topics/{topic}/messages`: publish the request body, like MNS's
//!   PublishMessage, with an optional `x-mns-message-tag` header for `FilterTag`s.
//!   Answers 201 `{"MessageId", "MessageBodyMD5", "queuedFor"}`; an unknown topic is a
//!   404 naming the known ones.
//!
//! Like the rest of `/fclocal/`, they answer loopback clients only.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{Extensions, HeaderMap, StatusCode};
use serde_json::json;

use crate::error::TopicsError;
use crate::hub::TopicHub;

/// MNS's largest message body (`MaximumMessageSize` at most 64 KB).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// The header carrying a message's tag.
pub const TAG_HEADER: &str = "x-mns-message-tag";

/// The routes over `hub`.
pub fn router(hub: Arc<TopicHub>) -> Router {
    Router::new()
        .route("/fclocal/topics", get(list))
        .route("/fclocal/topics/{topic}/messages", post(publish))
        .with_state(hub)
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        axum::Json(json!({"error": code, "message": message})),
    )
        .into_response()
}

/// 403 for a client that is not on loopback (absent connection info means an
/// in-process caller, such as a test).
fn refuse_remote(extensions: &Extensions) -> Option<Response> {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>()?;
    (!peer.0.ip().is_loopback()).then(|| {
        error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "the fclocal admin API answers loopback clients only".into(),
        )
    })
}

async fn list(State(hub): State<Arc<TopicHub>>, extensions: Extensions) -> Response {
    if let Some(refused) = refuse_remote(&extensions) {
        return refused;
    }
    axum::Json(hub.stats()).into_response()
}

async fn publish(
    State(hub): State<Arc<TopicHub>>,
    Path(topic): Path<String>,
    extensions: Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = refuse_remote(&extensions) {
        return refused;
    }
    if body.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            format!("the message to topic `{topic}` is empty; send it as the request body"),
        );
    }
    if body.len() > MAX_MESSAGE_BYTES {
        return error(
            StatusCode::BAD_REQUEST,
            "MessageTooLarge",
            format!(
                "the message is {} bytes; MNS takes at most {MAX_MESSAGE_BYTES} bytes per message",
                body.len()
            ),
        );
    }
    let tag = match headers.get(TAG_HEADER).map(|v| v.to_str()) {
        None => None,
        Some(Ok(tag)) => Some(tag.to_owned()),
        Some(Err(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                format!("the {TAG_HEADER} header is not visible ASCII; use a plain tag"),
            );
        }
    };
    match hub.publish(&topic, body.to_vec(), tag, "message published by hand") {
        Ok(published) => (
            StatusCode::CREATED,
            axum::Json(json!({
                "MessageId": published.message_id,
                "MessageBodyMD5": published.body_md5,
                "queuedFor": published.queued_for,
            })),
        )
            .into_response(),
        Err(unknown @ TopicsError::UnknownTopic { .. }) => {
            let TopicsError::UnknownTopic { known, .. } = &unknown;
            (
                StatusCode::NOT_FOUND,
                axum::Json(json!({
                    "error": "TopicNotExist",
                    "message": unknown.to_string(),
                    "knownTopics": known,
                })),
            )
                .into_response()
        }
    }
}
