//! What the writer thread does to the database: insert queued writes in one transaction,
//! and run catalogue and retention commands. No threading here; see [`crate::writer`].

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use rusqlite::{Connection, TransactionBehavior};

use crate::batch::Pending;
use crate::catalog::{self, Catalog};
use crate::error::{Result, SqliteContext};
use crate::insert::{self, Buffers};
use crate::key_counts::KeyBatch;
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
    /// Value counts of lines committed since they were last written (see
    /// [`KEY_COUNTS_EVERY`]).
    keys: KeyBatch,
    /// When `keys` was last written.
    keys_written: Instant,
}

/// How often the per-minute value counts of every content key (`crate::key_counts`) are
/// written: with the first commit after this long, or once [`KEY_COUNTS_LINES`] lines
/// wait. Writing them in every transaction cost a server's per-request commit (the answer
/// waits for it) about twenty more statements and several more pages. They need not be
/// written with their lines: a minute and topic is answered from them only while their
/// line count equals that topic's lines of the minute in `log_rollups` (which are written
/// with the lines), so counts that are still pending, or lost in a crash or a failed
/// commit, only make that minute read its lines instead.
const KEY_COUNTS_EVERY: Duration = Duration::from_secs(1);

/// See [`KEY_COUNTS_EVERY`].
const KEY_COUNTS_LINES: usize = 50_000;

impl Ingest {
    /// Wraps the (already migrated) writer connection.
    pub(crate) fn new(conn: Connection, path: &Path) -> Self {
        Self {
            conn,
            path: path.to_path_buf(),
            catalog: Catalog::default(),
            bufs: Buffers::default(),
            keys: KeyBatch::default(),
            keys_written: Instant::now(),
        }
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Inserts every queued write of `items` (in order) in one transaction; see
    /// `insert.rs` for how they become groups. `spooled_up_to`, when the writes include
    /// every spooled one, moves the spool's mark in the same transaction (`spool.rs`). On
    /// error nothing is written and the cache is reset, so the same writes can be retried.
    pub(crate) fn insert<'a>(
        &mut self,
        items: impl Iterator<Item = &'a Pending>,
        spooled_up_to: Option<u64>,
    ) -> rusqlite::Result<()> {
        let result = self.insert_inner(items, spooled_up_to);
        if result.is_err() {
            self.catalog.clear();
            // The batch may hold lines that were not committed: drop it (those minutes are
            // then read from their lines, see KEY_COUNTS_EVERY).
            self.keys = KeyBatch::default();
        }
        result
    }

    fn insert_inner<'a>(
        &mut self,
        items: impl Iterator<Item = &'a Pending>,
        spooled_up_to: Option<u64>,
    ) -> rusqlite::Result<()> {
        let now = SystemTime::now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        insert::insert_all(
            &tx,
            &mut self.catalog,
            &mut self.bufs,
            &mut self.keys,
            items,
            now,
        )?;
        if self.keys.lines() >= KEY_COUNTS_LINES || self.keys_written.elapsed() >= KEY_COUNTS_EVERY
        {
            self.keys.flush(&tx)?;
            self.keys_written = Instant::now();
        }
        self.catalog.persist_counters(&tx, now)?;
        if let Some(frame) = spooled_up_to {
            tx.prepare_cached("UPDATE meta SET spooled_up_to = ?1")?
                .execute([i64::try_from(frame).unwrap_or(i64::MAX)])?;
        }
        tx.commit()
    }

    /// The database's id and the spool's mark (`meta`, migrations 4 and 6).
    pub(crate) fn spool_state(&self) -> rusqlite::Result<(String, u64)> {
        self.conn
            .query_row("SELECT database_id, spooled_up_to FROM meta", [], |row| {
                let mark: i64 = row.get(1)?;
                Ok((row.get(0)?, u64::try_from(mark).unwrap_or(0)))
            })
    }

    /// Writes the pending value counts (before a sweep, and when the writer stops).
    pub(crate) fn write_key_counts(&mut self) -> rusqlite::Result<()> {
        if self.keys.lines() == 0 {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let written = self.keys.flush(&tx).and_then(|()| tx.commit());
        // Written or not, they are gone from the batch; unwritten ones only cost speed.
        self.keys = KeyBatch::default();
        self.keys_written = Instant::now();
        written
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
        // Pending counts of lines the sweep deletes would otherwise be written after it
        // dropped the counts of their minutes. If they cannot be written they are gone
        // anyway (those minutes read their lines), which must not hold back retention.
        if let Err(error) = self.write_key_counts() {
            tracing::warn!(path = %self.path.display(), %error, "could not write the per-minute value counts before a sweep");
        }
        retention::sweep(&mut self.conn, now).ctx(&self.path, "deleting expired logs")
    }
}
