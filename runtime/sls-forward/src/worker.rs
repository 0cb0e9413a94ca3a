//! The forwarding loop.
//!
//! The queue is the local logstore itself: the loop reads a batch of lines
//! after its cursor (bounded in lines and bytes), plans it into groups
//! ([`crate::plan`]) and sends the groups in order (`delivery.rs`). After
//! every group SLS accepts (and every line set aside) the cursor moves to
//! just below the lowest id of the batch still unsent and is recorded
//! ([`crate::progress`]), so neither a stop nor a crash mid-batch resends
//! what SLS already has, except a group whose answer the crash cut off.
//! While the remote is down the loop waits and retries the group it is on,
//! holding one batch; memory stays flat however long the outage, and
//! invocations never wait on forwarding (they only ever talk to the
//! logstore writer).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::config::ForwardConfig;
use crate::forwarder::Notice;
use crate::plan::{Dropped, Outgoing, plan};
use crate::progress::Progress;
use crate::remote::{Remote, RemoteError};
use crate::set_aside;
use crate::source::LineSource;
use crate::status::{Board, State, timestamp};

/// Shutdown cut the work short; what was not sent is sent by the next start.
pub(crate) struct Stopped;

/// The batch being sent.
#[derive(Default)]
struct Batch {
    /// Its last id: every line up to it is handled once `unsent` is empty
    /// (lines of projects that are not forwarded are never sent).
    end: i64,
    /// Ids of its lines still to send.
    unsent: BTreeSet<i64>,
    /// Lines set aside so far, reported once per kind when the batch ends.
    set_aside: Vec<Dropped>,
}

/// The loop's state.
pub(crate) struct Worker<R> {
    pub(crate) config: ForwardConfig,
    pub(crate) remote: R,
    source: LineSource,
    pub(crate) board: Arc<Board>,
    progress: Arc<Progress>,
    pub(crate) notice: Notice,
    /// `Some(deadline)` once shutdown began: no new batch is read, and no
    /// request starts after the deadline.
    stopping: watch::Receiver<Option<Instant>>,
    /// Every line up to this id is forwarded.
    cursor: i64,
    /// Consecutive failed attempts.
    pub(crate) failures: u32,
    /// The last error printed, so a repeated one is printed once.
    shown_error: Option<String>,
    batch: Batch,
}

impl<R: Remote> Worker<R> {
    /// A loop starting after `cursor`.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site, which names each part"
    )]
    pub(crate) fn new(
        config: ForwardConfig,
        remote: R,
        source: LineSource,
        board: Arc<Board>,
        progress: Arc<Progress>,
        notice: Notice,
        stopping: watch::Receiver<Option<Instant>>,
        cursor: i64,
    ) -> Worker<R> {
        Worker {
            config,
            remote,
            source,
            board,
            progress,
            notice,
            stopping,
            cursor,
            failures: 0,
            shown_error: None,
            batch: Batch::default(),
        }
    }

    pub(crate) async fn run(mut self) {
        while !self.is_stopping() {
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
                    self.wait(self.config.backoff.stuck()).await;
                    continue;
                }
            };
            let Some(end) = lines.last().map(|line| line.id) else {
                self.caught_up().await;
                self.wait(self.config.poll_interval).await;
                continue;
            };
            let planned = plan(&lines, self.config.clock.now(), |project| {
                self.config.forwards(project)
            });
            drop(lines);
            self.batch = Batch {
                end,
                unsent: planned
                    .groups
                    .iter()
                    .flat_map(|group| group.ids.iter().copied())
                    .collect(),
                set_aside: planned.dropped,
            };
            let sent = self.send_batch(planned.groups).await;
            let set_aside = std::mem::take(&mut self.batch.set_aside);
            self.report_set_aside(&set_aside);
            if sent.is_err() {
                return;
            }
            self.advance().await;
        }
    }

    /// Sends the groups of a batch in order.
    async fn send_batch(&mut self, groups: Vec<Outgoing>) -> Result<(), Stopped> {
        for group in groups {
            self.send_group(group).await?;
        }
        Ok(())
    }

    /// SLS took these lines of the batch: counts them and records progress.
    pub(crate) async fn accepted(&mut self, outgoing: &Outgoing) {
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
        self.handled(&outgoing.ids).await;
    }

    /// Sets a line SLS refuses aside (counted and reported with the batch).
    pub(crate) async fn set_aside(&mut self, line: Dropped) {
        let id = line.id;
        self.batch.set_aside.push(line);
        self.handled(&[id]).await;
    }

    /// These lines of the batch need no more sending: records progress.
    async fn handled(&mut self, ids: &[i64]) {
        for id in ids {
            self.batch.unsent.remove(id);
        }
        self.advance().await;
    }

    /// Moves the cursor to just below the batch's lowest unsent line.
    async fn advance(&mut self) {
        let up_to = self
            .batch
            .unsent
            .first()
            .map_or(self.batch.end, |first| first - 1);
        if up_to > self.cursor {
            self.commit(up_to).await;
        }
    }

    pub(crate) fn failed(&mut self, error: &RemoteError, retry_in: Duration) {
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

    /// Counts and reports the lines a batch set aside, one status line per
    /// logstore and reason.
    fn report_set_aside(&mut self, dropped: &[Dropped]) {
        let summaries = set_aside::summaries(dropped);
        let Some(last) = summaries.last().cloned() else {
            return;
        };
        for summary in &summaries {
            (self.notice)(&format!(
                "Log forwarding to {} set aside {summary}; they stay in the local logstore",
                self.config.endpoint
            ));
        }
        let count = dropped.len() as u64;
        self.board.update(|status| {
            status.dropped_lines += count;
            status.last_drop = Some(last);
        });
    }

    /// Moves the cursor to `id` and records it.
    async fn commit(&mut self, id: i64) {
        self.cursor = id;
        self.persist().await;
        self.board.update(|status| {
            status.forwarded_up_to_id = id;
            status.newest_stored_id = status.newest_stored_id.max(id);
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
    /// newest id is below the cursor (a database written by an fclocal that
    /// still reused the ids of swept lines; see `fclocal_logstore`'s
    /// `reader/follow.rs`).
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

    /// Whether shutdown began (or the [`crate::Forwarder`] is gone, which
    /// ends the loop too).
    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.borrow().is_some() || self.stopping.has_changed().is_err()
    }

    /// Whether shutdown's grace period is over: no request starts any more.
    pub(crate) fn past_deadline(&self) -> bool {
        match *self.stopping.borrow() {
            Some(deadline) => Instant::now() >= deadline,
            None => self.stopping.has_changed().is_err(),
        }
    }

    /// Waits `delay`, or less if shutdown begins.
    pub(crate) async fn wait(&mut self, delay: Duration) {
        if self.is_stopping() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = self.stopping.changed() => {}
        }
    }
}
