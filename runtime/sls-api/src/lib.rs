//! Simple Log Service's HTTP API on fclocal's server, so the official SLS
//! SDKs (go, python, rust) and `s logs` can write and read function logs.
//!
//! [`router`] serves the SLS operations fclocal needs — PutLogs, GetLogs (v1
//! and v2), GetHistograms, ListLogStores, GetLogStore, ListShards, GetCursor,
//! GetCursorTime and PullLogs — with SLS's paths, parameters, headers,
//! compression, signatures and error answers, over a [`LogBackend`] that
//! stores and queries. The crate knows nothing about how logs are stored:
//! fclocal's logstore is plugged in by an adapter, and tests use an in-memory
//! fake.
//!
//! The project of a request comes from the first label of its `Host` (as the
//! SDKs send it), else the `x-log-project` header, else a `project` query
//! parameter, else [`ApiConfig::default_project`]; see [`project`].
//!
//! ```no_run
//! # use std::sync::Arc;
//! # fn demo(backend: Arc<dyn fclocal_sls_api::LogBackend>, fc_routes: axum::Router) -> axum::Router {
//! let config = fclocal_sls_api::ApiConfig {
//!     default_project: Some("my-project".into()),
//!     ..Default::default()
//! };
//! fc_routes.merge(fclocal_sls_api::router(backend, config))
//! # }
//! ```
//!
//! # Layout
//! - `routes`: [`router`], the route table, request ids and `--auth` checks;
//!   one module per operation (`put`, `get_logs`, `histogram`, `logstores`,
//!   `shards`, `cursor`, `pull`).
//! - [`backend`]: the [`LogBackend`] trait and its request/response types.
//! - [`proto`]: the protobuf messages (`LogGroup`, …) and [`proto::flatten`].
//! - [`validate`]: PutLogs' limits, time window and key rules.
//! - [`compression`]: LZ4 blocks and zstd frames in and out, zlib (deflate) in.
//! - [`signature`]: SLS's v1 request signature.
//! - [`sts`]: functions' scoped (STS-like) credentials, minted and checked.
//! - [`project`]: which project a request is for.
//! - [`cursor`]: cursors on the wire; [`query`]: splitting `search | sql`;
//!   [`params`]: lenient parameter parsing.
//! - [`error`]: [`ApiError`] and SLS's error answers; [`config`]:
//!   [`ApiConfig`], [`Credentials`], [`Clock`].

pub mod backend;
pub mod compression;
pub mod config;
pub mod cursor;
pub mod error;
pub mod params;
pub mod project;
pub mod proto;
pub mod query;
mod routes;
pub mod signature;
pub mod sts;
pub mod validate;

pub use backend::{
    CursorAt, GetLogsRequest, GetLogsResponse, HistogramRequest, LogBackend, LogstoreMeta,
    PulledGroups, PutLogsRequest, QueryRows, ShardMeta, TimeBucket,
};
pub use config::{ApiConfig, Clock, Credentials};
pub use error::ApiError;
pub use proto::{Log, LogContent, LogGroup, LogGroupList, LogTag};
pub use routes::{REQUEST_ID, router};
