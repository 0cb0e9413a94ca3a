//! The committer: turns an ordered batch into the next block, validates it, and writes it
//! durably with its state changes.
//!
//! Committing is two stages so they can overlap: a [`Preparer`] builds block N+1 (its
//! header depends only on block N's header, since metadata is not hashed) and runs the
//! stateless half of validation (decoding, all signatures), while the [`Committer`] runs
//! the stateful half (tx ids, policies, MVCC) of block N and writes it. Used alone,
//! [`Committer::commit`] does both in sequence.
//!
//! A block whose write fails is not part of the chain: the committer's head stays at the
//! last durable block (re-read from the store when the failure left it unknown), and a
//! block prepared on top of the failed one is rebuilt on the real head
//! ([`Committer::commit_rebuilding`]), so numbers continue without a gap.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::model::{
    Block, BlockHeader, Decode, Encode, Envelope, ProposalResponsePayload, Transaction,
    TxValidationCode,
};
use crate::store::{BlockCommit, Snapshot, Store, StoreError};
use crate::validate::{Prevalidated, TxOutcome, Validator, proves_tx_id};

/// A block as committed, with each transaction's outcome (for events and waiters).
#[derive(Debug, Clone)]
pub struct CommittedBlock {
    /// The block with its validation codes.
    pub block: Arc<Block>,
    /// Per transaction: id, code, chaincode, event.
    pub txs: Vec<TxOutcome>,
    /// How long validation took (signatures, policies, MVCC), as Fabric logs
    /// `state_validation`.
    pub validation_time: Duration,
    /// How long the durable redb commit took (block, state, history, index).
    pub commit_time: Duration,
}

/// A block built and pre-validated, waiting for [`Committer::commit_prepared`].
#[derive(Debug)]
pub struct PreparedBlock {
    block: Block,
    pre: Prevalidated,
    prevalidation_time: Duration,
}

/// Builds the blocks after a given header and pre-validates them.
#[derive(Debug, Clone)]
pub struct Preparer {
    validator: Validator,
    last_header: BlockHeader,
}

impl Preparer {
    /// Builds the next block from raw envelope bytes and checks its signatures.
    pub fn prepare(&mut self, data: Vec<Vec<u8>>) -> PreparedBlock {
        let started = Instant::now();
        let block = Block::new(self.last_header.number + 1, Some(&self.last_header), data);
        let pre = self.validator.prevalidate(&block.data);
        self.last_header = block.header.clone();
        PreparedBlock {
            block,
            pre,
            prevalidation_time: started.elapsed(),
        }
    }
}

/// Validates and commits blocks in order. One per ledger; not shared.
#[derive(Debug)]
pub struct Committer {
    store: Store,
    validator: Validator,
    /// The newest durable block's header: only a successful write moves it.
    last_header: BlockHeader,
    /// A write failed without the store saying for sure that the block did not land (or
    /// a block was out of order): re-read the head from the store before the next commit.
    head_unknown: bool,
    /// Blocks found in the store past the head when re-reading it: they landed although
    /// their write was reported as failed, and were never published.
    recovered: Vec<CommittedBlock>,
}

impl Committer {
    /// A committer for `store`, creating the genesis block (block 0, no transactions) on
    /// an empty ledger so that, as in Fabric, the first transactions land in block 1.
    pub fn open(store: Store, validator: Validator) -> Result<Committer, StoreError> {
        let last_header = match stored_head(&store.snapshot()?)? {
            Some(header) => header,
            None => {
                let genesis = Block::new(0, None, Vec::new());
                store.commit_block(&BlockCommit {
                    block: &genesis,
                    header_hash: genesis.header.hash(),
                    transactions: Vec::new(),
                    writes: Vec::new(),
                })?;
                genesis.header
            }
        };
        Ok(Committer {
            store,
            validator,
            last_header,
            head_unknown: false,
            recovered: Vec::new(),
        })
    }

    /// The number of the next block.
    pub fn height(&self) -> u64 {
        self.last_header.number + 1
    }

    /// A preparer for the blocks after the current head, to run on another thread.
    pub fn preparer(&self) -> Preparer {
        Preparer {
            validator: self.validator.clone(),
            last_header: self.last_header.clone(),
        }
    }

