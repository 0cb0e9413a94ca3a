//! End-to-end tests: spawn the real `fclocal` binary on real templates and
//! real guest components, and check what a user sees (stdout, stderr, exit
//! code) and what lands in the logstore.
//!
//! One test binary (modules below) so the suite links once.

mod analytics;
mod build;
mod common;
mod events;
mod fc_api_versions;
mod forward_logs;
mod hardening_edge;
mod hardening_neighbours;
mod hardening_queries;
mod hardening_ws;
mod invoke;
mod languages;
mod ledger;
mod logs;
mod logs_query;
mod marbles;
mod package;
mod s_yaml;
mod sdk;
mod sdk_fc;
mod sdk_sls;
mod serve_function;
mod server;
mod sls_api;
mod sls_wire;
mod start_api;
mod start_http;
mod start_lifecycle;
mod start_reload;
mod start_timers;
mod topics;
mod transfer_validation;
mod validate;
mod ws_flood;
