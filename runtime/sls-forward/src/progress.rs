//! How far forwarding got, kept across restarts in `.fclocal/forwarding.json`:
//! per endpoint, the highest local line id whose line has been sent (or set
//! aside, see [`crate::plan`]), and every line before it too.
//!
//! The file is replaced atomically (written beside it, flushed to disk,
//! renamed over), so a crash leaves either the old or the new progress,
//! never a torn file. It is written only after SLS accepted a whole batch:
//! a crash between SLS's 200 and the rename sends that batch again on the
//! next start (SLS's PutLogs has no idempotence key), so forwarding is
//! at-least-once with at most one batch repeated per crash, and never loses
//! a line.
//!
//! Keyed by endpoint: pointing `--forward-logs` somewhere else starts that
//! endpoint from the first stored line.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A problem with the progress file.
#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    /// It could not be read.
    #[error("cannot read the log-forwarding progress in {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// It is not what fclocal writes.
    #[error("{} is not fclocal's log-forwarding progress ({reason}); delete it to forward every stored line again", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// It could not be written.
    #[error("cannot write the log-forwarding progress to {}; check the data directory's permissions and free space", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    endpoints: BTreeMap<String, Entry>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    forwarded_up_to_id: i64,
}

/// The progress file of one endpoint.
#[derive(Debug)]
pub struct Progress {
    path: PathBuf,
    endpoint: String,
}

impl Progress {
    /// The progress of `endpoint` in the file at `path`.
    pub fn new(path: &Path, endpoint: &str) -> Progress {
        Progress {
            path: path.to_path_buf(),
            endpoint: endpoint.to_owned(),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The id every line up to which has been forwarded; 0 when nothing was.
    pub fn load(&self) -> Result<i64, ProgressError> {
        Ok(self
            .read()?
            .endpoints
            .get(&self.endpoint)
            .map_or(0, |entry| entry.forwarded_up_to_id))
    }

    /// Records `id` as forwarded, atomically.
    pub fn store(&self, id: i64) -> Result<(), ProgressError> {
        let mut file = self.read()?;
        file.endpoints
            .entry(self.endpoint.clone())
            .or_default()
            .forwarded_up_to_id = id;
        let write_error = |source| ProgressError::Write {
            path: self.path.clone(),
            source,
        };
        let text = serde_json::to_vec_pretty(&file)
            .unwrap_or_else(|_| unreachable!("plain maps and integers serialize"));
        let temporary = self.path.with_extension("json.tmp");
        let mut out = std::fs::File::create(&temporary).map_err(write_error)?;
        out.write_all(&text)
            .and_then(|()| out.sync_all())
            .map_err(write_error)?;
        std::fs::rename(&temporary, &self.path).map_err(write_error)
    }

    fn read(&self) -> Result<File, ProgressError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| ProgressError::Corrupt {
                path: self.path.clone(),
                reason: error.to_string(),
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(File::default()),
            Err(source) => Err(ProgressError::Read {
                path: self.path.clone(),
                source,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_survives_reopening_and_is_kept_per_endpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forwarding.json");
        let a = Progress::new(&path, "https://a");
        assert_eq!(a.load().unwrap(), 0);
        a.store(41).unwrap();
        a.store(42).unwrap();
        let b = Progress::new(&path, "http://b:1");
        b.store(7).unwrap();
        assert_eq!(Progress::new(&path, "https://a").load().unwrap(), 42);
        assert_eq!(b.load().unwrap(), 7);
        assert!(!path.with_extension("json.tmp").exists());
    }

    #[test]
    fn a_damaged_file_is_an_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forwarding.json");
        std::fs::write(&path, "{not json").unwrap();
        let error = Progress::new(&path, "e").load().unwrap_err().to_string();
        assert!(
            error.contains("delete it to forward every stored line again"),
            "{error}"
        );
    }
}
