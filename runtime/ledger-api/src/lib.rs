//! A Fabric-Gateway-style HTTP API over fclocal's ledger ([`fclocal_ledger::Ledger`]):
//! evaluate and submit transactions, look up commit statuses and blocks, follow
//! committed blocks and chaincode events as Server-Sent Events, and verify the chain.
//!
//! [`router`] serves everything under `/ledger/v1`, with camelCase JSON:
//!
//! | Route | What |
//! |---|---|
//! | `GET /ledger/v1/info` | channel, height, chaincodes with endorsement policies, organizations with peers |
//! | `POST /ledger/v1/evaluate` | run a query on one peer (`{"chaincode", "function", "args", "organization"}`) |
//! | `POST /ledger/v1/submit` | endorse, order and wait for the commit; 409 if committed invalid |
//! | `GET /ledger/v1/transactions/{txId}` | where and how a transaction was committed |
//! | `GET /ledger/v1/blocks?from=N&limit=M` | block summaries, ascending (default: the newest 20) |
//! | `GET /ledger/v1/blocks/{n}` | one block, every transaction decoded |
//! | `GET /ledger/v1/events?from=N` | SSE: `block` and `chaincode` events, replay then live |
//! | `GET /ledger/v1/verify` | re-check the chain and world state |
//!
//! Every error is `{"error": "<Code>", "message": "<what and how to fix it>"}` with a
//! matching status ([`ApiError`]), including bad bodies and unknown paths under
//! `/ledger/v1`. A chaincode's own error is 422 `ChaincodeError` whose message is the
//! chaincode's text, verbatim.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # fn demo(ledger: Arc<fclocal_ledger::Ledger>, fc_routes: axum::Router) -> axum::Router {
//! fc_routes.merge(fclocal_ledger_api::router(ledger))
//! # }
//! ```
//!
//! # Layout
//! - this file: [`router`], the route table and the shared state;
//! - [`error`]: [`ApiError`], codes, statuses and the mapping of ledger errors;
//! - [`request`]: request bodies and parameters, rejections as JSON;
//! - [`json`]: JSON views of responses, statuses and blocks;
//! - `gateway`: info, evaluate, submit, transaction status;
//! - `blocks`: block pages and single blocks; `events`: the SSE follower;
//!   `verify`: the integrity check.

mod blocks;
pub mod error;
mod events;
mod gateway;
pub mod json;
pub mod request;
mod verify;

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get, post};
use fclocal_ledger::Ledger;
use http::{Method, Uri};

pub use blocks::{DEFAULT_LIMIT, MAX_LIMIT};
pub use error::ApiError;
pub use events::{Follower, block_messages};
pub use gateway::policy_text;

/// The route table, also used to answer unknown paths.
const ROUTES: &str = "GET /ledger/v1/info, POST /ledger/v1/evaluate, POST /ledger/v1/submit, GET /ledger/v1/transactions/{txId}, GET /ledger/v1/blocks?from=N&limit=M, GET /ledger/v1/blocks/{n}, GET /ledger/v1/events?from=N, GET /ledger/v1/verify";

/// What every handler shares.
pub(crate) struct ApiState {
    /// The ledger; handlers only borrow it.
    ledger: Arc<Ledger>,
    /// Peer names by identity, for endorsements in full blocks (fixed at open).
    peers: json::PeerNames,
}

impl ApiState {
    /// Runs `f` on a blocking thread (long store reads, verification); a panic there
    /// becomes a 500 rather than a dropped connection.
    async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&ApiState) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || f(&state))
            .await
            .map_err(|e| ApiError::Internal(format!("reading the ledger failed: {e}")))?
    }
}

/// The ledger API over `ledger`, to be merged at the server root. Every route starts
/// with `/ledger/v1`; the router has no fallback of its own (unknown paths under
/// `/ledger/v1` are answered by a catch-all route), so `Router::merge` into a server that
/// has one works.
pub fn router(ledger: Arc<Ledger>) -> Router {
    let mut peers = json::PeerNames::new();
    for org in &ledger.network().organizations {
        for peer in ledger.peers(&org.msp_id).unwrap_or_default() {
            peers.insert(peer.identity().to_bytes(), peer.name().to_string());
        }
    }
    let state = Arc::new(ApiState { ledger, peers });
    let route = |method: MethodRouter<Arc<ApiState>>| method.fallback(method_not_allowed);
    Router::new()
        .route("/ledger/v1/info", route(get(gateway::info)))
        .route("/ledger/v1/evaluate", route(post(gateway::evaluate)))
        .route("/ledger/v1/submit", route(post(gateway::submit)))
        .route(
            "/ledger/v1/transactions/{tx_id}",
            route(get(gateway::transaction)),
        )
        .route("/ledger/v1/blocks", route(get(blocks::list)))
        .route("/ledger/v1/blocks/{number}", route(get(blocks::one)))
        .route("/ledger/v1/events", route(get(events::events)))
        .route("/ledger/v1/verify", route(get(verify::verify)))
        .route("/ledger/v1", any(unknown_path))
        .route("/ledger/v1/", any(unknown_path))
        .route("/ledger/v1/{*rest}", any(unknown_path))
        .with_state(state)
}

async fn unknown_path(method: Method, uri: Uri) -> Response {
    ApiError::NotFound(format!(
        "the ledger API has no route {method} {}; its routes are: {ROUTES}",
        uri.path()
    ))
    .into_response()
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    ApiError::MethodNotAllowed(format!(
        "{} does not take {method}; the ledger API's routes are: {ROUTES}",
        uri.path()
    ))
    .into_response()
}
