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
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

/// The slots of one server.
pub(crate) struct Slots {
    permits: Arc<Semaphore>,
    /// Connections still waiting for their first request, oldest first.
    silent: Mutex<BTreeMap<u64, CancellationToken>>,
    next_id: AtomicU64,
}

/// One held slot; dropping it frees the slot.
pub(crate) struct Slot {
    id: u64,
    slots: Arc<Slots>,
    /// Cancelled when a newcomer evicts this (still silent) connection.
    pub(crate) evicted: CancellationToken,
    _permit: OwnedSemaphorePermit,
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

    /// A free slot, if there is one.
    pub(crate) fn try_take(self: &Arc<Self>) -> Option<Slot> {
        let permit = self.permits.clone().try_acquire_owned().ok()?;
        Some(self.register(permit))
    }

    /// At the cap: evicts the oldest connection that has not sent a request
    /// yet and takes its slot once it is freed (within `patience`). `None`
    /// when every slot is busy with a request.
    pub(crate) async fn take_by_eviction(self: &Arc<Self>, patience: Duration) -> Option<Slot> {
        let victim = self
            .silent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_first();
        let (_, token) = victim?;
        token.cancel();
        let permit = tokio::time::timeout(patience, self.permits.clone().acquire_owned())
            .await
            .ok()?
            .ok()?;
        Some(self.register(permit))
    }

    fn register(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> Slot {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let evicted = CancellationToken::new();
        self.silent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, evicted.clone());
        Slot {
            id,
            slots: self.clone(),
            evicted,
            _permit: permit,
        }
    }

    fn forget(&self, id: u64) {
        self.silent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
    }
}

impl Slot {
    /// The connection sent a whole request head: it is in use, never evicted.
    pub(crate) fn started_request(&self) {
        self.slots.forget(self.id);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.slots.forget(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_newcomer_evicts_the_oldest_silent_connection() {
        let slots = Slots::new(2);
        let first = slots.try_take().unwrap();
        let second = slots.try_take().unwrap();
        assert!(slots.try_take().is_none());
        let evicted = first.evicted.clone();
        let freed = tokio::spawn(async move {
            evicted.cancelled().await;
            drop(first);
        });
        let third = slots
            .take_by_eviction(Duration::from_secs(5))
            .await
            .unwrap();
        freed.await.unwrap();
        assert!(!second.evicted.is_cancelled());
        drop(third);
    }

    #[tokio::test]
    async fn busy_connections_are_never_evicted() {
        let slots = Slots::new(1);
        let busy = slots.try_take().unwrap();
        busy.started_request();
        assert!(
            slots
                .take_by_eviction(Duration::from_secs(5))
                .await
                .is_none()
        );
        assert!(!busy.evicted.is_cancelled());
    }
}
