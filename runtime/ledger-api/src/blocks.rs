//! Browsing the chain: a page of block summaries, and one block in full.
//!
//! Both read one store snapshot on a blocking thread (a page decodes up to
//! [`MAX_LIMIT`] blocks), so the height and the blocks they answer with agree.

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::json;
use crate::request::number;

/// Blocks per page when `limit` is absent.
pub const DEFAULT_LIMIT: u64 = 20;
/// The largest `limit`.
pub const MAX_LIMIT: u64 = 1000;

/// `?from=N&limit=M`, kept as text so a bad value gets our message, not serde's.
#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    from: Option<String>,
    limit: Option<String>,
}

/// The block numbers of a page: `from..from+limit` within the height; without `from`,
/// the newest `limit` blocks.
pub fn page(height: u64, from: Option<u64>, limit: u64) -> std::ops::Range<u64> {
    let start = from.unwrap_or_else(|| height.saturating_sub(limit));
    let end = start.saturating_add(limit).min(height);
    start..end.max(start)
}

/// `GET /ledger/v1/blocks?from=N&limit=M`: `{"height", "blocks": [summary...]}`,
/// ascending by number.
pub(crate) async fn list(
    State(state): State<Arc<ApiState>>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let from = number("from", query.from.as_deref())?;
    let limit = number("limit", query.limit.as_deref())?.unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(ApiError::BadRequest(format!(
            "limit {limit} is too large; ask for at most {MAX_LIMIT} blocks and page with `from`"
        )));
    }
    let body = state
        .blocking(move |state| {
            let snapshot = state.ledger.store().snapshot()?;
            let height = snapshot.height()?;
            let mut blocks = Vec::new();
            for n in page(height, from, limit) {
                let block = snapshot.block(n)?.ok_or_else(|| {
                    ApiError::Internal(format!(
                        "block {n} is missing below the height {height}; run GET /ledger/v1/verify"
                    ))
                })?;
                blocks.push(json::block_summary(&block));
            }
            Ok(json!({"height": height, "blocks": blocks}))
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

/// `GET /ledger/v1/blocks/{n}`: the block with every transaction decoded.
pub(crate) async fn one(
    State(state): State<Arc<ApiState>>,
    number: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(text) = number.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let n = text.parse::<u64>().map_err(|_| {
        ApiError::BadRequest(format!(
            "block number `{text}` is not a non-negative integer; use e.g. /ledger/v1/blocks/0"
        ))
    })?;
    let body: Value = state
        .blocking(move |state| match state.ledger.block(n)? {
            Some(block) => Ok(json::block_full(&block, &state.peers)),
            None => Err(ApiError::BlockNotFound {
                number: n,
                height: state.ledger.height(),
            }),
        })
        .await?;
    Ok(axum::Json(body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_default_to_the_newest_blocks() {
        assert_eq!(page(5, None, 20), 0..5);
        assert_eq!(page(50, None, 20), 30..50);
        assert_eq!(page(50, Some(45), 20), 45..50);
        assert_eq!(page(50, Some(60), 20), 60..60);
        assert_eq!(page(50, Some(u64::MAX), 20), u64::MAX..u64::MAX);
        assert_eq!(page(3, Some(1), 0), 1..1);
    }
}
