//! The logstore on fclocal's server: the SLS-compatible API
//! (`fclocal-sls-api`) and the web pages (`fclocal-web`), both over the one
//! logstore `fclocal start` writes function logs to.
//!
//! - `backend`: [`LogBackend`](fclocal_sls_api::LogBackend) over the store.
//! - `charts`: the pages' [`ChartSource`](fclocal_web::ChartSource).
//! - `endpoints`: the banner's advice on pointing each SLS SDK at fclocal.
//! - `readers`: a pool of read connections for both.

mod backend;
mod charts;
mod endpoints;
mod readers;

use std::sync::Arc;

use axum::Router;
use fclocal_logstore::LogStore;
use fclocal_sls_api::{ApiConfig, Clock, Credentials};

pub use backend::StoreBackend;
pub use charts::StoreCharts;
pub use endpoints::client_endpoint_lines;
pub use readers::Readers;

/// How the logstore routes are set up.
pub struct LogRoutes {
    /// Project of SLS requests that name none.
    pub default_project: Option<String>,
    /// `Some`: verify SLS signatures with this pair (`--auth`).
    pub verify_with: Option<Credentials>,
    /// The server's clock (the test clock under `--test-clock`).
    pub clock: Clock,
    /// Log targets of the template's functions: where the analytics
    /// function's summaries may be.
    pub summary_targets: Vec<(String, String)>,
}

/// The SLS API and the web pages over `store`.
pub fn routes(store: &LogStore, setup: LogRoutes) -> Router {
    let readers = Arc::new(Readers::new(store.path().to_path_buf(), store.writer()));
    let backend = Arc::new(StoreBackend::new(store.writer(), readers.clone()));
    let charts = Arc::new(StoreCharts::new(readers, setup.summary_targets));
    let api = fclocal_sls_api::router(
        backend,
        ApiConfig {
            default_project: setup.default_project,
            credentials: setup.verify_with,
            clock: setup.clock,
        },
    );
    api.merge(fclocal_web::router(charts))
}
