//! The one error type of the crate.
//!
//! Every variant names the database file (and the project/logstore when there is one) and
//! its message says what the user can do about it; the underlying SQLite error stays in the
//! `source` chain so the CLI's `Caused by:` list shows it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::ErrorCode;

/// Everything that can go wrong opening, writing or reading a logstore database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogStoreError {
    /// The directory that should hold the database could not be created.
    #[error("cannot create the directory {} for the logstore database; check its permissions or choose another data directory", path.display())]
    CreateDir {
        /// The directory we tried to create.
        path: PathBuf,
        /// What the filesystem said.
        #[source]
        source: std::io::Error,
    },

    /// The file exists but is not a SQLite database (or is damaged beyond opening).
    #[error("{} is not a logstore database (not SQLite, or corrupted); move it away so fclocal can create a fresh one, or point fclocal at another file", path.display())]
    NotADatabase {
        /// The database file.
        path: PathBuf,
        /// SQLite's complaint.
        #[source]
        source: rusqlite::Error,
    },

    /// The file is a SQLite database, but one written by another program.
    #[error("{} is a SQLite database of another program (it has tables but no fclocal schema version); point fclocal at another file", path.display())]
    ForeignDatabase {
        /// The database file.
        path: PathBuf,
    },

    /// The database was written by a newer fclocal whose schema this build does not know.
    #[error("the logstore database {} has schema version {found}, newer than the {supported} this fclocal understands; upgrade fclocal or use another data directory", path.display())]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// `PRAGMA user_version` found in the file.
        found: i64,
        /// The newest version this build can migrate to.
        supported: i64,
    },

    /// The database needs a schema migration, but a running fclocal (the process holding
    /// its log spool) still uses it: that fclocal's SQL is written for the old schema, so
    /// migrating under it would make its later commits fail.
    #[error("the logstore database {} has schema version {found} and this fclocal must migrate it to version {latest}, but another fclocal is running on the data directory {} (it holds the log spool {}); stop the running fclocal, or start this one after it exits", path.display(), data_dir.display(), spool.display())]
    InUseByOlderFclocal {
        /// The database file.
        path: PathBuf,
        /// The directory holding it.
        data_dir: PathBuf,
        /// The spool file the running fclocal holds locked.
        spool: PathBuf,
        /// `PRAGMA user_version` found in the file (left as it is).
        found: i64,
        /// The version this build would migrate to.
        latest: i64,
    },

    /// [`crate::LogReader::open`] was pointed at a file that does not exist.
    #[error("the logstore database {} does not exist; run fclocal (invoke or start) once to create it, or check the path", path.display())]
    NotFound {
        /// The missing file.
        path: PathBuf,
    },

    /// [`crate::LogReader::open`] found a database whose schema has not been migrated yet.
    #[error("the logstore database {} has schema version {found} but this fclocal reads version {latest}; open it once with fclocal (invoke or start) to migrate it", path.display())]
    SchemaTooOld {
        /// The database file.
        path: PathBuf,
        /// `PRAGMA user_version` found in the file.
        found: i64,
        /// The version this build writes.
        latest: i64,
    },

    /// Another process holds the write lock for longer than the busy timeout.
    #[error("the logstore database {} is locked by another process; stop the other fclocal using it or choose another data directory", path.display())]
    Locked {
        /// The database file.
        path: PathBuf,
        /// SQLite's `SQLITE_BUSY` error.
        #[source]
        source: rusqlite::Error,
    },

    /// A project name given to a read call does not exist.
    #[error("unknown project {project:?} in {}; known projects: {known}", path.display())]
    UnknownProject {
        /// The database file.
        path: PathBuf,
        /// The project asked for.
        project: String,
        /// Comma-separated list of the projects that do exist (or `none`).
        known: String,
    },

    /// A logstore named by a read call does not exist in its project.
    #[error("unknown logstore {logstore:?} in project {project:?} ({}); known logstores: {known}", path.display())]
    UnknownLogstore {
        /// The database file.
        path: PathBuf,
        /// The project searched.
        project: String,
        /// The logstore asked for.
        logstore: String,
        /// Comma-separated list of the project's logstores (or `none`).
        known: String,
    },

    /// A cursor or pull call names a shard the logstore does not have.
    #[error("unknown shard {shard} in logstore {project}/{logstore} ({}); its shards are {known}, list them with LogReader::shards (ListShards)", path.display())]
    UnknownShard {
        /// The database file.
        path: PathBuf,
        /// The project.
        project: String,
        /// The logstore.
        logstore: String,
        /// The shard asked for.
        shard: u32,
        /// The shard ids that do exist, e.g. `0, 1`.
        known: String,
    },

    /// A cursor lies beyond the shard's end: the shard never handed it out.
    #[error("invalid cursor {cursor} for shard {shard} of logstore {project}/{logstore} ({}): the shard ends at {end}; get a cursor with LogReader::cursor (GetCursor) instead of making one up", path.display())]
    InvalidCursor {
        /// The database file.
        path: PathBuf,
        /// The project.
        project: String,
        /// The logstore.
        logstore: String,
        /// The shard.
        shard: u32,
        /// The cursor given.
        cursor: u64,
        /// The shard's end cursor (where its next group goes).
        end: u64,
    },

    /// A KeyHash route is not an MD5 hex key.
    #[error(
        "invalid hash key {key:?}: {reason}; a hash key is up to 32 hex digits (the MD5 of the routing value)"
    )]
    InvalidHashKey {
        /// The rejected key.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A logstore query names a logstore without its project.
    #[error("a query for logstore {logstore:?} must also name its project")]
    LogstoreWithoutProject {
        /// The logstore asked for.
        logstore: String,
    },

    /// A project or logstore name is empty or too long.
    #[error("invalid {kind} name {name:?}: {reason}")]
    InvalidName {
        /// `project` or `logstore`.
        kind: &'static str,
        /// The rejected name.
        name: String,
        /// Why it was rejected.
        reason: &'static str,
    },

    /// A logstore configuration is out of the range SLS accepts.
    #[error("invalid configuration for logstore {project}/{logstore}: {reason}")]
    InvalidConfig {
        /// The project.
        project: String,
        /// The logstore.
        logstore: String,
        /// Which value is wrong and the accepted range.
        reason: String,
    },

    /// The store was closed (or its writer thread stopped), so nothing more can be written.
    #[error("the logstore writer for {} has stopped; the LogStore was closed or dropped, reopen it to write more logs", path.display())]
    Closed {
        /// The database file.
        path: PathBuf,
    },

    /// The spool (`logs.db-spool`: acknowledged lines not yet in the database) could not be
    /// opened, read or reset.
    #[error("cannot {action} the log spool {} (lines acknowledged but not yet in the database); check the disk and the file's permissions, or move the file away to start without replaying it", path.display())]
    Spool {
        /// The spool file.
        path: PathBuf,
        /// What was being done, e.g. `open`.
        action: &'static str,
        /// What the filesystem said.
        #[source]
        source: std::io::Error,
    },

    /// Lines left in the spool by a process that stopped could not be committed.
    #[error("cannot commit the {lines} log line(s) left in the spool {} by the last run; nothing was lost, the spool is kept: free disk space (or stop the other process holding the database) and start again", spool.display())]
    SpoolReplay {
        /// The spool file.
        spool: PathBuf,
        /// How many lines wait in it.
        lines: usize,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },

    /// The writer thread could not be started.
    #[error("cannot start the writer thread for the logstore database {}", path.display())]
    WriterThread {
        /// The database file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },

    /// The writer thread panicked (a bug); lines queued at that moment may be lost.
    #[error("the writer thread of the logstore database {} panicked; this is a bug in fclocal, please report it", path.display())]
    WriterPanicked {
        /// The database file.
        path: PathBuf,
    },

    /// Committing appended records failed. Shared by every flush waiting on that commit,
    /// hence the `Arc`.
    #[error("writing {records} log records to {} failed{}", path.display(), if *dropped { "; they were retried once and are now dropped" } else { "; they will be retried with the next write" })]
    Write {
        /// The database file.
        path: PathBuf,
        /// How many records the failed transaction held.
        records: usize,
        /// Whether the records were given up on (second failure) or are kept for a retry.
        dropped: bool,
        /// The SQLite error.
        #[source]
        source: Arc<rusqlite::Error>,
    },

    /// A stored row could not be decoded (the file was edited by hand or damaged).
    #[error("log row {id} in {} is damaged: {reason}", path.display())]
    CorruptRow {
        /// The database file.
        path: PathBuf,
        /// The row's `id`.
        id: i64,
        /// What did not decode.
        reason: String,
    },

    /// Any other SQLite failure; `action` says what we were doing.
    #[error("SQLite failed while {action} in {}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What fclocal was doing, e.g. `querying logs`.
        action: &'static str,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
}

impl LogStoreError {
    /// Classifies a SQLite error: busy becomes [`LogStoreError::Locked`], "not a database"
    /// becomes [`LogStoreError::NotADatabase`], anything else [`LogStoreError::Sqlite`].
    pub(crate) fn sqlite(path: &Path, action: &'static str, source: rusqlite::Error) -> Self {
        let path = path.to_path_buf();
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                Self::Locked { path, source }
            }
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                Self::NotADatabase { path, source }
            }
            _ => Self::Sqlite {
                path,
                action,
                source,
            },
        }
    }
}

/// Result alias used inside the crate.
pub(crate) type Result<T, E = LogStoreError> = std::result::Result<T, E>;

/// Adds `.ctx(path, action)` to rusqlite results so every `?` names the file and the step.
pub(crate) trait SqliteContext<T> {
    /// Wraps the error with [`LogStoreError::sqlite`].
    fn ctx(self, path: &Path, action: &'static str) -> Result<T>;
}

impl<T> SqliteContext<T> for rusqlite::Result<T> {
    fn ctx(self, path: &Path, action: &'static str) -> Result<T> {
        self.map_err(|e| LogStoreError::sqlite(path, action, e))
    }
}
