//! [`LogStore`]: opens the database, owns the writer thread, hands out writers and readers.

use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use crate::batch::Pending;
use crate::checkpoint::{self, Checkpointer};
use crate::error::{LogStoreError, Result, SqliteContext as _};
use crate::ingest::Ingest;
use crate::model::{LogstoreConfig, validate_name};
use crate::reader::LogReader;
use crate::schema::{self, Role};
use crate::spool::{self, Opened, Spool};
use crate::writer::{self, Command, LogWriter, Shared, SpoolBox, Spooling};
use std::sync::Mutex;

/// How long a connection waits for another process's lock before failing.
pub(crate) const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Tuning knobs for [`LogStore::open_with`]; [`LogStore::open`] uses the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// How long SQLite waits for a lock held by another process before an operation fails
    /// with [`LogStoreError::Locked`]. Default 5 s.
    pub busy_timeout: Duration,
    /// Most records the writer puts in one transaction before committing. Default 4,096.
    pub max_batch: usize,
    /// How long a queued line may wait for its commit when the store owns a spool
    /// (`logs.db-spool`, see [`crate::LogWriter::append_keyed_and_flush`]): invocations are
    /// answered once their lines are spooled, and committed together at most this much
    /// later. Zero: no spool, every flush waits for a commit and the writer commits
    /// whenever its queue runs empty. Default 5 ms.
    pub commit_delay: Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            max_batch: 4096,
            commit_delay: Duration::from_millis(5),
        }
    }
}

/// The logstore database: one SQLite file holding every project, plus the one thread that
/// writes to it.
///
/// Not `Clone`: this handle *is* the store's lifetime. Share writing with
/// [`LogStore::writer`] (cloneable) and reading with [`LogStore::reader`]; [`LogStore::close`]
/// (or dropping the store) stops accepting appends, commits everything accepted and joins the
/// writer thread.
pub struct LogStore {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<Result<()>>>,
    checkpointer: Checkpointer,
    options: OpenOptions,
}

impl std::fmt::Debug for LogStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogStore")
            .field("path", &self.shared.path)
            .field("options", &self.options)
            .finish()
    }
}

impl LogStore {
    /// Opens (creating it and its parent directories if needed) the database at `path`,
    /// migrates its schema and starts the writer thread. A schema older than this build's
    /// is not migrated while a running fclocal holds the database's spool
    /// ([`LogStoreError::InUseByOlderFclocal`]).
    pub fn open(path: &Path) -> Result<LogStore> {
        Self::open_with(path, OpenOptions::default())
    }

