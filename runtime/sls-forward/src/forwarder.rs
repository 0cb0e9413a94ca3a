//! The forwarding loop, and [`Forwarder`], the handle that starts, watches
//! and stops it.
//!
//! The queue is the local logstore itself: the loop reads a batch of lines
//! after its cursor (bounded in lines and bytes), plans it into groups
//! ([`crate::plan`]), sends the groups in order, and only when all of them
//! are accepted moves the cursor past the batch and records it
//! ([`crate::progress`]). While the remote is down the loop waits and
//! retries the group it is on, holding one batch; memory stays flat however
//! long the outage, and invocations never wait on forwarding (they only
//! ever talk to the logstore writer).

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::ForwardConfig;
use crate::plan::{DropReason, Dropped, Outgoing, plan};
use crate::progress::{Progress, ProgressError};
use crate::remote::{Failure, Remote, RemoteError};
use crate::request;
use crate::source::LineSource;
use crate::status::{Board, ForwardStatus, State, timestamp};

/// Prints a status line (the server's console), for events people should
/// see: failures, recoveries, lines set aside.
pub type Notice = Arc<dyn Fn(&str) + Send + Sync>;

/// Why forwarding could not start.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The progress file is unreadable.
    #[error(transparent)]
    Progress(#[from] ProgressError),
}

