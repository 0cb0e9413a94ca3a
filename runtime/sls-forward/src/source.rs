//! The forwarder's view of the local logstore: the lines after an id, the
//! newest id and the backlog, each read on a blocking thread (SQLite calls
//! block) through a reader connection of its own, so reading never touches
//! the writer that invocations wait on.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use fclocal_logstore::{LogReader, LogStoreError, StoredLog};
use tokio::task::JoinError;

/// Why the logstore could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The logstore answered with an error.
    #[error(transparent)]
    Store(#[from] LogStoreError),
    /// The blocking read did not finish: it panicked (a bug) or the runtime is shutting
    /// down. Reported like any read error, so the forwarder retries instead of dying.
    #[error("reading the local logstore {what}; forwarding retries")]
    Interrupted {
        /// What happened to the read.
        what: String,
    },
}

/// The text of a panic's payload.
pub(crate) fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

impl From<JoinError> for SourceError {
    fn from(join: JoinError) -> SourceError {
        let what = if join.is_cancelled() {
            "was cancelled (the server is shutting down)".to_owned()
        } else {
            format!(
                "failed unexpectedly ({}); this is a bug in fclocal, please report it",
                panic_message(join.into_panic())
            )
        };
        SourceError::Interrupted { what }
    }
}

/// A lazily opened reader of the logstore at a path; cheap to clone (clones
/// share the connection).
#[derive(Clone)]
pub struct LineSource {
    path: PathBuf,
    reader: Arc<Mutex<Option<LogReader>>>,
}

impl std::fmt::Debug for LineSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineSource")
            .field("path", &self.path)
            .finish()
    }
}

impl LineSource {
    /// A source reading the logstore database at `path` (which must exist
    /// and be migrated: open the store first).
    pub fn new(path: &Path) -> LineSource {
        LineSource {
            path: path.to_path_buf(),
            reader: Arc::new(Mutex::new(None)),
        }
    }

    /// A source that starts with `reader` (already open on `path`).
    pub fn with_reader(path: &Path, reader: LogReader) -> LineSource {
        LineSource {
            path: path.to_path_buf(),
            reader: Arc::new(Mutex::new(Some(reader))),
        }
    }

    /// Runs `read` with the reader on a blocking thread.
    async fn with<T: Send + 'static>(
        &self,
        read: impl FnOnce(&LogReader) -> Result<T, LogStoreError> + Send + 'static,
    ) -> Result<T, SourceError> {
        let source = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut slot = source.reader.lock().unwrap_or_else(PoisonError::into_inner);
            if slot.is_none() {
                *slot = Some(LogReader::open(&source.path)?);
            }
            let reader = slot
                .as_ref()
                .unwrap_or_else(|| unreachable!("opened just above"));
            let result = read(reader);
            if result.is_err() {
                // A fresh connection next time, in case this one is the problem.
                *slot = None;
            }
            result
        })
        .await?
        .map_err(SourceError::from)
    }

    /// See [`LogReader::lines_after`].
    pub async fn lines_after(
        &self,
        after: i64,
        max_lines: usize,
        max_bytes: usize,
    ) -> Result<Vec<StoredLog>, SourceError> {
        self.with(move |reader| reader.lines_after(after, max_lines, max_bytes))
            .await
    }

    /// The newest id and how many lines of `projects` come after `after`, counting the
    /// lines of every invocation answered before this call (they may still be in the
    /// logstore's spool for a few milliseconds).
    pub async fn backlog(
        &self,
        after: i64,
        projects: Option<Vec<String>>,
    ) -> Result<(i64, u64), SourceError> {
        self.with(move |reader| {
            reader.catch_up()?;
            let newest = reader.newest_id()?;
            let behind = reader.count_after(after, projects.as_deref())?;
            Ok((newest, behind))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unfinished_read_is_an_error_not_a_panic() {
        let task = tokio::spawn(std::future::pending::<()>());
        task.abort();
        let cancelled = SourceError::from(task.await.unwrap_err()).to_string();
        assert!(cancelled.contains("was cancelled"), "{cancelled}");

        let task = tokio::spawn(async { panic!("row 7 is odd") });
        let panicked = SourceError::from(task.await.unwrap_err()).to_string();
        assert!(panicked.contains("(row 7 is odd)"), "{panicked}");
    }
}
