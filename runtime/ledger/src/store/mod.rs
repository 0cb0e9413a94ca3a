//! The durable store: blocks, transaction index, world state, history and chain metadata in
//! one redb file.
//!
//! A block is committed in ONE redb write transaction (block, state, history, tx index,
//! height and last header hash) with `Durability::Immediate`, so after a crash the ledger
//! is either at the old height or the new one, never in between. Readers take MVCC
//! snapshots ([`Snapshot`]) that never block the committer.

mod snapshot;
pub(crate) mod tables;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{Database, ReadableDatabase};
use thiserror::Error;

use crate::model::DecodeError;

pub use snapshot::{Snapshot, TxStatus};
pub use write::{BlockCommit, StateWrite};

/// Errors of the block store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error(
        "cannot open the ledger database {path}: {source}; check the path is writable and that no other fclocal process has it open"
    )]
    Open {
        /// The database file.
        path: PathBuf,
        /// What redb said.
        source: Box<redb::DatabaseError>,
    },
    /// A read or write failed inside redb.
    #[error(
        "ledger database error: {0}; if it persists, the file may be damaged: run the ledger `verify` and restore from a backup"
    )]
    Db(Box<redb::Error>),
    /// Stored bytes did not decode.
    #[error(
        "ledger database holds a damaged {what}: {reason}; run the ledger `verify` to find the first bad block"
    )]
    Corrupt {
        /// What was being read.
        what: String,
        /// Why it is unreadable.
        reason: String,
    },
    /// A commit was attempted out of order.
    #[error(
        "cannot commit block {got}: the ledger's next block is {expected}; blocks must be committed in order, once each"
    )]
    OutOfOrder {
        /// The block number offered.
        got: u64,
        /// The height of the ledger.
        expected: u64,
    },
}

impl StoreError {
    pub(crate) fn corrupt(what: impl Into<String>, e: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            what: what.into(),
            reason: e.to_string(),
        }
    }
}

impl From<DecodeError> for StoreError {
    fn from(e: DecodeError) -> Self {
        StoreError::corrupt(e.what, format!("{} at byte {}", e.reason, e.offset))
    }
}

/// Turns any redb error into a [`StoreError`].
pub(crate) fn db<E: Into<redb::Error>>(e: E) -> StoreError {
    StoreError::Db(Box::new(e.into()))
}

/// A handle to the ledger database (cheap to clone).
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl StoreError {
    /// Whether the database is held by another process (a running `fclocal start`): redb
    /// lets one process open it at a time.
    pub fn is_in_use(&self) -> bool {
        matches!(self, StoreError::Open { source, .. } if matches!(**source, redb::DatabaseError::DatabaseAlreadyOpen))
    }
}

impl Store {
    /// Opens (or creates) the database at `path` and makes sure every table exists.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        let database = Database::create(&path).map_err(|source| StoreError::Open {
            path: path.clone(),
            source: Box::new(source),
        })?;
        let txn = database.begin_write().map_err(db)?;
        {
            txn.open_table(tables::BLOCKS).map_err(db)?;
            txn.open_table(tables::TX_INDEX).map_err(db)?;
            txn.open_table(tables::STATE).map_err(db)?;
            txn.open_table(tables::HISTORY).map_err(db)?;
            txn.open_table(tables::META).map_err(db)?;
        }
        txn.commit().map_err(db)?;
        Ok(Store {
            db: Arc::new(database),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A consistent snapshot of everything committed so far.
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let txn = self.db.begin_read().map_err(db)?;
        Snapshot::new(txn)
    }

    /// Number of committed blocks.
    pub fn height(&self) -> Result<u64, StoreError> {
        self.snapshot()?.height()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Block, TxValidationCode, Version};
    use crate::state::StateView;

    fn write(key: &str, value: Option<&str>, version: Version) -> StateWrite {
        StateWrite {
            ns: "cc".into(),
            key: key.into(),
            value: value.map(|v| v.as_bytes().to_vec()),
            version,
        }
    }

    #[test]
    fn commits_are_atomic_ordered_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.redb");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.height().unwrap(), 0);

        let genesis = Block::new(0, None, vec![]);
        store
            .commit_block(&BlockCommit {
                block: &genesis,
                header_hash: genesis.header.hash(),
                transactions: vec![],
                writes: vec![],
            })
            .unwrap();
        let b1 = Block::new(1, Some(&genesis.header), vec![b"a".to_vec(), b"b".to_vec()]);
        store
            .commit_block(&BlockCommit {
                block: &b1,
                header_hash: b1.header.hash(),
                transactions: vec![
                    (Some("t1".into()), TxValidationCode::VALID),
                    (Some("t2".into()), TxValidationCode::MVCC_READ_CONFLICT),
                ],
                writes: vec![
                    write("a", Some("1"), Version::new(1, 0)),
                    write("b", Some("2"), Version::new(1, 0)),
                    write("c", Some("3"), Version::new(1, 0)),
                    write("b", None, Version::new(1, 0)),
                ],
            })
            .unwrap();

        let err = store
            .commit_block(&BlockCommit {
                block: &b1,
                header_hash: b1.header.hash(),
                transactions: vec![],
                writes: vec![],
            })
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::OutOfOrder {
                    got: 1,
                    expected: 2
                }
            ),
            "{err}"
        );
        drop(store);

        let store = Store::open(&path).unwrap();
        let snap = store.snapshot().unwrap();
        assert_eq!(snap.height().unwrap(), 2);
        assert_eq!(snap.last_hash().unwrap(), Some(b1.header.hash().to_vec()));
        assert_eq!(snap.block(1).unwrap().unwrap(), b1);
        assert_eq!(
            snap.get("cc", "a").unwrap().unwrap().version,
            Version::new(1, 0)
        );
        assert_eq!(snap.get("cc", "b").unwrap(), None);
        assert_eq!(snap.get("other", "a").unwrap(), None);
        let keys: Vec<String> = snap
            .range("cc", "a", "")
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, vec!["a", "c"]);
        let keys: Vec<String> = snap
            .range("cc", "b", "c")
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert!(keys.is_empty());
        assert_eq!(
            snap.tx_status("t2").unwrap().unwrap().code,
            TxValidationCode::MVCC_READ_CONFLICT
        );
        assert!(snap.tx_exists("t1").unwrap());
        assert!(!snap.tx_exists("t3").unwrap());
    }
}
