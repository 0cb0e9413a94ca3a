//! Read-only views of the store at one commit.

use std::sync::Arc;

use redb::{ReadOnlyTable, ReadTransaction, ReadableTable};

use super::tables::{self, BLOCKS, HISTORY, META, STATE, TX_INDEX};
use super::{StoreError, read_err as db};
use crate::model::{
    Block, Decode, Envelope, ProposalResponsePayload, Transaction, TxId, TxValidationCode,
};
use crate::state::{KeyModification, SharedState, StateView, VersionedValue};

/// Where a committed transaction is and how it was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxStatus {
    /// The block that holds it.
    pub block_number: u64,
    /// Its index in the block.
    pub tx_number: u64,
    /// Its validation code.
    pub code: TxValidationCode,
}

/// An MVCC snapshot of the store: sees exactly the blocks committed before it was taken.
///
/// Cheap to clone (the open tables are shared), so a simulation can own a handle to it
/// ([`StateView::share`]).
#[derive(Clone)]
pub struct Snapshot(Arc<Tables>);

struct Tables {
    blocks: ReadOnlyTable<u64, &'static [u8]>,
    tx_index: ReadOnlyTable<&'static str, (u64, u64, u8)>,
    state: ReadOnlyTable<&'static [u8], &'static [u8]>,
    history: ReadOnlyTable<(&'static [u8], u64, u64), ()>,
    meta: ReadOnlyTable<&'static str, &'static [u8]>,
}

impl Snapshot {
    pub(super) fn new(txn: ReadTransaction) -> Result<Snapshot, StoreError> {
        Ok(Snapshot(Arc::new(Tables {
            blocks: txn.open_table(BLOCKS).map_err(db)?,
            tx_index: txn.open_table(TX_INDEX).map_err(db)?,
            state: txn.open_table(STATE).map_err(db)?,
            history: txn.open_table(HISTORY).map_err(db)?,
            meta: txn.open_table(META).map_err(db)?,
        })))
    }

    /// Number of committed blocks (the next block's number).
    pub fn height(&self) -> Result<u64, StoreError> {
        match self.0.meta.get(tables::META_HEIGHT).map_err(db)? {
            None => Ok(0),
            Some(v) => {
                let bytes: [u8; 8] = v
                    .value()
                    .try_into()
                    .map_err(|_| StoreError::corrupt("height", "not 8 bytes"))?;
                Ok(u64::from_be_bytes(bytes))
            }
        }
    }

    /// Header hash of the newest block, `None` before the genesis block.
    pub fn last_hash(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .0
            .meta
            .get(tables::META_LAST_HASH)
            .map_err(db)?
            .map(|v| v.value().to_vec()))
    }

    /// Block `number`, `None` if not committed.
    pub fn block(&self, number: u64) -> Result<Option<Block>, StoreError> {
        match self.0.blocks.get(number).map_err(db)? {
            None => Ok(None),
            Some(v) => Ok(Some(Block::from_bytes(v.value())?)),
        }
    }

    /// The raw stored bytes of block `number`.
    pub fn block_bytes(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .0
            .blocks
            .get(number)
            .map_err(db)?
            .map(|v| v.value().to_vec()))
    }

    /// Where `tx_id` was committed and with which code.
    pub fn tx_status(&self, tx_id: &str) -> Result<Option<TxStatus>, StoreError> {
        match self.0.tx_index.get(tx_id).map_err(db)? {
            None => Ok(None),
            Some(v) => {
                let (block_number, tx_number, code) = v.value();
                let code = TxValidationCode::from_u8(code).ok_or_else(|| {
                    StoreError::corrupt("tx index", format!("unknown validation code {code}"))
                })?;
                Ok(Some(TxStatus {
                    block_number,
                    tx_number,
                    code,
                }))
            }
        }
    }

    /// Every world-state entry as `(namespace, key, value)`, in store order.
    pub fn state_entries(&self) -> Result<Vec<(String, String, VersionedValue)>, StoreError> {
        let mut out = Vec::new();
        for item in self.0.state.iter().map_err(db)? {
            let (k, v) = item.map_err(db)?;
            let raw = k.value();
            let split = raw
                .iter()
                .position(|b| *b == 0)
                .ok_or_else(|| StoreError::corrupt("state key", "no namespace separator"))?;
            let ns = String::from_utf8(raw[..split].to_vec())
                .map_err(|e| StoreError::corrupt("state key", e))?;
            let key = String::from_utf8(raw[split + 1..].to_vec())
                .map_err(|e| StoreError::corrupt("state key", e))?;
            let value = tables::decode_state_value(v.value())
                .ok_or_else(|| StoreError::corrupt("state value", "shorter than a version"))?;
            out.push((ns, key, value));
        }
        Ok(out)
    }
}

