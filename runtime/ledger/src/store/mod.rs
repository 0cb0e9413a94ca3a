//! The durable store: blocks, transaction index, world state, history and chain metadata in
//! one redb file.
//!
//! A block is committed in ONE redb write transaction (block, state, history, tx index,
//! height and last header hash) with `Durability::Immediate`, so after a crash the ledger
//! is either at the old height or the new one, never in between. Readers take MVCC
//! snapshots ([`Snapshot`]) that never block the committer.
//!
//! A failed write (a full disk) leaves redb refusing every later operation until the file
//! is closed and opened again, so [`Store::commit_block`] does that at once: the file is
//! reopened (redb's recovery drops the half-written transaction) and the ledger keeps
//! serving from its last durable block. If the reopen fails too (the disk is still
//! full), the next access tries again; nothing waits for a restart.

mod disk;
mod snapshot;
pub(crate) mod tables;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use redb::{Database, ReadableDatabase};
use thiserror::Error;

use crate::model::DecodeError;

pub use disk::{Disk, FileDisk};
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
    /// Writing a block failed (typically `ENOSPC`); the store reopened its file and is
    /// back at its last durable block.
    #[error(
        "block {number} could not be written to the ledger database: {source}; none of its transactions were committed: free disk space if the disk is full, then resubmit them (the ledger keeps serving, no restart needed)"
    )]
    WriteFailed {
        /// The block that was not written.
        number: u64,
        /// What redb said.
        source: Box<redb::Error>,
    },
    /// Writing a block failed and the file could not be reopened to learn whether the
    /// block landed (the disk is still full); the next commit checks again.
    #[error(
        "block {number} could not be written to the ledger database ({source}), and whether it landed is unknown until the database can be reopened ({reopen}); free disk space if the disk is full, then look its transactions up before resubmitting them (the ledger reopens at the next request, no restart needed)"
    )]
    WriteUnconfirmed {
        /// The block that may not have been written.
        number: u64,
        /// Why the write failed.
        source: Box<redb::Error>,
        /// Why the reopen failed.
        reopen: Box<redb::DatabaseError>,
    },
    /// The database was closed after a failed write and still cannot be opened (the disk
    /// is still full); every request tries again.
    #[error(
        "the ledger database {path} is closed after a failed write and cannot be reopened yet: {source}; free disk space if the disk is full (the next request tries again, no restart needed)"
    )]
    Unavailable {
        /// The database file.
        path: PathBuf,
        /// What redb said.
        source: Box<redb::DatabaseError>,
    },
    /// A read was cut short because the database it read from was closed and reopened
    /// after a failed write (or is waiting to be): nothing is damaged, and the same request
    /// reads the reopened file when tried again.
    #[error(
        "a ledger read was interrupted: the database was reopened after a failed write while the read ran ({source}); retry the request (free disk space if the disk is full; no restart needed)"
    )]
    Interrupted {
        /// What redb said (`database closed` or `previous I/O error`).
        source: Box<redb::Error>,
    },
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

impl StoreError {
    /// Whether the same request can succeed if tried again once the database is back
    /// (a full disk freed): HTTP answers these with 503, not 500.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            StoreError::Unavailable { .. } | StoreError::Interrupted { .. }
        )
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

/// Turns a redb error met while reading a snapshot into a [`StoreError`]: a database
/// closed under the snapshot (another thread reopened it after a failed write) or one
/// poisoned by a failed write is a retryable [`StoreError::Interrupted`], not damage.
pub(crate) fn read_err<E: Into<redb::Error>>(e: E) -> StoreError {
    let e = e.into();
    if matches!(e, redb::Error::DatabaseClosed | redb::Error::PreviousIo) {
        StoreError::Interrupted {
            source: Box::new(e),
        }
    } else {
        StoreError::Db(Box::new(e))
    }
}

/// Whether redb needs the database closed and reopened before it works again.
fn needs_reopen(e: &redb::Error) -> bool {
    matches!(
        e,
        redb::Error::Io(_) | redb::Error::PreviousIo | redb::Error::DatabaseClosed
    )
}

/// A handle to the ledger database (cheap to clone; clones share one open file).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    disk: Arc<dyn Disk>,
    /// The open database and its generation. Readers hold the read lock only while
    /// beginning a transaction; reopening takes the write lock, so it never races a begin.
    db: RwLock<Slot>,
}

