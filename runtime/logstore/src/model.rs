//! The SLS data model as plain Rust values: what callers append ([`LogRecord`]), what they
//! read back ([`StoredLog`]), what they ask for ([`LogQuery`]) and the catalogue
//! ([`ProjectInfo`], [`LogstoreInfo`], [`LogstoreConfig`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::LogStoreError;

/// Longest project or logstore name accepted, in bytes (SLS allows 63; we are lenient but
/// keep the catalogue sane).
pub(crate) const MAX_NAME_LEN: usize = 128;

/// TTL (days) at which SLS stores logs forever; [`crate::LogStore::sweep_expired`] never
/// deletes from such a logstore.
pub const TTL_FOREVER_DAYS: u32 = 3650;

/// Most shards a logstore may have (SLS's auto-split ceiling).
pub const MAX_SHARDS: u32 = 256;

/// One log line to append: one SLS `Log` plus the `LogGroup` fields (topic, source, tags)
/// that SLS shares per group and fclocal stores per line.
///
/// Serialisable because the writer spools acknowledged lines before committing them
/// (`src/spool.rs`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogRecord {
    /// Project the line belongs to (created with defaults if missing).
    pub project: String,
    /// Logstore within the project (created with [`LogstoreConfig::default`] if missing).
    pub logstore: String,
    /// `__time__` (seconds) and `__time_ns_part__` together; stored with nanosecond precision.
    pub time: SystemTime,
    /// `__topic__`; FC 2.0 sets it to the service name. May be empty.
    pub topic: String,
    /// `__source__`, e.g. the client address. May be empty.
    pub source: String,
    /// `__tag__:<key>` = value pairs, in order.
    pub tags: Vec<(String, String)>,
    /// The content key/value pairs, in order (duplicates are kept).
    pub contents: Vec<(String, String)>,
}

/// A stored log line as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLog {
    /// Row id: increases with append order across the whole database.
    pub id: i64,
    /// Project name.
    pub project: String,
    /// Logstore name.
    pub logstore: String,
    /// Shard the line was written to (`0..shard_count` at write time).
    pub shard: u32,
    /// Position of the line in its shard: 0, 1, 2... in commit order. SLS cursors count
    /// groups, not lines: see [`crate::StoredGroup::group_seq`].
    pub seq: u64,
    /// `__time__` + `__time_ns_part__`.
    pub time: SystemTime,
    /// `__topic__`.
    pub topic: String,
    /// `__source__`.
    pub source: String,
    /// `__tag__:<key>` = value pairs, in the order they were appended.
    pub tags: Vec<(String, String)>,
    /// Content pairs, in the order they were appended.
    pub contents: Vec<(String, String)>,
}

impl StoredLog {
    /// The value of the first content pair whose key is `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.contents
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `__time__`: whole seconds since the Unix epoch (negative before 1970).
    pub fn unix_seconds(&self) -> i64 {
        to_unix_nanos(self.time).div_euclid(1_000_000_000)
    }
}

/// What to read. Every `Some`/non-empty filter must match (AND); `LogQuery::default()` reads
/// everything, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogQuery {
    /// Only this project.
    pub project: Option<String>,
    /// Only this logstore (requires `project`).
    pub logstore: Option<String>,
    /// Only lines whose `__topic__` equals this.
    pub topic: Option<String>,
    /// Content key == value, all of them. A line with a duplicated key matches on the key's
    /// first value (what SQLite's `json_extract` returns).
    pub fields: Vec<(String, String)>,
    /// Case-insensitive (Unicode lower-case) substring of any content value.
    pub keyword: Option<String>,
    /// Inclusive lower bound on the log time.
    pub from: Option<SystemTime>,
    /// Exclusive upper bound on the log time (SLS GetLogs uses `[from, to)` too).
    pub to: Option<SystemTime>,
    /// At most this many lines.
    pub limit: Option<usize>,
    /// Newest first instead of oldest first (ties broken by id in the same direction).
    pub newest_first: bool,
}

/// Settings of one logstore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogstoreConfig {
    /// Retention in days, `1..=3650`; 3650 ([`TTL_FOREVER_DAYS`]) keeps logs forever.
    pub ttl_days: u32,
    /// Number of shards, `1..=256`.
    pub shard_count: u32,
}

