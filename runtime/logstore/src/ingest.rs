//! What the writer thread does to the database: insert append groups in one transaction,
//! and run catalogue and retention commands. No threading here; see [`crate::writer`].

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rusqlite::{Connection, TransactionBehavior, params};

use crate::catalog::{self, Catalog};
use crate::codec;
use crate::error::{Result, SqliteContext};
use crate::model::{LogRecord, LogstoreConfig, to_unix_nanos};
use crate::retention;

/// The one insert statement, cached on the connection.
const INSERT_LOG: &str = "INSERT INTO logs
    (logstore_id, shard, seq, time_ns, topic, source, tags, contents)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/// The writer's connection plus its caches and scratch buffers.
pub(crate) struct Ingest {
    /// The only connection that writes.
    conn: Connection,
    /// Database file, for error messages.
    path: PathBuf,
    /// Logstore ids, shard cursors and sequences.
    catalog: Catalog,
    /// Reused JSON buffers (contents, tags), so encoding allocates nothing per line.
    contents_buf: Vec<u8>,
    tags_buf: Vec<u8>,
}

impl Ingest {
    /// Wraps the (already migrated) writer connection.
    pub(crate) fn new(conn: Connection, path: &Path) -> Self {
        Self {
            conn,
            path: path.to_path_buf(),
            catalog: Catalog::default(),
            contents_buf: Vec::with_capacity(1024),
            tags_buf: Vec::with_capacity(256),
        }
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Inserts every group of `groups` (in order) in one transaction. Each inner `Vec` is one
    /// `append` call, treated like an SLS LogGroup: all its lines for a logstore go to the
    /// same shard, with consecutive `seq`s. On error nothing is written and the cache is
    /// reset, so the same groups can be retried.
    pub(crate) fn insert<'a>(
        &mut self,
        groups: impl Iterator<Item = &'a Vec<LogRecord>>,
    ) -> rusqlite::Result<()> {
        let result = self.insert_inner(groups);
        if result.is_err() {
            self.catalog.clear();
        }
        result
    }

    fn insert_inner<'a>(
        &mut self,
        groups: impl Iterator<Item = &'a Vec<LogRecord>>,
    ) -> rusqlite::Result<()> {
        let Self {
            conn,
            catalog,
            contents_buf,
            tags_buf,
            ..
        } = self;
        let now = SystemTime::now();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(INSERT_LOG)?;
            // (logstore id, shard) chosen for the current group; groups rarely span more
            // than one logstore, so a tiny vector beats a map.
            let mut group_shards: Vec<(i64, u32)> = Vec::with_capacity(2);
            for group in groups {
                group_shards.clear();
                for rec in group {
                    let state = catalog.resolve(&tx, &rec.project, &rec.logstore, now)?;
                    let shard = match group_shards.iter().find(|(id, _)| *id == state.id) {
                        Some(&(_, shard)) => shard,
                        None => {
                            let shard = state.next_group_shard();
                            group_shards.push((state.id, shard));
                            shard
                        }
                    };
                    let seq = state.take_seq(shard);
                    let contents =
                        codec::encode_into(contents_buf, &rec.contents).map_err(to_sql_err)?;
                    let tags = if rec.tags.is_empty() {
                        None
                    } else {
                        Some(codec::encode_into(tags_buf, &rec.tags).map_err(to_sql_err)?)
                    };
                    insert.execute(params![
                        state.id,
                        shard,
                        // Sequence numbers stay far below i64::MAX.
                        seq as i64,
                        to_unix_nanos(rec.time),
                        rec.topic,
                        rec.source,
                        tags,
                        contents,
                    ])?;
                }
            }
        }
        catalog.persist_seqs(&tx)?;
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

/// JSON encoding of string pairs cannot really fail; if it ever does, fail the transaction
/// like any other bind error instead of panicking.
fn to_sql_err(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}
