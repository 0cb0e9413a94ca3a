//! [`LogReader`] catalogue calls of the SLS shard API: one logstore's settings (the check
//! that lets a caller refuse writes to an unknown logstore) and its shards.

use rusqlite::{OptionalExtension, params};

use crate::error::{LogStoreError, Result, SqliteContext};
use crate::group::ShardInfo;
use crate::model::{LogstoreConfig, LogstoreInfo, from_unix_seconds};
use crate::reader::LogReader;

/// A shard resolved for a cursor call: the logstore row and where the shard ends.
#[derive(Debug, Clone, Copy)]
pub(super) struct ShardRef {
    /// `logstores.id`.
    pub(super) logstore_id: i64,
    /// `shards.next_group`: the end cursor.
    pub(super) end: u64,
}

impl LogReader {
    /// The settings of `project/logstore` (SLS GetLogStore);
    /// [`LogStoreError::UnknownProject`] / [`LogStoreError::UnknownLogstore`] if it does not
    /// exist. Also the check to run before [`crate::LogWriter::append_group`] to refuse
    /// writes to a logstore nobody created.
    pub fn logstore(&self, project: &str, logstore: &str) -> Result<LogstoreInfo> {
        let id = self.logstore_id(project, logstore)?;
        self.conn
            .prepare_cached(
                "SELECT ttl_days, shard_count, created, last_modified
                 FROM logstores WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([id], |row| {
                    Ok(LogstoreInfo {
                        project: project.to_owned(),
                        name: logstore.to_owned(),
                        config: LogstoreConfig {
                            ttl_days: row.get(0)?,
                            shard_count: row.get(1)?,
                        },
                        created: from_unix_seconds(row.get(2)?),
                        last_modified: from_unix_seconds(row.get(3)?),
                    })
                })
            })
            .ctx(&self.path, "reading a logstore")
    }

    /// The shards of `project/logstore` by id (SLS ListShards): the writable
    /// `0..shard_count`, then any left over from a larger shard count (read-only, still
    /// pullable). Errors like [`LogReader::logstore`].
    pub fn shards(&self, project: &str, logstore: &str) -> Result<Vec<ShardInfo>> {
        let id = self.logstore_id(project, logstore)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.shard, s.created, s.shard < l.shard_count
                 FROM shards s JOIN logstores l ON l.id = s.logstore_id
                 WHERE s.logstore_id = ?1 ORDER BY s.shard",
            )
            .ctx(&self.path, "listing shards")?;
        let rows = stmt
            .query_map([id], |row| {
                Ok(ShardInfo {
                    id: row.get(0)?,
                    created: from_unix_seconds(row.get(1)?),
                    writable: row.get(2)?,
                })
            })
            .ctx(&self.path, "listing shards")?;
        rows.collect::<rusqlite::Result<_>>()
            .ctx(&self.path, "listing shards")
    }

    /// Resolves `project/logstore` and `shard`, or names what is unknown.
    pub(super) fn shard_ref(&self, project: &str, logstore: &str, shard: u32) -> Result<ShardRef> {
        let logstore_id = self.logstore_id(project, logstore)?;
        let end: Option<i64> = self
            .conn
            .prepare_cached("SELECT next_group FROM shards WHERE logstore_id = ?1 AND shard = ?2")
            .and_then(|mut s| {
                s.query_row(params![logstore_id, shard], |row| row.get(0))
                    .optional()
            })
            .ctx(&self.path, "looking up a shard")?;
        match end {
            Some(end) => Ok(ShardRef {
                logstore_id,
                end: u64::try_from(end).unwrap_or(0),
            }),
            None => {
                let known: Vec<String> = self
                    .shards(project, logstore)?
                    .iter()
                    .map(|s| s.id.to_string())
                    .collect();
                Err(LogStoreError::UnknownShard {
                    path: self.path.clone(),
                    project: project.to_owned(),
                    logstore: logstore.to_owned(),
                    shard,
                    known: if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    },
                })
            }
        }
    }

    /// [`LogStoreError::InvalidCursor`] for a cursor past `end`.
    pub(super) fn check_cursor(
        &self,
        project: &str,
        logstore: &str,
        shard: u32,
        cursor: u64,
        end: u64,
    ) -> Result<()> {
        if cursor <= end {
            return Ok(());
        }
        Err(LogStoreError::InvalidCursor {
            path: self.path.clone(),
            project: project.to_owned(),
            logstore: logstore.to_owned(),
            shard,
            cursor,
            end,
        })
    }
}
