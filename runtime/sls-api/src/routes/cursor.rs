//! GetCursor `…/shards/{id}?type=cursor&from=begin|end|<unix s>` →
//! `{"cursor": "<base64>"}`, and GetCursorTime `…?type=cursor_time&cursor=` →
//! `{"cursor_time": <unix s>}`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::{ApiState, Call, backend, json};
use crate::backend::CursorAt;
use crate::cursor;
use crate::error::ApiError;

/// GetCursor.
pub(super) async fn get_cursor(
    State(state): State<Arc<ApiState>>,
    call: Call,
) -> Result<Response, ApiError> {
    let shard = call.shard()?;
    let at = match call.params.get("from").map(str::trim) {
        Some("begin") => CursorAt::Begin,
        Some("end") => CursorAt::End,
        Some(time) => CursorAt::Time(time.parse().map_err(|_| {
            ApiError::ParameterInvalid(format!(
                "from must be begin, end or UNIX seconds, got {time:?}"
            ))
        })?),
        None => {
            return Err(ApiError::ParameterInvalid(
                "the parameter `from` is required: begin, end or UNIX seconds".to_owned(),
            ));
        }
    };
    let (project, logstore) = (call.project.clone(), call.logstore().to_owned());
    let position = backend(&state, move |backend| {
        backend.cursor(&project, &logstore, shard, at)
    })
    .await?;
    Ok(json(&json!({"cursor": cursor::encode(position)})))
}

/// GetCursorTime.
pub(super) async fn get_cursor_time(
    State(state): State<Arc<ApiState>>,
    call: Call,
) -> Result<Response, ApiError> {
    let shard = call.shard()?;
    let position = cursor::decode(call.params.get("cursor").unwrap_or(""))?;
    let (project, logstore) = (call.project.clone(), call.logstore().to_owned());
    let time = backend(&state, move |backend| {
        backend.cursor_time(&project, &logstore, shard, position)
    })
    .await?;
    Ok(json(&json!({"cursor_time": time})))
}
