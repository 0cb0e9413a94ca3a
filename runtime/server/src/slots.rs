//! The connection cap: at most `max` connections are served at once, and a
//! connection that has not yet sent its first request is the first to go
//! when a new one arrives at the cap.
//!
//! Why evict rather than only refuse: a slowloris client holds slots by
//! opening connections and never finishing a request. With a plain cap it
//! would lock the developer out until the header-read timeout frees a slot;
//! evicting the oldest silent connection keeps the server answering a real
//! client at once, while connections that are busy with a request are never
//! cut. Only when every slot is busy does a newcomer get the "too many
//! connections" refusal.
//!
//! An evicted connection may have had its request head waiting in the
//! socket, unread only because its task had not run since the head arrived
//! (the accept loop is busy under a flood). So it gets one last look (see
//! `serve`): a request found then is served on one of a few late permits,
//! beyond the cap, so an eviction never cuts a request that was on time.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

/// How many evicted connections may still be served because their request
/// had arrived (see the module's documentation): how far the cap can be
/// exceeded, briefly.
const LATE_PERMITS: usize = 16;

/// The slots of one server.
pub(crate) struct Slots {
    permits: Arc<Semaphore>,
    /// For evicted connections whose request had already arrived.
    late: Arc<Semaphore>,
    /// Connections still waiting for their first request, oldest first,
    /// with their slots: an eviction hands the slot over at once, without
    /// waiting for the evicted connection's task to notice.
    silent: Mutex<BTreeMap<u64, Silent>>,
    next_id: AtomicU64,
}

struct Silent {
    evicted: CancellationToken,
    permit: OwnedSemaphorePermit,
}

/// One held slot; dropping it frees the slot.
pub(crate) struct Slot {
    id: u64,
    slots: Arc<Slots>,
    /// Cancelled when a newcomer evicts this (still silent) connection.
    pub(crate) evicted: CancellationToken,
    /// The slot, once the connection sent a request (before that it waits
    /// in `Slots::silent`).
    busy: Mutex<Option<OwnedSemaphorePermit>>,
}

impl Slots {
    /// `max` slots (at least one).
    pub(crate) fn new(max: usize) -> Arc<Slots> {
        Arc::new(Slots {
            permits: Arc::new(Semaphore::new(max.max(1))),
            late: Arc::new(Semaphore::new(LATE_PERMITS)),
            silent: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
        })
    }

    /// A free slot, else the slot of the oldest connection that has not sent
    /// a request yet (which is told to close). `None` when every slot is
    /// busy with a request.
    pub(crate) fn take(self: &Arc<Self>) -> Option<Slot> {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let (_, victim) = self.silent().pop_first()?;
                victim.evicted.cancel();
                victim.permit
            }
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let evicted = CancellationToken::new();
        self.silent().insert(
            id,
            Silent {
                evicted: evicted.clone(),
                permit,
            },
        );
        Some(Slot {
            id,
            slots: self.clone(),
            evicted,
            busy: Mutex::new(None),
        })
    }

    fn silent(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Silent>> {
        self.silent.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Slot {
    /// The connection sent a whole request head: it is in use, never
    /// evicted. If it was just evicted (its head arrived before the
    /// eviction, but was read after), it takes a late permit if one is left.
    pub(crate) fn started_request(&self) {
        let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        if busy.is_some() {
            return;
        }
        let entry = self.slots.silent().remove(&self.id);
        *busy = match entry {
            Some(entry) => Some(entry.permit),
            None if self.evicted.is_cancelled() => self.slots.late.clone().try_acquire_owned().ok(),
            None => None,
        };
    }

    /// The connection holds a permit for a request (its own slot, or a late
    /// one after an eviction).
    pub(crate) fn is_busy(&self) -> bool {
        self.busy
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.silent().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newcomer_takes_the_slot_of_the_oldest_silent_connection() {
        let slots = Slots::new(2);
        let first = slots.try_first();
        let second = slots.try_first();
        let third = slots.take().expect("an evicted slot");
        assert!(first.evicted.is_cancelled());
        assert!(!second.evicted.is_cancelled());
        drop(first);
        // Still two slots in use: the evicted one's was handed over.
        let fourth = slots.take().expect("another evicted slot");
        assert!(second.evicted.is_cancelled());
        assert!(!third.evicted.is_cancelled());
        drop((second, third, fourth));
        assert_eq!(slots.permits.available_permits(), 2);
    }

    #[test]
    fn busy_connections_are_never_evicted() {
        let slots = Slots::new(1);
        let busy = slots.try_first();
        busy.started_request();
        busy.started_request();
        assert!(slots.take().is_none());
        assert!(!busy.evicted.is_cancelled());
        drop(busy);
        assert!(slots.take().is_some());
    }

    #[test]
    fn an_evicted_connection_whose_request_had_arrived_is_served_on_a_late_permit() {
        let slots = Slots::new(1);
        let mut evicted = Vec::new();
        let mut current = slots.try_first();
        for _ in 0..=LATE_PERMITS {
            let next = slots.take().expect("an evicted slot");
            assert!(current.evicted.is_cancelled());
            // Its task runs once more and finds a request head.
            current.started_request();
            evicted.push(current);
            current = next;
        }
        assert!(evicted[..LATE_PERMITS].iter().all(Slot::is_busy));
        // Past the late permits, an evicted connection is closed.
        assert!(!evicted[LATE_PERMITS].is_busy());
        assert!(!current.is_busy());
        drop(evicted);
        assert_eq!(slots.late.available_permits(), LATE_PERMITS);
        // A silent, not evicted connection takes no late permit.
        assert_eq!(slots.permits.available_permits(), 0);
    }

    impl Slots {
        fn try_first(self: &Arc<Self>) -> Slot {
            assert!(self.permits.available_permits() > 0);
            self.take().expect("a free slot")
        }
    }
}
