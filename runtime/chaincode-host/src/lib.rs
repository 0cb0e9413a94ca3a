//! WebAssembly chaincode on the ledger: [`WasmChaincode`] implements the
//! ledger's [`Chaincode`] by running a component of the
//! `fclocal:chaincode/chaincode` world on the engine's fuel-metered,
//! deterministic chaincode runtime.
//!
//! The two sides disagree on ownership: the ledger lends its simulator for
//! the call (`&mut dyn ChaincodeStub`), while a wasmtime store must own its
//! host state (`'static`). The bridge (`proxy`) runs the WebAssembly call on
//! one of a few long-lived worker threads (`workers`), whose host forwards
//! each stub call over a channel back to the calling thread, which answers
//! it with the borrowed simulator. No `unsafe`, and the simulator never
//! leaves the thread that owns it. The price is two channel hops per stub
//! call; an owned simulator in the ledger's trait would remove them.

mod proxy;
mod workers;

use fclocal_engine::chaincode::{
    ChaincodeCall, ChaincodeError, ChaincodeLimits, PreparedChaincode,
};
use fclocal_ledger::chaincode::{Chaincode, ChaincodeStub};
use fclocal_ledger::model::ChaincodeResponse;

/// A chaincode component, run once per simulation in a fresh instance.
pub struct WasmChaincode {
    component: PreparedChaincode,
    limits: ChaincodeLimits,
}

impl WasmChaincode {
    /// Chaincode `component`, each call bounded by `limits`.
    pub fn new(component: PreparedChaincode, limits: ChaincodeLimits) -> WasmChaincode {
        WasmChaincode { component, limits }
    }

    fn run(&self, stub: &mut dyn ChaincodeStub, call: ChaincodeCall) -> ChaincodeResponse {
        match proxy::call(&self.component, stub, &call, self.limits) {
            Ok(outcome) => ChaincodeResponse {
                status: i32::try_from(outcome.response.status).unwrap_or(500),
                message: outcome.response.message,
                payload: outcome.response.payload,
            },
            // A trap, a runaway loop or a memory bomb fails this
            // transaction's simulation with a message, and nothing else.
            Err(error) => ChaincodeResponse {
                status: 500,
                message: error_chain(&error),
                payload: Vec::new(),
            },
        }
    }
}

impl Chaincode for WasmChaincode {
    fn init(&self, stub: &mut dyn ChaincodeStub, args: &[String]) -> ChaincodeResponse {
        self.run(stub, ChaincodeCall::Init(args.to_vec()))
    }

    fn invoke(
        &self,
        stub: &mut dyn ChaincodeStub,
        function: &str,
        args: &[String],
    ) -> ChaincodeResponse {
        self.run(
            stub,
            ChaincodeCall::Invoke {
                function: function.to_owned(),
                args: args.to_vec(),
            },
        )
    }
}

fn error_chain(error: &ChaincodeError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
