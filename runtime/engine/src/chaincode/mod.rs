//! Chaincode: components of the `fclocal:chaincode/chaincode` world, run on
//! a deterministic, fuel-metered engine of their own. The ledger answers
//! their stub calls through [`ChaincodeHost`].
//!
//! - `runtime`: [`ChaincodeRuntime`], [`PreparedChaincode`], limits, calls, errors.
//! - `host`: [`ChaincodeHost`], the stub calls' other end.
//! - `state`: the store state and the stub imports' implementation.
//! - `determinism`: fixed clocks and transaction-seeded randomness.
//! - `bindings`: `bindgen!` for `runtime/wit/chaincode/chaincode.wit`.

mod bindings;
mod determinism;
mod host;
mod runtime;
mod state;

pub use host::{ChaincodeHost, KeyModification, StateEntry};
pub use runtime::{
    ChaincodeCall, ChaincodeError, ChaincodeLimits, ChaincodeOutcome, ChaincodeResponse,
    ChaincodeRuntime, MAX_CONCURRENT_CALLS, PreparedChaincode,
};
