//! [`Cancel`]: how the caller that asked for a query withdraws it while it runs.
//!
//! A query runs on a blocking thread while the HTTP handler that asked for it awaits the
//! answer. When the client goes away, the handler's future is dropped, but the thread keeps
//! going: without a signal it would burn a core until the statement finished, however long
//! that is. The handler makes a [`Cancel`], keeps [`Cancel::on_drop`] alive while it awaits,
//! and runs the query inside [`Cancel::scope`]; the store polls [`Cancel::current`] while the
//! statement runs and stops it once the guard is gone.
//!
//! Two more ways a query ends early: [`cancel_running_queries`] withdraws every query
//! running now (shutdown: the Tokio runtime waits for its blocking threads, so a running
//! query would keep the process from exiting), and [`running_queries`] counts the queries
//! running now, for diagnostics and tests. A store marks each query it runs with
//! [`Cancel::start_query`].
//!
//! It lives in this crate because this is the one crate the HTTP layers (`fclocal-sls-api`,
//! `fclocal-web`) and the store (`fclocal-logstore`) share: a thread-local scope lets the
//! signal pass through the storage traits between them (`LogBackend`, `ChartSource`)
//! without changing their methods.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Bumped by [`cancel_running_queries`]; a query started under an older value is withdrawn.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// Queries between [`Cancel::start_query`] and the drop of its [`RunningQuery`].
static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Withdraws every query running now (they stop within a few milliseconds); queries started
/// afterwards run normally.
pub fn cancel_running_queries() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// How many queries are running in this process now.
pub fn running_queries() -> usize {
    RUNNING.load(Ordering::SeqCst)
}

/// A flag that withdraws a query; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

thread_local! {
    /// The [`Cancel`] of the query this thread runs, inside [`Cancel::scope`].
    static CURRENT: RefCell<Option<Cancel>> = const { RefCell::new(None) };
}

impl Cancel {
    /// A flag not yet raised.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Raises the flag: the query stops at its next check (within a few milliseconds).
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// A guard that raises the flag when dropped: hold it in the future that awaits the
    /// query, so dropping that future (the client disconnected) withdraws the query.
    pub fn on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }

    /// Runs `work` with `self` as [`Cancel::current`] on this thread.
    pub fn scope<T>(&self, work: impl FnOnce() -> T) -> T {
        /// Restores the previous flag, even if `work` panics.
        struct Restore(Option<Cancel>);
        impl Drop for Restore {
            fn drop(&mut self) {
                CURRENT.with(|current| *current.borrow_mut() = self.0.take());
            }
        }
        let previous = CURRENT.with(|current| current.borrow_mut().replace(self.clone()));
        let _restore = Restore(previous);
        work()
    }

    /// The flag of the innermost [`Cancel::scope`] around this call, if any.
    pub fn current() -> Option<Cancel> {
        CURRENT.with(|current| current.borrow().clone())
    }

    /// Marks the start of a query on this thread: counted by [`running_queries`] until the
    /// returned value is dropped, and withdrawn when the flag of the current scope is raised
    /// or [`cancel_running_queries`] is called.
    pub fn start_query() -> RunningQuery {
        // The generation first: whoever sees the query counted and then withdraws all
        // queries must withdraw this one too.
        let generation = GENERATION.load(Ordering::SeqCst);
        RUNNING.fetch_add(1, Ordering::SeqCst);
        RunningQuery {
            cancel: Cancel::current(),
            generation,
        }
    }
}

/// A query in progress; see [`Cancel::start_query`].
#[derive(Debug)]
pub struct RunningQuery {
    cancel: Option<Cancel>,
    generation: u64,
}

impl RunningQuery {
    /// Whether the query should stop: its caller withdrew it, or all queries were.
    pub fn is_withdrawn(&self) -> bool {
        self.cancel.as_ref().is_some_and(Cancel::is_cancelled)
            || GENERATION.load(Ordering::Relaxed) != self.generation
    }
}

impl Drop for RunningQuery {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Raises its [`Cancel`] when dropped; see [`Cancel::on_drop`].
#[derive(Debug)]
#[must_use = "the query is withdrawn as soon as the guard is dropped"]
pub struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_cancels_and_the_scope_is_visible_only_inside() {
        let cancel = Cancel::new();
        assert!(Cancel::current().is_none());
        let seen = cancel.scope(|| Cancel::current().expect("in scope"));
        assert!(Cancel::current().is_none());
        let guard = cancel.on_drop();
        assert!(!seen.is_cancelled());
        drop(guard);
        assert!(seen.is_cancelled());
    }

    #[test]
    fn running_queries_are_counted_and_withdrawn_together() {
        let cancel = Cancel::new();
        let query = cancel.scope(Cancel::start_query);
        assert!(running_queries() >= 1);
        assert!(!query.is_withdrawn());
        cancel_running_queries();
        assert!(query.is_withdrawn());
        assert!(!Cancel::start_query().is_withdrawn(), "later queries run");
    }

    #[test]
    fn scopes_nest() {
        let (outer, inner) = (Cancel::new(), Cancel::new());
        outer.scope(|| {
            inner.scope(|| inner.cancel());
            assert!(!Cancel::current().expect("outer").is_cancelled());
        });
    }
}
