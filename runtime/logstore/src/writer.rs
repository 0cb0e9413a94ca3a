//! The single writer thread and the [`LogWriter`] handle that feeds it.
//!
//! Every write (appends, catalogue changes, TTL sweeps) travels over one unbounded FIFO
//! channel to one thread that owns the write connection, so SQLite never sees two writers
//! from this process and callers never wait on SQLite to append.
//!
//! The thread takes a command, then everything already queued, into per-producer FIFOs
//! (`fair.rs`), and commits batches of up to `max_batch` records taken round-robin across
//! producers, one transaction each, until the queues are empty. A producer is a key given
//! by the caller (fclocal keys each function's lines by the function), so a function with
//! three lines is committed in the next transaction even behind a flood's backlog. A flush
//! is answered right after the commit that covers what it waits for: everything queued
//! before it ([`LogWriter::flush`], so a flush from any thread observes every append that
//! happened-before it), or only its key's writes ([`LogWriter::flush_key`]).
//! The unit of batching is a whole `append`/`append_group` call: a commit takes calls, never
//! part of one, so an SLS group is always committed in one transaction (a group larger than
//! `max_batch` just makes a larger transaction).
//!
//! Failure policy: a failed commit is logged with `tracing::error!` and reported to the
//! flushes waiting on it, or if none, to the next flush. Its records are kept and retried
//! **once**, on the first commit after that report; until then the writer holds them (and
//! every later append, to keep order) instead of retrying on its own, so "one retry" means
//! one retry after somebody heard about the failure, not two attempts a millisecond apart.
//! A full batch or closing forces the attempt sooner (to bound memory and to not exit with
//! lines untried); catalogue and sweep calls commit pending lines first but do not force a
//! held retry. If the retry
//! fails too, those records are dropped and that is reported the same way. The thread never
//! panics on bad input or SQLite errors.
//!
//! Spooling (`spool.rs`): a flush that ends an invocation
//! ([`LogWriter::append_keyed_and_flush`]) only needs its lines durable, not committed. The
//! thread appends them to the spool file and answers at once; what it spooled (and every
//! other queued line) is committed once the oldest uncommitted write has waited
//! `commit_delay`, once `max_batch` lines wait, or sooner when a flush that needs a commit
//! ([`LogWriter::flush`], catalogue and sweep calls, closing) arrives. One transaction then
//! carries many invocations, and the core that answers requests no longer pays a commit for
//! each. Without a spool (another store holds it, or `commit_delay` is zero) every flush
//! waits for a commit, and the thread commits whenever its queue runs empty. A spool write
//! that fails makes that flush wait for a commit instead.
//!
//! A quiet invocation (it printed nothing, so all its lines are in its final call) does not
//! even wait for this thread: [`LogWriter::append_whole_and_flush`] appends its lines to the
//! spool on the caller's thread and leaves them in the spool's inbox; the caller that finds
//! the inbox empty sends one [`Command::Wake`], and the thread takes the inbox under the
//! spool's lock (so the frames up to the spool's last id are all in the commit that follows).
//!
//! Shutdown: closing takes the only `Sender` out of [`Shared`] under a write lock, so no
//! append can be accepted afterwards; the thread then drains what is queued, commits and
//! exits when the channel reports disconnection. An append that returned `Ok` is therefore
//! always committed (or reported as failed), never silently lost.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::batch::Pending;
use crate::error::{LogStoreError, Result};
use crate::fair::{FairQueue, Key, Queued, Scope, batch_holds};
use crate::group::{GroupAppend, ShardChoice};
use crate::ingest::Ingest;
use crate::model::{LogRecord, LogstoreConfig, validate_name};
use crate::routing;
use crate::spool::Spool;

/// A message to the writer thread.
pub(crate) enum Command {
    /// Writes arrived in the spool's inbox ([`LogWriter::append_whole_and_flush`]): commit
    /// them within the delay. Sent only when the inbox was empty.
    Wake,
    /// One `append` or `append_group` call, and who made it.
    Append { key: Key, pending: Pending },
    /// Answer once the writes of `scope` queued before are committed.
    Flush {
        scope: Scope,
        reply: Reply<Result<()>>,
    },
    /// An `Append` under `key` (if any) and a flush of that key that needs its lines only
    /// durable (spooled), in one message: one wake-up of the writer instead of two for the
    /// common "store these lines and tell me when" of an invocation that ends.
    AppendFlush {
        key: Key,
        pending: Option<Pending>,
        reply: Reply<Result<()>>,
    },
    /// Create or describe a project.
    EnsureProject {
        name: String,
        description: String,
        reply: Reply<Result<()>>,
    },
    /// Create or reconfigure a logstore.
    EnsureLogstore {
        project: String,
        name: String,
        config: LogstoreConfig,
        reply: Reply<Result<()>>,
    },
    /// Delete expired lines.
    Sweep {
        now: SystemTime,
        reply: Reply<Result<u64>>,
    },
}

