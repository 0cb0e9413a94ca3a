//! Offline integrity check of a whole ledger.
//!
//! Walks the chain from the genesis block and, for every block: decodes it, recomputes
//! its data hash and its link to the previous header hash, re-validates every transaction
//! (which re-checks every creator and endorsement signature, the policies and MVCC) against
//! state rebuilt by replaying the blocks before it, and compares the codes with the stored
//! ones and with the tx index. Finally the rebuilt world state must equal the stored one.
//! The first problem found is reported with the block it points at.

use thiserror::Error;

use crate::model::{Block, Decode, TxValidationCode, data_hash};
use crate::state::{MemoryState, VersionedValue};
use crate::store::{Store, StoreError};
use crate::validate::{Validator, proves_tx_id};

/// Totals of a ledger that verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyReport {
    /// Blocks checked (the height).
    pub blocks: u64,
    /// Transactions checked.
    pub transactions: u64,
    /// Valid transactions replayed.
    pub valid: u64,
    /// World-state keys compared.
    pub state_keys: usize,
}

/// The first integrity problem found.
#[derive(Debug, Error)]
pub enum VerifyError {
    /// A block is damaged, altered or out of place.
    #[error(
        "block {number}: {problem}; the ledger file was altered or damaged from this block on: restore it from a backup"
    )]
    Block {
        /// The block number.
        number: u64,
        /// What is wrong.
        problem: String,
    },
    /// The stored world state differs from the replay of the chain.
    #[error(
        "block {block}: world state key `{key}` of chaincode `{ns}` {problem}; the state was altered outside the ledger: restore it from a backup"
    )]
    State {
        /// The block whose write the difference concerns.
        block: u64,
        /// The chaincode namespace.
        ns: String,
        /// The key.
        key: String,
        /// What differs.
        problem: String,
    },
    /// The store could not be read at all.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn bad(number: u64, problem: impl Into<String>) -> VerifyError {
    VerifyError::Block {
        number,
        problem: problem.into(),
    }
}

/// Verifies the ledger in `dir` (as laid out by [`crate::ledger::Ledger`]) against its
/// network file. The ledger must not be open in another process.
pub fn verify_dir(
    dir: &std::path::Path,
    network: &crate::network::NetworkConfig,
) -> Result<VerifyReport, VerifyError> {
    let store = Store::open(dir.join(crate::ledger::DB_FILE))?;
    verify(&store, &Validator::for_network(network))
}

