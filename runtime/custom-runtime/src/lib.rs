//! `fclocal serve-function`: one WebAssembly function behind Function
//! Compute's custom-runtime contract, so a package built by `fclocal
//! package` deploys to FC as a `custom` runtime whose `bootstrap` runs it.
//!
//! FC starts the runtime, then talks HTTP to it on `0.0.0.0:$FC_SERVER_PORT`
//! (reference/fc-runtimes.md §4; FC doc 425057 "Specifications"):
//! `POST /invoke` carries an event, every other path an HTTP function's
//! original request, `POST /initialize` asks for the `Initializer`, and `GET
//! /pre-stop` / `/pre-freeze` announce lifecycle events. Each request carries
//! the invocation's context in `x-fc-*` headers (request id, function,
//! memory, timeout, service, log project/store, region, account,
//! credentials, qualifier, version) and `x-fc-control-path` says which of
//! those it is. The answer's status and `x-fc-status` say whether it worked
//! (200) or failed (404), and everything printed to stdout, framed by `FC
//! Invoke Start/End RequestId:` lines, is what FC collects into the
//! service's Logstore.
//!
//! This crate only translates: requests become calls on fclocal's own
//! instance pools ([`fclocal_invoke::Pools`]), with the same engine,
//! limits, timeouts, InstanceConcurrency and FC framing as `fclocal start`;
//! their log lines go to stdout instead of a logstore
//! ([`fclocal_invoke::FunctionHost::echoing`]).
//!
//! # Layout
//! - `contract`: header names, control paths, and which route a request takes.
//! - `context`: the invocation's context and the function's settings from the `x-fc-*` headers.
//! - `answer`: responses: results, FC's error bodies, `x-fc-status`.
//! - `function`: [`ServedFunction`], the one function, its spec kept in step with the headers.
//! - `server`: the router and [`serve`].
//! - `stdout`: [`StdoutEcho`], log lines to stdout through one writer thread, in order.
//! - `config`: [`FunctionConfig`], what the command line says about the function.
//! - `error`: [`BadRequest`], [`ConfigError`].

mod answer;
mod config;
mod context;
mod contract;
mod error;
mod function;
mod server;
mod stdout;

pub use config::{DEFAULT_PORT, FunctionConfig, RuntimeName};
pub use error::{BadRequest, ConfigError};
pub use function::ServedFunction;
pub use server::{MAX_BODY_BYTES, router, serve};
pub use stdout::{LINE_BOUND, StdoutEcho};
