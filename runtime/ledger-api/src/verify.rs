//! `GET /ledger/v1/verify`: re-checks the whole chain and world state
//! ([`fclocal_ledger::Ledger::verify`]) on a blocking thread, since it re-validates
//! every transaction and can take a while on a long chain.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use fclocal_ledger::verify::VerifyError;
use serde_json::json;

use crate::ApiState;
use crate::error::ApiError;

/// Maps a verification failure: damage or tampering is a 409 naming the block; a store
/// that cannot be read at all is a 500.
fn verify_error(e: VerifyError) -> ApiError {
    match e {
        VerifyError::Block { number, .. } => ApiError::LedgerTampered {
            message: e.to_string(),
            block: number,
        },
        VerifyError::State { block, .. } => ApiError::LedgerTampered {
            message: e.to_string(),
            block,
        },
        VerifyError::Store(_) => ApiError::Internal(e.to_string()),
    }
}

/// `{"ok": true, "blocks", "transactions", "valid", "stateKeys"}`.
pub(crate) async fn verify(State(state): State<Arc<ApiState>>) -> Result<Response, ApiError> {
    let report = state
        .blocking(|state| state.ledger.verify().map_err(verify_error))
        .await?;
    Ok(axum::Json(json!({
        "ok": true,
        "blocks": report.blocks,
        "transactions": report.transactions,
        "valid": report.valid,
        "stateKeys": report.state_keys,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tampering_names_the_block() {
        let e = verify_error(VerifyError::Block {
            number: 3,
            problem: "data hash does not match its transactions".into(),
        });
        assert_eq!(e.status().as_u16(), 409);
        let body = e.body();
        assert_eq!(body["ok"], false);
        assert_eq!(body["error"], "LedgerTampered");
        assert_eq!(body["block"], 3);
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("block 3: data hash")
        );
    }
}