    /// [`LogStore::open`] with explicit [`OpenOptions`].
    pub fn open_with(path: &Path, options: OpenOptions) -> Result<LogStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| LogStoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let mut conn = schema::open_connection(path, Role::Writer, options.busy_timeout)?;
        crate::udf::register_for_migrations(&conn)
            .ctx(path, "registering the functions migrations use")?;
        let version = schema::migrate(&mut conn, path, |found| refuse_if_running(path, found))?;
        tracing::debug!(path = %path.display(), version, "opened logstore database");
        let checkpointer = Checkpointer::start(path, options.busy_timeout)?;
        if let Some(nudge) = checkpointer.nudger() {
            // Replaces SQLite's automatic checkpoint (see `checkpoint.rs`).
            conn.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, pages| {
                if pages >= checkpoint::WAL_PAGES_BEFORE_CHECKPOINT {
                    checkpoint::request(&nudge);
                }
                Ok(())
            }))
            .ctx(path, "installing the WAL hook")?;
        }

        let (tx, rx) = crossbeam_channel::unbounded::<Command>();
        let mut ingest = Ingest::new(conn, path);
        let spooling = if options.commit_delay.is_zero() {
            None
        } else {
            open_spool(&mut ingest, path, options.commit_delay)?
        };
        let spool = spooling
            .as_ref()
            .map(|spooling| Arc::clone(&spooling.spool));
        let thread = std::thread::Builder::new()
            .name("fclocal-logstore-writer".to_owned())
            .spawn(move || writer::run(ingest, rx, options.max_batch, spooling))
            .map_err(|source| LogStoreError::WriterThread {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(LogStore {
            shared: Arc::new(Shared::new(path.to_path_buf(), tx, spool)),
            thread: Some(thread),
            checkpointer,
            options,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Creates `name` if missing. A non-empty `description` that differs from the stored
    /// one replaces it; an empty one leaves it alone.
    pub fn ensure_project(&self, name: &str, description: &str) -> Result<()> {
        validate_name("project", name)?;
        self.shared.call(|reply| Command::EnsureProject {
            name: name.to_owned(),
            description: description.to_owned(),
            reply,
        })
    }

    /// Creates `project/name` (and `project`) if missing, or updates its TTL and shard count
    /// when they differ. Appends queued before this call are committed first (unless they
    /// are held after a failed commit, see [`LogWriter`]).
    ///
    /// Shrinking the shard count keeps the lines already in the dropped shards; new lines go
    /// to the remaining ones.
    pub fn ensure_logstore(&self, project: &str, name: &str, config: LogstoreConfig) -> Result<()> {
        validate_name("project", project)?;
        validate_name("logstore", name)?;
        config.validate(project, name)?;
        self.shared.call(|reply| Command::EnsureLogstore {
            project: project.to_owned(),
            name: name.to_owned(),
            config,
            reply,
        })
    }

    /// A handle for appending lines; clone it freely.
    pub fn writer(&self) -> LogWriter {
        LogWriter {
            shared: Arc::clone(&self.shared),
        }
    }

    /// A new reader with its own connection.
    pub fn reader(&self) -> Result<LogReader> {
        LogReader::open_with(self.path(), self.options.busy_timeout)
    }

    /// TTL retention: deletes every line older than `now - ttl_days` of its logstore (never
    /// for `ttl_days >= 3650`) and returns how many were deleted. Appends queued before this
    /// call are committed first (as for [`LogStore::ensure_logstore`]). `now` is injected so
    /// callers and tests control the clock.
    pub fn sweep_expired(&self, now: SystemTime) -> Result<u64> {
        self.shared.call(|reply| Command::Sweep { now, reply })
    }

    /// Stops accepting appends, commits everything already accepted and joins the writer
    /// thread. Reports a write failure that no flush reported yet.
    pub fn close(mut self) -> Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<()> {
        self.shared.close();
        let written = match self.thread.take() {
            None => Ok(()),
            Some(handle) => handle.join().unwrap_or_else(|_| {
                Err(LogStoreError::WriterPanicked {
                    path: self.shared.path.clone(),
                })
            }),
        };
        // After the writer: the final checkpoint sees every commit.
        self.checkpointer.stop();
        written
    }
}

/// Refuses to migrate the database at `path` (schema version `found`) while another store
/// holds its spool: a running fclocal owns it, and its SQL is written for the old schema
/// (migration 7, for one, rebuilds the key counts' tables with another primary key, which
/// a version-6 server's upserts name as their conflict target). A store on a current file
/// still opens beside it (see [`open_spool`]). Checked inside the migration's transaction,
/// so a store that migrated the file a moment ago (and holds the spool now) is not taken
/// for an old one.
fn refuse_if_running(path: &Path, found: i64) -> Result<()> {
    let [spool_path, _] = spool::paths_of(path);
    let held = spool::held_by_another_store(path).map_err(|source| LogStoreError::Spool {
        path: spool_path.clone(),
        action: "check the lock of",
        source,
    })?;
    if !held {
        return Ok(());
    }
    let data_dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    Err(LogStoreError::InUseByOlderFclocal {
        path: path.to_path_buf(),
        data_dir,
        spool: spool_path,
        found,
        latest: crate::migrations::latest_version(),
    })
}

/// Opens and locks the spool of the database at `path` and commits what a process that
/// stopped left in it; `None` when another store holds it (that store's process commits
/// its own; this one then commits every flush).
fn open_spool(ingest: &mut Ingest, path: &Path, delay: Duration) -> Result<Option<Spooling>> {
    let [spool_path, _] = spool::paths_of(path);
    let spool_error = |action, source| LogStoreError::Spool {
        path: spool_path.clone(),
        action,
        source,
    };
    let (database_id, mark) = ingest.spool_state().ctx(path, "reading the spool's mark")?;
    let (mut spool, frames) = match Spool::open(path, &database_id, mark) {
        Ok(Opened::Owned { spool, frames }) => (spool, frames),
        Ok(Opened::Busy) => {
            tracing::debug!(path = %spool_path.display(), "the log spool is held by another store; committing every flush");
            return Ok(None);
        }
        Err(source) => return Err(spool_error("open", source)),
    };
    if let Some(&(last, _)) = frames.last() {
        let writes: Vec<Pending> = frames
            .into_iter()
            .flat_map(|(_, writes)| writes)
            .map(Pending::Records)
            .collect();
        let lines = writes.iter().map(Pending::lines).sum();
        ingest
            .insert(writes.iter(), Some(last))
            .map_err(|source| LogStoreError::SpoolReplay {
                spool: spool_path.clone(),
                lines,
                source,
            })?;
        tracing::info!(path = %spool_path.display(), lines, "committed the log lines the last run had acknowledged but not committed");
        spool
            .reset(&database_id)
            .map_err(|source| spool_error("reset", source))?;
    }
    Ok(Some(Spooling {
        spool: Arc::new(Mutex::new(SpoolBox {
            spool: Some(spool),
            inbox: Vec::new(),
        })),
        delay,
    }))
}

impl Drop for LogStore {
    /// Same as [`LogStore::close`]; a failure can only be logged here.
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::error!(error = %e, "closing the logstore failed");
        }
    }
}