/// Where the writer sends an answer: a blocking caller or an async one.
pub(crate) enum Reply<T> {
    /// `flush_blocking` and the synchronous `LogStore` methods.
    Blocking(Sender<T>),
    /// `flush().await`.
    Async(tokio::sync::oneshot::Sender<T>),
}

impl<T> Reply<T> {
    /// Delivers the answer; a caller that stopped waiting is not an error.
    fn send(self, value: T) {
        match self {
            Reply::Blocking(tx) => {
                let _ = tx.send(value);
            }
            Reply::Async(tx) => {
                let _ = tx.send(value);
            }
        }
    }
}

/// The spool, shared by the writer thread and the callers that spool their own lines.
pub(crate) struct SpoolBox {
    /// `None` once the writer thread stopped: the files are closed (their lock released
    /// for the next store) and callers commit through the channel, which reports closing.
    pub(crate) spool: Option<Spool>,
    /// Writes callers spooled ([`LogWriter::append_whole_and_flush`]) that the writer
    /// thread has not taken yet. Taken under the same lock as appends, so the frames up to
    /// [`Spool::last_frame`] are all either taken or here.
    pub(crate) inbox: Vec<(Key, Vec<LogRecord>)>,
}

/// Locks `spool`, whatever a panicking holder left (its state stays consistent: every
/// change is a whole append or a whole drain).
pub(crate) fn lock(spool: &Mutex<SpoolBox>) -> std::sync::MutexGuard<'_, SpoolBox> {
    spool.lock().unwrap_or_else(PoisonError::into_inner)
}

/// State shared by the [`crate::LogStore`] and every [`LogWriter`] clone.
pub(crate) struct Shared {
    /// Database file, for error messages.
    pub(crate) path: PathBuf,
    /// The channel into the writer thread; `None` once the store is closed. Appends hold the
    /// read lock while sending so close (write lock) cannot race with an accepted append.
    tx: RwLock<Option<Sender<Command>>>,
    /// The spool, when this store owns one.
    spool: Option<Arc<Mutex<SpoolBox>>>,
}

impl Shared {
    /// Creates the shared state around the writer's channel.
    pub(crate) fn new(
        path: PathBuf,
        tx: Sender<Command>,
        spool: Option<Arc<Mutex<SpoolBox>>>,
    ) -> Self {
        Self {
            path,
            tx: RwLock::new(Some(tx)),
            spool,
        }
    }

    /// Queues a command, or reports [`LogStoreError::Closed`].
    pub(crate) fn send(&self, cmd: Command) -> Result<()> {
        let guard = self.tx.read().unwrap_or_else(PoisonError::into_inner);
        match guard.as_ref().map(|tx| tx.send(cmd)) {
            Some(Ok(())) => Ok(()),
            _ => Err(self.closed()),
        }
    }

    /// Stops accepting commands; the writer drains the queue and exits.
    pub(crate) fn close(&self) {
        self.tx
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    /// The error for "the writer is gone".
    pub(crate) fn closed(&self) -> LogStoreError {
        LogStoreError::Closed {
            path: self.path.clone(),
        }
    }

    /// Sends a command built around a blocking reply and waits for the answer.
    pub(crate) fn call<T>(&self, make: impl FnOnce(Reply<Result<T>>) -> Command) -> Result<T> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.send(make(Reply::Blocking(tx)))?;
        rx.recv().unwrap_or_else(|_| Err(self.closed()))
    }
}

/// A cheap, cloneable handle for appending log lines. `Send + Sync`; clone it into every
/// task or thread that produces logs.
///
/// If a commit fails, the error reaches the next flush and the lines are retried once after
/// that; see the module's failure policy in `src/writer.rs`.
#[derive(Clone)]
pub struct LogWriter {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for LogWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogWriter")
            .field("path", &self.shared.path)
            .finish()
    }
}

