//! GetHistograms `GET /logstores/{ls}?type=histogram&from&to&topic&query[&interval]`:
//! a JSON **array** `[{"from", "to", "count", "progress"}]` (what go-sdk and
//! py-sdk parse; the API doc's object form is not what they read) with
//! `x-log-progress` and `x-log-count` (go-sdk indexes both unconditionally).
//!
//! Buckets are chosen here, not by the backend: at most 60 consecutive
//! half-open buckets of equal width covering `[from, to)` (the last one
//! possibly shorter), the width being `interval` when it is sent and yields
//! no more than 60. The same range always gives the same buckets.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use fclocal_sls_query::Cancel;
use serde_json::json;

use super::{ApiState, Call, backend, json, with_headers};
use crate::backend::{HistogramRequest, TimeBucket};
use crate::error::ApiError;
use crate::query::split_query;

/// The most buckets one answer has.
pub const MAX_BUCKETS: i64 = 60;

/// GetHistograms.
pub(super) async fn get(
    State(state): State<Arc<ApiState>>,
    call: Call,
) -> Result<Response, ApiError> {
    let params = &call.params;
    let from = params.number::<i64>(&["from"], None, ApiError::ParameterInvalid)?;
    let to = params.number::<i64>(&["to"], None, ApiError::ParameterInvalid)?;
    if from >= to {
        return Err(ApiError::InvalidTimeRange(format!(
            "from ({from}) must be earlier than to ({to}): the range is [from, to)"
        )));
    }
    let interval = params.number::<i64>(&["interval"], Some(0), ApiError::ParameterInvalid)?;
    let buckets = buckets(from, to, interval);
    let request = HistogramRequest {
        project: call.project.clone(),
        logstore: call.logstore().to_owned(),
        query: split_query(params.get("query").unwrap_or("")).0.to_owned(),
        topic: params.text("topic").map(str::to_owned),
        buckets: buckets.clone(),
    };
    // A client that goes away drops this future; the guard then stops the query.
    let cancel = Cancel::new();
    let _withdraw_if_dropped = cancel.on_drop();
    let counts = backend(&state, move |backend| {
        cancel.scope(|| backend.histogram(request))
    })
    .await?;
    if counts.len() != buckets.len() {
        return Err(ApiError::internal(format!(
            "the log backend answered {} histogram counts for {} buckets",
            counts.len(),
            buckets.len()
        )));
    }
    let total: u64 = counts.iter().sum();
    let body: Vec<_> = buckets
        .iter()
        .zip(&counts)
        .map(|(bucket, count)| json!({"from": bucket.from, "to": bucket.to, "count": count, "progress": "Complete"}))
        .collect();
    Ok(with_headers(
        json(&body),
        &[
            ("x-log-progress", "Complete".to_owned()),
            ("x-log-count", total.to_string()),
        ],
    ))
}

/// The buckets for `[from, to)` (`from < to`).
fn buckets(from: i64, to: i64, interval: i64) -> Vec<TimeBucket> {
    let span = to - from;
    let narrowest = (span + MAX_BUCKETS - 1) / MAX_BUCKETS;
    let width = interval.max(narrowest).max(1);
    let mut out = Vec::new();
    let mut start = from;
    while start < to {
        let end = start.saturating_add(width).min(to);
        out.push(TimeBucket {
            from: start,
            to: end,
        });
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_the_range_in_at_most_sixty_steps() {
        let fifteen_minutes = buckets(0, 900, 0);
        assert_eq!(fifteen_minutes.len(), 60);
        assert_eq!(fifteen_minutes[1], TimeBucket { from: 15, to: 30 });
        let odd = buckets(10, 75, 0);
        assert_eq!(odd.len(), 33);
        assert_eq!(odd.last(), Some(&TimeBucket { from: 74, to: 75 }));
        assert_eq!(buckets(0, 5, 0).len(), 5);
        assert_eq!(buckets(0, 600, 60).len(), 10);
        assert_eq!(
            buckets(0, 6000, 1).len(),
            60,
            "a too-fine interval is widened"
        );
    }
}
