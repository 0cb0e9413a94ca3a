//! A small pool of [`LogReader`]s for the server's request handlers.
//!
//! A reader is one SQLite connection with fclocal's SQL functions
//! registered; opening one costs more than a query on a small logstore, so
//! handlers borrow an idle one and give it back. Handlers run on Tokio's
//! blocking pool, which bounds how many readers are open at once.

use std::path::PathBuf;
use std::sync::Mutex;

use fclocal_logstore::{LogReader, LogStoreError, LogWriter};

/// Idle readers kept for reuse (more are opened under load and dropped).
const KEEP_IDLE: usize = 4;

/// Readers of one database file.
pub struct Readers {
    path: PathBuf,
    /// The store's writer, asked to commit what it spooled before each read.
    writer: LogWriter,
    idle: Mutex<Vec<LogReader>>,
}

impl Readers {
    /// Readers of the database at `path`, written by `writer`.
    pub fn new(path: PathBuf, writer: LogWriter) -> Readers {
        Readers {
            path,
            writer,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `read` on an idle reader (or a new one) and keeps it for reuse.
    /// The outer error is a failure to open a reader.
    pub fn with<T>(&self, read: impl FnOnce(&LogReader) -> T) -> Result<T, LogStoreError> {
        // Every invocation answered before this request is committed, not just spooled,
        // so the read sees its lines without waiting out the writer's commit delay.
        if let Err(error) = self.writer.commit_spooled_blocking() {
            // The writer reports it to its next flush too; the read shows what is committed.
            tracing::warn!("committing spooled log lines before a read failed: {error}");
        }
        let reader = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let reader = match reader {
            Some(reader) => reader,
            None => LogReader::open(&self.path)?,
        };
        let result = read(&reader);
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < KEEP_IDLE {
            idle.push(reader);
        }
        Ok(result)
    }
}
