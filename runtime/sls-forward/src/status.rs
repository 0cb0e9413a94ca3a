//! What forwarding is doing, for the banner, `GET /fclocal/forwarding` and
//! tests: a [`Board`] the forwarder writes and readers snapshot as a
//! [`ForwardStatus`].

use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use tokio::sync::watch;

/// The forwarder's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Sending a backlog.
    Forwarding,
    /// Every stored line is forwarded; waiting for new ones.
    CaughtUp,
    /// The last attempt failed; retrying (see `lastError`).
    Failing,
    /// Stopped (shutdown).
    Stopped,
}

/// A snapshot of forwarding, as `GET /fclocal/forwarding` answers it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForwardStatus {
    /// Where lines go.
    pub endpoint: String,
    /// The AccessKey ID that signs (never the secret).
    pub access_key_id: String,
    /// The projects whose lines are forwarded (`null`: all).
    pub projects: Option<Vec<String>>,
    /// What the forwarder is doing.
    pub state: State,
    /// Every line with an id up to this one is forwarded (or dropped, counted).
    pub forwarded_up_to_id: i64,
    /// The newest line id in the local logstore.
    pub newest_stored_id: i64,
    /// Lines of forwarded projects still to send.
    pub backlog_lines: u64,
    /// Lines SLS accepted since this server started.
    pub forwarded_lines: u64,
    /// PutLogs requests SLS accepted since this server started.
    pub forwarded_groups: u64,
    /// Lines set aside because SLS refuses them (they stay in the local logstore).
    pub dropped_lines: u64,
    /// The last line set aside and why.
    pub last_drop: Option<String>,
    /// Failed attempts since the last success.
    pub failed_attempts: u64,
    /// The last failure, with what to do about it.
    pub last_error: Option<String>,
    /// When it happened (RFC 3339).
    pub last_error_at: Option<String>,
    /// When SLS last accepted a request (RFC 3339).
    pub last_success_at: Option<String>,
}

/// The forwarder's shared status.
#[derive(Debug)]
pub struct Board {
    status: Mutex<ForwardStatus>,
    /// `forwarded_up_to_id`, for waiters.
    progress: watch::Sender<i64>,
}

impl Board {
    /// A board for a forwarder starting at `forwarded_up_to_id`.
    pub fn new(
        endpoint: String,
        access_key_id: String,
        projects: Option<Vec<String>>,
        forwarded_up_to_id: i64,
    ) -> Board {
        Board {
            status: Mutex::new(ForwardStatus {
                endpoint,
                access_key_id,
                projects,
                state: State::Forwarding,
                forwarded_up_to_id,
                newest_stored_id: forwarded_up_to_id,
                backlog_lines: 0,
                forwarded_lines: 0,
                forwarded_groups: 0,
                dropped_lines: 0,
                last_drop: None,
                failed_attempts: 0,
                last_error: None,
                last_error_at: None,
                last_success_at: None,
            }),
            progress: watch::Sender::new(forwarded_up_to_id),
        }
    }

    /// A copy of the status (backlog fields as last computed).
    pub fn snapshot(&self) -> ForwardStatus {
        self.lock().clone()
    }

    /// Changes the status.
    pub(crate) fn update(&self, change: impl FnOnce(&mut ForwardStatus)) {
        let mut status = self.lock();
        change(&mut status);
        let id = status.forwarded_up_to_id;
        drop(status);
        self.progress.send_if_modified(|current| {
            let moved = *current != id;
            *current = id;
            moved
        });
    }

    /// Resolves once every line up to `id` is forwarded.
    pub async fn forwarded(&self, id: i64) {
        let mut progress = self.progress.subscribe();
        // The sender lives as long as `self`.
        let _ = progress.wait_for(|at| *at >= id).await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ForwardStatus> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `at` as RFC 3339 (UTC, seconds).
pub(crate) fn timestamp(at: SystemTime) -> String {
    DateTime::<Utc>::from(at).to_rfc3339_opts(SecondsFormat::Secs, true)
}