    /// Commits envelopes as the next block.
    pub fn commit(&mut self, envelopes: &[Envelope]) -> Result<CommittedBlock, StoreError> {
        self.commit_data(envelopes.iter().map(Encode::to_bytes).collect())
    }

    /// Commits raw envelope bytes as the next block (what the orderer delivers; tests use
    /// it to put malformed envelopes on the chain).
    pub fn commit_data(&mut self, data: Vec<Vec<u8>>) -> Result<CommittedBlock, StoreError> {
        // Build on the real head, should the last commit have left it unknown.
        self.learn_head()?;
        let prepared = self.preparer().prepare(data);
        self.commit_prepared(prepared)
    }

    /// Commits a block from a [`Preparer`] that may have been built on a block that then
    /// failed to commit: such a block is rebuilt on the current head (new number, new
    /// previous hash, same transactions) first. Returns whether it was rebuilt, so the
    /// caller can rebase its preparer.
    pub fn commit_rebuilding(
        &mut self,
        prepared: PreparedBlock,
    ) -> (Result<CommittedBlock, StoreError>, bool) {
        if let Err(e) = self.learn_head() {
            return (Err(e), false);
        }
        if self.follows(&prepared.block) {
            return (self.commit_prepared(prepared), false);
        }
        let rebuilt = self.preparer().prepare(prepared.block.data);
        (self.commit_prepared(rebuilt), true)
    }

    /// Whether `block` goes right after the current head.
    fn follows(&self, block: &Block) -> bool {
        block.header.number == self.height()
            && block.header.previous_hash == self.last_header.hash()
    }

    /// The blocks that turned out to have landed although their write was reported as
    /// failed, oldest first, once each: publish them (height, events, block subscribers)
    /// before the block just committed, so subscribers see no gap.
    pub fn take_recovered(&mut self) -> Vec<CommittedBlock> {
        std::mem::take(&mut self.recovered)
    }

    /// Re-reads the head from the store if a failed write left it unknown; blocks found
    /// past the old head are kept for [`Committer::take_recovered`].
    fn learn_head(&mut self) -> Result<(), StoreError> {
        if !self.head_unknown {
            return Ok(());
        }
        let snapshot = self.store.snapshot()?;
        let height = snapshot.height()?;
        let mut recovered = Vec::new();
        for number in self.height()..height {
            let block = snapshot
                .block(number)?
                .ok_or_else(|| missing(number, height))?;
            recovered.push(published(block));
        }
        if let Some(header) = stored_head(&snapshot)? {
            self.last_header = header;
        }
        self.recovered.extend(recovered);
        self.head_unknown = false;
        Ok(())
    }

    /// Finishes validation of a prepared block against the committed state and writes it.
    /// The block must follow the current head (blocks prepared in order, none lost).
    pub fn commit_prepared(
        &mut self,
        prepared: PreparedBlock,
    ) -> Result<CommittedBlock, StoreError> {
        self.learn_head()?;
        let PreparedBlock {
            mut block,
            pre,
            prevalidation_time,
        } = prepared;
        let number = block.header.number;
        if number != self.height() || block.header.previous_hash != self.last_header.hash() {
            // Re-read the head before the next commit, in case it is this committer's
            // view that is behind.
            self.head_unknown = true;
            return Err(StoreError::OutOfOrder {
                got: number,
                expected: self.height(),
            });
        }
        let started = Instant::now();
        let snapshot = self.store.snapshot()?;
        let validated = self.validator.finish(number, pre, &snapshot)?;
        drop(snapshot);
        block.metadata.tx_filter = validated.txs.iter().map(|t| t.code.as_u8()).collect();
        let header_hash = block.header.hash();
        let validated_at = Instant::now();
        let written = self.store.commit_block(&BlockCommit {
            block: &block,
            header_hash,
            transactions: validated
                .txs
                .iter()
                .map(|t| {
                    let id = t.tx_id.as_ref().filter(|_| proves_tx_id(t.code));
                    (id.map(|id| id.0.clone()), t.code)
                })
                .collect(),
            writes: validated.writes,
        });
        if let Err(e) = written {
            // Only a definite failure leaves the head where it was: after any other error
            // (the write unconfirmed, a reopen or check failing, a store ahead of us) the
            // block may have landed, and trusting the old head would refuse every later
            // block as out of order.
            self.head_unknown = !matches!(e, StoreError::WriteFailed { .. });
            return Err(e);
        }
        self.last_header = block.header.clone();
        Ok(CommittedBlock {
            block: Arc::new(block),
            txs: validated.txs,
            validation_time: prevalidation_time + (validated_at - started),
            commit_time: validated_at.elapsed(),
        })
    }
}

