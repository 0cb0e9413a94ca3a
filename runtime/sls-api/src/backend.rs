//! The storage behind the API: [`LogBackend`] and the plain request/response
//! types it speaks. The HTTP layer owns everything SLS-specific on the wire
//! (paths, parameters, compression, signatures, cursors as base64, JSON
//! shapes, limits and the write-time window); a backend only stores, counts
//! and queries.
//!
//! Calls are synchronous: the router runs each one on
//! `tokio::task::spawn_blocking`, so a backend may block on SQLite.

use crate::error::ApiError;
use crate::proto::LogGroup;

/// Where logs are stored and queried. Implemented by fclocal's logstore
/// adapter; tests use an in-memory fake.
///
/// Every method names its project; a backend answers
/// [`ApiError::ProjectNotExist`] for an unknown one and
/// [`ApiError::LogStoreNotExist`] for an unknown logstore.
pub trait LogBackend: Send + Sync + 'static {
    /// Stores one group atomically: all of it or, on error, none of it.
    ///
    /// The API has already checked the group (≤ 4096 logs, ≤ 3 MB, times in
    /// `[now − 7 days, now + 15 min]`, valid keys). The group may be empty.
    fn put_logs(&self, request: PutLogsRequest) -> Result<(), ApiError>;

    /// The project's logstores (any order; the API sorts, filters and pages).
    fn list_logstores(&self, project: &str) -> Result<Vec<LogstoreMeta>, ApiError>;

    /// One logstore's settings.
    fn get_logstore(&self, project: &str, logstore: &str) -> Result<LogstoreMeta, ApiError>;

    /// Runs a GetLogs query (v1 and v2 both end here).
    fn get_logs(&self, request: GetLogsRequest) -> Result<GetLogsResponse, ApiError>;

    /// Counts the logs matching `request.query` in each of `request.buckets`;
    /// returns one count per bucket, in order.
    fn histogram(&self, request: HistogramRequest) -> Result<Vec<u64>, ApiError>;

    /// The logstore's shards.
    fn shards(&self, project: &str, logstore: &str) -> Result<Vec<ShardMeta>, ApiError>;

    /// A position in a shard's sequence of stored groups (GetCursor).
    ///
    /// Cursors are integers that grow with every group written to the shard
    /// (a per-shard group sequence number works; go-sdk subtracts 1 from a
    /// cursor to step back). [`CursorAt::Begin`] is the oldest group still
    /// kept, [`CursorAt::End`] the position the next write will take, and
    /// [`CursorAt::Time`] the first group *received* at or after that time
    /// ([`PutLogsRequest::received_at`]), or the end if there is none.
    /// An unknown shard is [`ApiError::ShardNotExist`].
    fn cursor(
        &self,
        project: &str,
        logstore: &str,
        shard: u32,
        at: CursorAt,
    ) -> Result<u64, ApiError>;

    /// When the group at `cursor` was received, UNIX seconds (GetCursorTime).
    /// A cursor at the end answers the time of the last group (or now, for an
    /// empty shard); one the shard never handed out is
    /// [`ApiError::InvalidCursor`].
    fn cursor_time(
        &self,
        project: &str,
        logstore: &str,
        shard: u32,
        cursor: u64,
    ) -> Result<u64, ApiError>;

    /// Reads up to `count` (1–1000) groups of a shard from `cursor` on,
    /// stopping before `end` when given (PullLogs). `next_cursor` is where the
    /// next pull continues: `cursor` itself when nothing was read. A cursor
    /// past the end is [`ApiError::InvalidCursor`].
    fn pull(
        &self,
        project: &str,
        logstore: &str,
        shard: u32,
        cursor: u64,
        count: usize,
        end: Option<u64>,
    ) -> Result<PulledGroups, ApiError>;
}

