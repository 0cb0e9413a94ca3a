//! Every error answer of the API: an HTTP status and `{"error": "<Code>", "message":
//! "<text>"}`, plus a few fields some codes add (`status` for chaincode errors, the whole
//! transaction view for `TransactionInvalid`, `ok`/`block` for `LedgerTampered`).
//!
//! Messages come from the ledger's own error types wherever they exist, because those
//! already name the thing and say how to fix it; the one exception is a chaincode
//! failure, whose message is the chaincode's text verbatim (user interfaces show it as
//! is, e.g. `This asset already exists - a1`).

use axum::response::{IntoResponse, Response};
use fclocal_ledger::endorse::EndorseError;
use fclocal_ledger::model::TxValidationCode;
use fclocal_ledger::orderer::OrderError;
use fclocal_ledger::simulate::SimulationError;
use fclocal_ledger::store::StoreError;
use fclocal_ledger::{CommitStatus, LedgerError};
use http::StatusCode;
use serde_json::{Map, Value, json};

/// An error answer. The variant decides the status and the `error` code; `Display` is
/// the `message`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 400 `BadRequest`: a body, path or query parameter the caller must fix.
    #[error("{0}")]
    BadRequest(String),
    /// 404 `NotFound`: no such route under `/ledger/v1`.
    #[error("{0}")]
    NotFound(String),
    /// 405 `MethodNotAllowed`: the route exists, the method does not.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 413 `PayloadTooLarge`: the request body or the envelope is too big.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 404 `ChaincodeNotFound` (the ledger's message lists the deployed chaincodes).
    #[error("{0}")]
    ChaincodeNotFound(String),
    /// 404 `OrganizationNotFound` (the ledger's message lists the organizations).
    #[error("{0}")]
    OrganizationNotFound(String),
    /// 404 `TransactionNotFound`.
    #[error(
        "transaction {tx_id} is not on the ledger: it was never submitted, its endorsement failed, or it is not committed yet; check the id (64 lower-case hex digits) or wait for its commit"
    )]
    TransactionNotFound {
        /// The id asked for.
        tx_id: String,
    },
    /// 404 `BlockNotFound`.
    #[error(
        "block {number} does not exist; the ledger's height is {height} (blocks 0..{})",
        height.saturating_sub(1)
    )]
    BlockNotFound {
        /// The block asked for.
        number: u64,
        /// The ledger's height when asked.
        height: u64,
    },
    /// 422 `ChaincodeError`: the chaincode answered with an error (status >= 400). The
    /// message is the chaincode's, verbatim.
    #[error("{message}")]
    Chaincode {
        /// The chaincode's response status (500 by convention).
        status: i32,
        /// The chaincode's message.
        message: String,
    },
    /// 400 `EndorsementFailed`: the proposal could not be endorsed for a reason other
    /// than the chaincode's answer (wrong channel, bad tx id, no endorsers).
    #[error("{0}")]
    EndorsementFailed(String),
    /// 409 `EndorsementMismatch`: endorsers returned different results.
    #[error("{0}")]
    EndorsementMismatch(String),
    /// 409 `DuplicateTransaction`: the transaction is already on the ledger.
    #[error("{0}")]
    DuplicateTransaction(String),
    /// 409 `TransactionInvalid`: committed, but marked invalid. `view` is the submit
    /// answer (tx id, code, block, chaincode response) the error fields are added to.
    #[error("{}", invalid_message(status))]
    TransactionInvalid {
        /// Where and how it was committed.
        status: CommitStatus,
        /// The submit answer's fields.
        view: Map<String, Value>,
    },
    /// 409 `LedgerTampered`: `verify` found a damaged or altered block or state.
    #[error("{message}")]
    LedgerTampered {
        /// The verifier's message.
        message: String,
        /// The block it points at.
        block: u64,
    },
    /// 503 `ServiceUnavailable`: the orderer has stopped (the ledger is closing), or the
    /// database is closed after a failed write until it can be reopened (a full disk).
    #[error("{0}")]
    ServiceUnavailable(String),
    /// 500 `CommitFailed`: ordered, but its block could not be committed.
    #[error("{0}")]
    CommitFailed(String),
    /// 500 `InternalError`: the ledger itself failed (store, keys).
    #[error("{0}")]
    Internal(String),
}

/// `transaction <id> was committed in block N as CODE; <what it means and what to do>`.
fn invalid_message(status: &CommitStatus) -> String {
    let hint = match status.code {
        TxValidationCode::MVCC_READ_CONFLICT => {
            "a transaction committed before it changed a key it read, so its writes were not applied; submit it again to run on the current state"
        }
        TxValidationCode::PHANTOM_READ_CONFLICT => {
            "a transaction committed before it changed a key range it queried, so its writes were not applied; submit it again to run on the current state"
        }
        TxValidationCode::ENDORSEMENT_POLICY_FAILURE => {
            "its endorsements do not satisfy the chaincode's endorsement policy, so its writes were not applied; check the policy in the network file (GET /ledger/v1/info)"
        }
        TxValidationCode::DUPLICATE_TXID => {
            "a transaction with this id was already committed, so its writes were not applied; build a new proposal instead of resending"
        }
        _ => {
            "its writes were not applied; see the transaction in its block (GET /ledger/v1/blocks/N) for details"
        }
    };
    format!(
        "transaction {} was committed in block {} as {}; {hint}",
        status.tx_id, status.block_number, status.code
    )
}