/// The header of the newest block in `snapshot`, `None` on an empty store.
fn stored_head(snapshot: &Snapshot) -> Result<Option<BlockHeader>, StoreError> {
    let height = snapshot.height()?;
    if height == 0 {
        return Ok(None);
    }
    let block = snapshot
        .block(height - 1)?
        .ok_or_else(|| missing(height - 1, height))?;
    Ok(Some(block.header))
}

fn missing(number: u64, height: u64) -> StoreError {
    StoreError::corrupt(
        "block",
        format!("block {number} is missing below height {height}"),
    )
}

/// A stored block as the committer would have reported it: each transaction's id,
/// chaincode and event from its envelope, its code from the block's metadata.
fn published(block: Block) -> CommittedBlock {
    let txs = block
        .data
        .iter()
        .enumerate()
        .map(|(n, bytes)| {
            let code = block
                .metadata
                .tx_filter
                .get(n)
                .and_then(|c| TxValidationCode::from_u8(*c))
                .unwrap_or(TxValidationCode::BAD_PAYLOAD);
            let tx = Envelope::from_bytes(bytes)
                .ok()
                .and_then(|env| Transaction::from_bytes(&env.payload).ok());
            let event = tx.as_ref().and_then(|tx| {
                ProposalResponsePayload::from_bytes(&tx.response_payload)
                    .ok()
                    .and_then(|p| p.event)
            });
            TxOutcome {
                tx_id: tx.as_ref().map(|tx| tx.proposal.tx_id.clone()),
                code,
                chaincode: tx.map(|tx| tx.proposal.chaincode),
                event,
            }
        })
        .collect();
    CommittedBlock {
        block: Arc::new(block),
        txs,
        validation_time: Duration::ZERO,
        commit_time: Duration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn committer(store: &Store) -> Committer {
        Committer::open(store.clone(), Validator::new("ch", HashMap::new())).unwrap()
    }

    #[test]
    fn a_block_that_landed_behind_the_committers_back_is_learned_and_published_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("ledger.redb")).unwrap();
        let mut ours = committer(&store);
        assert_eq!(ours.commit_data(vec![]).unwrap().block.header.number, 1);
        // Block 2 lands while this committer believes it failed (here: written by another
        // handle; in production, a write reported failed by a reopen or check error).
        let landed = committer(&store).commit_data(vec![b"x".to_vec()]).unwrap();
        assert_eq!(landed.block.header.number, 2);

        // The store refuses the next block as out of order once...
        let err = ours.commit_data(vec![]).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::OutOfOrder {
                    got: 2,
                    expected: 3
                }
            ),
            "{err}"
        );
        assert!(ours.take_recovered().is_empty());
        // ...and never again: the committer re-reads its head and continues after it.
        let next = ours.commit_data(vec![]).unwrap();
        assert_eq!(next.block.header.number, 3);
        assert_eq!(
            next.block.header.previous_hash,
            landed.block.header.hash(),
            "chained on the block that landed"
        );
        assert_eq!(store.height().unwrap(), 4);
        // The block found on the store is handed out for publishing, once.
        let recovered = ours.take_recovered();
        assert_eq!(recovered.len(), 1);
        assert_eq!(recovered[0].block, landed.block);
        assert_eq!(recovered[0].txs.len(), 1);
        assert_eq!(recovered[0].txs[0].code, landed.txs[0].code);
        assert!(ours.take_recovered().is_empty());
        assert_eq!(ours.commit_data(vec![]).unwrap().block.header.number, 4);
        assert!(ours.take_recovered().is_empty());
    }
}
