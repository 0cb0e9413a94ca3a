//! [`LogReader`] cursor calls (SLS GetCursor and GetCursorTime). A cursor is a shard's
//! `group_seq`: see `group.rs`.

use std::time::SystemTime;

use rusqlite::{OptionalExtension, params};

use crate::error::{Result, SqliteContext};
use crate::group::CursorPosition;
use crate::model::{from_unix_nanos, to_unix_nanos};
use crate::reader::LogReader;

impl LogReader {
    /// A cursor of `shard` (SLS GetCursor): [`CursorPosition::Begin`] is the oldest group
    /// still kept, [`CursorPosition::End`] where the next group will go, and
    /// [`CursorPosition::ReceivedAt`] the first group received at or after that time (the
    /// end if none was).
    ///
    /// Errors with [`crate::LogStoreError::UnknownProject`],
    /// [`crate::LogStoreError::UnknownLogstore`] or [`crate::LogStoreError::UnknownShard`].
    pub fn cursor(
        &self,
        project: &str,
        logstore: &str,
        shard: u32,
        at: CursorPosition,
    ) -> Result<u64> {
        // One snapshot: the end and the group rows agree even while the writer commits.
        let _snapshot = self
            .conn
            .unchecked_transaction()
            .ctx(&self.path, "starting a read")?;
        let shard_ref = self.shard_ref(project, logstore, shard)?;
        let found: Option<i64> = match at {
            CursorPosition::End => None,
            CursorPosition::Begin => self
                .conn
                .prepare_cached(
                    "SELECT min(group_seq) FROM loggroups WHERE logstore_id = ?1 AND shard = ?2",
                )
                .and_then(|mut s| {
                    s.query_row(params![shard_ref.logstore_id, shard], |row| row.get(0))
                })
                .ctx(&self.path, "finding a shard's first group")?,
            // Receive times never decrease along a shard, so the first one at or after
            // `time` in time order is also the first in cursor order.
            CursorPosition::ReceivedAt(time) => self
                .conn
                .prepare_cached(
                    "SELECT group_seq FROM loggroups
                     WHERE logstore_id = ?1 AND shard = ?2 AND received_at_ns >= ?3
                     ORDER BY received_at_ns, group_seq LIMIT 1",
                )
                .and_then(|mut s| {
                    s.query_row(
                        params![shard_ref.logstore_id, shard, to_unix_nanos(time)],
                        |row| row.get(0),
                    )
                    .optional()
                })
                .ctx(&self.path, "finding a group by receive time")?,
        };
        Ok(found.map_or(shard_ref.end, |seq| u64::try_from(seq).unwrap_or(0)))
    }

    /// When the group at `cursor` of `shard` was received (SLS GetCursorTime). The end
    /// cursor answers the newest group's time, or now for a shard without groups. A cursor
    /// of a group a TTL sweep deleted answers the next kept group's time (where a pull from
    /// it starts).
    ///
    /// Errors like [`LogReader::cursor`], and with [`crate::LogStoreError::InvalidCursor`]
    /// for a cursor past the end (one the shard never handed out).
    pub fn cursor_time(
        &self,
        project: &str,
        logstore: &str,
        shard: u32,
        cursor: u64,
    ) -> Result<SystemTime> {
        let _snapshot = self
            .conn
            .unchecked_transaction()
            .ctx(&self.path, "starting a read")?;
        let shard_ref = self.shard_ref(project, logstore, shard)?;
        self.check_cursor(project, logstore, shard, cursor, shard_ref.end)?;
        let at_or_after: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT received_at_ns FROM loggroups
                 WHERE logstore_id = ?1 AND shard = ?2 AND group_seq >= ?3
                 ORDER BY group_seq LIMIT 1",
            )
            .and_then(|mut s| {
                // Cursors stay far below i64::MAX.
                s.query_row(
                    params![shard_ref.logstore_id, shard, cursor as i64],
                    |row| row.get(0),
                )
                .optional()
            })
            .ctx(&self.path, "reading a group's receive time")?;
        if let Some(ns) = at_or_after {
            return Ok(from_unix_nanos(ns));
        }
        let newest: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT received_at_ns FROM loggroups
                 WHERE logstore_id = ?1 AND shard = ?2
                 ORDER BY group_seq DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![shard_ref.logstore_id, shard], |row| row.get(0))
                    .optional()
            })
            .ctx(&self.path, "reading a shard's newest group")?;
        Ok(newest.map_or_else(SystemTime::now, from_unix_nanos))
    }
}
