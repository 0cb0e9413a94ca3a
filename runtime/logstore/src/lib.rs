//! fclocal's emulated SLS (Log Service) logstore: the storage core.
//!
//! Everything a function prints ends up here as one [`LogRecord`] per line. The model is
//! SLS's: **projects** contain **logstores** (TTL in days, shard count), a logstore's lines
//! are spread over **shards**, and every line has `__time__` (with a nanosecond part),
//! `__topic__`, `__source__`, `__tag__:<key>` tags and ordered key/value contents
//! (see `reference/sls.md` §1–2). All projects live in **one SQLite database file**.
//!
//! ```no_run
//! use std::time::SystemTime;
//! use fclocal_logstore::{LogQuery, LogRecord, LogStore};
//!
//! # fn main() -> Result<(), fclocal_logstore::LogStoreError> {
//! let store = LogStore::open(".fclocal/logs.db".as_ref())?;
//! let writer = store.writer(); // Clone + Send + Sync, give one to every producer
//! writer.append(vec![LogRecord {
//!     project: "fc-logs".into(),
//!     logstore: "function-log".into(),
//!     time: SystemTime::now(),
//!     topic: "marbles".into(),
//!     source: String::new(),
//!     tags: vec![],
//!     contents: vec![("functionName".into(), "process-event".into())],
//! }])?;
//! writer.flush_blocking()?; // committed: survives a crash of this process
//! let lines = store.reader()?.query(&LogQuery {
//!     fields: vec![("functionName".into(), "process-event".into())],
//!     ..LogQuery::default()
//! })?;
//! store.close()?;
//! # Ok(()) }
//! ```
//!
//! # Decisions
//!
//! - **One writer thread** owns the only write connection; [`LogWriter::append`] just queues
//!   (unbounded channel: producers bound their own output) and never touches SQLite. The
//!   thread commits up to [`OpenOptions::max_batch`] records per transaction with a cached
//!   prepared statement. Readers each get their own connection and run concurrently (WAL).
//! - **Durability**: WAL + `synchronous=NORMAL`. When [`LogWriter::flush_blocking`] (or
//!   [`LogWriter::flush`]) returns `Ok`, the lines are committed to the WAL file and survive
//!   the process being killed or aborting right after; an OS crash or power cut may lose the
//!   last transactions before the next checkpoint.
//! - **Answers wait for durability, not for a commit**: [`LogWriter::append_keyed_and_flush`]
//!   (the end of an invocation) returns once its lines are appended to the spool files
//!   `logs.db-spool`/`-spool-b`, the same guarantee as a commit (a quiet invocation's
//!   caller appends them itself, [`LogWriter::append_whole_and_flush`]); the writer commits them with every
//!   other waiting line within [`OpenOptions::commit_delay`] (5 ms), many invocations per
//!   transaction, and a store that opens after a crash replays what was spooled, exactly
//!   once (`src/spool.rs`). A [`LogReader`] waits for that commit when it opens (and on
//!   [`LogReader::catch_up`]), so a query after an answer sees its lines. A second store on
//!   the same file (another process) finds the spool locked and commits every flush.
//! - **Never lose accepted lines**: [`LogStore::close`] and `Drop` drain the queue and
//!   commit; a failed commit is retried once, and every failure reaches the next flush (and
//!   `tracing::error!`).
//! - **Unknown project/logstore on append** → created with [`LogstoreConfig::default`]
//!   (30 days, 2 shards: the py-sdk defaults) rather than dropping the line; the same goes
//!   for [`LogWriter::append_group`], whose caller refuses unknown logstores (SLS's
//!   `LogStoreNotExist`) by asking [`LogReader::logstore`] first.
//! - **Shards and groups**: each `append` call is one group (like an SLS LogGroup) per
//!   logstore it names, cut further where topic, source or tags change; a group goes to the
//!   next shard round-robin and its lines get consecutive per-shard `seq`s.
//!   [`LogWriter::append_group`] writes one SLS group with PutLogs' options (hash-key route,
//!   receive time, shared topic/source/tags). Every group takes the shard's next
//!   `group_seq`, which is the SLS cursor: [`LogReader::cursor`], [`LogReader::cursor_time`]
//!   and [`LogReader::pull`] serve GetCursor, GetCursorTime and PullLogs.
//! - **Contents and tags** are stored as JSON objects in append order, so SQLite JSON1
//!   (`json_extract(contents, '$."requestId"')`) filters on them. The schema and its
//!   rationale are documented in `src/migrations.rs`.
//! - **Storage tuning** (`schema.rs`, `checkpoint.rs`): 4 KiB pages; a bounded writer cache
//!   (8 MiB, no mmap) so a long-running server's memory stays flat; checkpoints on their own
//!   thread every 16 MiB of WAL, so no commit (and no flush waiting on it) pays for one;
//!   memory-mapped reads for readers. FC-style lines take ~390 bytes each;
//!   `benches/ingest.rs` measures ingest (~95k lines/s with the full-text index and the per-minute counts on a 2-core VM).
//! - **Reading from another process**: [`LogReader::open`] reads a database that a running
//!   `fclocal` is writing, without starting a writer.
//! - **Schema versions**: `PRAGMA user_version` counts applied migrations; version 2 adds the
//!   FTS5 index over content values, version 4 keeps line ids from ever being reused after
//!   a TTL sweep and gives each database an identity (`src/migrations.rs`).
//! - **SLS queries**: [`LogReader::search`] runs `search | SQL` (reference/sls.md §5–6) parsed
//!   by `fclocal-sls-query`: the search compiles to FTS5 matches plus exact SQL functions over
//!   the `logs_by_time` range, the SQL runs on SQLite with `log` = the matching lines and
//!   SLS's functions registered as SQLite functions; [`LogReader::histogram`] counts matches
//!   per time bucket. See `src/search/mod.rs` for the pieces and `benches/query.rs` for
//!   timings.
//!
//! # Layout
//!
//! | file | job |
//! |---|---|
//! | `store.rs` | [`LogStore`]: open, catalogue calls, writer/reader handles, close |
//! | `writer.rs` | [`LogWriter`] and the writer thread's loop: batching, flush replies, retry |
//! | `ingest.rs` | the writer's database work: insert transaction, catalogue and sweep commands |
//! | `batch.rs` | what the writer queues: an `append`'s records or one group |
//! | `insert.rs` | queued writes → `logs` and `loggroups` rows: shard choice, group cuts |
//! | `catalog.rs` | project/logstore rows, the writer's id/shard/seq/group cache, auto-creation |
//! | `routing.rs` | SLS hash key → shard |
//! | `retention.rs` | TTL sweep of lines and emptied groups |
//! | `reader.rs` | [`LogReader`]: queries and catalogue listings |
//! | `reader/shards.rs` | one logstore's settings, its shards |
//! | `reader/cursors.rs` | GetCursor, GetCursorTime |
//! | `reader/pull.rs` | PullLogs |
//! | `reader/follow.rs` | lines after a row id, in id order (log forwarding) |
//! | `group.rs` | groups, cursors and shards as values |
//! | `query.rs` | [`LogQuery`] → SQL, the keyword SQL function |
//! | `search/` | SLS queries: [`SearchRequest`] → [`SearchResult`], [`QueryError`] |
//! | `udf/` | SQL functions: search predicates, the `log` columns, SLS's Presto functions |
//! | `tokens.rs` | SLS tokenisation (delimiters, case), shared by the index, queries, functions |
//! | `matcher.rs` | what a search term means on one value (tokens, globs, phrases, numbers) |
//! | `codec.rs` | ordered pairs ⇄ JSON object text |
//! | `schema.rs` | connection pragmas, applying migrations |
//! | `checkpoint.rs` | the checkpointer thread |
//! | `spool.rs` | the spool file: acknowledged lines before their commit, replay after a crash |
//! | `migrations.rs` | the schema, one SQL string per version |
//! | `model.rs` | records, queries, catalogue info, time conversion |
//! | `error.rs` | [`LogStoreError`] |

mod batch;
mod catalog;
mod checkpoint;
mod codec;
mod error;
mod fair;
mod group;
mod ingest;
mod insert;
mod key_counts;
mod matcher;
mod migrations;
mod model;
mod query;
mod reader;
mod retention;
mod rollup;
mod routing;
mod schema;
mod search;
mod spool;
mod store;
mod tokens;
mod udf;
mod writer;

pub use error::LogStoreError;
pub use group::{
    CursorPosition, GroupAppend, GroupLog, PulledGroups, ShardChoice, ShardInfo, StoredGroup,
};
pub use model::{
    LogQuery, LogRecord, LogstoreConfig, LogstoreInfo, MAX_SHARDS, ProjectInfo, StoredLog,
    TTL_FOREVER_DAYS,
};
pub use reader::LogReader;
pub use reader::budget::{
    DEFAULT_QUERY_TIME_BUDGET, MAX_VALUE_BYTES, cancel_running_queries, query_time_budget,
    running_queries, set_query_time_budget,
};
pub use routing::shard_for_hash_key;
pub use search::{QueryError, SearchRequest, SearchResult};
pub use store::{LogStore, OpenOptions};
pub use writer::LogWriter;
