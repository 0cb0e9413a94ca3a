//! How the store reaches its database file: the real file, or, in tests, a backend that
//! fails the way a full disk does.
//!
//! Why a seam here: after a failed write redb refuses every later operation
//! (`PreviousIo`) until the database is closed and opened again, so the store must be
//! able to open the file more than once in a process. Tests reproduce `ENOSPC` by
//! opening the file through a wrapping [`redb::StorageBackend`] they can switch to
//! failing and back, with everything else (redb, the file, the committer) real.

use std::path::Path;

use redb::{Database, DatabaseError};

/// Opens the ledger's redb database; called at open and again after a failed write.
pub trait Disk: Send + Sync + 'static {
    /// Opens (or creates) the database at `path`.
    fn open(&self, path: &Path) -> Result<Database, DatabaseError>;
}

/// The real file, through redb's own file backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileDisk;

impl Disk for FileDisk {
    fn open(&self, path: &Path) -> Result<Database, DatabaseError> {
        Database::create(path)
    }
}