impl ApiError {
    /// The `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "BadRequest",
            ApiError::NotFound(_) => "NotFound",
            ApiError::MethodNotAllowed(_) => "MethodNotAllowed",
            ApiError::PayloadTooLarge(_) => "PayloadTooLarge",
            ApiError::ChaincodeNotFound(_) => "ChaincodeNotFound",
            ApiError::OrganizationNotFound(_) => "OrganizationNotFound",
            ApiError::TransactionNotFound { .. } => "TransactionNotFound",
            ApiError::BlockNotFound { .. } => "BlockNotFound",
            ApiError::Chaincode { .. } => "ChaincodeError",
            ApiError::EndorsementFailed(_) => "EndorsementFailed",
            ApiError::EndorsementMismatch(_) => "EndorsementMismatch",
            ApiError::DuplicateTransaction(_) => "DuplicateTransaction",
            ApiError::TransactionInvalid { .. } => "TransactionInvalid",
            ApiError::LedgerTampered { .. } => "LedgerTampered",
            ApiError::ServiceUnavailable(_) => "ServiceUnavailable",
            ApiError::CommitFailed(_) => "CommitFailed",
            ApiError::Internal(_) => "InternalError",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::EndorsementFailed(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_)
            | ApiError::ChaincodeNotFound(_)
            | ApiError::OrganizationNotFound(_)
            | ApiError::TransactionNotFound { .. }
            | ApiError::BlockNotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Chaincode { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::EndorsementMismatch(_)
            | ApiError::DuplicateTransaction(_)
            | ApiError::TransactionInvalid { .. }
            | ApiError::LedgerTampered { .. } => StatusCode::CONFLICT,
            ApiError::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::CommitFailed(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body: `error` and `message` first, then the code's extra fields.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        match self {
            // The submit answer keeps its own order; its chaincode `message` (empty for a
            // successful endorsement) gives way to the error's.
            ApiError::TransactionInvalid { view, .. } => {
                body.extend(view.clone());
                body.insert("error".into(), self.code().into());
                body.insert("message".into(), self.to_string().into());
            }
            ApiError::LedgerTampered { block, .. } => {
                body.insert("ok".into(), false.into());
                body.insert("error".into(), self.code().into());
                body.insert("message".into(), self.to_string().into());
                body.insert("block".into(), json!(block));
            }
            ApiError::Chaincode { status, .. } => {
                body.insert("error".into(), self.code().into());
                body.insert("message".into(), self.to_string().into());
                body.insert("status".into(), json!(status));
            }
            _ => {
                body.insert("error".into(), self.code().into());
                body.insert("message".into(), self.to_string().into());
            }
        }
        Value::Object(body)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::warn!(code = self.code(), "ledger API: {self}");
        }
        (self.status(), axum::Json(self.body())).into_response()
    }
}