impl StateView for Snapshot {
    fn get(&self, ns: &str, key: &str) -> Result<Option<VersionedValue>, StoreError> {
        let k = tables::state_key(ns, key);
        match self.0.state.get(k.as_slice()).map_err(db)? {
            None => Ok(None),
            Some(v) => tables::decode_state_value(v.value())
                .map(Some)
                .ok_or_else(|| StoreError::corrupt("state value", "shorter than a version")),
        }
    }

    fn range(
        &self,
        ns: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<(String, VersionedValue)>, StoreError> {
        let lo = tables::state_key(ns, start);
        let hi = if end.is_empty() {
            tables::namespace_end(ns)
        } else {
            tables::state_key(ns, end)
        };
        let mut out = Vec::new();
        if lo >= hi {
            return Ok(out);
        }
        let prefix = ns.len() + 1;
        for item in self
            .0
            .state
            .range(lo.as_slice()..hi.as_slice())
            .map_err(db)?
        {
            let (k, v) = item.map_err(db)?;
            let key = std::str::from_utf8(&k.value()[prefix..])
                .map_err(|e| StoreError::corrupt("state key", e))?
                .to_owned();
            let value = tables::decode_state_value(v.value())
                .ok_or_else(|| StoreError::corrupt("state value", "shorter than a version"))?;
            out.push((key, value));
        }
        Ok(out)
    }

    fn history(&self, ns: &str, key: &str) -> Result<Vec<KeyModification>, StoreError> {
        let k = tables::state_key(ns, key);
        let lo = (k.as_slice(), 0u64, 0u64);
        let hi = (k.as_slice(), u64::MAX, u64::MAX);
        let mut out = Vec::new();
        let mut cached: Option<Block> = None;
        for item in self.0.history.range(lo..=hi).map_err(db)?.rev() {
            let (entry, _) = item.map_err(db)?;
            let (_, block_num, tx_num) = entry.value();
            if cached.as_ref().map(|b| b.header.number) != Some(block_num) {
                cached = Some(self.block(block_num)?.ok_or_else(|| {
                    StoreError::corrupt("history", format!("block {block_num} is missing"))
                })?);
            }
            let block = cached.as_ref().expect("just loaded");
            let env_bytes = block.data.get(tx_num as usize).ok_or_else(|| {
                StoreError::corrupt(
                    "history",
                    format!("block {block_num} has no transaction {tx_num}"),
                )
            })?;
            let tx = Transaction::from_bytes(&Envelope::from_bytes(env_bytes)?.payload)?;
            let payload = ProposalResponsePayload::from_bytes(&tx.response_payload)?;
            let write = payload
                .rwset
                .writes
                .iter()
                .find(|w| w.key == key)
                .ok_or_else(|| {
                    StoreError::corrupt(
                        "history",
                        format!("transaction {tx_num} of block {block_num} does not write `{key}`"),
                    )
                })?;
            out.push(KeyModification {
                tx_id: TxId(tx.proposal.tx_id.0.clone()),
                value: write.value.clone(),
                timestamp: tx.proposal.timestamp,
                is_delete: write.is_delete,
            });
        }
        Ok(out)
    }

    fn tx_exists(&self, tx_id: &str) -> Result<bool, StoreError> {
        Ok(self.0.tx_index.get(tx_id).map_err(db)?.is_some())
    }

    fn share(&self) -> SharedState {
        Arc::new(self.clone())
    }
}
