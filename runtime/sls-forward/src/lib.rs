//! `fclocal start --forward-logs ENDPOINT`: every line the local logstore
//! stores is also sent to the real Simple Log Service, to the project and
//! logstore it is stored under (a service's `LogConfig`), with PutLogs as
//! the SLS SDKs send it.
//!
//! ```no_run
//! # async fn demo(db: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
//! use fclocal_sls_forward::{ForwardConfig, ForwardCredentials, Forwarder, HttpRemote};
//! let endpoint: fclocal_sls_forward::Endpoint = "cn-hangzhou.log.aliyuncs.com".parse()?;
//! let credentials = ForwardCredentials {
//!     pair: fclocal_sls_api::Credentials::new("LTAI…", "secret"),
//!     security_token: None,
//! };
//! let config = ForwardConfig::new(endpoint.clone(), credentials, ".fclocal/forwarding.json".into());
//! let remote = HttpRemote::new(endpoint, config.request_timeout);
//! let forwarder = Forwarder::start(config, db, remote, std::sync::Arc::new(|line: &str| println!("{line}")))?;
//! let routes = forwarder.router(); // merge into the server: GET /fclocal/forwarding
//! // ... serve ...
//! forwarder.stop(std::time::Duration::from_secs(5)).await;
//! # Ok(()) }
//! ```
//!
//! # Guarantees
//!
//! - **Never lost locally**: forwarding only reads the logstore; lines are
//!   stored first whatever the remote does.
//! - **Every line, at least once, in order**: a cursor (every local row id
//!   up to it forwarded) moves after each group SLS accepts, to just below
//!   the lowest line of the batch still unsent, and is kept in
//!   `.fclocal/forwarding.json` with the logstore database's identity
//!   ([`progress`]). A crash between SLS's 200 and that write resends that
//!   one group; a stop resends nothing. Line ids are never reused, even
//!   after a TTL sweep (see `fclocal_logstore`'s `reader/follow.rs`).
//! - **Bounded memory, invocations never wait**: the queue is the logstore;
//!   the forwarder holds one batch (4,096 lines or 8 MiB) and reads through a
//!   reader connection of its own.
//! - **Failures**: connection errors, 5xx and throttling are retried with
//!   exponential backoff (500 ms … 30 s); errors that need a fix (unknown
//!   project or logstore, wrong AccessKey) are retried every 30 s, printed
//!   once, and shown at `GET /fclocal/forwarding`; lines SLS can never take
//!   (outside its 7-day window, too large, or refused for their content,
//!   found by splitting the group, see `delivery.rs`) are set aside *and
//!   counted*, never dropped silently. A loop that dies of a bug is
//!   reported (`forwarder.rs`), not left looking alive.
//!
//! # Layout
//!
//! | file | job |
//! |---|---|
//! | `endpoint.rs` | [`Endpoint`]: parsing `--forward-logs`, the SDKs' `{project}.{endpoint}` addressing |
//! | `config.rs` | [`ForwardConfig`], [`ForwardCredentials`] |
//! | `source.rs` | reading the logstore by id on blocking threads |
//! | `plan.rs` | stored lines → `LogGroup`s within SLS's limits; lines set aside |
//! | `request.rs` | a signed, LZ4-compressed PutLogs request |
//! | `remote.rs` | the [`Remote`] trait; reading SLS's error answers |
//! | `http.rs` | [`HttpRemote`]: hyper over TCP or rustls |
//! | `backoff.rs` | [`Backoff`] |
//! | `progress.rs` | the durable cursor |
//! | `forwarder.rs` | the [`Forwarder`] handle: start, watch, stop |
//! | `worker.rs` | the loop: batches, progress after each group |
//! | `delivery.rs` | one group: retries, splitting a refused group |
//! | `set_aside.rs` | reporting lines set aside, one line per kind |
//! | `status.rs`, `routes.rs` | [`ForwardStatus`] and `GET /fclocal/forwarding` |

pub mod backoff;
pub mod config;
mod delivery;
pub mod endpoint;
pub mod forwarder;
pub mod http;
pub mod plan;
pub mod progress;
pub mod remote;
pub mod request;
pub mod routes;
mod set_aside;
pub mod source;
pub mod status;
mod worker;

pub use backoff::Backoff;
pub use config::{ForwardConfig, ForwardCredentials};
pub use endpoint::{Endpoint, EndpointError};
pub use forwarder::{ForwardError, Forwarder, Notice};
pub use http::HttpRemote;
pub use remote::{Failure, Remote, RemoteError};
pub use status::{ForwardStatus, State};

#[cfg(test)]
mod tests;
