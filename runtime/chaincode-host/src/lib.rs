//! WebAssembly chaincode on the ledger: [`WasmChaincode`] implements the
//! ledger's [`Chaincode`] by running a component of the
//! `fclocal:chaincode/chaincode` world on the engine's fuel-metered,
//! deterministic chaincode runtime.
//!
//! A wasmtime store must own its host state (`'static`). Simulation hands
//! chaincode an owned stub ([`Chaincode::run_owned`]), which moves into the
//! store for the call (`stub_host`): the call runs on the simulating thread
//! and every stub call is a plain function call. Before, the ledger only lent
//! its simulator, and each call ran on a worker thread that relayed every
//! stub call back over channels: two thread hops per stub call cost more
//! than the chaincode itself. That bridge (`proxy`, `workers`) remains for
//! callers of [`Chaincode::invoke`] with a stub of their own.
//!
//! Every call still gets a fresh instance (`PreparedChaincode::call`), so
//! nothing a transaction leaves in the guest's memory reaches the next one.
//! Calls in flight are bounded by the engine's instance pool (`slots`).

mod proxy;
mod slots;
mod stub_host;
mod workers;

use fclocal_engine::chaincode::{
    ChaincodeCall, ChaincodeError, ChaincodeLimits, PreparedChaincode,
};
use fclocal_ledger::chaincode::{Chaincode, ChaincodeStub};
use fclocal_ledger::model::ChaincodeResponse;
use fclocal_ledger::simulate::TxSimulator;

use crate::slots::Slot;
use crate::stub_host::StubHost;

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

    /// Runs `call` with a borrowed stub, through the worker-thread bridge.
    fn run(&self, stub: &mut dyn ChaincodeStub, call: ChaincodeCall) -> ChaincodeResponse {
        let _slot = Slot::take();
        response(proxy::call(&self.component, stub, &call, self.limits))
    }
}

/// The ledger's response for an outcome.
fn response(
    outcome: Result<fclocal_engine::chaincode::ChaincodeOutcome, ChaincodeError>,
) -> ChaincodeResponse {
    match outcome {
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

    /// Runs the call on this thread with the simulator inside the store.
    fn run_owned(&self, stub: TxSimulator) -> (TxSimulator, ChaincodeResponse) {
        let proposal = stub.proposal().clone();
        let call = if proposal.function == "init" {
            ChaincodeCall::Init(proposal.args.clone())
        } else {
            ChaincodeCall::Invoke {
                function: proposal.function.clone(),
                args: proposal.args.clone(),
            }
        };
        let _slot = Slot::take();
        let (host, outcome) = self.component.call(StubHost::new(stub), &call, self.limits);
        (host.into_inner(), response(outcome))
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
