//! Opening connections (pragmas shared by the writer and the readers) and bringing the
//! schema up to date.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{LogStoreError, Result, SqliteContext};
use crate::migrations::{APPLICATION_ID, MIGRATIONS, latest_version};

/// Which end of the store a connection serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The single connection owned by the writer thread.
    Writer,
    /// A [`crate::LogReader`]'s connection: `query_only`, never blocks the writer (WAL).
    Reader,
    /// The checkpointer's connection (see `checkpoint.rs`).
    Checkpointer,
}

/// Opens `path` and applies the connection pragmas.
///
/// - `journal_mode=WAL`: readers and the writer run concurrently; a commit appends to the
///   `-wal` file.
/// - `synchronous=NORMAL`: a commit is in the OS page cache when `COMMIT` returns, so it
///   survives a crash or kill of *this process*; only an OS crash or power loss can take the
///   last transactions back (they are fsynced at the next checkpoint). That is the
///   durability [`crate::LogWriter::flush_blocking`] promises.
/// - `busy_timeout`: how long to wait for another process's lock before reporting
///   [`LogStoreError::Locked`].
pub(crate) fn open_connection(
    path: &Path,
    role: Role,
    busy_timeout: Duration,
) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).ctx(path, "opening the database")?;
    conn.busy_timeout(busy_timeout)
        .ctx(path, "setting the busy timeout")?;
    if role == Role::Writer {
        // Only takes effect while the file is still empty (before WAL is switched on).
        // 4 KiB pages: a server commits a few lines per request, and each commit writes
        // every page it touched to the WAL, so small pages keep per-request commits small;
        // bulk ingest measured the same with 16 KiB pages (~350k lines/s either way).
        conn.pragma_update(None, "page_size", 4_096)
            .ctx(path, "setting the page size")?;
    }
    // The first statement that reads the header: a non-SQLite file fails here with NOTADB.
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .ctx(path, "switching to WAL")?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(path = %path.display(), mode, "logstore database is not in WAL mode; readers may block the writer");
    }
    conn.pragma_update(None, "synchronous", "NORMAL")
        .ctx(path, "setting synchronous=NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)
        .ctx(path, "enabling foreign keys")?;
    match role {
        Role::Writer => {
            // 8 MiB page cache: enough for the tails of `logs` and its time index, which
            // is all an append-only writer touches, and small enough that a long-running
            // server's memory stays flat. No mmap: the writer reads few pages, and mapped
            // pages it touched would count against the process for as long as it runs.
            conn.pragma_update(None, "cache_size", -8_192)
                .ctx(path, "setting the cache size")?;
            conn.pragma_update(None, "mmap_size", 0)
                .ctx(path, "disabling memory-mapped I/O")?;
            // No automatic checkpoints in the commit path: a checkpoint copies the WAL
            // into the database, and a commit that did it would stall every flush waiting
            // on it (tens of milliseconds). The checkpointer thread does it instead; the
            // WAL hook the store installs replaces the automatic one. The WAL file is
            // truncated back to 64 MiB when it restarts.
            conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)
                .ctx(path, "limiting the WAL size")?;
        }
        Role::Reader => {
            // Memory-mapped reads (up to 64 MiB): scans copy pages without a read() call each.
            conn.pragma_update(None, "mmap_size", 64 * 1024 * 1024)
                .ctx(path, "enabling memory-mapped I/O")?;
            conn.pragma_update(None, "query_only", true)
                .ctx(path, "making the reader read-only")?;
        }
        Role::Checkpointer => {
            conn.pragma_update(None, "cache_size", -1_024)
                .ctx(path, "setting the cache size")?;
            conn.pragma_update(None, "mmap_size", 0)
                .ctx(path, "disabling memory-mapped I/O")?;
        }
    }
    Ok(conn)
}

/// Applies the missing [`MIGRATIONS`] in one immediate transaction and returns the version
/// the file is now at. Refuses files of another program and files from a newer fclocal.
///
/// `may_migrate` is called with the version found, inside the transaction, when a file that
/// already has a schema (version 1 or more) must be migrated; an error from it leaves the
/// file as it is and is returned.
pub(crate) fn migrate(
    conn: &mut Connection,
    path: &Path,
    may_migrate: impl FnOnce(i64) -> Result<()>,
) -> Result<i64> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx(path, "starting the schema migration")?;
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .ctx(path, "reading the schema version")?;
    let app_id: i32 = tx
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .ctx(path, "reading the application id")?;
    let latest = latest_version();
    if version == 0 {
        let tables: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
            .ctx(path, "inspecting the schema")?;
        if tables > 0 || app_id != 0 {
            return Err(LogStoreError::ForeignDatabase {
                path: path.to_path_buf(),
            });
        }
    } else if app_id != APPLICATION_ID {
        return Err(LogStoreError::ForeignDatabase {
            path: path.to_path_buf(),
        });
    }
    if version > latest {
        return Err(LogStoreError::SchemaTooNew {
            path: path.to_path_buf(),
            found: version,
            supported: latest,
        });
    }
    if version == latest {
        return Ok(version);
    }
    if version > 0 {
        may_migrate(version)?;
    }
    let first = usize::try_from(version).unwrap_or(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(first) {
        tx.execute_batch(sql).ctx(path, "migrating the schema")?;
        tracing::debug!(path = %path.display(), to = i + 1, "applied logstore migration");
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .ctx(path, "writing the application id")?;
    tx.pragma_update(None, "user_version", latest)
        .ctx(path, "writing the schema version")?;
    tx.commit().ctx(path, "committing the schema migration")?;
    Ok(latest)
}

/// Reads `PRAGMA user_version`.
pub(crate) fn schema_version(conn: &Connection, path: &Path) -> Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
        .ctx(path, "reading the schema version")
}