/// The open database, `None` after a failed reopen until the next access opens it.
///
/// Why a generation: a thread that met a failed database reopens it, but by then another
/// thread (the committer after its failed write, or another reader) may already have
/// reopened it; closing that fresh database would fail every snapshot just taken on it.
/// So each database installed gets a new generation, [`Store::with_database`] says which
/// one it used, and [`Store::reopen`] only replaces the generation it was told about.
struct Slot {
    generation: u64,
    database: Option<Database>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish()
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
        Store::open_on(path, Arc::new(FileDisk))
    }

    /// [`Store::open`] through `disk` (tests pass one that can fail like a full disk).
    pub fn open_on(path: impl AsRef<Path>, disk: Arc<dyn Disk>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        let database = open_database(&*disk, &path)?;
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
            inner: Arc::new(Inner {
                path,
                disk,
                db: RwLock::new(Slot {
                    generation: 0,
                    database: Some(database),
                }),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// A consistent snapshot of everything committed so far.
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let begin = |database: &Database| database.begin_read().map_err(redb::Error::from);
        let (first, generation) = self.with_database(begin);
        let txn = match first {
            Ok(txn) => txn,
            // A failed write poisoned the file: reopen once (unless another thread already
            // did) and retry.
            Err(StoreError::Db(e)) if needs_reopen(&e) => {
                self.reopen(generation)?;
                self.with_database(begin).0?
            }
            Err(e) => return Err(e),
        };
        Snapshot::new(txn)
    }

    /// Number of committed blocks.
    pub fn height(&self) -> Result<u64, StoreError> {
        self.snapshot()?.height()
    }

    /// Runs `f` on the open database, opening it first if a reopen failed before. Returns
    /// the generation of the database `f` ran on (for [`Store::reopen`]).
    pub(crate) fn with_database<T>(
        &self,
        f: impl Fn(&Database) -> Result<T, redb::Error>,
    ) -> (Result<T, StoreError>, u64) {
        {
            let slot = self.inner.db.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(database) = slot.database.as_ref() {
                return (f(database).map_err(db), slot.generation);
            }
        }
        let mut slot = self
            .inner
            .db
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if slot.database.is_none() {
            match self.open_again() {
                Ok(database) => slot.install(database),
                Err(e) => return (Err(e), slot.generation),
            }
        }
        let database = slot.database.as_ref().expect("opened just above");
        (f(database).map_err(db), slot.generation)
    }

    /// Closes the database and opens it again, so redb forgets a failed write (its
    /// recovery rolls the file back to the last durable commit). Snapshots taken before
    /// fail from now on with [`StoreError::Interrupted`]; new ones see the reopened file.
    ///
    /// Only if the open database is still generation `expected` (the one the caller saw
    /// fail): when another thread already reopened it, this does nothing, so a late
    /// caller never closes the fresh database under the snapshots just taken on it.
    pub(crate) fn reopen(&self, expected: u64) -> Result<(), StoreError> {
        let mut slot = self
            .inner
            .db
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if slot.generation != expected {
            return Ok(());
        }
        if let Some(old) = slot.database.take() {
            // The old handle already failed; closing it is only to release its file
            // locks, and its own error says nothing new.
            let _ = old.close();
        }
        let database = self.open_again()?;
        slot.install(database);
        Ok(())
    }

    /// Opens the file again after a failure; [`StoreError::Unavailable`] if it cannot.
    fn open_again(&self) -> Result<Database, StoreError> {
        self.inner
            .disk
            .open(&self.inner.path)
            .map_err(|source| StoreError::Unavailable {
                path: self.inner.path.clone(),
                source: Box::new(source),
            })
    }

    /// The current generation of the open database (tests).
    #[cfg(test)]
    fn generation(&self) -> u64 {
        self.inner
            .db
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .generation
    }
}

impl Slot {
    fn install(&mut self, database: Database) {
        self.database = Some(database);
        self.generation += 1;
    }
}

fn open_database(disk: &dyn Disk, path: &Path) -> Result<Database, StoreError> {
    disk.open(path).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source: Box::new(source),
    })
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

    /// A store at `path` holding genesis and one block writing `keys` large values, opened
    /// afresh (nothing of the state table cached yet).
    fn store_with_state(path: &Path, keys: usize) -> Store {
        let store = Store::open(path).unwrap();
        let genesis = Block::new(0, None, vec![]);
        store
            .commit_block(&BlockCommit {
                block: &genesis,
                header_hash: genesis.header.hash(),
                transactions: vec![],
                writes: vec![],
            })
            .unwrap();
        let b1 = Block::new(1, Some(&genesis.header), vec![]);
        let value = "v".repeat(200);
        store
            .commit_block(&BlockCommit {
                block: &b1,
                header_hash: b1.header.hash(),
                transactions: vec![],
                writes: (0..keys)
                    .map(|n| write(&format!("k{n:05}"), Some(&value), Version::new(1, 0)))
                    .collect(),
            })
            .unwrap();
        drop(store);
        Store::open(path).unwrap()
    }

    #[test]
    fn a_late_reopen_never_closes_the_database_another_thread_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_state(&dir.path().join("ledger.redb"), 2_000);
        // Two threads met the same failed database (generation 0); the first reopens it.
        let failed = store.generation();
        store.reopen(failed).unwrap();
        assert_eq!(store.generation(), failed + 1);
        let snapshot = store.snapshot().unwrap();
        // The second one's reopen comes late: it must leave the fresh database alone.
        store.reopen(failed).unwrap();
        assert_eq!(store.generation(), failed + 1);
        assert_eq!(snapshot.state_entries().unwrap().len(), 2_000);
        assert_eq!(snapshot.height().unwrap(), 2);
    }

    #[test]
    fn a_snapshot_whose_database_was_reopened_under_it_says_retry() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_state(&dir.path().join("ledger.redb"), 2_000);
        let (_, generation) = store.with_database(|_| Ok(()));
        let snapshot = store.snapshot().unwrap();
        store.reopen(generation).unwrap();
        // Pages the snapshot never read are gone with the closed file.
        let err = snapshot.state_entries().unwrap_err();
        assert!(matches!(err, StoreError::Interrupted { .. }), "{err:?}");
        assert!(err.is_retryable());
        let text = err.to_string();
        assert!(
            text.contains("retry") && !text.contains("verify") && !text.contains("damaged"),
            "{text}"
        );
        // A new snapshot reads the reopened file.
        assert_eq!(
            store.snapshot().unwrap().state_entries().unwrap().len(),
            2_000
        );
    }
}
