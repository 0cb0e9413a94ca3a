//! Transaction ids, nonces and timestamps.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Length of a proposal nonce, as in Fabric (`common/crypto/random.go`).
pub const NONCE_LEN: usize = 24;

/// A transaction id: lowercase hex of `SHA-256(nonce ‖ creator identity bytes)`.
///
/// Derived rather than chosen so that a client cannot reuse another transaction's id
/// without also reusing its nonce and identity; validation recomputes it
/// (`BAD_PROPOSAL_TXID`) and rejects repeats (`DUPLICATE_TXID`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TxId(pub String);

impl TxId {
    /// The id Fabric's `ComputeTxID` gives for this nonce and creator.
    pub fn compute(nonce: &[u8], creator: &[u8]) -> TxId {
        let mut h = Sha256::new();
        h.update(nonce);
        h.update(creator);
        TxId(hex::encode(h.finalize()))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A fresh random nonce from the operating system's RNG.
pub fn new_nonce() -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    nonce
}

/// The client's timestamp of a proposal, in nanoseconds since the Unix epoch.
///
/// Chaincode sees it through `tx_timestamp` (Fabric's `GetTxTimestamp` is the channel
/// header's client time, not the commit time), so it is part of the signed proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The current wall-clock time.
    pub fn now() -> Timestamp {
        Timestamp::from_system_time(SystemTime::now())
    }

    /// Converts a `SystemTime`; times before 1970 become 0.
    pub fn from_system_time(t: SystemTime) -> Timestamp {
        let nanos = t
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        Timestamp(nanos)
    }

    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(self) -> u64 {
        self.0
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> u64 {
        self.0 / 1_000_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tx_id_is_hex_sha256_of_nonce_then_creator() {
        let id = TxId::compute(b"abc", b"");
        assert_eq!(
            id.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(TxId::compute(b"ab", b"c"), id);
        assert_ne!(TxId::compute(b"abc", b"d"), id);
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(new_nonce(), new_nonce());
    }
}
