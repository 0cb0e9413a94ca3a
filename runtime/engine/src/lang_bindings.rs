//! Host bindings for the `fclocal:function/language-engine` world
//! (`runtime/wit/engine.wit`): the Node.js and Python engines. The shared
//! `types` interface is the event world's, so one [`EventContext`] converts
//! for both.
//!
//! [`EventContext`]: crate::EventContext

wasmtime::component::bindgen!({
    world: "language-engine",
    path: "../wit",
    imports: { default: trappable },
    exports: { default: async },
    with: {
        "fclocal:function/types": crate::bindings::fclocal::function::types,
    },
});

pub(crate) use exports::fclocal::function::engine_function::{
    Guest as EngineGuest, GuestIndices as EngineIndices, HandlerError, HttpRequest, HttpResponse,
};
pub(crate) use fclocal::function::engine_host::{EntryKind, Host as EngineHostImports};
