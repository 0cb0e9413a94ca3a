//! A small pool of [`LogReader`]s for the server's request handlers.
//!
//! A reader is one SQLite connection with fclocal's SQL functions
//! registered; opening one costs more than a query on a small logstore, so
//! handlers borrow an idle one and give it back. Handlers run on Tokio's
//! blocking pool, which bounds how many readers are open at once.

use std::path::PathBuf;
use std::sync::Mutex;

use fclocal_logstore::{LogReader, LogStoreError};

/// Idle readers kept for reuse (more are opened under load and dropped).
const KEEP_IDLE: usize = 4;

/// Readers of one database file.
pub struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<LogReader>>,
}

impl Readers {
    /// Readers of the database at `path`.
    pub fn new(path: PathBuf) -> Readers {
        Readers {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `read` on an idle reader (or a new one) and keeps it for reuse.
    /// The outer error is a failure to open a reader.
    pub fn with<T>(&self, read: impl FnOnce(&LogReader) -> T) -> Result<T, LogStoreError> {
        let reader = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let reader = match reader {
            // Sees the lines of every invocation answered before this request (a new
            // reader does when it opens).
            Some(reader) => {
                reader.catch_up()?;
                reader
            }
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
