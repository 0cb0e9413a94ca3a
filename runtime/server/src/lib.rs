//! `fclocal start`: Function Compute's local endpoint.
//!
//! One HTTP server on loopback serves FC's URLs — HTTP triggers at
//! `/2016-08-15/proxy/{service}/{function}/…` and the InvokeFunction API at
//! `/2016-08-15/services/{service}/functions/{function}/invocations` — with
//! FC's headers, signatures, CORS and error answers. Timer triggers fire on
//! their cron schedule, function code reloads when it changes, and shutdown
//! drains in-flight work. Invocations run on the instance pools of
//! `fclocal-invoke`, so instances are reused as on FC.
//!
//! # Layout
//! - `server`: [`run`]: bind, banner, serve, drain; [`ServerOptions`].
//! - `dispatch`: FC URL routing; `proxy`: HTTP triggers; `invocations`: the
//!   InvokeFunction API; `admin`: `/fclocal/…` (health, instances, timers, test clock).
//! - `signature`: FC's request signature; `headers`: `x-fc-*` response headers,
//!   reserved headers, CORS; `fc_error`: FC's error answers; `body`: size limits.
//! - `state`: what handlers share, the route table.
//! - `timer_target`: timer firings on the pools; `reload`: hot reload.
//! - `banner`, `console`: what the user sees.

mod admin;
mod banner;
mod body;
mod console;
mod dispatch;
mod fc_error;
mod headers;
mod invocations;
mod proxy;
mod reload;
mod server;
pub mod signature;
mod state;
mod timer_target;

pub use banner::SecretDisplay;
pub use console::Console;
pub use server::{
    HOUSEKEEPING_PERIOD, Housekeeping, ServerError, ServerOptions, bind, run, timer_specs,
};
pub use signature::Credentials;
pub use state::RequestLimits;
