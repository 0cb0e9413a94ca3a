//! The read side of committed state, as simulation and validation see it.
//!
//! A trait so that the simulator and validator run unchanged against the redb store
//! ([`crate::store::Snapshot`]) and against the in-memory replay `verify` rebuilds.

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

use crate::model::{Timestamp, TxId, Version};
use crate::store::StoreError;

/// A committed value with the version of the transaction that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedValue {
    /// The value bytes.
    pub value: Vec<u8>,
    /// `(block, tx)` of the write.
    pub version: Version,
}

/// A key and its value, as range queries return them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The key.
    pub key: String,
    /// The value.
    pub value: Vec<u8>,
}

/// One committed change of a key (Fabric's `KeyModification`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyModification {
    /// The transaction that made it.
    pub tx_id: TxId,
    /// The value written (empty for deletes).
    pub value: Vec<u8>,
    /// The transaction's client timestamp.
    pub timestamp: Timestamp,
    /// True when the key was deleted.
    pub is_delete: bool,
}

/// Committed state at one point in time: world state per chaincode namespace, history and
/// the set of committed transaction ids.
pub trait StateView {
    /// The value and version of `key` in namespace `ns`.
    fn get(&self, ns: &str, key: &str) -> Result<Option<VersionedValue>, StoreError>;

    /// Keys in `[start, end)` of `ns`, in key order; an empty `end` means unbounded.
    fn range(
        &self,
        ns: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<(String, VersionedValue)>, StoreError>;

    /// Every committed change of `key`, newest first (Fabric v2 order).
    fn history(&self, ns: &str, key: &str) -> Result<Vec<KeyModification>, StoreError>;

    /// True when a transaction with this id is already in a block (valid or not).
    fn tx_exists(&self, tx_id: &str) -> Result<bool, StoreError>;

    /// A handle to this same state that a simulation can own: chaincode that runs where
    /// a borrow cannot follow (a wasmtime store owns its host state) gets a `'static`
    /// stub, which reads through this.
    fn share(&self) -> SharedState;
}

/// Committed state owned by whoever holds it, readable from any thread.
pub type SharedState = Arc<dyn StateView + Send + Sync>;

/// Committed state held in memory: what `verify` rebuilds by replaying blocks, and a
/// convenient [`StateView`] for unit tests. History is not kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryState {
    /// `(namespace, key)` → value.
    pub entries: BTreeMap<(String, String), VersionedValue>,
    /// Committed transaction ids.
    pub tx_ids: HashSet<String>,
}

impl MemoryState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets or (with `None`) deletes a key.
    pub fn apply(&mut self, ns: &str, key: &str, value: Option<Vec<u8>>, version: Version) {
        let k = (ns.to_string(), key.to_string());
        match value {
            Some(value) => {
                self.entries.insert(k, VersionedValue { value, version });
            }
            None => {
                self.entries.remove(&k);
            }
        }
    }
}

impl StateView for MemoryState {
    fn get(&self, ns: &str, key: &str) -> Result<Option<VersionedValue>, StoreError> {
        Ok(self
            .entries
            .get(&(ns.to_string(), key.to_string()))
            .cloned())
    }

    fn range(
        &self,
        ns: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<(String, VersionedValue)>, StoreError> {
        let lo = Bound::Included((ns.to_string(), start.to_string()));
        let hi = if end.is_empty() {
            Bound::Unbounded
        } else {
            Bound::Excluded((ns.to_string(), end.to_string()))
        };
        if !end.is_empty() && start >= end {
            return Ok(Vec::new());
        }
        Ok(self
            .entries
            .range((lo, hi))
            .take_while(|((n, _), _)| n == ns)
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect())
    }

    fn history(&self, _ns: &str, _key: &str) -> Result<Vec<KeyModification>, StoreError> {
        Ok(Vec::new())
    }

    fn tx_exists(&self, tx_id: &str) -> Result<bool, StoreError> {
        Ok(self.tx_ids.contains(tx_id))
    }

    /// A copy: memory states serve tests and `verify`, not the hot path.
    fn share(&self) -> SharedState {
        Arc::new(self.clone())
    }
}
