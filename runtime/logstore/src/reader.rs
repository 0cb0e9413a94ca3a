//! [`LogReader`]: a read-only connection of its own, running concurrently with the writer
//! thanks to WAL (a reader sees the last commit made before its statement started).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::codec;
use crate::error::{LogStoreError, Result, SqliteContext};
use crate::migrations::latest_version;
use crate::model::{
    LogQuery, LogstoreConfig, LogstoreInfo, ProjectInfo, StoredLog, from_unix_nanos,
    from_unix_seconds,
};
use crate::query::{self, Scope};
use crate::schema::{self, Role};

// Time budget, size limits and cancellation of queries.
pub(crate) mod budget;
// SLS shard API: ListShards, GetCursor, GetCursorTime, PullLogs.
mod cursors;
// Reading in row-id order, for followers such as log forwarding.
mod follow;
mod pull;
mod shards;

/// Reads logs and the catalogue. Owns one SQLite connection: `Send`, not `Sync`; open one
/// per thread (they are cheap) with [`crate::LogStore::reader`] or [`LogReader::open`].
#[derive(Debug)]
pub struct LogReader {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    /// The query running on `conn`, as its progress handler sees it (see [`budget`]).
    pub(crate) watch: budget::Watch,
    /// A second connection under the same watch, opened on first use, scanning half of a
    /// large GROUP BY's lines on another core (`crate::search::parallel`).
    pub(crate) helper: std::sync::OnceLock<std::sync::Mutex<Connection>>,
    /// How long connections wait for a lock, for opening `helper` like `conn`.
    pub(crate) busy_timeout: Duration,
}

/// How long a reader waits for the writer to commit what it spooled (it does within its
/// `commit_delay`, 5 ms by default) before it reads what is committed anyway.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(2);

/// Registers the SQL functions queries use on a reader connection and puts it under `watch`.
pub(crate) fn prepare(conn: &mut Connection, path: &Path, watch: &budget::Watch) -> Result<()> {
    query::register_functions(conn).ctx(path, "registering SQL functions")?;
    crate::udf::register(conn).ctx(path, "registering the SLS SQL functions")?;
    budget::install(conn, watch).ctx(path, "setting the query limits")
}

impl LogReader {
    /// Opens a reader on an existing logstore database without starting a writer, e.g. for
    /// `fclocal logs` while another process serves. The file must already carry the
    /// schema this build writes (open it once with [`crate::LogStore::open`] to migrate).
    pub fn open(path: &Path) -> Result<LogReader> {
        if !path.exists() {
            return Err(LogStoreError::NotFound {
                path: path.to_path_buf(),
            });
        }
        Self::open_with(path, crate::store::DEFAULT_BUSY_TIMEOUT)
    }

    pub(crate) fn open_with(path: &Path, busy_timeout: Duration) -> Result<LogReader> {
        let mut conn = schema::open_connection(path, Role::Reader, busy_timeout)?;
        let version = schema::schema_version(&conn, path)?;
        let latest = latest_version();
        if version > latest {
            return Err(LogStoreError::SchemaTooNew {
                path: path.to_path_buf(),
                found: version,
                supported: latest,
            });
        }
        if version < latest {
            return Err(LogStoreError::SchemaTooOld {
                path: path.to_path_buf(),
                found: version,
                latest,
            });
        }
        let watch = budget::Watch::default();
        prepare(&mut conn, path, &watch)?;
        let reader = LogReader {
            conn,
            path: path.to_path_buf(),
            watch,
            helper: std::sync::OnceLock::new(),
            busy_timeout,
        };
        reader.catch_up()?;
        Ok(reader)
    }