/// One PutLogs call.
#[derive(Debug, Clone, PartialEq)]
pub struct PutLogsRequest {
    /// Project, from the `Host` header or its fallbacks.
    pub project: String,
    /// Logstore, from the path.
    pub logstore: String,
    /// The decoded group, as the client sent it.
    pub group: LogGroup,
    /// The KeyHash route (`/shards/route?key=` or `x-log-hashkey`): a hex
    /// string the backend maps onto a shard's `[inclusiveBeginKey,
    /// exclusiveEndKey)` range. `None` means "any shard" (`/shards/lb`).
    pub hash_key: Option<String>,
    /// When the API received the group, UNIX seconds from its clock: what
    /// GetCursor by time and `__tag__:__receive_time__` refer to.
    pub received_at: u64,
    /// The writer's address as the API saw it, when known (for
    /// `__tag__:__client_ip__` on logstores with `appendMeta`).
    pub client_ip: Option<String>,
}

/// A logstore's settings, as GetLogStore shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogstoreMeta {
    /// Logstore name.
    pub name: String,
    /// Retention in days (3650 = forever).
    pub ttl_days: u32,
    /// Number of shards.
    pub shard_count: u32,
    /// Whether the backend adds `__client_ip__`/`__receive_time__` tags.
    pub append_meta: bool,
    /// Creation time, UNIX seconds.
    pub create_time: u64,
    /// Last change, UNIX seconds.
    pub last_modify_time: u64,
}

/// A GetLogs query. The time range is half-open: `[from, to)`, each bound
/// being `(seconds, nanoseconds)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetLogsRequest {
    /// Project.
    pub project: String,
    /// Logstore.
    pub logstore: String,
    /// `search` or `search | sql`, as sent; empty means all logs.
    pub query: String,
    /// Range start, UNIX seconds.
    pub from: i64,
    /// Nanoseconds added to `from` (`fromNs`), 0 if not sent.
    pub from_ns: u32,
    /// Range end (exclusive), UNIX seconds.
    pub to: i64,
    /// Nanoseconds added to `to` (`toNs`), 0 if not sent.
    pub to_ns: u32,
    /// Only logs with this `__topic__` (the legacy `topic` parameter); `None`
    /// when not sent or empty.
    pub topic: Option<String>,
    /// At most this many log rows (0–100). Ignored for SQL, whose own
    /// `LIMIT` (default 100) applies.
    pub line: u32,
    /// Skip this many matching logs first. Ignored for SQL.
    pub offset: u64,
    /// `false`: oldest first; `true`: newest first. Ignored for SQL.
    pub reverse: bool,
}

/// What a GetLogs query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetLogsResponse {
    /// The rows.
    pub rows: QueryRows,
    /// How many logs the query looked at (`x-log-processed-rows`).
    pub processed_rows: u64,
}

/// GetLogs rows: logs for a search, a table for SQL. Either way the API sends
/// every value as a JSON string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryRows {
    /// A search: one flat row per log, fields in order (see
    /// [`proto::flatten`](crate::proto::flatten) for SLS's reserved names).
    Logs(Vec<Vec<(String, String)>>),
    /// An analytic (SQL) statement: column names and rows of values, one per
    /// column; SQL `NULL` is `None` (sent as `"null"`, as SLS does).
    Sql {
        /// Column names, in `SELECT` order.
        columns: Vec<String>,
        /// Rows, each as long as `columns`.
        rows: Vec<Vec<Option<String>>>,
    },
}

impl QueryRows {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            QueryRows::Logs(rows) => rows.len(),
            QueryRows::Sql { rows, .. } => rows.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A GetHistograms query: count matches per time bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistogramRequest {
    /// Project.
    pub project: String,
    /// Logstore.
    pub logstore: String,
    /// The search statement (anything after `|` is ignored by SLS here).
    pub query: String,
    /// Only logs with this `__topic__`, as in [`GetLogsRequest::topic`].
    pub topic: Option<String>,
    /// Half-open `[from, to)` buckets in UNIX seconds, consecutive and
    /// covering the requested range; the API chooses them.
    pub buckets: Vec<TimeBucket>,
}

/// A half-open `[from, to)` time range in UNIX seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeBucket {
    /// Start, inclusive.
    pub from: i64,
    /// End, exclusive.
    pub to: i64,
}

