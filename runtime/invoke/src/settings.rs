//! Host-wide settings every invocation shares: the region and account FC
//! reports, the credentials handed to functions, and output bounds.

use fclocal_engine::{CaptureLimits, Credentials};

use crate::log_budget::LogRateLimit;

/// FC's limit on a synchronous response body (6 MB).
pub const MAX_SYNC_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

/// Settings shared by all functions of one fclocal process.
#[derive(Debug, Clone)]
pub struct HostSettings {
    /// `FC_REGION` and `context.region`.
    pub region: String,
    /// `FC_ACCOUNT_ID` and `context.accountId`.
    pub account_id: String,
    /// Credentials passed to functions (`context.credentials`, `FC_ACCESS_KEY_*`).
    pub credentials: Credentials,
    /// Bounds on captured output per invocation.
    pub capture: CaptureLimits,
    /// Largest HTTP response body a function may return.
    pub max_response_bytes: usize,
    /// `__source__` of every log record.
    pub log_source: String,
    /// fclocal's own endpoint (`http://127.0.0.1:8000`) when a server runs:
    /// functions find its SLS API in `FCLOCAL_SLS_ENDPOINT`, and may make
    /// outbound HTTP requests to it even without `InternetAccess: true`.
    pub local_endpoint: Option<String>,
    /// What a function, and a logstore, may log per minute.
    pub log_rate: LogRateLimit,
}

impl Default for HostSettings {
    fn default() -> Self {
        HostSettings {
            region: "cn-hangzhou".to_owned(),
            account_id: "1234567890".to_owned(),
            credentials: Credentials::default(),
            capture: CaptureLimits::default(),
            max_response_bytes: MAX_SYNC_RESPONSE_BYTES,
            log_source: "127.0.0.1".to_owned(),
            local_endpoint: None,
            log_rate: LogRateLimit::default(),
        }
    }
}