impl LogWriter {
    /// Queues `records` as one group (one SLS LogGroup: its lines for a logstore share a
    /// shard and get consecutive sequence numbers). Never blocks on SQLite. Unknown projects
    /// and logstores are created with [`LogstoreConfig::default`] rather than losing lines.
    ///
    /// Fails only for an empty/oversized project or logstore name (nothing is queued then)
    /// or when the store is closed.
    pub fn append(&self, records: Vec<LogRecord>) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        validate_records(&records)?;
        self.shared.send(Command::Append {
            key: None,
            pending: Pending::Records(records),
        })
    }

    /// [`LogWriter::append`] on behalf of producer `key` (fclocal uses the function's
    /// `service/function`): producers are committed round-robin, and
    /// [`LogWriter::flush_key`] waits only for this key's lines.
    pub fn append_keyed(&self, key: &Arc<str>, records: Vec<LogRecord>) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        validate_records(&records)?;
        self.shared.send(Command::Append {
            key: Some(key.clone()),
            pending: Pending::Records(records),
        })
    }

    /// Queues one SLS LogGroup (PutLogs): its lines go to one shard, chosen by
    /// `group.shard`, in one transaction, and take the shard's next cursor position
    /// (`group_seq`). Never blocks on SQLite; call [`LogWriter::flush_blocking`] before
    /// answering the client to make it durable and to hear about a failed commit.
    ///
    /// An unknown project or logstore is created with [`LogstoreConfig::default`], as for
    /// [`LogWriter::append`]: the writer cannot refuse a group it already accepted. To
    /// refuse one instead (SLS's `ProjectNotExist` / `LogStoreNotExist`), ask
    /// [`crate::LogReader::logstore`] first; fclocal never deletes a logstore, so the
    /// answer cannot go stale before the group is written.
    ///
    /// An empty group stores nothing. Fails, queueing nothing, for an empty/oversized
    /// project or logstore name, a hash key that is not up to 32 hex digits, or when the
    /// store is closed.
    pub fn append_group(&self, group: GroupAppend) -> Result<()> {
        validate_name("project", &group.project)?;
        validate_name("logstore", &group.logstore)?;
        if let ShardChoice::HashKey(key) = &group.shard {
            routing::validate_key(key)?;
        }
        if group.logs.is_empty() {
            return Ok(());
        }
        self.shared.send(Command::Append {
            key: None,
            pending: Pending::Group(Box::new(group)),
        })
    }

    /// Returns once everything appended before this call, by any thread, is committed:
    /// durable against a crash of this process. Reports a failed commit since the last flush.
    ///
    /// Blocks the calling thread; in async code use [`LogWriter::flush`].
    pub fn flush_blocking(&self) -> Result<()> {
        self.shared.call(|reply| Command::Flush {
            scope: Scope::All,
            reply,
        })
    }

    /// Commits every line already spooled (every invocation answered before this call), so
    /// a reader in this process sees them now rather than within the store's
    /// `commit_delay`; other queued lines may wait. What the SLS API does before each read.
    /// Reports a failed commit since the last flush. Blocks the calling thread.
    pub fn commit_spooled_blocking(&self) -> Result<()> {
        self.shared.call(|reply| Command::Flush {
            scope: Scope::Spooled,
            reply,
        })
    }

    /// [`crate::LogStore::sweep_expired`] from a writer handle, for a server's periodic
    /// housekeeping (a handle is `Clone + Send + Sync`; the store is not shared).
    pub fn sweep_expired(&self, now: SystemTime) -> Result<u64> {
        self.shared.call(|reply| Command::Sweep { now, reply })
    }

    /// Async [`LogWriter::flush_blocking`].
    pub async fn flush(&self) -> Result<()> {
        self.flush_scope(Scope::All).await
    }

    /// Returns once everything appended under `key` before this call is committed (other
    /// producers' lines may still be queued). Reports a failed commit since the last flush.
    pub async fn flush_key(&self, key: &Arc<str>) -> Result<()> {
        self.flush_scope(Scope::Key(Some(key.clone()))).await
    }

    /// [`LogWriter::append_keyed`] then a flush of `key`, sent to the writer as one message
    /// (one thread wake-up, which is most of the hand-off's cost when the server is otherwise
    /// idle). `records` may be empty: then it is just the flush.
    ///
    /// Returns once this key's lines are **durable**: written to the store's spool file
    /// (`src/spool.rs`), which survives a crash of this process like a commit does, and
    /// committed to the database within the store's `commit_delay`. A reader opened (or
    /// [`crate::LogReader::catch_up`]) after this returns sees them. Without a spool it
    /// waits for the commit, like [`LogWriter::flush_key`].
    pub async fn append_keyed_and_flush(
        &self,
        key: &Arc<str>,
        records: Vec<LogRecord>,
    ) -> Result<()> {
        validate_records(&records)?;
        let pending = (!records.is_empty()).then_some(Pending::Records(records));
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.shared.send(Command::AppendFlush {
            key: Some(key.clone()),
            pending,
            reply: Reply::Async(tx),
        })?;
        rx.await.unwrap_or_else(|_| Err(self.shared.closed()))
    }

    /// [`LogWriter::append_keyed_and_flush`] for the end of an invocation that handed the
    /// writer nothing before: `records` are **all** of its lines. With a spool, the calling
    /// thread appends them to it itself and returns at once, without a round trip to the
    /// writer thread (which commits them within the store's `commit_delay`), and without
    /// waiting for other writes of `key`. Otherwise (or if the spool write fails) it is
    /// [`LogWriter::append_keyed_and_flush`].
    pub async fn append_whole_and_flush(
        &self,
        key: &Arc<str>,
        records: Vec<LogRecord>,
    ) -> Result<()> {
        validate_records(&records)?;
        if records.is_empty() {
            return Ok(());
        }
        if let Some(spool) = &self.shared.spool {
            let mut guard = lock(spool);
            if let Some(file) = guard.spool.as_mut() {
                match file.append(&[records.as_slice()]) {
                    Ok(_) => {
                        let wake = guard.inbox.is_empty();
                        guard.inbox.push((Some(key.clone()), records));
                        drop(guard);
                        if wake {
                            // Closed: the writer's last drain takes the inbox, or a later
                            // open replays the frame; either way the lines are kept.
                            let _ = self.shared.send(Command::Wake);
                        }
                        return Ok(());
                    }
                    Err(error) => {
                        tracing::warn!(path = %file.path().display(), %error, "could not write to the log spool; committing instead");
                    }
                }
            }
        }
        self.append_keyed_and_flush(key, records).await
    }

    async fn flush_scope(&self, scope: Scope) -> Result<()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.shared.send(Command::Flush {
            scope,
            reply: Reply::Async(tx),
        })?;
        rx.await.unwrap_or_else(|_| Err(self.shared.closed()))
    }
}

