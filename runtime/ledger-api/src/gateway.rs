//! The gateway operations: channel info, evaluate (query, nothing ordered), submit
//! (endorse, order, wait for the commit) and a transaction's commit status.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use fclocal_ledger::model::ChaincodeResponse;
use fclocal_ledger::policy::Policy;
use serde_json::{Value, json};

use crate::ApiState;
use crate::error::ApiError;
use crate::json;
use crate::request::{GatewayRequest, JsonBody};

/// `GET /ledger/v1/info`: channel, height, chaincodes with their policies, organizations
/// with their peers.
pub(crate) async fn info(State(state): State<Arc<ApiState>>) -> Response {
    let ledger = &state.ledger;
    let network = ledger.network();
    let chaincodes: Vec<Value> = network
        .chaincodes
        .iter()
        .map(|c| json!({"name": c.name, "endorsementPolicy": policy_text(&c.policy)}))
        .collect();
    let organizations: Vec<Value> = network
        .organizations
        .iter()
        .map(|o| json!({"mspId": o.msp_id, "peers": o.peers}))
        .collect();
    axum::Json(json!({
        "channel": network.channel,
        "height": ledger.height(),
        "chaincodes": chaincodes,
        "organizations": organizations,
    }))
    .into_response()
}

/// A policy in the spelling of network files and Fabric's docs:
/// `AND('Org1MSP.peer', 'Org2MSP.peer')`. `Policy`'s `Display` writes the canonical
/// `OutOf(2, ...)` form, which means the same but is not what the user wrote.
pub fn policy_text(policy: &Policy) -> String {
    match policy {
        Policy::SignedBy(principal) => principal.to_string(),
        Policy::OutOf { n, rules } => {
            let inner = rules.iter().map(policy_text).collect::<Vec<_>>().join(", ");
            if *n > 0 && *n == rules.len() {
                format!("AND({inner})")
            } else if *n == 1 {
                format!("OR({inner})")
            } else {
                format!("OutOf({n}, {inner})")
            }
        }
    }
}

/// A chaincode answer with status >= 400 is the chaincode's error, not a result.
fn check_response(response: &ChaincodeResponse) -> Result<(), ApiError> {
    if response.is_success() {
        Ok(())
    } else {
        Err(ApiError::Chaincode {
            status: response.status,
            message: response.message.clone(),
        })
    }
}

/// `POST /ledger/v1/evaluate`: runs the function on one peer of the organization
/// (default: the first) against committed state; nothing is signed or ordered.
pub(crate) async fn evaluate(
    State(state): State<Arc<ApiState>>,
    JsonBody(req): JsonBody<GatewayRequest>,
) -> Result<Response, ApiError> {
    let ledger = &state.ledger;
    let response = match &req.organization {
        Some(org) => {
            ledger
                .evaluate_as(org, &req.chaincode, &req.function, &req.args)
                .await?
        }
        None => {
            ledger
                .evaluate(&req.chaincode, &req.function, &req.args)
                .await?
        }
    };
    check_response(&response)?;
    Ok(axum::Json(json::response(&response)).into_response())
}

/// `POST /ledger/v1/submit`: endorses on the peers the policy needs, orders, and answers
/// once the block holding the transaction is committed. A transaction committed as
/// invalid (e.g. `MVCC_READ_CONFLICT`) answers 409 with the same fields.
pub(crate) async fn submit(
    State(state): State<Arc<ApiState>>,
    JsonBody(req): JsonBody<GatewayRequest>,
) -> Result<Response, ApiError> {
    let ledger = &state.ledger;
    let result = match &req.organization {
        Some(org) => {
            ledger
                .submit_as(org, &req.chaincode, &req.function, &req.args)
                .await?
        }
        None => {
            ledger
                .submit(&req.chaincode, &req.function, &req.args)
                .await?
        }
    };
    // Endorsers refuse error responses, so this only guards a future ledger change.
    check_response(&result.response)?;
    let mut view = json::commit_status(&result.status);
    view.extend(json::response(&result.response));
    if result.status.code.is_valid() {
        Ok(axum::Json(view).into_response())
    } else {
        Err(ApiError::TransactionInvalid {
            status: result.status,
            view,
        })
    }
}

/// `GET /ledger/v1/transactions/{txId}`: where and how a transaction was committed.
pub(crate) async fn transaction(
    State(state): State<Arc<ApiState>>,
    tx_id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(tx_id) = tx_id.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    match state.ledger.commit_status(&tx_id)? {
        Some(status) => Ok(axum::Json(json::commit_status(&status)).into_response()),
        None => Err(ApiError::TransactionNotFound { tx_id }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_read_as_written_in_network_files() {
        for text in [
            "AND('Org1MSP.peer', 'Org2MSP.peer')",
            "OR('Org1MSP.peer', AND('Org2MSP.peer', 'Org3MSP.member'))",
            "OutOf(2, 'A.peer', 'B.peer', 'C.client')",
            "'A.peer'",
        ] {
            assert_eq!(policy_text(&Policy::parse(text).unwrap()), text);
        }
    }
}
