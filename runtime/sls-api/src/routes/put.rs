//! PutLogs: `POST /logstores/{ls}/shards/lb` (py-sdk, rs-sdk, API doc),
//! `POST /logstores/{ls}` (go-sdk) and `POST /logstores/{ls}/shards/route?key=`
//! (go-sdk KeyHash; also `x-log-hashkey`). The body is one protobuf
//! `LogGroup`, raw or compressed; the answer is an empty 200.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::{ApiState, Call, backend};
use crate::backend::PutLogsRequest;
use crate::compression;
use crate::error::ApiError;
use crate::validate::{self, MAX_GROUP_BYTES};

/// The largest (compressed) body read: SLS's 10 MB request limit.
const MAX_BODY: usize = 10 * 1024 * 1024;
/// `x-log-hashkey`.
const HASH_KEY_HEADER: &str = "x-log-hashkey";

/// PutLogs.
pub(super) async fn put_logs(
    State(state): State<Arc<ApiState>>,
    call: Call,
    body: Body,
) -> Result<Response, ApiError> {
    let hash_key = hash_key(&call)?;
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|error| {
            ApiError::PostBodyTooLarge(format!(
                "the body could not be read within {MAX_BODY} bytes: {error}"
            ))
        })?;
    let raw = compression::decode_request_body(&call.headers, body, MAX_GROUP_BYTES, "group")?;
    let group = validate::decode_group(&raw)?;
    let received_at = state.config.clock.unix_seconds();
    validate::check_group(&group, received_at)?;
    let request = PutLogsRequest {
        project: call.project.clone(),
        logstore: call.logstore().to_owned(),
        group,
        hash_key,
        received_at,
        client_ip: call.client_ip.clone(),
    };
    backend(&state, move |backend| backend.put_logs(request)).await?;
    Ok(().into_response())
}

/// The KeyHash route, if any: up to 32 hex digits (an MD5).
fn hash_key(call: &Call) -> Result<Option<String>, ApiError> {
    let key = call
        .params
        .text("key")
        .or_else(|| {
            call.headers
                .get(HASH_KEY_HEADER)
                .and_then(|value| value.to_str().ok())
        })
        .map(str::trim)
        .filter(|key| !key.is_empty());
    match key {
        None => Ok(None),
        Some(key) if key.len() <= 32 && key.chars().all(|c| c.is_ascii_hexdigit()) => {
            Ok(Some(key.to_ascii_lowercase()))
        }
        Some(key) => Err(ApiError::ParameterInvalid(format!(
            "the hash key must be up to 32 hex digits (an MD5 of the routing value), got {key:?}"
        ))),
    }
}