    /// Waits until every line whose invocation was answered before this call (made durable
    /// in the writer's spool by [`crate::LogWriter::append_keyed_and_flush`]) is committed,
    /// so this reader's next query sees it. Opening a reader does this; call it again before
    /// reusing a reader for a new request. Takes at most the writer's `commit_delay` (5 ms by
    /// default) when something is spooled, and one file check when nothing is.
    pub fn catch_up(&self) -> Result<()> {
        let database_id = self.database_id()?;
        let last = match crate::spool::last_spooled(&self.path, &database_id) {
            Ok(Some(last)) => last,
            Ok(None) => return Ok(()),
            Err(error) => {
                // Only freshness is at stake: read what is committed.
                tracing::debug!(path = %self.path.display(), %error, "cannot read the log spool");
                return Ok(());
            }
        };
        let started = Instant::now();
        let mut mark = self
            .conn
            .prepare_cached("SELECT spooled_up_to FROM meta")
            .ctx(&self.path, "reading the spool's mark")?;
        loop {
            let committed: i64 = mark
                .query_row([], |row| row.get(0))
                .ctx(&self.path, "reading the spool's mark")?;
            if u64::try_from(committed).unwrap_or(0) >= last {
                return Ok(());
            }
            if started.elapsed() >= CATCH_UP_LIMIT {
                tracing::warn!(path = %self.path.display(), "the logstore writer has not committed its spooled lines after 2 s; reading without them");
                return Ok(());
            }
            // The writer commits within milliseconds; nothing signals it across processes.
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The database file this reader reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `PRAGMA user_version`: how many schema migrations the file has had.
    pub fn schema_version(&self) -> Result<i64> {
        schema::schema_version(&self.conn, &self.path)
    }

    /// Lines matching `q`, in time order (oldest first unless `q.newest_first`), ties by id.
    ///
    /// Errors with [`LogStoreError::UnknownProject`] / [`LogStoreError::UnknownLogstore`]
    /// when `q` names one that does not exist (like SLS's `ProjectNotExist` /
    /// `LogStoreNotExist`).
    pub fn query(&self, q: &LogQuery) -> Result<Vec<StoredLog>> {
        let scope = match (&q.project, &q.logstore) {
            (None, None) => Scope::All,
            (None, Some(logstore)) => {
                return Err(LogStoreError::LogstoreWithoutProject {
                    logstore: logstore.clone(),
                });
            }
            (Some(project), None) => {
                self.require_project(project)?;
                Scope::Project(project.clone())
            }
            (Some(project), Some(logstore)) => {
                Scope::Logstore(self.logstore_id(project, logstore)?)
            }
        };
        let sql = query::build(q, scope);
        let mut stmt = self
            .conn
            .prepare_cached(&sql.text)
            .ctx(&self.path, "preparing a log query")?;
        let mut rows = stmt
            .query(sql.params().as_slice())
            .ctx(&self.path, "querying logs")?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().ctx(&self.path, "querying logs")? {
            out.push(self.decode_row(row)?);
        }
        Ok(out)
    }

    /// Every project, by name.
    pub fn projects(&self) -> Result<Vec<ProjectInfo>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, description, created FROM projects ORDER BY name")
            .ctx(&self.path, "listing projects")?;
        let rows = stmt
            .query_map([], |row| {
                Ok(ProjectInfo {
                    name: row.get(0)?,
                    description: row.get(1)?,
                    created: from_unix_seconds(row.get(2)?),
                })
            })
            .ctx(&self.path, "listing projects")?;
        rows.collect::<rusqlite::Result<_>>()
            .ctx(&self.path, "listing projects")
    }

    /// The logstores of `project`, by name; [`LogStoreError::UnknownProject`] if it does
    /// not exist.
    pub fn logstores(&self, project: &str) -> Result<Vec<LogstoreInfo>> {
        self.require_project(project)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, ttl_days, shard_count, created, last_modified
                 FROM logstores WHERE project = ?1 ORDER BY name",
            )
            .ctx(&self.path, "listing logstores")?;
        let rows = stmt
            .query_map([project], |row| {
                Ok(LogstoreInfo {
                    project: project.to_owned(),
                    name: row.get(0)?,
                    config: LogstoreConfig {
                        ttl_days: row.get(1)?,
                        shard_count: row.get(2)?,
                    },
                    created: from_unix_seconds(row.get(3)?),
                    last_modified: from_unix_seconds(row.get(4)?),
                })
            })
            .ctx(&self.path, "listing logstores")?;
        rows.collect::<rusqlite::Result<_>>()
            .ctx(&self.path, "listing logstores")
    }

    /// Errors unless `project` exists.
    fn require_project(&self, project: &str) -> Result<()> {
        let found: Option<i64> = self
            .conn
            .prepare_cached("SELECT 1 FROM projects WHERE name = ?1")
            .and_then(|mut s| s.query_row([project], |row| row.get(0)).optional())
            .ctx(&self.path, "looking up a project")?;
        if found.is_some() {
            return Ok(());
        }
        let known = self.names("SELECT name FROM projects ORDER BY name", None)?;
        Err(LogStoreError::UnknownProject {
            path: self.path.clone(),
            project: project.to_owned(),
            known,
        })
    }

    /// The id of `project/logstore`, or a helpful error.
    pub(crate) fn logstore_id(&self, project: &str, logstore: &str) -> Result<i64> {
        let id: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM logstores WHERE project = ?1 AND name = ?2")
            .and_then(|mut s| {
                s.query_row(params![project, logstore], |row| row.get(0))
                    .optional()
            })
            .ctx(&self.path, "looking up a logstore")?;
        if let Some(id) = id {
            return Ok(id);
        }
        self.require_project(project)?;
        let known = self.names(
            "SELECT name FROM logstores WHERE project = ?1 ORDER BY name",
            Some(project),
        )?;
        Err(LogStoreError::UnknownLogstore {
            path: self.path.clone(),
            project: project.to_owned(),
            logstore: logstore.to_owned(),
            known,
        })
    }

    /// Comma-separated names for error messages (`none` when empty).
    fn names(&self, sql: &str, arg: Option<&str>) -> Result<String> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .ctx(&self.path, "listing names")?;
        let params: Vec<&str> = arg.into_iter().collect();
        let names: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(params), |row| row.get(0))
            .and_then(|rows| rows.collect())
            .ctx(&self.path, "listing names")?;
        Ok(if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        })
    }

    /// Builds a [`StoredLog`] from a row of [`query::build`]'s SELECT.
    pub(crate) fn decode_row(&self, row: &Row<'_>) -> Result<StoredLog> {
        let get = |e: rusqlite::Error| LogStoreError::sqlite(&self.path, "reading a log row", e);
        let id: i64 = row.get(0).map_err(get)?;
        let corrupt = |reason: String| LogStoreError::CorruptRow {
            path: self.path.clone(),
            id,
            reason,
        };
        let shard: i64 = row.get(3).map_err(get)?;
        let seq: i64 = row.get(4).map_err(get)?;
        let tags: Option<String> = row.get(8).map_err(get)?;
        let contents: String = row.get(9).map_err(get)?;
        Ok(StoredLog {
            id,
            project: row.get(1).map_err(get)?,
            logstore: row.get(2).map_err(get)?,
            shard: u32::try_from(shard).map_err(|_| corrupt(format!("shard {shard}")))?,
            seq: u64::try_from(seq).map_err(|_| corrupt(format!("seq {seq}")))?,
            time: from_unix_nanos(row.get(5).map_err(get)?),
            topic: row.get(6).map_err(get)?,
            source: row.get(7).map_err(get)?,
            tags: match tags {
                None => Vec::new(),
                Some(t) => codec::decode(&t).map_err(|e| corrupt(format!("tags: {e}")))?,
            },
            contents: codec::decode(&contents).map_err(|e| corrupt(format!("contents: {e}")))?,
        })
    }
}
