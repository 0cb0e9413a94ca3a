//! fclocal: a local runtime for Function Compute apps written as
//! WebAssembly components. This crate is the command line; the subsystems
//! live under `runtime/` (template, engine, builder, invoke, logstore,
//! sls-query, sls-api, web, server, timers).
//!
//! # Layout
//! - `cli`: argument parsing, one module per command, error printing.
//! - `project`: finding the template and the data directory (`.fclocal/`).
//! - `progress`: build progress on the terminal.
//! - `event_input`: where `fclocal invoke` reads its event from.
//! - `output`: writing to stdout/stderr, treating a closed pipe as success.
//! - `table`: aligned text tables for query results.
//! - `ledger`: the network file, opening the ledger with its WebAssembly
//!   chaincode, and chaincode's calls to functions.
//! - `sls`: the logstore on the server: the SLS API's storage backend and the
//!   web pages' chart source, over one pool of read connections.

pub mod cli;
mod event_input;
mod ledger;
mod output;
mod progress;
mod project;
mod sls;
mod table;
