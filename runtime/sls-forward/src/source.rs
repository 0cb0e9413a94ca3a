//! The forwarder's view of the local logstore: the lines after an id, the
//! newest id and the backlog, each read on a blocking thread (SQLite calls
//! block) through a reader connection of its own, so reading never touches
//! the writer that invocations wait on.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use fclocal_logstore::{LogReader, LogStoreError, StoredLog};

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

    /// Runs `read` with the reader on a blocking thread.
    async fn with<T: Send + 'static>(
        &self,
        read: impl FnOnce(&LogReader) -> Result<T, LogStoreError> + Send + 'static,
    ) -> Result<T, LogStoreError> {
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
        .await
        .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()))
    }

    /// See [`LogReader::lines_after`].
    pub async fn lines_after(
        &self,
        after: i64,
        max_lines: usize,
        max_bytes: usize,
    ) -> Result<Vec<StoredLog>, LogStoreError> {
        self.with(move |reader| reader.lines_after(after, max_lines, max_bytes))
            .await
    }

    /// The newest id and how many lines of `projects` come after `after`.
    pub async fn backlog(
        &self,
        after: i64,
        projects: Option<Vec<String>>,
    ) -> Result<(i64, u64), LogStoreError> {
        self.with(move |reader| {
            let newest = reader.newest_id()?;
            let behind = reader.count_after(after, projects.as_deref())?;
            Ok((newest, behind))
        })
        .await
    }
}
