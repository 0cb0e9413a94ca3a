//! What one query may spend: a time budget, a size limit on every value it makes, and
//! withdrawal from outside (the client left, or the server is shutting down).
//!
//! A statement like `select count(*) from log a, log b, log c` runs for hours and
//! `select length(randomblob(1000000000))` asks for a gigabyte; either pinned a thread (and
//! its memory) long after the client gave up, and kept the server from exiting, because the
//! Tokio runtime waits for blocking tasks when it shuts down. So every reader connection
//! gets a progress handler ([`install`]) that SQLite calls every [`CHECK_EVERY_OPS`] virtual
//! machine steps (about a millisecond of work); it interrupts the statement when
//!
//! - the query has run longer than the time budget ([`set_query_time_budget`], 30 s by
//!   default, a generous dashboard query; SLS documents no time limit but caps the data
//!   one standard query scans at 400 MB, which a local SQLite scan passes in seconds),
//! - the caller's [`Cancel`] was raised (the HTTP handler's future was dropped), or
//! - [`cancel_running_queries`] was called (shutdown) after the query started.
//!
//! Memory: SQLite refuses to make a string or blob longer than [`MAX_VALUE_BYTES`]
//! (`SQLITE_LIMIT_LENGTH`, 1 GB by default) or a statement longer than [`MAX_SQL_BYTES`];
//! the SLS aggregates written in Rust cap what they keep (`crate::udf`); everything else a
//! statement holds grows with the rows it reads, which the time budget bounds. SQLite's heap
//! limit (`sqlite3_hard_heap_limit64`) is process-wide, so it would
//! fail the writer's commits too; it is not set.
//!
//! The budget is process-wide state, set once by `fclocal start` from its command line, like
//! a tracing subscriber: every reader, whoever opened it, obeys the same policy.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fclocal_sls_query::{Cancel, RunningQuery};
use rusqlite::Connection;
use rusqlite::limits::Limit;

/// Default of [`set_query_time_budget`].
pub const DEFAULT_QUERY_TIME_BUDGET: Duration = Duration::from_secs(30);

/// Longest string or blob a query may make (`SQLITE_LIMIT_LENGTH`): 16 MiB, far above any
/// log value (SLS caps a log group at 3 MB) and any sensible `group_concat`.
pub const MAX_VALUE_BYTES: i32 = 16 << 20;

/// Longest SQL statement a reader prepares (`SQLITE_LIMIT_SQL_LENGTH`): the generated SQL
/// for the longest query fclocal accepts is a few hundred KiB.
pub const MAX_SQL_BYTES: i32 = 4 << 20;

/// SQLite virtual machine steps between two checks of the budget.
const CHECK_EVERY_OPS: i32 = 10_000;

/// The time budget in milliseconds.
static BUDGET_MS: AtomicU64 = AtomicU64::new(DEFAULT_QUERY_TIME_BUDGET.as_millis() as u64);

/// Sets how long any one query (search, SQL, histogram) may run before it is stopped with
/// [`crate::QueryError::TimedOut`]. Applies to queries started afterwards.
pub fn set_query_time_budget(budget: Duration) {
    let ms = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX).max(1);
    BUDGET_MS.store(ms, Ordering::Relaxed);
}

/// The current time budget of a query.
pub fn query_time_budget() -> Duration {
    Duration::from_millis(BUDGET_MS.load(Ordering::Relaxed))
}

/// Stops every query running now (within a few milliseconds), e.g. on shutdown so the
/// blocking threads they run on end and the runtime can exit. Later queries run normally.
pub fn cancel_running_queries() {
    fclocal_sls_query::cancel_running_queries();
}

/// How many queries are running in this process now (for tests and diagnostics).
pub fn running_queries() -> usize {
    fclocal_sls_query::running_queries()
}

/// Why a query was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// It ran past its budget.
    TimedOut(Duration),
    /// Its caller withdrew it, or the server is shutting down.
    Cancelled,
}

/// The query a connection runs now, as its progress handler sees it.
#[derive(Debug)]
struct Active {
    started: Instant,
    budget: Duration,
    query: RunningQuery,
    stopped: Option<Stop>,
}

impl Active {
    fn check(&mut self) -> bool {
        if self.stopped.is_none() {
            self.stopped = if self.started.elapsed() > self.budget {
                Some(Stop::TimedOut(self.budget))
            } else if self.query.is_withdrawn() {
                Some(Stop::Cancelled)
            } else {
                None
            };
        }
        self.stopped.is_some()
    }
}

/// A reader connection's watch over the query it runs: shared with its progress handler.
#[derive(Debug, Clone, Default)]
pub(crate) struct Watch(Arc<Mutex<Option<Active>>>);

impl Watch {
    /// Starts watching a query: the budget as set now, the [`Cancel`] of the caller's
    /// scope. Statements run outside a [`Running`] guard are not limited in time.
    pub(crate) fn begin(&self) -> Running<'_> {
        let active = Active {
            started: Instant::now(),
            budget: query_time_budget(),
            query: Cancel::start_query(),
            stopped: None,
        };
        *self.lock() = Some(active);
        Running { watch: self }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Active>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The progress handler's check: whether to interrupt.
    fn interrupt(&self) -> bool {
        self.lock().as_mut().is_some_and(Active::check)
    }
}

/// A query being watched; see [`Watch::begin`].
pub(crate) struct Running<'w> {
    watch: &'w Watch,
}

impl Running<'_> {
    /// Why the query was stopped, if it was.
    pub(crate) fn stopped(&self) -> Option<Stop> {
        self.watch.lock().as_ref().and_then(|a| a.stopped)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        *self.watch.lock() = None;
    }
}

impl crate::LogReader {
    /// Runs `work` as one query under the budget: when the progress handler stopped it, the
    /// answer is why (whatever error SQLite gave for the interruption).
    pub(crate) fn watched<T, E: From<Stop>>(
        &self,
        work: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let running = self.watch.begin();
        let result = work();
        match running.stopped() {
            Some(stop) => Err(stop.into()),
            None => result,
        }
    }
}

/// Puts a reader connection under `watch`: the progress handler and the size limits.
pub(crate) fn install(conn: &mut Connection, watch: &Watch) -> rusqlite::Result<()> {
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)?;
    conn.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)?;
    let watch = watch.clone();
    conn.progress_handler(CHECK_EVERY_OPS, Some(move || watch.interrupt()))
}