/// Checks every record's project and logstore name before anything is queued.
fn validate_records(records: &[LogRecord]) -> Result<()> {
    for rec in records {
        validate_name("project", &rec.project)?;
        validate_name("logstore", &rec.logstore)?;
    }
    Ok(())
}

/// A failed commit, kept so every waiting flush can get its own copy of the error.
struct Failure {
    records: usize,
    dropped: bool,
    source: Arc<rusqlite::Error>,
}

/// Why the writer is about to commit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// The queue ran empty, or a catalogue/sweep command needs earlier appends committed.
    /// Holds back while a failure awaits its report.
    Idle,
    /// `max_batch` records are pending or the store is closing: commit even if a failure
    /// has not been reported yet.
    Forced,
}

/// What a flush needs of its writes before it is answered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    /// In the database: readers see them.
    Committed,
    /// Durable: spooled or committed (committed when there is no spool).
    Durable,
}

/// A flush waiting for the writes of `scope` below sequence number `before`.
struct Waiter {
    scope: Scope,
    before: u64,
    needs: Needs,
    reply: Reply<Result<()>>,
}

/// The spool and how long a write may wait for its commit.
pub(crate) struct Spooling {
    pub(crate) spool: Arc<Mutex<SpoolBox>>,
    pub(crate) delay: Duration,
}

/// The writer thread's loop state.
struct Worker {
    ingest: Ingest,
    max_batch: usize,
    /// Writes received but not yet committed, per producer.
    fresh: FairQueue,
    /// Writes whose commit failed once; committed (ahead of `fresh`) by the next attempt.
    retry: Vec<Queued>,
    /// Whether the failure of `retry` has been reported, which allows its one retry.
    retry_armed: bool,
    /// Flushes waiting for their writes to commit.
    waiters: Vec<Waiter>,
    /// A failure no flush has been told about yet.
    unreported: Option<Failure>,
    /// The spool, when this store owns one.
    spooling: Option<Spooling>,
    /// Since when something waits to be committed (with a spool only; the commit is due
    /// `delay` later).
    dirty_since: Option<Instant>,
    /// A [`Command::Wake`] came: the spool's inbox holds writes. The inbox is left alone
    /// until the commit (or a flush) takes it, so callers find it non-empty and do not
    /// wake this thread again for every invocation.
    inbox_waiting: bool,
}