impl Default for LogstoreConfig {
    /// The py-sdk `create_logstore` defaults: 30 days, 2 shards. Also used for logstores
    /// auto-created by an append.
    fn default() -> Self {
        Self {
            ttl_days: 30,
            shard_count: 2,
        }
    }
}

impl LogstoreConfig {
    /// Checks the ranges SLS accepts.
    pub(crate) fn validate(&self, project: &str, logstore: &str) -> Result<(), LogStoreError> {
        let reason = if !(1..=TTL_FOREVER_DAYS).contains(&self.ttl_days) {
            format!(
                "ttl_days is {}, must be 1..={TTL_FOREVER_DAYS}",
                self.ttl_days
            )
        } else if !(1..=MAX_SHARDS).contains(&self.shard_count) {
            format!(
                "shard_count is {}, must be 1..={MAX_SHARDS}",
                self.shard_count
            )
        } else {
            return Ok(());
        };
        Err(LogStoreError::InvalidConfig {
            project: project.to_owned(),
            logstore: logstore.to_owned(),
            reason,
        })
    }
}

/// A project as listed by [`crate::LogReader::projects`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectInfo {
    /// Project name.
    pub name: String,
    /// Free-text description (empty for auto-created projects).
    pub description: String,
    /// When the project was created (second precision).
    pub created: SystemTime,
}

/// A logstore as listed by [`crate::LogReader::logstores`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogstoreInfo {
    /// Owning project.
    pub project: String,
    /// Logstore name.
    pub name: String,
    /// Current settings.
    pub config: LogstoreConfig,
    /// When the logstore was created (second precision).
    pub created: SystemTime,
    /// When its settings last changed (second precision).
    pub last_modified: SystemTime,
}

/// Rejects names the catalogue cannot hold: empty or longer than [`MAX_NAME_LEN`]. The full
/// SLS naming rules are the template validator's job, not the store's.
pub(crate) fn validate_name(kind: &'static str, name: &str) -> Result<(), LogStoreError> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.len() > MAX_NAME_LEN {
        "it is longer than 128 bytes"
    } else {
        return Ok(());
    };
    Err(LogStoreError::InvalidName {
        kind,
        name: name.to_owned(),
        reason,
    })
}

/// Nanoseconds since the Unix epoch, negative before it, saturating at `i64` bounds
/// (years 1677 and 2262).
pub(crate) fn to_unix_nanos(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_nanos()).map_or(i64::MIN, |n| -n),
    }
}

/// Inverse of [`to_unix_nanos`].
pub(crate) fn from_unix_nanos(ns: i64) -> SystemTime {
    let abs = Duration::from_nanos(ns.unsigned_abs());
    if ns >= 0 {
        UNIX_EPOCH + abs
    } else {
        UNIX_EPOCH - abs
    }
}

/// Whole seconds since the Unix epoch, for catalogue timestamps.
pub(crate) fn to_unix_seconds(t: SystemTime) -> i64 {
    to_unix_nanos(t).div_euclid(1_000_000_000)
}

/// Inverse of [`to_unix_seconds`].
pub(crate) fn from_unix_seconds(s: i64) -> SystemTime {
    from_unix_nanos(s.saturating_mul(1_000_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanos_round_trip_both_sides_of_the_epoch() {
        for ns in [0, 1, 1_700_000_000_123_456_789, -1, -1_500_000_000] {
            assert_eq!(to_unix_nanos(from_unix_nanos(ns)), ns);
        }
    }

    #[test]
    fn config_ranges() {
        assert!(LogstoreConfig::default().validate("p", "l").is_ok());
        let bad = LogstoreConfig {
            ttl_days: 0,
            shard_count: 2,
        };
        let msg = bad.validate("p", "l").unwrap_err().to_string();
        assert!(
            msg.contains("p/l") && msg.contains("ttl_days is 0"),
            "{msg}"
        );
        let bad = LogstoreConfig {
            ttl_days: 1,
            shard_count: 257,
        };
        assert!(bad.validate("p", "l").is_err());
    }

    #[test]
    fn names() {
        assert!(validate_name("project", "").is_err());
        assert!(validate_name("project", &"x".repeat(129)).is_err());
        assert!(validate_name("project", "fc-logs").is_ok());
    }
}
