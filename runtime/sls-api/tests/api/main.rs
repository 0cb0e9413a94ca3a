//! The SLS API in process: the router over an in-memory backend, driven with
//! requests shaped as the go/python/rust SDKs send them (one test binary,
//! one module per operation).

mod auth;
mod errors;
mod fake;
mod get_logs;
mod histogram;
mod logstores;
mod project;
mod pull;
mod put;
mod support;
