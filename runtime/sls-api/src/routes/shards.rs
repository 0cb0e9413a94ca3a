//! ListShards, and the `GET /logstores/{ls}/shards/{id}` dispatch on `type`
//! (`cursor`: GetCursor, `cursor_time`: GetCursorTime, `logs` (go/rs-sdk) or
//! `log` (py-sdk): PullLogs).

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::{ApiState, Call, backend, cursor, json, pull};
use crate::error::ApiError;

/// `GET /logstores/{ls}/shards`: go-sdk's `Shard` objects.
pub(super) async fn list(
    State(state): State<Arc<ApiState>>,
    call: Call,
) -> Result<Response, ApiError> {
    let (project, logstore) = (call.project.clone(), call.logstore().to_owned());
    let shards = backend(&state, move |backend| backend.shards(&project, &logstore)).await?;
    let body: Vec<_> = shards
        .iter()
        .map(|shard| {
            json!({
                "shardID": shard.id,
                "status": shard.status,
                "inclusiveBeginKey": shard.inclusive_begin_key,
                "exclusiveEndKey": shard.exclusive_end_key,
                "createTime": shard.create_time,
            })
        })
        .collect();
    Ok(json(&body))
}

/// `GET /logstores/{ls}/shards/{id}`, by `type`.
pub(super) async fn get_dispatch(
    state: State<Arc<ApiState>>,
    call: Call,
) -> Result<Response, ApiError> {
    match call.params.get("type").unwrap_or("") {
        "cursor" => cursor::get_cursor(state, call).await,
        "cursor_time" => cursor::get_cursor_time(state, call).await,
        "logs" | "log" => pull::pull(state, call).await,
        "" => Err(ApiError::ParameterInvalid(
            "the parameter `type` is required: cursor, cursor_time or logs".to_owned(),
        )),
        other => Err(ApiError::Unsupported(format!(
            "GET /logstores/{{logstore}}/shards/{{id}}?type={other}"
        ))),
    }
}
