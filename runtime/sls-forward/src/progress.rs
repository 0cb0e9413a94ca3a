//! How far forwarding got, kept across restarts in `.fclocal/forwarding.json`:
//! per endpoint, the highest local line id whose line has been sent (or set
//! aside, see [`crate::plan`]), and every line before it too, with the
//! identity of the logstore database those ids belong to.
//!
//! The file is replaced atomically (written beside it, flushed to disk,
//! renamed over), so a crash leaves either the old or the new progress,
//! never a torn file. It is written after every group SLS accepts: a crash
//! between SLS's 200 and the rename sends that group again on the next
//! start (SLS's PutLogs has no idempotence key), so forwarding is
//! at-least-once with at most one group repeated per crash, and never loses
//! a line.
//!
//! Keyed by endpoint: pointing `--forward-logs` somewhere else starts that
//! endpoint from the first stored line. The database identity
//! ([`fclocal_logstore::LogReader::database_id`]) catches a `logs.db` that
//! was deleted and created again: its ids start over at 1, so an old
//! position would skip its first lines; it starts from the first line too.
//! Files written before the identity was recorded are trusted as they are.

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
    /// `None` in files of fclocal versions that did not record it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    database_id: Option<String>,
}

/// Where forwarding resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resume {
    /// Every line up to this id is forwarded (0: none).
    pub cursor: i64,
    /// The recorded position belonged to another database (a `logs.db`
    /// deleted and created again), so `cursor` starts over at 0.
    pub other_database: bool,
}

/// The progress file of one endpoint.
#[derive(Debug)]
pub struct Progress {
    path: PathBuf,
    endpoint: String,
    database_id: String,
}

impl Progress {
    /// The progress of `endpoint` in the file at `path`, for the logstore
    /// database whose identity is `database_id`.
    pub fn new(path: &Path, endpoint: &str, database_id: &str) -> Progress {
        Progress {
            path: path.to_path_buf(),
            endpoint: endpoint.to_owned(),
            database_id: database_id.to_owned(),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where forwarding resumes: 0 when nothing was forwarded, or the
    /// recorded position was of another database.
    pub fn load(&self) -> Result<Resume, ProgressError> {
        let file = self.read()?;
        let Some(entry) = file.endpoints.get(&self.endpoint) else {
            return Ok(Resume {
                cursor: 0,
                other_database: false,
            });
        };
        let other_database = entry
            .database_id
            .as_ref()
            .is_some_and(|id| *id != self.database_id);
        Ok(Resume {
            cursor: if other_database {
                0
            } else {
                entry.forwarded_up_to_id
            },
            other_database,
        })
    }

    /// Records `id` as forwarded, atomically.
    pub fn store(&self, id: i64) -> Result<(), ProgressError> {
        let mut file = self.read()?;
        let entry = file.endpoints.entry(self.endpoint.clone()).or_default();
        entry.forwarded_up_to_id = id;
        entry.database_id = Some(self.database_id.clone());
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

    fn at(cursor: i64) -> Resume {
        Resume {
            cursor,
            other_database: false,
        }
    }

    #[test]
    fn progress_survives_reopening_and_is_kept_per_endpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forwarding.json");
        let a = Progress::new(&path, "https://a", "db1");
        assert_eq!(a.load().unwrap(), at(0));
        a.store(41).unwrap();
        a.store(42).unwrap();
        let b = Progress::new(&path, "http://b:1", "db1");
        b.store(7).unwrap();
        assert_eq!(
            Progress::new(&path, "https://a", "db1").load().unwrap(),
            at(42)
        );
        assert_eq!(b.load().unwrap(), at(7));
        assert!(!path.with_extension("json.tmp").exists());
    }

    #[test]
    fn a_position_in_another_database_starts_over_and_old_files_are_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forwarding.json");
        Progress::new(&path, "e", "db1").store(42).unwrap();
        assert_eq!(
            Progress::new(&path, "e", "db2").load().unwrap(),
            Resume {
                cursor: 0,
                other_database: true
            }
        );
        std::fs::write(&path, r#"{"endpoints":{"e":{"forwardedUpToId":9}}}"#).unwrap();
        assert_eq!(Progress::new(&path, "e", "db2").load().unwrap(), at(9));
    }

    #[test]
    fn a_damaged_file_is_an_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forwarding.json");
        std::fs::write(&path, "{not json").unwrap();
        let error = Progress::new(&path, "e", "db")
            .load()
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("delete it to forward every stored line again"),
            "{error}"
        );
    }
}