/// Verifies everything in `store` with the channel's `validator`.
pub fn verify(store: &Store, validator: &Validator) -> Result<VerifyReport, VerifyError> {
    let snapshot = store.snapshot()?;
    let height = snapshot.height()?;
    let mut replay = MemoryState::new();
    let mut previous: Option<Block> = None;
    let mut report = VerifyReport {
        blocks: height,
        transactions: 0,
        valid: 0,
        state_keys: 0,
    };
    for number in 0..height {
        let bytes = snapshot
            .block_bytes(number)?
            .ok_or_else(|| bad(number, format!("is missing below height {height}")))?;
        let block =
            Block::from_bytes(&bytes).map_err(|e| bad(number, format!("does not decode ({e})")))?;
        if block.header.number != number {
            return Err(bad(
                number,
                format!(
                    "is stored under {number} but says it is block {}",
                    block.header.number
                ),
            ));
        }
        if block.header.data_hash != data_hash(&block.data) {
            return Err(bad(number, "data hash does not match its transactions"));
        }
        let expected_previous = previous
            .as_ref()
            .map(|p| p.header.hash().to_vec())
            .unwrap_or_default();
        if block.header.previous_hash != expected_previous {
            return Err(bad(
                number,
                "previous hash does not match the header hash of the block before it",
            ));
        }
        if block.metadata.tx_filter.len() != block.data.len() {
            return Err(bad(
                number,
                format!(
                    "has {} transactions but {} validation codes",
                    block.data.len(),
                    block.metadata.tx_filter.len()
                ),
            ));
        }
        let validated = validator.validate(number, &block.data, &replay)?;
        for (i, outcome) in validated.txs.iter().enumerate() {
            let stored = block.metadata.tx_filter[i];
            if stored != outcome.code.as_u8() {
                let stored = TxValidationCode::from_u8(stored)
                    .map(|c| c.name().to_string())
                    .unwrap_or_else(|| format!("unknown code {stored}"));
                return Err(bad(
                    number,
                    format!(
                        "transaction {i} is marked {stored} but re-validates as {} (a signature, endorsement or read/write set was altered)",
                        outcome.code
                    ),
                ));
            }
            if let Some(tx_id) = outcome
                .tx_id
                .as_ref()
                .filter(|_| proves_tx_id(outcome.code))
            {
                let indexed = snapshot.tx_status(tx_id.as_str())?;
                match indexed {
                    Some(s)
                        if s.block_number == number
                            && s.tx_number == i as u64
                            && s.code == outcome.code => {}
                    Some(s) => {
                        return Err(bad(
                            number,
                            format!(
                                "transaction {i} ({tx_id}) is {} here, but the tx index puts it in block {} as transaction {} with {}",
                                outcome.code, s.block_number, s.tx_number, s.code
                            ),
                        ));
                    }
                    None => {
                        return Err(bad(
                            number,
                            format!("transaction {i} ({tx_id}) is missing from the tx index"),
                        ));
                    }
                }
                replay.tx_ids.insert(tx_id.0.clone());
            }
            report.transactions += 1;
            report.valid += u64::from(outcome.code.is_valid());
        }
        for w in validated.writes {
            replay.apply(&w.ns, &w.key, w.value, w.version);
        }
        previous = Some(block);
    }
    let last = previous.as_ref().map(|b| b.header.hash().to_vec());
    if snapshot.last_hash()? != last {
        return Err(bad(
            height.saturating_sub(1),
            "the stored chain head hash does not match the last block",
        ));
    }

    let stored = snapshot.state_entries()?;
    report.state_keys = stored.len();
    let mut stored = stored.into_iter().peekable();
    let mut replayed = replay.entries.iter().peekable();
    loop {
        let state_err =
            |v: &VersionedValue, ns: &str, key: &str, problem: &str| VerifyError::State {
                block: v.version.block_num,
                ns: ns.to_string(),
                key: key.to_string(),
                problem: problem.to_string(),
            };
        match (stored.peek(), replayed.peek()) {
            (None, None) => break,
            (Some((ns, key, v)), None) => {
                return Err(state_err(
                    v,
                    ns,
                    key,
                    "is stored but no valid transaction wrote it",
                ));
            }
            (None, Some(((ns, key), v))) => {
                return Err(state_err(
                    v,
                    ns,
                    key,
                    "was written by a valid transaction but is missing",
                ));
            }
            (Some((sns, skey, sv)), Some(((rns, rkey), rv))) => {
                let order = (sns.as_str(), skey.as_str()).cmp(&(rns.as_str(), rkey.as_str()));
                match order {
                    std::cmp::Ordering::Less => {
                        return Err(state_err(
                            sv,
                            sns,
                            skey,
                            "is stored but no valid transaction wrote it",
                        ));
                    }
                    std::cmp::Ordering::Greater => {
                        return Err(state_err(
                            rv,
                            rns,
                            rkey,
                            "was written by a valid transaction but is missing",
                        ));
                    }
                    std::cmp::Ordering::Equal => {
                        if sv.version != rv.version {
                            return Err(state_err(
                                rv,
                                rns,
                                rkey,
                                &format!(
                                    "has version {:?}, the chain says {:?}",
                                    sv.version, rv.version
                                ),
                            ));
                        }
                        if sv.value != rv.value {
                            return Err(state_err(
                                rv,
                                rns,
                                rkey,
                                "holds a value the chain never wrote",
                            ));
                        }
                        stored.next();
                        replayed.next();
                    }
                }
            }
        }
    }
    Ok(report)
}
