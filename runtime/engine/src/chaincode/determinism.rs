//! What keeps a chaincode call deterministic across endorsing peers: the
//! wall clock stands still at the transaction's timestamp, the monotonic
//! clock at zero, and both random sources are seeded from the transaction
//! id. Two peers simulating the same proposal see the same values, so their
//! read/write sets agree.

use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use sha2::{Digest, Sha256};
use wasmtime_wasi::{HostMonotonicClock, HostWallClock};

/// A wall clock fixed at the transaction's timestamp.
pub(crate) struct TxWallClock(pub(crate) Duration);

impl HostWallClock for TxWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }

    fn now(&self) -> Duration {
        self.0
    }
}

/// A monotonic clock that never moves.
pub(crate) struct StoppedClock;

impl HostMonotonicClock for StoppedClock {
    fn resolution(&self) -> u64 {
        1
    }

    fn now(&self) -> u64 {
        0
    }
}

/// 32 seed bytes derived from the transaction id and a purpose label.
pub(crate) fn seed(tx_id: &str, purpose: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(purpose.as_bytes());
    hasher.update([0]);
    hasher.update(tx_id.as_bytes());
    hasher.finalize().into()
}

/// A random generator every peer seeds the same way for `tx_id`.
pub(crate) fn rng(tx_id: &str, purpose: &str) -> StdRng {
    StdRng::from_seed(seed(tx_id, purpose))
}

/// The `insecure-seed` value for `tx_id`.
pub(crate) fn insecure_seed(tx_id: &str) -> u128 {
    let bytes = seed(tx_id, "insecure-seed");
    let mut half = [0u8; 16];
    half.copy_from_slice(&bytes[..16]);
    u128::from_le_bytes(half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_depend_on_the_transaction_and_the_purpose() {
        assert_eq!(seed("tx1", "a"), seed("tx1", "a"));
        assert_ne!(seed("tx1", "a"), seed("tx2", "a"));
        assert_ne!(seed("tx1", "a"), seed("tx1", "b"));
        assert_eq!(insecure_seed("tx1"), insecure_seed("tx1"));
    }
}
