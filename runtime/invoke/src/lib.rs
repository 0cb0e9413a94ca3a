//! Runs the functions of a `template.yml` the way Function Compute does.
//!
//! This crate is where FC's conventions meet the engine: a function's
//! settings come from the template ([`FunctionSpec`]); its instances get FC's
//! environment variables and context; each invocation is framed with
//! `FC Invoke Start/End RequestId:` lines; every output line becomes an
//! FC-formatted line and a logstore record with FC's fields
//! (`__topic__` = service, `serviceName`, `functionName`, `qualifier`,
//! `versionId`, `requestId`, `instanceID`, `level`, `message`); and a
//! failure becomes FC's error body. An invocation returns only once its log
//! lines are durable.
//!
//! # Layout
//! - `spec`: [`FunctionSpec`] from the template; log targets; required kind.
//! - `prepare`: component files for specs, building stale crates.
//! - `host`: [`FunctionHost`], [`LoadedFunction`], one-shot invocations, [`Report`].
//! - `environment`: FC's system environment variables.
//! - `sink`: [`InvocationLog`], the engine's log sink: levels, format, records, tail.
//! - `framing`: FC's framing lines, summary line and error bodies.
//! - `http_event`: the JSON form of HTTP requests and responses.
//! - `events`: sample events for `fclocal events generate`.
//! - `log_targets`: creating the logstores an app writes to.
//! - `log_budget`: [`LogBudgets`], what a function and a logstore may log per minute.
//! - `lanes`: [`Lanes`], moving long-running invocations off the server's workers.
//! - `settings`: [`HostSettings`].
//! - `error`: [`InvokeError`].

mod environment;
mod error;
pub mod events;
pub mod framing;
mod host;
pub mod http_event;
mod lanes;
mod log_budget;
mod log_targets;
mod pool;
mod prepare;
mod settings;
mod sink;
mod spec;

pub use environment::instance_environment;
pub use error::InvokeError;
pub use host::{FunctionHost, LoadedFunction, Report, new_instance_id, new_request_id};
pub use lanes::{BACKGROUND_NICE, DEMOTE_AFTER, Lanes};
pub use log_budget::{
    DEFAULT_FUNCTION_MB_PER_MINUTE, DroppedLogs, LogBudgets, LogRateLimit,
    WINDOW as LOG_BUDGET_WINDOW,
};
pub use log_targets::{DEFAULT_SHARD_COUNT, DEFAULT_TTL_DAYS, ensure_log_targets};
pub use pool::{InstanceInfo, PoolConfig, PoolError, Pools};
pub use prepare::component_paths;
pub use settings::{HostSettings, MAX_SYNC_RESPONSE_BYTES};
pub use sink::{InvocationLog, LOG_TAIL_BYTES, LineEcho, RecordFields, format_line};
pub use spec::{
    DEFAULT_LOG_PROJECT, DEFAULT_LOGSTORE, FunctionSpec, LogTarget, QUALIFIER, RequiredKind,
    all_specs,
};
