//! One pooled instance ([`Slot`]): the wasm instance behind a FIFO lock,
//! how many invocations are assigned to it, and when it was last used.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use fclocal_engine::FunctionInstance;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

/// A pooled instance. Its place in the pool is held from the moment it is
/// created (before it has finished starting), so requests that arrive
/// meanwhile can join it instead of starting instances of their own.
pub(crate) struct Slot {
    /// `instanceID`.
    pub(crate) id: String,
    /// The component generation it runs (bumped by hot reload).
    pub(crate) generation: u64,
    /// `InstanceConcurrency`: how many invocations may be assigned at once.
    pub(crate) concurrency: usize,
    /// Invocations assigned: the running one and those queued behind it.
    assigned: AtomicUsize,
    /// Set when the slot must take no more invocations (reload, discard).
    retired: AtomicBool,
    /// The instance; `None` until started, and again once discarded. The
    /// tokio mutex is fair (FIFO), so queued invocations run in arrival order.
    pub(crate) instance: tokio::sync::Mutex<Option<FunctionInstance>>,
    last_used: Mutex<Instant>,
    /// The instance's place under the global cap; released when the slot drops.
    _permit: OwnedSemaphorePermit,
}

impl Slot {
    pub(crate) fn new(
        id: String,
        generation: u64,
        concurrency: usize,
        permit: OwnedSemaphorePermit,
    ) -> Slot {
        Slot {
            id,
            generation,
            concurrency: concurrency.max(1),
            assigned: AtomicUsize::new(0),
            retired: AtomicBool::new(false),
            instance: tokio::sync::Mutex::new(None),
            last_used: Mutex::new(Instant::now()),
            _permit: permit,
        }
    }

    /// Invocations assigned right now.
    pub(crate) fn assigned(&self) -> usize {
        self.assigned.load(Ordering::Acquire)
    }

    /// Whether another invocation may be assigned. Only called with the
    /// function pool's list locked, so check-then-assign does not race.
    pub(crate) fn has_room(&self, generation: u64) -> bool {
        !self.is_retired() && self.generation == generation && self.assigned() < self.concurrency
    }

    pub(crate) fn assign(&self) {
        self.assigned.fetch_add(1, Ordering::AcqRel);
    }

    /// Ends an assignment; returns how many remain.
    pub(crate) fn release(&self) -> usize {
        *self
            .last_used
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Instant::now();
        self.assigned.fetch_sub(1, Ordering::AcqRel) - 1
    }

    pub(crate) fn retire(&self) {
        self.retired.store(true, Ordering::Release);
    }

    pub(crate) fn is_retired(&self) -> bool {
        self.retired.load(Ordering::Acquire)
    }

    pub(crate) fn last_used(&self) -> Instant {
        *self
            .last_used
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
