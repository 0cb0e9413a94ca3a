//! Host bindings for the `fclocal:function/event-function` world
//! (`runtime/wit/function.wit`), the one place `bindgen!` runs.

wasmtime::component::bindgen!({
    world: "event-function",
    path: "../wit",
    exports: { default: async },
});

pub(crate) use exports::fclocal::function::handler::GuestIndices as HandlerIndices;
pub(crate) use exports::fclocal::function::initializer::GuestIndices as InitializerIndices;
pub(crate) use fclocal::function::types as wit;
