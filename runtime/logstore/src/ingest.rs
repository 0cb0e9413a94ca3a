//! What the writer thread does to the database: insert queued writes in one transaction,
//! and run catalogue and retention commands. No threading here; see [`crate::writer`].

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rusqlite::{Connection, TransactionBehavior};

use crate::batch::Pending;
use crate::catalog::{self, Catalog};
use crate::error::{Result, SqliteContext};
use crate::insert::{self, Buffers};
use crate::model::LogstoreConfig;
use crate::retention;

/// The writer's connection plus its caches and scratch buffers.
pub(crate) struct Ingest {
    /// The only connection that writes.
    conn: Connection,
    /// Database file, for error messages.
    path: PathBuf,
    /// Logstore ids, shard cursors and sequences.
    catalog: Catalog,
    /// Reused JSON buffers.
    bufs: Buffers,
}

impl Ingest {
    /// Wraps the (already migrated) writer connection.
    pub(crate) fn new(conn: Connection, path: &Path) -> Self {
        Self {
            conn,
            path: path.to_path_buf(),
            catalog: Catalog::default(),
            bufs: Buffers::default(),
        }
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Inserts every queued write of `items` (in order) in one transaction; see
    /// `insert.rs` for how they become groups. On error nothing is written and the cache is
    /// reset, so the same writes can be retried.
    pub(crate) fn insert<'a>(
        &mut self,
        items: impl Iterator<Item = &'a Pending>,
    ) -> rusqlite::Result<()> {
        let result = self.insert_inner(items);
        if result.is_err() {
            self.catalog.clear();
        }
        result
    }

    fn insert_inner<'a>(
        &mut self,
        items: impl Iterator<Item = &'a Pending>,
    ) -> rusqlite::Result<()> {
        let now = SystemTime::now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        insert::insert_all(&tx, &mut self.catalog, &mut self.bufs, items, now)?;
        self.catalog.persist_counters(&tx, now)?;
        tx.commit()
    }

    /// Creates or updates a project.
    pub(crate) fn ensure_project(&mut self, name: &str, description: &str) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(&self.path, "creating a project")?;
        catalog::ensure_project(&tx, name, description, SystemTime::now())
            .ctx(&self.path, "creating a project")?;
        tx.commit().ctx(&self.path, "creating a project")
    }

    /// Creates or updates a logstore (and its project).
    pub(crate) fn ensure_logstore(
        &mut self,
        project: &str,
        name: &str,
        config: LogstoreConfig,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(&self.path, "creating a logstore")?;
        catalog::ensure_logstore(&tx, project, name, config, SystemTime::now())
            .ctx(&self.path, "creating a logstore")?;
        tx.commit().ctx(&self.path, "creating a logstore")?;
        // The shard count may have changed: reload on next use.
        self.catalog.forget(project, name);
        Ok(())
    }

    /// Runs a TTL sweep.
    pub(crate) fn sweep(&mut self, now: SystemTime) -> Result<u64> {
        retention::sweep(&mut self.conn, now).ctx(&self.path, "deleting expired logs")
    }
}