/// Running forwarding.
pub struct Forwarder {
    board: Arc<Board>,
    source: LineSource,
    projects: Option<Vec<String>>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
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
        let progress = Progress::new(&config.progress_path, &endpoint);
        let cursor = progress.load()?;
        let projects = config
            .projects
            .as_ref()
            .map(|set| set.iter().cloned().collect::<Vec<_>>());
        let board = Arc::new(Board::new(
            endpoint,
            config.credentials.pair.access_key_id.clone(),
            projects.clone(),
            cursor,
        ));
        let source = LineSource::new(db);
        let (stop, stopping) = watch::channel(false);
        let worker = Worker {
            config,
            remote,
            source: source.clone(),
            board: board.clone(),
            progress: Arc::new(progress),
            notice,
            stopping,
            cursor,
            failures: 0,
            shown_error: None,
        };
        let task = tokio::spawn(worker.run());
        Ok(Forwarder {
            board,
            source,
            projects,
            stop,
            task,
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

    /// Stops forwarding: lines already stored are still sent for up to
    /// `grace` (one more attempt if the remote is failing), then the loop
    /// ends; what was not sent is sent by the next start.
    pub async fn stop(self, grace: Duration) -> ForwardStatus {
        let _ = self.stop.send(true);
        let mut task = self.task;
        if tokio::time::timeout(grace, &mut task).await.is_err() {
            task.abort();
            let _ = task.await;
        }
        self.board.update(|status| status.state = State::Stopped);
        current_status(&self.board, &self.source, self.projects).await
    }
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

/// The loop's state.
struct Worker<R> {
    config: ForwardConfig,
    remote: R,
    source: LineSource,
    board: Arc<Board>,
    progress: Arc<Progress>,
    notice: Notice,
    stopping: watch::Receiver<bool>,
    /// Every line up to this id is forwarded.
    cursor: i64,
    /// Consecutive failed attempts.
    failures: u32,
    /// The last error printed, so a repeated one is printed once.
    shown_error: Option<String>,
}

/// How a wait ended.
enum Woke {
    /// The time passed.
    Elapsed,
    /// Shutdown began.
    Stopping,
}

impl<R: Remote> Worker<R> {
    async fn run(mut self) {
        loop {
            let lines = match self
                .source
                .lines_after(
                    self.cursor,
                    self.config.max_batch_lines,
                    self.config.max_batch_bytes,
                )
                .await
            {
                Ok(lines) => lines,
                Err(error) => {
                    let message = format!("cannot read the local logstore to forward it: {error}");
                    tracing::error!("{message}");
                    self.board.update(|status| {
                        status.last_error = Some(message);
                        status.last_error_at = Some(timestamp(self.config.clock.now()));
                    });
                    if self.is_stopping() {
                        return;
                    }
                    self.wait(self.config.backoff.stuck()).await;
                    continue;
                }
            };
            let Some(last_id) = lines.last().map(|line| line.id) else {
                self.caught_up().await;
                if self.is_stopping() {
                    return;
                }
                self.wait(self.config.poll_interval).await;
                continue;
            };
            let planned = plan(&lines, self.config.clock.now(), |project| {
                self.config.forwards(project)
            });
            drop(lines);
            self.set_aside(&planned.dropped);
            if !self.send_all(planned.groups.into()).await {
                return;
            }
            self.commit(last_id).await;
        }
    }

    /// Sends `queue` in order; false when shutdown cut it short.
    async fn send_all(&mut self, mut queue: VecDeque<Outgoing>) -> bool {
        while let Some(outgoing) = queue.pop_front() {
            let result = match request::put_logs(
                &self.config.endpoint,
                &self.config.credentials,
                &outgoing,
                self.config.clock.now(),
            ) {
                Ok(put) => self.remote.put(put).await,
                Err(error) => Err(RemoteError {
                    failure: Failure::Content,
                    status: None,
                    code: None,
                    message: error.to_string(),
                }),
            };
            match result {
                Ok(()) => self.accepted(&outgoing),
                Err(error) if error.failure == Failure::Content => match outgoing.halves() {
                    Some((first, second)) => {
                        queue.push_front(second);
                        queue.push_front(first);
                    }
                    None => self.set_aside(&[Dropped {
                        id: outgoing.ids[0],
                        project: outgoing.project.clone(),
                        logstore: outgoing.logstore.clone(),
                        reason: DropReason::Refused {
                            error: error.message,
                        },
                    }]),
                },
                Err(error) => {
                    let stopping = self.is_stopping();
                    let delay = match error.failure {
                        Failure::Stuck => self.config.backoff.stuck(),
                        _ => self.config.backoff.transient(self.failures + 1),
                    };
                    self.failed(&error, delay);
                    if stopping {
                        // The final attempt failed: the next start resends.
                        return false;
                    }
                    // Woken by shutdown: retry once right away, as the final attempt.
                    let _ = self.wait(delay).await;
                    queue.push_front(outgoing);
                }
            }
        }
        true
    }

    fn accepted(&mut self, outgoing: &Outgoing) {
        if self.failures > 0 {
            (self.notice)(&format!(
                "Log forwarding to {} works again after {} failed attempt(s)",
                self.config.endpoint, self.failures
            ));
        }
        self.failures = 0;
        self.shown_error = None;
        let now = timestamp(self.config.clock.now());
        let lines = outgoing.ids.len() as u64;
        self.board.update(|status| {
            status.forwarded_lines += lines;
            status.forwarded_groups += 1;
            status.failed_attempts = 0;
            status.last_success_at = Some(now);
            status.state = State::Forwarding;
        });
    }

    fn failed(&mut self, error: &RemoteError, retry_in: Duration) {
        self.failures = self.failures.saturating_add(1);
        let now = timestamp(self.config.clock.now());
        let failures = u64::from(self.failures);
        self.board.update(|status| {
            status.state = State::Failing;
            status.failed_attempts = failures;
            status.last_error = Some(error.message.clone());
            status.last_error_at = Some(now);
        });
        tracing::warn!(
            "log forwarding failed (attempt {}): {}",
            self.failures,
            error.message
        );
        if self.shown_error.as_deref() != Some(error.message.as_str()) {
            (self.notice)(&format!(
                "Log forwarding to {} failed: {}; lines wait in the local logstore, next attempt in {:?} (progress: GET /fclocal/forwarding)",
                self.config.endpoint, error.message, retry_in
            ));
            self.shown_error = Some(error.message.clone());
        }
    }

    /// Counts and reports lines SLS refuses, one status line per logstore and reason.
    fn set_aside(&mut self, dropped: &[Dropped]) {
        if dropped.is_empty() {
            return;
        }
        let mut runs: Vec<(&Dropped, i64, usize)> = Vec::new();
        for line in dropped {
            match runs.last_mut() {
                Some((first, last, count))
                    if first.project == line.project
                        && first.logstore == line.logstore
                        && first.reason == line.reason =>
                {
                    *last = line.id;
                    *count += 1;
                }
                _ => runs.push((line, line.id, 1)),
            }
        }
        let mut last_drop = String::new();
        for (first, last, count) in runs {
            last_drop = format!(
                "{count} line(s) of {}/{} (ids {}..={last}): {}",
                first.project, first.logstore, first.id, first.reason
            );
            (self.notice)(&format!(
                "Log forwarding to {} set aside {last_drop}; they stay in the local logstore",
                self.config.endpoint
            ));
        }
        let count = dropped.len() as u64;
        self.board.update(|status| {
            status.dropped_lines += count;
            status.last_drop = Some(last_drop);
        });
    }

    /// Moves the cursor past a fully sent batch and records it.
    async fn commit(&mut self, last_id: i64) {
        self.cursor = last_id;
        self.persist().await;
        self.board.update(|status| {
            status.forwarded_up_to_id = last_id;
            status.newest_stored_id = status.newest_stored_id.max(last_id);
        });
    }

    async fn persist(&self) {
        let progress = self.progress.clone();
        let cursor = self.cursor;
        let stored = tokio::task::spawn_blocking(move || progress.store(cursor)).await;
        match stored {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                // Forwarding goes on; a restart before the next successful
                // write sends these lines again.
                tracing::error!("{error}");
                self.board
                    .update(|status| status.last_error = Some(error.to_string()));
            }
            Err(join) => tracing::error!("recording log-forwarding progress failed: {join}"),
        }
    }

    /// Nothing new: refresh the backlog figures, and step back if the store's
    /// newest id is below the cursor (a fresh database, or a sweep of the
    /// newest lines: see `fclocal_logstore`'s `reader/follow.rs`).
    async fn caught_up(&mut self) {
        let projects = self
            .config
            .projects
            .as_ref()
            .map(|set| set.iter().cloned().collect());
        let Ok((newest, behind)) = self.source.backlog(self.cursor, projects).await else {
            return;
        };
        if newest < self.cursor {
            tracing::warn!(
                "the logstore's newest line id {newest} is below the forwarded id {}; following from {newest}",
                self.cursor
            );
            self.commit(newest).await;
        }
        self.board.update(|status| {
            status.newest_stored_id = newest;
            status.backlog_lines = behind;
            if status.state != State::Failing {
                status.state = State::CaughtUp;
            }
        });
    }

    /// Whether shutdown began (or the [`Forwarder`] is gone, which ends the loop too).
    fn is_stopping(&self) -> bool {
        *self.stopping.borrow() || self.stopping.has_changed().is_err()
    }

    /// Waits `delay`, or less if shutdown begins.
    async fn wait(&mut self, delay: Duration) -> Woke {
        if self.is_stopping() {
            return Woke::Stopping;
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => Woke::Elapsed,
            _ = self.stopping.changed() => Woke::Stopping,
        }
    }
}