impl From<EndorseError> for ApiError {
    fn from(e: EndorseError) -> ApiError {
        match e {
            // Peers refuse to sign an error response; the chaincode's own words are what
            // the caller needs, with nothing prepended.
            EndorseError::ChaincodeFailed {
                status, message, ..
            } => ApiError::Chaincode { status, message },
            // A panic is the chaincode's failure too, but it has no message of its own:
            // the ledger's text says what happened and what the chaincode should do.
            EndorseError::Simulation {
                source: source @ SimulationError::Panicked { .. },
                ..
            } => ApiError::Chaincode {
                status: 500,
                message: source.to_string(),
            },
            // The database is being reopened after a failed write (a full disk).
            EndorseError::Store { ref source, .. } if source.is_retryable() => {
                ApiError::ServiceUnavailable(e.to_string())
            }
            EndorseError::Simulation {
                source: SimulationError::State { ref source, .. },
                ..
            } if source.is_retryable() => ApiError::ServiceUnavailable(e.to_string()),
            EndorseError::Simulation { .. } | EndorseError::Store { .. } => {
                ApiError::Internal(e.to_string())
            }
            EndorseError::UnknownChaincode { .. } => ApiError::ChaincodeNotFound(e.to_string()),
            EndorseError::Replayed { .. } => ApiError::DuplicateTransaction(e.to_string()),
            EndorseError::Mismatch { .. } => ApiError::EndorsementMismatch(e.to_string()),
            EndorseError::WrongChannel { .. }
            | EndorseError::BadTxId { .. }
            | EndorseError::NoEndorsements { .. } => ApiError::EndorsementFailed(e.to_string()),
        }
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> ApiError {
        match e {
            LedgerError::UnknownChaincode { .. } => ApiError::ChaincodeNotFound(e.to_string()),
            LedgerError::UnknownOrganization { .. } => {
                ApiError::OrganizationNotFound(e.to_string())
            }
            LedgerError::Endorse(e) => e.into(),
            LedgerError::Order(OrderError::Stopped) => ApiError::ServiceUnavailable(e.to_string()),
            LedgerError::Order(OrderError::TooLarge { .. }) => {
                ApiError::PayloadTooLarge(e.to_string())
            }
            LedgerError::CommitFailed { .. } => ApiError::CommitFailed(e.to_string()),
            // Closed after a failed write (a full disk), or a read cut short by its
            // reopening: it reopens by itself, so the request can be retried.
            LedgerError::Store(ref store) if store.is_retryable() => {
                ApiError::ServiceUnavailable(e.to_string())
            }
            LedgerError::ChaincodeCrashed { .. } => ApiError::Chaincode {
                status: 500,
                message: e.to_string(),
            },
            LedgerError::Dir { .. }
            | LedgerError::MissingChaincode { .. }
            | LedgerError::UnconfiguredChaincode { .. }
            | LedgerError::Unsatisfiable { .. }
            | LedgerError::Identity(_)
            | LedgerError::Store(_) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            _ if e.is_retryable() => ApiError::ServiceUnavailable(e.to_string()),
            _ => ApiError::Internal(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fclocal_ledger::model::TxId;

    #[test]
    fn chaincode_failures_keep_the_chaincode_message_verbatim() {
        let e: ApiError = LedgerError::Endorse(EndorseError::ChaincodeFailed {
            peer: "peer0.Org1MSP".into(),
            chaincode: "marbles".into(),
            status: 500,
            message: "This owner already exists - o1".into(),
        })
        .into();
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            e.body(),
            json!({"error": "ChaincodeError", "message": "This owner already exists - o1", "status": 500})
        );
    }

    #[test]
    fn codes_and_statuses() {
        let cases = [
            (
                ApiError::from(LedgerError::Order(OrderError::Stopped)),
                503,
                "ServiceUnavailable",
            ),
            (
                ApiError::from(LedgerError::CommitFailed {
                    tx_id: "t".into(),
                    reason: "disk".into(),
                }),
                500,
                "CommitFailed",
            ),
            (
                ApiError::from(LedgerError::Store(StoreError::Unavailable {
                    path: "ledger.redb".into(),
                    source: Box::new(redb_full_disk()),
                })),
                503,
                "ServiceUnavailable",
            ),
            (
                ApiError::from(LedgerError::Store(interrupted())),
                503,
                "ServiceUnavailable",
            ),
            (
                ApiError::from(EndorseError::Store {
                    peer: "peer0.Org1MSP".into(),
                    source: interrupted(),
                }),
                503,
                "ServiceUnavailable",
            ),
            (
                ApiError::from(EndorseError::Simulation {
                    peer: "peer0.Org1MSP".into(),
                    source: SimulationError::State {
                        tx_id: "t".into(),
                        source: interrupted(),
                    },
                }),
                503,
                "ServiceUnavailable",
            ),
            (
                ApiError::from(StoreError::Interrupted {
                    source: Box::new(redb::Error::PreviousIo),
                }),
                503,
                "ServiceUnavailable",
            ),
            (
                ApiError::from(LedgerError::UnknownOrganization {
                    msp_id: "X".into(),
                    known: "Org1MSP".into(),
                }),
                404,
                "OrganizationNotFound",
            ),
            (
                ApiError::from(EndorseError::Replayed { tx_id: "t".into() }),
                409,
                "DuplicateTransaction",
            ),
            (
                ApiError::from(EndorseError::BadTxId { tx_id: "t".into() }),
                400,
                "EndorsementFailed",
            ),
        ];
        for (e, status, code) in cases {
            assert_eq!((e.status().as_u16(), e.code()), (status, code), "{e}");
        }
    }

    /// A read on a snapshot whose database was reopened under it.
    fn interrupted() -> StoreError {
        StoreError::Interrupted {
            source: Box::new(redb::Error::DatabaseClosed),
        }
    }

    fn redb_full_disk() -> redb::DatabaseError {
        std::io::Error::from_raw_os_error(28).into()
    }

    #[test]
    fn block_not_found_names_the_range() {
        let e = ApiError::BlockNotFound {
            number: 9,
            height: 5,
        };
        assert_eq!(
            e.to_string(),
            "block 9 does not exist; the ledger's height is 5 (blocks 0..4)"
        );
    }

    #[test]
    fn invalid_transactions_keep_the_view_and_name_the_code() {
        let mut view = Map::new();
        view.insert("txId".into(), "abc".into());
        view.insert("message".into(), "".into());
        let e = ApiError::TransactionInvalid {
            status: CommitStatus {
                tx_id: TxId("abc".into()),
                code: TxValidationCode::MVCC_READ_CONFLICT,
                block_number: 3,
            },
            view,
        };
        let body = e.body();
        assert_eq!(body["txId"], "abc");
        assert_eq!(body["error"], "TransactionInvalid");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.starts_with("transaction abc was committed in block 3 as MVCC_READ_CONFLICT; "),
            "{message}"
        );
    }
}
