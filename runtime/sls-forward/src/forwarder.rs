//! [`Forwarder`], the handle that starts, watches and stops the forwarding
//! loop (`worker.rs`).
//!
//! The loop runs as a task of its own. A second, tiny task waits on it, so
//! a loop that dies (a panic: a bug) does not go unnoticed: the status turns
//! to `stopped` with the reason in `lastError`, and a notice says that lines
//! wait in the local logstore for the next start.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use fclocal_logstore::{LogReader, LogStoreError};
use fclocal_sls_api::Clock;
use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinHandle};
use tokio::time::Instant;

use crate::config::ForwardConfig;
use crate::progress::{Progress, ProgressError};
use crate::remote::Remote;
use crate::source::{LineSource, panic_message};
use crate::status::{Board, ForwardStatus, State, timestamp};
use crate::worker::Worker;

/// Prints a status line (the server's console), for events people should
/// see: failures, recoveries, lines set aside.
pub type Notice = Arc<dyn Fn(&str) + Send + Sync>;

/// Why forwarding could not start.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The progress file is unreadable.
    #[error(transparent)]
    Progress(#[from] ProgressError),
    /// The logstore cannot be read.
    #[error("cannot read the local logstore to forward it")]
    Logstore(#[source] LogStoreError),
}

/// Running forwarding.
pub struct Forwarder {
    board: Arc<Board>,
    source: LineSource,
    projects: Option<Vec<String>>,
    /// `Some(deadline)` asks the loop to stop (see [`Forwarder::stop`]).
    stop: watch::Sender<Option<Instant>>,
    /// Ends the loop when it overstays shutdown.
    worker: AbortHandle,
    /// The task watching the loop; it ends when the loop does.
    watcher: JoinHandle<()>,
    /// How long one request may take (bounds waiting for the last one).
    request_timeout: Duration,
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder")
            .field("status", &self.board.snapshot())
            .finish()
    }
}

impl Forwarder {
    /// Starts forwarding the lines of the logstore database `db` (already
    /// open) through `remote`, on the current tokio runtime.
    pub fn start<R: Remote>(
        config: ForwardConfig,
        db: &Path,
        remote: R,
        notice: Notice,
    ) -> Result<Forwarder, ForwardError> {
        let endpoint = config.endpoint.to_string();
        let reader = LogReader::open(db).map_err(ForwardError::Logstore)?;
        let database_id = reader.database_id().map_err(ForwardError::Logstore)?;
        let progress = Progress::new(&config.progress_path, &endpoint, &database_id);
        let resume = progress.load()?;
        if resume.other_database {
            notice(&format!(
                "{} records log-forwarding progress of another logstore database than {} (it was deleted or replaced): forwarding to {endpoint} starts from its first line",
                config.progress_path.display(),
                db.display()
            ));
        }
        let projects = config
            .projects
            .as_ref()
            .map(|set| set.iter().cloned().collect::<Vec<_>>());
        let board = Arc::new(Board::new(
            endpoint.clone(),
            config.credentials.pair.access_key_id.clone(),
            projects.clone(),
            resume.cursor,
        ));
        let source = LineSource::with_reader(db, reader);
        let (stop, stopping) = watch::channel(None);
        let request_timeout = config.request_timeout;
        let clock = config.clock.clone();
        let worker = Worker::new(
            config,
            remote,
            source.clone(),
            board.clone(),
            Arc::new(progress),
            notice.clone(),
            stopping,
            resume.cursor,
        );
        let worker = tokio::spawn(worker.run());
        let abort = worker.abort_handle();
        let watcher = tokio::spawn(watch_worker(worker, board.clone(), notice, endpoint, clock));
        Ok(Forwarder {
            board,
            source,
            projects,
            stop,
            worker: abort,
            watcher,
            request_timeout,
        })
    }

    /// The shared status board.
    pub fn board(&self) -> Arc<Board> {
        self.board.clone()
    }

    /// The status with the backlog counted now.
    pub async fn status(&self) -> ForwardStatus {
        current_status(&self.board, &self.source, self.projects.clone()).await
    }

    /// `GET /fclocal/forwarding`, see [`crate::routes`].
    pub fn router(&self) -> axum::Router {
        crate::routes::router(
            self.board.clone(),
            self.source.clone(),
            self.projects.clone(),
        )
    }

    /// Stops forwarding. No new batch is read; the groups of the batch being
    /// sent still go for up to `grace` (one more attempt if the remote is
    /// failing), each recorded as it is accepted. A request already under
    /// way when `grace` ends may finish (it is bounded by the request
    /// timeout): cutting it off could leave SLS with lines the progress
    /// file does not know about, sent again by the next start. What was not
    /// sent is sent by the next start.
    pub async fn stop(self, grace: Duration) -> ForwardStatus {
        let _ = self.stop.send(Some(Instant::now() + grace));
        let mut watcher = self.watcher;
        let limit = grace.saturating_add(self.request_timeout);
        if tokio::time::timeout(limit, &mut watcher).await.is_err() {
            self.worker.abort();
            let _ = watcher.await;
        }
        self.board.update(|status| status.state = State::Stopped);
        current_status(&self.board, &self.source, self.projects).await
    }
}

/// Waits for the loop to end; reports it if it died.
async fn watch_worker(
    worker: JoinHandle<()>,
    board: Arc<Board>,
    notice: Notice,
    endpoint: String,
    clock: Clock,
) {
    let Err(join) = worker.await else {
        return;
    };
    if join.is_cancelled() {
        // `Forwarder::stop` ended it after the grace period.
        return;
    }
    let message = format!(
        "log forwarding to {endpoint} stopped after an internal error ({}); lines wait in the local logstore and the next `fclocal start --forward-logs` sends them; this is a bug in fclocal, please report it",
        panic_message(join.into_panic())
    );
    tracing::error!("{message}");
    board.update(|status| {
        status.state = State::Stopped;
        status.last_error = Some(message.clone());
        status.last_error_at = Some(timestamp(clock.now()));
    });
    notice(&message);
}

/// The board's status with a freshly counted backlog.
pub(crate) async fn current_status(
    board: &Board,
    source: &LineSource,
    projects: Option<Vec<String>>,
) -> ForwardStatus {
    let mut status = board.snapshot();
    match source.backlog(status.forwarded_up_to_id, projects).await {
        Ok((newest, behind)) => {
            status.newest_stored_id = newest;
            status.backlog_lines = behind;
            // The loop notices at its next look; the count is already sure.
            if behind == 0 && status.state == State::Forwarding {
                status.state = State::CaughtUp;
            }
        }
        Err(error) => tracing::warn!("cannot count the log-forwarding backlog: {error}"),
    }
    status
}
