//! SLS LogGroups as plain Rust values: what [`crate::LogWriter::append_group`] takes
//! ([`GroupAppend`]), where cursors point ([`CursorPosition`]) and what
//! [`crate::LogReader::pull`] returns ([`PulledGroups`]).
//!
//! A shard's groups are numbered 0, 1, 2… (`group_seq`) in commit order; an SLS cursor is
//! such a number. Numbers are never reused, even after a TTL sweep deleted the groups that
//! carried them, so a consumer's saved cursor stays meaningful.

use std::time::SystemTime;

/// One log line of a group: `__time__` (with its nanosecond part) and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupLog {
    /// `__time__` + `__time_ns_part__`, stored with nanosecond precision.
    pub time: SystemTime,
    /// The content key/value pairs, in order (duplicates are kept).
    pub contents: Vec<(String, String)>,
}

/// Which shard a group goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardChoice {
    /// The next writable shard round-robin (SLS's `/shards/lb`).
    Any,
    /// The writable shard whose MD5 key range holds this key (SLS's KeyHash route,
    /// `/shards/route?key=`): up to 32 hex digits, right-padded with `0`. Shards split the
    /// 128-bit key space evenly, as SLS creates them; see [`crate::shard_for_hash_key`].
    HashKey(String),
    /// This shard. A shard the logstore does not (or no longer) write to is reduced modulo
    /// the shard count, because the writer cannot refuse a group it already accepted; check
    /// [`crate::LogReader::shards`] first to refuse it instead.
    Shard(u32),
}

/// One SLS LogGroup to append with [`crate::LogWriter::append_group`]: its lines share a
/// shard, a receive time, a topic, a source and tags, and take one cursor position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupAppend {
    /// Project (created with defaults if missing, like [`crate::LogWriter::append`]).
    pub project: String,
    /// Logstore (created with [`crate::LogstoreConfig::default`] if missing).
    pub logstore: String,
    /// Where the group goes.
    pub shard: ShardChoice,
    /// When the API received the group: what [`CursorPosition::ReceivedAt`] and
    /// [`crate::LogReader::cursor_time`] refer to. Kept non-decreasing per shard: a time
    /// earlier than the shard's previous group is stored as that group's time.
    pub received_at: SystemTime,
    /// `__topic__`, may be empty.
    pub topic: String,
    /// `__source__`, may be empty.
    pub source: String,
    /// `__tag__:<key>` = value pairs (SLS `LogTags`), in order.
    pub tags: Vec<(String, String)>,
    /// The lines, in order. An empty group stores nothing and takes no cursor position.
    pub logs: Vec<GroupLog>,
}

/// Where [`crate::LogReader::cursor`] points in a shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorPosition {
    /// The oldest group still kept (the end if a TTL sweep deleted them all).
    Begin,
    /// Where the next group written to the shard will be.
    End,
    /// The first group received at or after this time, or the end if there is none.
    ReceivedAt(SystemTime),
}

/// A shard, as [`crate::LogReader::shards`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardInfo {
    /// Shard id, `0..`.
    pub id: u32,
    /// When the shard was created (second precision).
    pub created: SystemTime,
    /// Whether new groups go here: `false` for shards left over after the logstore's shard
    /// count shrank (SLS's `readonly`); they keep their groups and can still be pulled.
    pub writable: bool,
}

/// A group read back by [`crate::LogReader::pull`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredGroup {
    /// Its cursor: the position of the group in its shard.
    pub group_seq: u64,
    /// When it was received (nanosecond precision).
    pub received_at: SystemTime,
    /// `__topic__`.
    pub topic: String,
    /// `__source__`.
    pub source: String,
    /// `__tag__:<key>` = value pairs, as written.
    pub tags: Vec<(String, String)>,
    /// The lines still kept, in append order (a TTL sweep may have deleted some).
    pub logs: Vec<GroupLog>,
}

/// What [`crate::LogReader::pull`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledGroups {
    /// The groups, oldest first.
    pub groups: Vec<StoredGroup>,
    /// Where the next pull continues; the requested cursor itself when nothing was read.
    pub next_cursor: u64,
}
