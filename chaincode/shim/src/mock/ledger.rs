//! The committed side of [`MockStub`](super::MockStub): world state and
//! per-key history, changed only by whole committed transactions.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::types::{KeyModification, KeyValue, Timestamp};

/// World state plus history, like a peer's state and history databases.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    /// Committed values; `BTreeMap` keeps Fabric's byte order for ranges.
    state: BTreeMap<String, Vec<u8>>,
    /// Every committed write per key, oldest first.
    history: BTreeMap<String, Vec<KeyModification>>,
}

impl Ledger {
    pub(crate) fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.state.get(key).cloned()
    }

    /// Keys in `[start, end)`; an empty `end` is unbounded. A start at or
    /// after the end yields nothing, as a LevelDB iterator would.
    pub(crate) fn range(&self, start: &str, end: &str) -> Vec<KeyValue> {
        let upper = if end.is_empty() {
            Bound::Unbounded
        } else if start >= end {
            return Vec::new();
        } else {
            Bound::Excluded(end)
        };
        self.state
            .range::<str, _>((Bound::Included(start), upper))
            .map(|(key, value)| KeyValue {
                key: key.clone(),
                value: value.clone(),
            })
            .collect()
    }

    /// History of `key`, newest first (Fabric 2.0 and later).
    pub(crate) fn history(&self, key: &str) -> Vec<KeyModification> {
        let mut entries = self.history.get(key).cloned().unwrap_or_default();
        entries.reverse();
        entries
    }

    /// Applies one transaction's write set (`None` = delete) and records
    /// each write in the history, as the peer's commit does.
    pub(crate) fn commit(
        &mut self,
        tx_id: &str,
        timestamp: Timestamp,
        writes: BTreeMap<String, Option<Vec<u8>>>,
    ) {
        for (key, value) in writes {
            let value = value.filter(|v| !v.is_empty());
            let is_delete = value.is_none();
            match &value {
                Some(v) => self.state.insert(key.clone(), v.clone()),
                None => self.state.remove(&key),
            };
            self.history.entry(key).or_default().push(KeyModification {
                tx_id: tx_id.to_string(),
                value: value.unwrap_or_default(),
                timestamp,
                is_delete,
            });
        }
    }
}
