//! Host bindings for the `fclocal:chaincode/chaincode` world
//! (`runtime/wit/chaincode/chaincode.wit`). Synchronous: a chaincode call
//! runs on the caller's thread, metered by fuel rather than time.

wasmtime::component::bindgen!({
    world: "chaincode",
    path: "../wit/chaincode",
});

pub(crate) use fclocal::chaincode::stub::Host as StubHost;
pub(crate) use fclocal::chaincode::types as wit;
