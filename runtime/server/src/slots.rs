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

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

/// The slots of one server.
pub(crate) struct Slots {
    permits: Arc<Semaphore>,
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
    /// The connection sent a whole request head: it is in use, never evicted.
    pub(crate) fn started_request(&self) {
        let entry = self.slots.silent().remove(&self.id);
        if let Some(entry) = entry {
            *self.busy.lock().unwrap_or_else(PoisonError::into_inner) = Some(entry.permit);
        }
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

    impl Slots {
        fn try_first(self: &Arc<Self>) -> Slot {
            assert!(self.permits.available_permits() > 0);
            self.take().expect("a free slot")
        }
    }
}
