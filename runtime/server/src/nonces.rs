//! [`SeenNonces`]: the `x-acs-signature-nonce` of every ACS3-signed request
//! accepted while its `x-acs-date` is still fresh.
//!
//! The date alone lets a captured request be sent again for 15 minutes;
//! remembering each nonce for exactly that long closes the gap, since a
//! nonce forgotten is one whose request the date check already refuses.
//! The memory is bounded ([`SeenNonces::CAPACITY`]): when full, the nonce
//! closest to going stale is forgotten first. Only requests that verified
//! are recorded, so filling it takes the AccessKey secret.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

/// Nonces of accepted requests, each until the time its request goes stale.
#[derive(Debug)]
pub struct SeenNonces {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Nonce → its key in `by_expiry`.
    by_nonce: HashMap<String, (SystemTime, u64)>,
    /// (stale from, arrival number) → nonce: the first entry goes first.
    by_expiry: BTreeMap<(SystemTime, u64), String>,
    /// Arrival counter, which keeps equal times apart.
    arrivals: u64,
}

impl Default for SeenNonces {
    fn default() -> Self {
        SeenNonces::with_capacity(SeenNonces::CAPACITY)
    }
}

impl SeenNonces {
    /// How many nonces are remembered at most: far more than a local
    /// endpoint receives in 15 minutes, and a few MB at worst.
    pub const CAPACITY: usize = 65_536;

    /// An empty memory of at most `capacity` nonces (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        SeenNonces {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means a panic elsewhere; the maps stay consistent
        // because every change below is completed before the guard drops.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records `nonce`, remembered until `stale_from`. Returns `false`,
    /// recording nothing, when it was already recorded and is not stale at
    /// `now`.
    pub fn first_use(&self, nonce: &str, stale_from: SystemTime, now: SystemTime) -> bool {
        let mut inner = self.lock();
        inner.forget_stale(now);
        if inner.by_nonce.contains_key(nonce) {
            return false;
        }
        while inner.by_nonce.len() >= self.capacity {
            inner.forget_first();
        }
        let key = (stale_from, inner.arrivals);
        inner.arrivals += 1;
        inner.by_nonce.insert(nonce.to_owned(), key);
        inner.by_expiry.insert(key, nonce.to_owned());
        true
    }

    /// How many nonces are remembered now.
    pub fn len(&self) -> usize {
        self.lock().by_nonce.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Inner {
    fn forget_stale(&mut self, now: SystemTime) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if entry.key().0 >= now {
                break;
            }
            let nonce = entry.remove();
            self.by_nonce.remove(&nonce);
        }
    }

    fn forget_first(&mut self) {
        if let Some((_, nonce)) = self.by_expiry.pop_first() {
            self.by_nonce.remove(&nonce);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_nonce_is_refused_until_its_request_goes_stale() {
        let nonces = SeenNonces::default();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let stale_from = now + 15 * MINUTE;
        assert!(nonces.first_use("a", stale_from, now));
        assert!(!nonces.first_use("a", stale_from, now + MINUTE));
        assert!(
            !nonces.first_use("a", stale_from, stale_from),
            "still fresh"
        );
        assert!(nonces.first_use("b", stale_from, now), "another nonce");
        // Past it, the date check refuses the request: the nonce may go.
        let later = stale_from + Duration::from_secs(1);
        assert!(nonces.first_use("a", later + 15 * MINUTE, later));
        assert_eq!(nonces.len(), 1, "`b` went stale too");
    }

    #[test]
    fn when_full_the_nonce_closest_to_going_stale_is_forgotten() {
        let nonces = SeenNonces::with_capacity(2);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert!(nonces.first_use("late", now + 10 * MINUTE, now));
        assert!(nonces.first_use("early", now + 5 * MINUTE, now));
        assert!(nonces.first_use("new", now + 15 * MINUTE, now));
        assert_eq!(nonces.len(), 2);
        assert!(!nonces.first_use("late", now + 15 * MINUTE, now));
        assert!(!nonces.first_use("new", now + 15 * MINUTE, now));
        assert!(
            nonces.first_use("early", now + 15 * MINUTE, now),
            "the oldest was evicted"
        );
    }
}
