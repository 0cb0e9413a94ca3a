//! fclocal's own admin API under `/fclocal/`, for tools and tests: health,
//! instances, firing a timer now, and (with `--test-clock`) moving the clock.
//! It answers only clients on the loopback interface.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::response::{IntoResponse, Response};
use fclocal_timers::{FireNow, TimerError};
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use crate::state::AppState;

fn refuse_remote(peer: &SocketAddr) -> Option<Response> {
    (!peer.ip().is_loopback()).then(|| {
        (
            StatusCode::FORBIDDEN,
            Json(json!({"error": "the fclocal admin API answers loopback clients only"})),
        )
            .into_response()
    })
}

/// `GET /`: what this server serves (the startup banner), as text. A client
/// on another machine gets it without the AccessKeySecret, which stays on the
/// terminal (and with clients on this machine, which can read
/// `.fclocal/credentials.json` anyway).
pub async fn index(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> String {
    let banner = if peer.ip().is_loopback() {
        &state.banner
    } else {
        &state.remote_banner
    };
    let mut text = banner.get().cloned().unwrap_or_default();
    for note in &state.live_notes {
        text.push('\n');
        text.push_str(&note.render());
    }
    text.push_str("\n\nAdmin: GET /fclocal/health, GET /fclocal/instances, GET /fclocal/usage, POST /fclocal/timers/{service}/{function}/{trigger}/fire\n");
    text
}

/// `GET /fclocal/health`.
pub async fn health() -> &'static str {
    "ok"
}

/// `GET /fclocal/instances`: every function's instances.
pub async fn instances(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Some(refused) = refuse_remote(&peer) {
        return refused;
    }
    let mut all = BTreeMap::new();
    for label in state.pools.labels() {
        let instances: Vec<_> = state
            .pools
            .instances(&label)
            .into_iter()
            .map(|i| json!({"id": i.id, "assigned": i.assigned, "retired": i.retired}))
            .collect();
        all.insert(label, instances);
    }
    Json(all).into_response()
}

/// `GET /fclocal/usage`: what the limits against noisy functions did: how
/// many invocations ran long enough to move off the server's workers, and
/// the log lines each function lost to its per-minute budget.
pub async fn usage(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Some(refused) = refuse_remote(&peer) {
        return refused;
    }
    let host = state.pools.host();
    let limit = host.settings().log_rate;
    let dropped: BTreeMap<String, _> = host
        .dropped_logs()
        .into_iter()
        .map(|(label, d)| (label, json!({"lines": d.lines, "bytes": d.bytes})))
        .collect();
    Json(json!({
        "longInvocations": state.pools.demoted(),
        "logBudget": {
            "functionBytesPerMinute": limit.function_bytes_per_minute,
            "logstoreBytesPerMinute": limit.logstore_bytes_per_minute,
        },
        "droppedLogs": dropped,
    }))
    .into_response()
}

/// `POST /fclocal/timers/{service}/{function}/{trigger}/fire`.
pub async fn fire_timer(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((service, function, trigger)): Path<(String, String, String)>,
) -> Response {
    if let Some(refused) = refuse_remote(&peer) {
        return refused;
    }
    let key = format!("{service}/{function}/{trigger}");
    match state.scheduler.fire_now(&key) {
        Ok(FireNow::Started) => (StatusCode::ACCEPTED, Json(json!({"timer": key, "fired": true}))).into_response(),
        Ok(FireNow::SkippedBusy) => (
            StatusCode::CONFLICT,
            Json(json!({"timer": key, "fired": false, "reason": "the previous run of this timer is still going"})),
        )
            .into_response(),
        Err(error @ TimerError::UnknownTimer { .. }) => {
            (StatusCode::NOT_FOUND, Json(json!({"error": error.to_string()}))).into_response()
        }
        Err(error) => (StatusCode::CONFLICT, Json(json!({"error": error.to_string()}))).into_response(),
    }
}

/// Query of `POST /fclocal/clock/advance`.
#[derive(Deserialize)]
pub struct Advance {
    /// A duration such as `60s` or `5m`.
    by: String,
}

/// `POST /fclocal/clock/advance?by=60s`: moves the test clock (only when
/// started with `--test-clock`), so timer tests never wait.
pub async fn advance_clock(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(advance): Query<Advance>,
) -> Response {
    if let Some(refused) = refuse_remote(&peer) {
        return refused;
    }
    let Some(clock) = &state.test_clock else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "the clock is the system clock; start fclocal with --test-clock to move it"})),
        )
            .into_response();
    };
    let by = match humantime::parse_duration(&advance.by) {
        Ok(by) => by,
        Err(_) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(
                    json!({"error": format!("{:?} is not a duration like 60s or 5m", advance.by)}),
                ),
            )
                .into_response();
        }
    };
    clock.advance(by);
    use fclocal_timers::Clock as _;
    let now = clock.now();
    if let Some(job) = &state.housekeeping {
        job.run(now.into()).await;
    }
    Json(json!({"now": now.to_rfc3339()})).into_response()
}
