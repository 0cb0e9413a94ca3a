//! Committing a validated block.

use redb::{Durability, ReadableTable};

use super::tables::{self, BLOCKS, HISTORY, META, STATE, TX_INDEX};
use super::{Store, StoreError, db, needs_reopen};
use crate::model::{Block, Encode, TxValidationCode, Version};
use crate::state::VersionedValue;

/// One write of a valid transaction, applied at its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateWrite {
    /// Chaincode namespace.
    pub ns: String,
    /// Key.
    pub key: String,
    /// New value, `None` for a delete.
    pub value: Option<Vec<u8>>,
    /// `(block, tx)` of the writing transaction.
    pub version: Version,
}

/// Everything one block changes, written atomically by [`Store::commit_block`].
#[derive(Debug)]
pub struct BlockCommit<'a> {
    /// The block with its validation codes filled in.
    pub block: &'a Block,
    /// Header hash of `block` (the next block's `previous_hash`).
    pub header_hash: [u8; 32],
    /// Per transaction: its id (when it should be indexed) and code, in block order.
    pub transactions: Vec<(Option<String>, TxValidationCode)>,
    /// Writes of valid transactions in block order; a later write of a key wins.
    pub writes: Vec<StateWrite>,
}

impl Store {
    /// Writes the block, its transactions' index entries, state and history in one durable
    /// redb transaction. The block must be the next one (`number == height`).
    ///
    /// When the write fails (a full disk), the file is reopened and checked: a block that
    /// reached the disk anyway (the final sync failed after the header was written) is
    /// reported as committed; otherwise [`StoreError::WriteFailed`], and the store is back
    /// at its last durable block. If even the reopen fails, [`StoreError::WriteUnconfirmed`].
    pub fn commit_block(&self, commit: &BlockCommit<'_>) -> Result<(), StoreError> {
        let number = commit.block.header.number;
        let (written, generation) = self.try_commit_block(commit);
        let source = match written {
            Ok(()) => return Ok(()),
            Err(StoreError::Db(e)) if needs_reopen(&e) => e,
            Err(other) => return Err(other),
        };
        let unconfirmed = |source, reopen| StoreError::WriteUnconfirmed {
            number,
            source,
            reopen,
        };
        // Reopens the database this write failed on, unless another thread already has.
        match self.reopen(generation) {
            Ok(()) => {}
            Err(StoreError::Unavailable { source: reopen, .. }) => {
                return Err(unconfirmed(source, reopen));
            }
            Err(other) => return Err(other),
        }
        match self.holds(number, &commit.header_hash) {
            Ok(true) => Ok(()),
            Ok(false) => Err(StoreError::WriteFailed { number, source }),
            // Another thread's reopen failed: whether the block landed is unknown.
            Err(StoreError::Unavailable { source: reopen, .. }) => Err(unconfirmed(source, reopen)),
            Err(other) => Err(other),
        }
    }

    /// Whether block `number` with header hash `hash` is the newest committed block.
    pub(crate) fn holds(&self, number: u64, hash: &[u8; 32]) -> Result<bool, StoreError> {
        let snapshot = self.snapshot()?;
        Ok(snapshot.height()? == number + 1
            && snapshot.last_hash()?.as_deref() == Some(hash.as_slice()))
    }

    /// Writes the block; also returns the generation of the database it wrote to.
    fn try_commit_block(&self, commit: &BlockCommit<'_>) -> (Result<(), StoreError>, u64) {
        let (txn, generation) =
            self.with_database(|database| database.begin_write().map_err(redb::Error::from));
        (txn.and_then(|txn| write_block(txn, commit)), generation)
    }
}

/// Fills `txn` with the block and everything it changes, and commits it durably.
fn write_block(
    mut txn: redb::WriteTransaction,
    commit: &BlockCommit<'_>,
) -> Result<(), StoreError> {
    let number = commit.block.header.number;
    txn.set_durability(Durability::Immediate).map_err(db)?;
    {
        let mut meta = txn.open_table(META).map_err(db)?;
        let height = match meta.get(tables::META_HEIGHT).map_err(db)? {
            None => 0,
            Some(v) => u64::from_be_bytes(
                v.value()
                    .try_into()
                    .map_err(|_| StoreError::corrupt("height", "not 8 bytes"))?,
            ),
        };
        if number != height {
            return Err(StoreError::OutOfOrder {
                got: number,
                expected: height,
            });
        }
        meta.insert(tables::META_HEIGHT, (number + 1).to_be_bytes().as_slice())
            .map_err(db)?;
        meta.insert(tables::META_LAST_HASH, commit.header_hash.as_slice())
            .map_err(db)?;

        let mut blocks = txn.open_table(BLOCKS).map_err(db)?;
        blocks
            .insert(number, commit.block.to_bytes().as_slice())
            .map_err(db)?;

        let mut index = txn.open_table(TX_INDEX).map_err(db)?;
        for (tx_num, (tx_id, code)) in commit.transactions.iter().enumerate() {
            let Some(tx_id) = tx_id else { continue };
            // The first commit of an id stays authoritative; a duplicate is only
            // flagged in its own block.
            if index.get(tx_id.as_str()).map_err(db)?.is_some() {
                continue;
            }
            index
                .insert(tx_id.as_str(), (number, tx_num as u64, code.as_u8()))
                .map_err(db)?;
        }

        let mut state = txn.open_table(STATE).map_err(db)?;
        let mut history = txn.open_table(HISTORY).map_err(db)?;
        for w in &commit.writes {
            let key = tables::state_key(&w.ns, &w.key);
            match &w.value {
                Some(value) => {
                    let stored = tables::encode_state_value(&VersionedValue {
                        value: value.clone(),
                        version: w.version,
                    });
                    state
                        .insert(key.as_slice(), stored.as_slice())
                        .map_err(db)?;
                }
                None => {
                    state.remove(key.as_slice()).map_err(db)?;
                }
            }
            history
                .insert((key.as_slice(), w.version.block_num, w.version.tx_num), ())
                .map_err(db)?;
        }
    }
    txn.commit().map_err(db)?;
    Ok(())
}
