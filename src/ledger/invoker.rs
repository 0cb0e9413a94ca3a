//! Chaincode calling a function (`invoke-function`): the call runs on the
//! server's instance pools like an InvokeFunction request, so it is logged to
//! the function's logstore with its own request id.

use std::sync::Arc;

use fclocal_invoke::{Pools, new_request_id};
use fclocal_ledger::chaincode::FunctionInvoker;

/// Serves chaincode's function calls from the running functions.
pub struct PoolInvoker {
    pools: Arc<Pools>,
    runtime: tokio::runtime::Handle,
}

impl PoolInvoker {
    /// Calls go to `pools`, driven on `runtime`.
    pub fn new(pools: Arc<Pools>, runtime: tokio::runtime::Handle) -> PoolInvoker {
        PoolInvoker { pools, runtime }
    }
}

impl FunctionInvoker for PoolInvoker {
    /// Runs on the ledger's blocking threads (never an async worker), so it
    /// may wait for the function.
    fn invoke(&self, service: &str, function: &str, payload: &[u8]) -> Result<Vec<u8>, String> {
        let label = format!("{service}/{function}");
        if self.pools.function(&label).is_none() {
            return Err(format!(
                "function {label} is not in template.yml (functions: {}); add it, or fix the name the chaincode calls",
                self.pools.labels().join(", ")
            ));
        }
        let report = self
            .runtime
            .block_on(
                self.pools
                    .invoke_event(&label, new_request_id(), payload.to_vec()),
            )
            .map_err(|error| format!("cannot invoke {label}: {error}"))?;
        report
            .result
            .map_err(|error| format!("{label} failed: {error}"))
    }
}
