//! PullLogs `GET …/shards/{id}?type=logs|log&cursor=&count=[&end_cursor=|&endCursor=]`:
//! a protobuf `LogGroupList`, compressed as the client's `Accept-Encoding`
//! asks (LZ4, else zstd; go-sdk and py-sdk send `lz4`, go-sdk `zstd` when set
//! up for it) and then marked with `x-log-compresstype`; raw protobuf without
//! `x-log-compresstype` otherwise (npm aliyun-sdk sends an empty
//! `Accept-Encoding` and decodes the body as it comes). Headers:
//! `x-log-cursor` (next), `x-log-count` (groups, not logs) and
//! `x-log-bodyrawsize` (the protobuf's length, compressed or not) — py-sdk and
//! go-sdk fail without them.
use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use prost::Message as _;

use super::{ApiState, Call, backend, with_headers};
use crate::compression::{BODY_RAW_SIZE, COMPRESS_TYPE, Compression};
use crate::cursor;
use crate::error::ApiError;
use crate::proto::LogGroupList;

/// The most groups one pull returns.
pub const MAX_COUNT: usize = 1000;

/// PullLogs.
pub(super) async fn pull(
    State(state): State<Arc<ApiState>>,
    call: Call,
) -> Result<Response, ApiError> {
    let shard = call.shard()?;
    let start = cursor::decode(call.params.get("cursor").unwrap_or(""))?;
    let end = match call
        .params
        .get_any(&["end_cursor", "endCursor"])
        .filter(|text| !text.is_empty())
    {
        Some(text) => Some(cursor::decode(text)?),
        None => None,
    };
    let count =
        call.params
            .number::<usize>(&["count"], Some(MAX_COUNT), ApiError::ParameterInvalid)?;
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(ApiError::ParameterInvalid(format!(
            "count must be 1–{MAX_COUNT}, got {count}"
        )));
    }
    let (project, logstore) = (call.project.clone(), call.logstore().to_owned());
    let pulled = backend(&state, move |backend| {
        backend.pull(&project, &logstore, shard, start, count, end)
    })
    .await?;
    let groups = pulled.groups.len();
    let raw = LogGroupList {
        log_group_list: pulled.groups,
    }
    .encode_to_vec();
    let mut headers = vec![
        ("x-log-cursor", cursor::encode(pulled.next_cursor)),
        ("x-log-count", groups.to_string()),
        (BODY_RAW_SIZE, raw.len().to_string()),
    ];
    let body = match Compression::accepted(&call.headers) {
        Some(compression) => {
            headers.push((COMPRESS_TYPE, compression.name().to_owned()));
            compression.compress(&raw)?
        }
        None => raw,
    };
    let response = (
        [(http::header::CONTENT_TYPE, "application/x-protobuf")],
        body,
    )
        .into_response();
    Ok(with_headers(response, &headers))
}
