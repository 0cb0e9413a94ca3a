//! `fclocal start`: Function Compute's local endpoint.
//!
//! One HTTP server on loopback serves FC's URLs — HTTP triggers at
//! `/2016-08-15/proxy/{service}/{function}/…` and FC's API in its 2016-08-15,
//! 2021-04-06 and 2023-03-30 versions (InvokeFunction and the read-only
//! management calls) — with FC's headers, signatures, CORS and error answers. Timer triggers fire on
//! their cron schedule, function code reloads when it changes, and shutdown
//! drains in-flight work. Invocations run on the instance pools of
//! `fclocal-invoke`, so instances are reused as on FC.
//!
//! # Layout
//! - `server`: [`run`]: bind, banner, serve, drain; [`ServerOptions`].
//! - `serve`: [`serve`], the accept loop with its timeouts and connection cap
//!   ([`ConnectionLimits`]); `slots`: the cap; `idle_body`: the body deadline.
//! - `cross_site`: refuses state changes and websockets from other sites' pages.
//! - `dispatch`: FC URL routing; `proxy`: HTTP triggers; `fc_api`: FC's API
//!   versions (routing, signatures, management reads); `invocations`: the
//!   InvokeFunction API; `admin`: `/fclocal/…` (health, instances, timers, test clock).
//! - `signature`: FC's request signature; `acs3`: ACS3-HMAC-SHA256; `nonces`: its
//!   nonces already used; `headers`: `x-fc-*` response headers,
//!   reserved headers, CORS; `fc_error`: FC's error answers; `body`: size limits.
//! - `state`: what handlers share, the route table.
//! - `timer_target`: timer firings on the pools; `reload`: hot reload.
//! - `banner`, `console`: what the user sees.

pub mod acs3;
mod admin;
mod banner;
mod body;
mod console;
mod cross_site;
mod dispatch;
mod fc3_event;
mod fc_api;
mod fc_error;
mod function_root;
mod headers;
mod idle_body;
mod invocations;
mod nonces;
mod proxy;
mod reload;
mod serve;
mod server;
pub mod signature;
mod slots;
mod state;
mod timer_target;

pub use banner::SecretDisplay;
pub use console::Console;
pub use serve::{ConnectionLimits, serve};
pub use server::{
    HOUSEKEEPING_PERIOD, Housekeeping, LiveNote, ServerError, ServerOptions, bind, run, timer_specs,
};
pub use signature::Credentials;
pub use state::RequestLimits;
