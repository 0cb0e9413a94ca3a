//! ListLogStores and GetLogStore, and the `GET /logstores/{ls}` dispatch on
//! `type` (none: GetLogStore, `log`: GetLogs v1, `histogram`: GetHistograms).

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::{ApiState, Call, backend, get_logs, histogram, json};
use crate::backend::LogstoreMeta;
use crate::error::ApiError;

/// ListLogStores' default and largest page (py-sdk pages by 500).
const MAX_PAGE: usize = 500;

/// `GET /logstores?offset=&size=&logstoreName=`: `{"count", "total",
/// "logstores": [names]}`, sorted by name; `logstoreName` keeps names
/// containing it.
pub(super) async fn list(
    State(state): State<Arc<ApiState>>,
    call: Call,
) -> Result<Response, ApiError> {
    let offset = call
        .params
        .number::<usize>(&["offset"], Some(0), ApiError::ParameterInvalid)?;
    let size =
        call.params
            .number::<usize>(&["size"], Some(MAX_PAGE), ApiError::ParameterInvalid)?;
    let filter = call.params.text("logstoreName").map(str::to_owned);
    let project = call.project.clone();
    let mut names: Vec<String> = backend(&state, move |backend| backend.list_logstores(&project))
        .await?
        .into_iter()
        .map(|meta| meta.name)
        .filter(|name| filter.as_deref().is_none_or(|filter| name.contains(filter)))
        .collect();
    names.sort();
    let total = names.len();
    let page: Vec<String> = names
        .into_iter()
        .skip(offset)
        .take(size.min(MAX_PAGE))
        .collect();
    Ok(json(
        &json!({"count": page.len(), "total": total, "logstores": page}),
    ))
}

/// `GET /logstores/{ls}`, by `type`.
pub(super) async fn get_dispatch(
    state: State<Arc<ApiState>>,
    call: Call,
) -> Result<Response, ApiError> {
    match call.params.get("type").unwrap_or("") {
        "" => get(state, call).await,
        "log" => get_logs::v1(state, call).await,
        "histogram" => histogram::get(state, call).await,
        other => Err(ApiError::Unsupported(format!(
            "GET /logstores/{{logstore}}?type={other}"
        ))),
    }
}

/// GetLogStore: the logstore JSON of go-sdk's `LogStore`.
async fn get(State(state): State<Arc<ApiState>>, call: Call) -> Result<Response, ApiError> {
    let (project, logstore) = (call.project.clone(), call.logstore().to_owned());
    let meta = backend(&state, move |backend| {
        backend.get_logstore(&project, &logstore)
    })
    .await?;
    Ok(json(&logstore_json(&meta)))
}

fn logstore_json(meta: &LogstoreMeta) -> serde_json::Value {
    json!({
        "logstoreName": meta.name,
        "ttl": meta.ttl_days,
        "shardCount": meta.shard_count,
        "enable_tracking": false,
        "autoSplit": false,
        "maxSplitShard": meta.shard_count,
        "appendMeta": meta.append_meta,
        "telemetryType": "None",
        "mode": "standard",
        "createTime": meta.create_time,
        "lastModifyTime": meta.last_modify_time,
        "productType": "",
    })
}