/// One shard, as ListShards shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardMeta {
    /// Shard id.
    pub id: u32,
    /// `readwrite`, or `readonly` after a split/merge.
    pub status: String,
    /// Start of the shard's MD5 key range, 32 hex digits.
    pub inclusive_begin_key: String,
    /// End of the range (exclusive), 32 hex digits.
    pub exclusive_end_key: String,
    /// Creation time, UNIX seconds.
    pub create_time: u64,
}

impl ShardMeta {
    /// `count` read-write shards `0..count` splitting the 128-bit key space
    /// evenly, as SLS creates them (2 shards: `000…` | `800…` | `fff…`).
    pub fn even_split(count: u32, create_time: u64) -> Vec<ShardMeta> {
        let count = count.max(1);
        let begin = |index: u32| -> u128 {
            // floor(index × 2^128 / count) without overflowing; only ever
            // asked for 0 < index < count, so count ≥ 2 below.
            if index == 0 {
                return 0;
            }
            let n = u128::from(count);
            let i = u128::from(index);
            let quotient = u128::MAX / n + u128::from(u128::MAX % n == n - 1);
            let remainder = (u128::MAX % n + 1) % n;
            i * quotient + i * remainder / n
        };
        (0..count)
            .map(|index| ShardMeta {
                id: index,
                status: "readwrite".to_owned(),
                inclusive_begin_key: format!("{:032x}", begin(index)),
                exclusive_end_key: if index + 1 == count {
                    "f".repeat(32)
                } else {
                    format!("{:032x}", begin(index + 1))
                },
                create_time,
            })
            .collect()
    }

    /// Whether an MD5 hex hash key falls into this shard's range (keys
    /// shorter than 32 digits are right-padded with `0`, as SLS compares them).
    pub fn contains_key(&self, hash_key: &str) -> bool {
        let key = format!("{:0<32}", hash_key.to_ascii_lowercase());
        let last = self.exclusive_end_key.chars().all(|c| c == 'f');
        key.as_str() >= self.inclusive_begin_key.as_str()
            && (key.as_str() < self.exclusive_end_key.as_str() || last)
    }
}

/// Where GetCursor points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorAt {
    /// `from=begin`: the oldest group still kept.
    Begin,
    /// `from=end`: where the next write goes.
    End,
    /// `from=<unix seconds>`: the first group received at or after it.
    Time(u64),
}

/// What a pull read.
#[derive(Debug, Clone, PartialEq)]
pub struct PulledGroups {
    /// The groups, oldest first, as written (tags included).
    pub groups: Vec<LogGroup>,
    /// Where the next pull continues.
    pub next_cursor: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_splits_cover_the_key_space() {
        let two = ShardMeta::even_split(2, 0);
        assert_eq!(two[0].inclusive_begin_key, "0".repeat(32));
        assert_eq!(two[0].exclusive_end_key, format!("8{}", "0".repeat(31)));
        assert_eq!(two[1].inclusive_begin_key, two[0].exclusive_end_key);
        assert_eq!(two[1].exclusive_end_key, "f".repeat(32));
        let three = ShardMeta::even_split(3, 0);
        assert_eq!(
            three[1].inclusive_begin_key,
            "55555555555555555555555555555555"
        );
        assert_eq!(
            three[2].inclusive_begin_key,
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        );
        assert_eq!(
            ShardMeta::even_split(1, 0)[0].exclusive_end_key,
            "f".repeat(32)
        );
    }

    #[test]
    fn hash_keys_route_into_one_shard() {
        let shards = ShardMeta::even_split(2, 0);
        for key in [
            "00",
            "7fffffffffffffffffffffffffffffff",
            "80",
            "ffffffffffffffffffffffffffffffff",
        ] {
            let owners: Vec<u32> = shards
                .iter()
                .filter(|s| s.contains_key(key))
                .map(|s| s.id)
                .collect();
            assert_eq!(owners.len(), 1, "{key}: {owners:?}");
        }
        assert!(shards[1].contains_key("8"));
    }
}
