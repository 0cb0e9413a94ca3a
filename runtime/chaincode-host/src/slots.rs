//! A bound on chaincode calls in flight. The engine's instance pool has
//! [`MAX_CONCURRENT_CALLS`] slots and refuses an instance beyond them rather
//! than waiting; calls now run on whichever thread simulates (the ledger's
//! blocking threads, hundreds under load), so they queue here for a slot
//! instead of failing.

use std::sync::{Condvar, Mutex, PoisonError};

use fclocal_engine::chaincode::MAX_CONCURRENT_CALLS;

/// Calls running now, shared by every chaincode of the process (they may
/// share one engine and its pool).
static RUNNING: Mutex<u32> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

/// A slot held for one call; dropping it frees the slot, also on a panic.
pub(crate) struct Slot(());

impl Slot {
    /// Waits until fewer than [`MAX_CONCURRENT_CALLS`] calls run, then takes a slot.
    pub(crate) fn take() -> Slot {
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        while *running >= MAX_CONCURRENT_CALLS {
            running = FREED.wait(running).unwrap_or_else(PoisonError::into_inner);
        }
        *running += 1;
        Slot(())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        *running -= 1;
        FREED.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_beyond_the_bound_wait_until_one_is_freed() {
        let held: Vec<Slot> = (0..MAX_CONCURRENT_CALLS).map(|_| Slot::take()).collect();
        let (sender, receiver) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let slot = Slot::take();
            sender.send(()).expect("test alive");
            drop(slot);
        });
        // The waiter cannot have a slot while all are held...
        assert!(receiver.try_recv().is_err());
        drop(held);
        // ...and gets one once they are freed.
        receiver.recv().expect("the waiter got a slot");
        waiter.join().expect("waiter");
    }
}