/// Body of the writer thread: runs until the sender is gone and the queue is drained.
/// Returns the write failure no flush was told about, if any.
pub(crate) fn run(
    ingest: Ingest,
    rx: Receiver<Command>,
    max_batch: usize,
    spooling: Option<Spooling>,
) -> Result<()> {
    let mut w = Worker {
        ingest,
        max_batch: max_batch.max(1),
        fresh: FairQueue::default(),
        retry: Vec::new(),
        retry_armed: false,
        waiters: Vec::new(),
        unreported: None,
        spooling,
        dirty_since: None,
        inbox_waiting: false,
    };
    loop {
        // Both fail with `Disconnected` only when the channel is disconnected *and* empty.
        let received = match w.commit_due_at() {
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(at) => rx.recv_deadline(at),
        };
        match received {
            Ok(cmd) => w.handle(cmd),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        w.settle(&rx);
    }
    w.commit_all(Trigger::Forced);
    if !w.retry.is_empty() {
        // Lines whose commit just failed get their one retry before the thread exits.
        w.commit(Trigger::Forced);
    }
    if let Some(spooling) = w.spooling.take() {
        // Removes the files only if every spooled line was committed, and closes them.
        if let Some(mut file) = lock(&spooling.spool).spool.take() {
            file.remove_if_empty();
        }
    }
    if let Err(error) = w.ingest.write_key_counts() {
        // Only speed is lost: those minutes are read from their lines.
        tracing::debug!(%error, "could not write the pending per-minute value counts");
    }
    match w.unreported.take() {
        None => Ok(()),
        Some(f) => Err(w.error(&f)),
    }
}

impl Worker {
    fn handle(&mut self, cmd: Command) {
        match cmd {
            // The commit takes the inbox.
            Command::Wake => self.inbox_waiting = true,
            Command::Append { key, pending } => self.fresh.push(key, pending),
            Command::Flush { scope, reply } => {
                // Writes callers spooled before this flush was sent are in the inbox: queue
                // them first, so the flush waits for them too.
                self.take_inbox();
                self.waiters.push(Waiter {
                    scope,
                    before: self.fresh.next_seq(),
                    needs: Needs::Committed,
                    reply,
                });
            }
            Command::AppendFlush {
                key,
                pending,
                reply,
            } => {
                if let Some(pending) = pending {
                    self.fresh.push(key.clone(), pending);
                }
                self.waiters.push(Waiter {
                    scope: Scope::Key(key),
                    before: self.fresh.next_seq(),
                    needs: Needs::Durable,
                    reply,
                });
            }
            // Catalogue and retention commands are barriers: earlier appends commit first.
            Command::EnsureProject {
                name,
                description,
                reply,
            } => {
                self.commit_all(Trigger::Idle);
                reply.send(self.ingest.ensure_project(&name, &description));
            }
            Command::EnsureLogstore {
                project,
                name,
                config,
                reply,
            } => {
                self.commit_all(Trigger::Idle);
                reply.send(self.ingest.ensure_logstore(&project, &name, config));
            }
            Command::Sweep { now, reply } => {
                self.commit_all(Trigger::Idle);
                reply.send(self.ingest.sweep(now));
            }
        }
    }

    /// After a command: takes everything else already sent (so a batch can choose among
    /// all producers), spools what durable flushes wait for, then commits while a commit is
    /// due.
    fn settle(&mut self, rx: &Receiver<Command>) {
        loop {
            while let Ok(cmd) = rx.try_recv() {
                self.handle(cmd);
            }
            // Durable flushes are answered from the spool first, even when a commit is due:
            // the commit may take milliseconds. When spooling fails, the commit answers them.
            let spooled = self.spool_durable();
            if spooled && !self.commit_due() {
                break;
            }
            if !self.commit(self.trigger()) {
                // Held or failed: try again one delay later, not in a loop.
                self.dirty_since = Some(Instant::now());
                return;
            }
            if self.fresh.is_empty() {
                break;
            }
        }
        if self.fresh.is_empty() && self.retry.is_empty() && !self.inbox_waiting {
            self.dirty_since = None;
        } else if self.dirty_since.is_none() {
            self.dirty_since = Some(Instant::now());
        }
    }

    /// Moves the writes callers spooled into the queue (as spooled), and returns the last
    /// frame written so far: every frame up to it is now in the queue or was committed.
    fn take_inbox(&mut self) -> Option<u64> {
        let spooling = self.spooling.as_ref()?;
        let (inbox, last) = {
            let mut guard = lock(&spooling.spool);
            let last = guard.spool.as_ref().map_or(0, Spool::last_frame);
            (std::mem::take(&mut guard.inbox), last)
        };
        self.inbox_waiting = false;
        for (key, records) in inbox {
            self.fresh.push_spooled(key, Pending::Records(records));
        }
        Some(last)
    }

    /// When the writes waiting now must be committed (with a spool; without one the thread
    /// commits as soon as its queue runs empty).
    fn commit_due_at(&self) -> Option<Instant> {
        let spooling = self.spooling.as_ref()?;
        self.dirty_since.map(|since| since + spooling.delay)
    }

    /// Whether to commit now rather than spool and wait.
    fn commit_due(&self) -> bool {
        if self.spooling.is_none() || self.fresh.lines() >= self.max_batch {
            return true;
        }
        if self.commit_due_at().is_some_and(|at| at <= Instant::now()) {
            return true;
        }
        self.waiters
            .iter()
            .any(|w| w.needs == Needs::Committed && !self.satisfied(w))
    }

    /// Writes what the durable flushes wait for to the spool, in one frame, and answers
    /// the flushes that are then satisfied. Returns false when that could not be done (no
    /// spool, a group among the writes, a write error): the caller commits instead.
    fn spool_durable(&mut self) -> bool {
        let wanted: Vec<(Scope, u64)> = self
            .waiters
            .iter()
            .filter(|w| w.needs == Needs::Durable)
            .map(|w| (w.scope.clone(), w.before))
            .collect();
        if !wanted.is_empty() {
            let Some(spooling) = self.spooling.as_ref() else {
                return false;
            };
            let mut guard = lock(&spooling.spool);
            let Some(file) = guard.spool.as_mut() else {
                return false;
            };
            let mut items = self.fresh.unspooled(&wanted);
            if !items.is_empty() {
                let appended = {
                    let writes: Option<Vec<&[LogRecord]>> = items
                        .iter()
                        .map(|q| match &q.pending {
                            Pending::Records(records) => Some(records.as_slice()),
                            // Groups come from PutLogs, which flushes with a commit.
                            Pending::Group(_) => None,
                        })
                        .collect();
                    let Some(writes) = writes else {
                        return false;
                    };
                    file.append(&writes)
                };
                if let Err(error) = appended {
                    tracing::warn!(path = %file.path().display(), %error, "could not write to the log spool; committing instead");
                    return false;
                }
                for queued in &mut items {
                    queued.spooled = true;
                }
            }
        }
        self.answer_waiters();
        true
    }

    /// Whether `waiter`'s writes are kept as it needs.
    fn satisfied(&self, waiter: &Waiter) -> bool {
        let spooled_will_do = waiter.needs == Needs::Durable && self.spooling.is_some();
        let pending = if spooled_will_do {
            self.fresh.holds_unspooled(&waiter.scope, waiter.before)
        } else {
            self.fresh.holds(&waiter.scope, waiter.before)
        };
        !pending && !batch_holds(&self.retry, &waiter.scope, waiter.before, spooled_will_do)
    }

    /// `Forced` once `max_batch` records wait (bounding memory while a failure is held).
    fn trigger(&self) -> Trigger {
        if self.fresh.lines() >= self.max_batch {
            Trigger::Forced
        } else {
            Trigger::Idle
        }
    }

    /// Commits until nothing is queued, a commit fails or a failure is held: a barrier.
    fn commit_all(&mut self, trigger: Trigger) {
        while self.commit(trigger) && !self.fresh.is_empty() {}
    }

    /// Commits the retry, every spooled write and one fair batch of the other fresh writes
    /// in one transaction (unless a failure awaits its report), then answers the flushes it
    /// satisfied. Returns whether it committed (false after a failure or while holding one).
    fn commit(&mut self, trigger: Trigger) -> bool {
        let hold = !self.retry.is_empty() && !self.retry_armed && trigger == Trigger::Idle;
        let mut committed = !hold;
        // The frames up to `last` are all in the queue (or committed) after this.
        let last = self.take_inbox();
        let has_work = !self.fresh.is_empty() || !self.retry.is_empty();
        if has_work && !hold {
            let retried: usize = self.retry.iter().map(|q| q.pending.lines()).sum();
            // Every spooled write, so the mark below covers every frame in the spool.
            let mut batch = self.fresh.take_spooled();
            let room = if batch.is_empty() {
                self.max_batch.saturating_sub(retried).max(1)
            } else {
                let spooled: usize = batch.iter().map(|q| q.pending.lines()).sum();
                self.max_batch.saturating_sub(retried + spooled)
            };
            batch.extend(self.fresh.take_batch(room));
            let covers_spool = self.retry.iter().chain(&batch).any(|q| q.spooled);
            let mark = last.filter(|_| covers_spool);
            let groups = self.retry.iter().chain(batch.iter()).map(|q| &q.pending);
            match self.ingest.insert(groups, mark) {
                Ok(()) => {
                    self.retry.clear();
                    // Every frame up to `last` is committed now (by this commit or before).
                    if let Some(last) = last {
                        self.spool_committed(last);
                    }
                }
                Err(e) => {
                    self.record_failure(e, batch);
                    committed = false;
                }
            }
            self.retry_armed = false;
        }
        self.answer_waiters();
        committed
    }

    /// Empties what the spool holds at or below `mark`, all committed.
    fn spool_committed(&mut self, mark: u64) {
        let Some(spooling) = &self.spooling else {
            return;
        };
        if let Some(file) = lock(&spooling.spool).spool.as_mut()
            && let Err(error) = file.committed(mark)
        {
            // Harmless: the frames in it are below the mark and never replayed.
            tracing::warn!(path = %file.path().display(), %error, "could not empty the log spool");
        }
    }

    /// A failure goes to every waiting flush (and arms the retry); otherwise each flush whose
    /// writes are all committed gets `Ok`. With nobody waiting, a failure stays in
    /// `unreported` for the next flush.
    fn answer_waiters(&mut self) {
        if self.waiters.is_empty() {
            return;
        }
        if let Some(failure) = self.unreported.take() {
            for waiter in std::mem::take(&mut self.waiters) {
                waiter.reply.send(Err(self.error(&failure)));
            }
            self.retry_armed = !self.retry.is_empty();
            return;
        }
        let (done, waiting): (Vec<Waiter>, Vec<Waiter>) = std::mem::take(&mut self.waiters)
            .into_iter()
            .partition(|w| self.satisfied(w));
        self.waiters = waiting;
        for waiter in done {
            waiter.reply.send(Ok(()));
        }
    }

    /// The error a flush (or close) receives for `f`.
    fn error(&self, f: &Failure) -> LogStoreError {
        LogStoreError::Write {
            path: self.ingest.path().to_path_buf(),
            records: f.records,
            dropped: f.dropped,
            source: Arc::clone(&f.source),
        }
    }

    /// Makes `batch` the retry (dropping the previous `retry`, which had its one retry,
    /// except its spooled writes: they were acknowledged, and stay until they commit) and
    /// remembers the failure for the next flush.
    fn record_failure(&mut self, e: rusqlite::Error, batch: Vec<Queued>) {
        let path = self.ingest.path().display().to_string();
        let source = Arc::new(e);
        let (kept, dropped): (Vec<Queued>, Vec<Queued>) = std::mem::take(&mut self.retry)
            .into_iter()
            .partition(|q| q.spooled);
        let dropped: usize = dropped.iter().map(|q| q.pending.lines()).sum();
        let failure = if dropped > 0 {
            tracing::error!(path, error = %source, records = dropped, "dropping log records after their retry failed");
            Failure {
                records: dropped,
                dropped: true,
                source: Arc::clone(&source),
            }
        } else {
            let records: usize = kept.iter().chain(&batch).map(|q| q.pending.lines()).sum();
            tracing::error!(path, error = %source, records, "committing log records failed; they will be retried");
            Failure {
                records,
                dropped: false,
                source: Arc::clone(&source),
            }
        };
        self.retry = kept;
        self.retry.extend(batch);
        // A drop is worse news than a pending retry: don't let a later failure hide it.
        if !self.unreported.as_ref().is_some_and(|f| f.dropped) {
            self.unreported = Some(failure);
        }
    }
}
