//! fclocal's WebAssembly engine (wasmtime 48).
//!
//! It turns a component file into running invocations, enforcing what
//! Function Compute promises and `fun local` never did: `Timeout` (epoch
//! interruption plus a host-side deadline), `MemorySize` (a cap on the whole
//! instance), no filesystem and no sockets, outbound HTTP only when allowed,
//! and every output line captured for the logstore without ever trapping the
//! guest. It knows nothing of templates, HTTP serving or storage: callers
//! hand it settings, contexts and a [`LogSink`].
//!
//! Flow: [`Runtime::load`] compiles a component once (or maps it from the
//! on-disk cache), reads its exports to tell an event function from an HTTP
//! function, and links it into a [`PreparedComponent`]. Each
//! [`PreparedComponent::instantiate`] then starts a [`FunctionInstance`]
//! (from the pooling allocator when the machine allows), which serves
//! invocations in turn until one fails in a way that poisons it.
//!
//! # Layout
//! - `config`: [`EngineConfig`], [`PoolingMode`].
//! - `runtime`: [`Runtime`]: engine, linker, cache, ticker; loading.
//! - `cache`: the on-disk compile cache.
//! - `epoch`: the epoch ticker thread.
//! - `prepared`: [`PreparedComponent`], [`FunctionKind`], instantiation.
//! - `instance`: [`FunctionInstance`], event invocations, failure classification.
//! - `http`: HTTP invocations.
//! - `context`: FC's context ([`EventContext`]) as WIT record and `x-fc-*` headers.
//! - `host`: the store's state, and the `engine-host` imports.
//! - `code`: a function's `CodeUri` mounted at `/code` for language engines.
//! - `lang`: calls into a language engine (Node.js, Python).
//! - `limits`: `MemorySize` across all memories of an instance.
//! - `logs`: line capture ([`LogSink`]).
//! - `outbound`: the outbound HTTP policy ([`OutboundAccess`]).
//! - `bindings`: `bindgen!` for `runtime/wit/function.wit`.
//! - `lang_bindings`: `bindgen!` for `runtime/wit/engine.wit`.
//! - `error`: [`EngineError`], [`InvocationError`].
//! - `chaincode`: the chaincode world on its own fuel-metered, deterministic
//!   engine ([`chaincode::ChaincodeRuntime`]).

mod bindings;
mod cache;
pub mod chaincode;
mod code;
mod config;
mod context;
mod epoch;
mod error;
mod host;
mod http;
mod instance;
mod lang;
mod lang_bindings;
mod limits;
mod logs;
mod outbound;
mod prepared;
mod runtime;

pub use cache::CacheOutcome;
pub use code::CODE_MOUNT;
pub use config::{EngineConfig, PoolingMode};
pub use context::{Credentials, EventContext, FunctionInfo, ServiceInfo};
pub use error::{BoxError, EngineError, InvocationError};
pub use host::HostState;
pub use http::{HttpRequest, HttpResponse};
pub use instance::{FunctionInstance, Invocation};
pub use logs::{CaptureLimits, CaptureSummary, CapturedLine, LineSource, LogSink};
pub use outbound::OutboundAccess;
pub use prepared::{FunctionKind, InstanceSettings, PreparedComponent};
pub use runtime::Runtime;
