//! What a forwarder is told: where to send, with which AccessKey, which
//! projects, where to keep its progress, and how hard to push.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use fclocal_sls_api::{Clock, Credentials};

use crate::backoff::Backoff;
use crate::endpoint::Endpoint;

/// The AccessKey the forwarder signs PutLogs with: a RAM user's pair, or an
/// STS pair with its security token. `Debug` never shows the secret or the
/// token.
#[derive(Clone, PartialEq, Eq)]
pub struct ForwardCredentials {
    /// AccessKey ID and secret.
    pub pair: Credentials,
    /// STS security token, sent as `x-acs-security-token` when set.
    pub security_token: Option<String>,
}

impl fmt::Debug for ForwardCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForwardCredentials")
            .field("access_key_id", &self.pair.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Everything [`crate::Forwarder::start`] needs.
#[derive(Debug, Clone)]
pub struct ForwardConfig {
    /// The SLS endpoint lines go to.
    pub endpoint: Endpoint,
    /// Who signs.
    pub credentials: ForwardCredentials,
    /// Forward only lines of these projects (the template's `LogConfig`
    /// projects); `None` forwards every line.
    pub projects: Option<BTreeSet<String>>,
    /// The progress file (`.fclocal/forwarding.json`), see [`crate::progress`].
    pub progress_path: PathBuf,
    /// How often an idle forwarder looks for new lines.
    pub poll_interval: Duration,
    /// Waits between attempts after a failure.
    pub backoff: Backoff,
    /// Most lines read from the logstore at once (one batch).
    pub max_batch_lines: usize,
    /// Most bytes of line text read at once: bounds the memory a batch holds.
    pub max_batch_bytes: usize,
    /// How long one PutLogs request (connect, send, answer) may take.
    pub request_timeout: Duration,
    /// "Now", for `Date` and SLS's time window: the system clock but in tests.
    pub clock: Clock,
}

impl ForwardConfig {
    /// A configuration with the defaults: poll every second, back off from
    /// 500 ms up to 30 s, read 4,096 lines or 8 MiB at a time, 30 s per request.
    pub fn new(
        endpoint: Endpoint,
        credentials: ForwardCredentials,
        progress_path: PathBuf,
    ) -> ForwardConfig {
        ForwardConfig {
            endpoint,
            credentials,
            projects: None,
            progress_path,
            poll_interval: Duration::from_secs(1),
            backoff: Backoff::default(),
            max_batch_lines: 4096,
            max_batch_bytes: 8 << 20,
            request_timeout: Duration::from_secs(30),
            clock: Clock::system(),
        }
    }

    /// Whether lines of `project` are forwarded.
    pub fn forwards(&self, project: &str) -> bool {
        self.projects
            .as_ref()
            .is_none_or(|projects| projects.contains(project))
    }
}
