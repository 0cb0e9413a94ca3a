//! [`LogBackend`] over fclocal's logstore: what the SLS API crate calls for
//! PutLogs, GetLogs, GetHistograms, listings, shards, cursors and PullLogs.
//!
//! Writes go through the one logstore writer and are committed before the
//! answer (`flush_blocking`), so a GetLogs right after a PutLogs sees the
//! lines. Reads borrow a connection from [`Readers`].

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fclocal_logstore::{
    CursorPosition, GroupAppend, GroupLog, LogReader, LogStoreError, LogWriter, LogstoreInfo,
    QueryError, SearchRequest, SearchResult, ShardChoice, StoredLog,
};
use fclocal_sls_api::proto::{Log, LogContent, LogGroup, LogTag};
use fclocal_sls_api::{
    ApiError, CursorAt, GetLogsRequest, GetLogsResponse, HistogramRequest, LogBackend,
    LogstoreMeta, PulledGroups, PutLogsRequest, QueryRows, ShardMeta,
};

use super::readers::Readers;

/// The SLS API's storage: fclocal's logstore.
pub struct StoreBackend {
    writer: LogWriter,
    readers: Arc<Readers>,
}

impl StoreBackend {
    /// A backend writing through `writer` and reading through `readers`.
    pub fn new(writer: LogWriter, readers: Arc<Readers>) -> StoreBackend {
        StoreBackend { writer, readers }
    }

    fn read<T>(
        &self,
        read: impl FnOnce(&LogReader) -> Result<T, LogStoreError>,
    ) -> Result<T, ApiError> {
        self.readers
            .with(read)
            .map_err(store_error)?
            .map_err(store_error)
    }

    fn query<T>(
        &self,
        read: impl FnOnce(&LogReader) -> Result<T, QueryError>,
    ) -> Result<T, ApiError> {
        self.readers
            .with(read)
            .map_err(store_error)?
            .map_err(query_error)
    }
}

/// The SLS error for a logstore error.
fn store_error(error: LogStoreError) -> ApiError {
    match error {
        LogStoreError::UnknownProject { project, .. } => ApiError::ProjectNotExist { project },
        LogStoreError::UnknownLogstore { logstore, .. } => ApiError::LogStoreNotExist { logstore },
        LogStoreError::UnknownShard { shard, .. } => ApiError::ShardNotExist { shard },
        error @ LogStoreError::InvalidCursor { .. } => ApiError::InvalidCursor(error.to_string()),
        error @ LogStoreError::InvalidHashKey { .. } => {
            ApiError::ParameterInvalid(error.to_string())
        }
        error => ApiError::InternalServerError(full_chain(&error)),
    }
}

/// The SLS error for a query error.
fn query_error(error: QueryError) -> ApiError {
    match error {
        QueryError::Parse(parse) => ApiError::InvalidQueryString {
            reason: parse.message.clone(),
            position: Some(parse.offset),
        },
        QueryError::UnknownProject { project, .. } => ApiError::ProjectNotExist { project },
        QueryError::UnknownLogstore { logstore, .. } => ApiError::LogStoreNotExist { logstore },
        QueryError::InvalidTimeRange { .. } => ApiError::InvalidTimeRange(error.to_string()),
        // A query stopped at its budget is a 4xx: an SDK retries a 5xx, and a retry would
        // run the same query into the same budget.
        QueryError::Sql { .. } | QueryError::Search { .. } | QueryError::TimedOut { .. } => {
            ApiError::InvalidQueryString {
                reason: error.to_string(),
                position: None,
            }
        }
        // Withdrawn: by shutdown (its client gone, nobody reads the answer). The query is
        // fine, so not a 4xx; a 5xx lets an SDK retry once fclocal is back.
        QueryError::Cancelled => ApiError::InternalServerError(
            "the query was cancelled because fclocal is shutting down; retry once it is running again"
                .to_owned(),
        ),
        QueryError::Store(store) => store_error(store),
        other => ApiError::InternalServerError(full_chain(&other)),
    }
}

/// An error and its causes on one line, for a 500's message.
fn full_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn at(seconds: i64, nanos: u32) -> SystemTime {
    let base = if seconds >= 0 {
        UNIX_EPOCH + Duration::from_secs(seconds.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
    };
    base + Duration::from_nanos(u64::from(nanos))
}

fn meta(info: LogstoreInfo) -> LogstoreMeta {
    LogstoreMeta {
        name: info.name,
        ttl_days: info.config.ttl_days,
        shard_count: info.config.shard_count,
        // The API stores `__receive_time__` (and `__client_ip__`) tags, as
        // SLS does for logstores with appendMeta.
        append_meta: true,
        create_time: unix_seconds(info.created),
        last_modify_time: unix_seconds(info.last_modified),
    }
}

/// A stored line in GetLogs' flat shape, with SLS's reserved names.
fn flat_row(log: &StoredLog) -> Vec<(String, String)> {
    let since_epoch = log.time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let group = LogGroup {
        topic: Some(log.topic.clone()),
        source: Some(log.source.clone()),
        log_tags: log
            .tags
            .iter()
            .map(|(key, value)| LogTag::new(key.clone(), value.clone()))
            .collect(),
        ..LogGroup::default()
    };
    let line = Log {
        time: u32::try_from(since_epoch.as_secs()).unwrap_or(u32::MAX),
        contents: log
            .contents
            .iter()
            .map(|(key, value)| LogContent::new(key.clone(), value.clone()))
            .collect(),
        time_ns: time_ns_part(since_epoch),
    };
    fclocal_sls_api::proto::flatten(&group, &line)
}

/// `TimeNs` / `__time_ns_part__` for a stored time: only when the line has
/// nanoseconds, as SLS returns the field only when the writer sent it. A
/// line written with whole seconds (most SDKs) comes back without it, which
/// older readers need: npm `aliyun-sdk`'s protobuf decoder fails on any
/// field it does not know, and it predates `TimeNs`.
fn time_ns_part(since_epoch: Duration) -> Option<u32> {
    let nanos = since_epoch.subsec_nanos();
    (nanos != 0).then_some(nanos)
}

impl LogBackend for StoreBackend {
    fn put_logs(&self, request: PutLogsRequest) -> Result<(), ApiError> {
        // The writer would create a missing logstore; SLS answers 404.
        self.read(|reader| reader.logstore(&request.project, &request.logstore))?;
        let group = request.group;
        let mut tags: Vec<(String, String)> = group
            .log_tags
            .into_iter()
            .map(|tag| (tag.key, tag.value))
            .collect();
        tags.push((
            "__receive_time__".to_owned(),
            request.received_at.to_string(),
        ));
        if let Some(ip) = request.client_ip {
            tags.push(("__client_ip__".to_owned(), ip));
        }
        let logs = group
            .logs
            .into_iter()
            .map(|log| GroupLog {
                time: at(i64::from(log.time), log.time_ns.unwrap_or(0)),
                contents: log
                    .contents
                    .into_iter()
                    .map(|content| (content.key, content.value))
                    .collect(),
            })
            .collect();
        let written = self.writer.append_group(GroupAppend {
            project: request.project,
            logstore: request.logstore,
            shard: match request.hash_key {
                Some(key) => ShardChoice::HashKey(key),
                None => ShardChoice::Any,
            },
            received_at: at(i64::try_from(request.received_at).unwrap_or(i64::MAX), 0),
            topic: group.topic.unwrap_or_default(),
            source: group.source.unwrap_or_default(),
            tags,
            logs,
        });
        written
            .and_then(|()| self.writer.flush_blocking())
            .map_err(store_error)
    }

    fn list_logstores(&self, project: &str) -> Result<Vec<LogstoreMeta>, ApiError> {
        let (known, logstores) =
            self.read(|reader| Ok((reader.projects()?, reader.logstores(project)?)))?;
        if !known.iter().any(|p| p.name == project) {
            return Err(ApiError::ProjectNotExist {
                project: project.to_owned(),
            });
        }
        Ok(logstores.into_iter().map(meta).collect())
    }

    fn get_logstore(&self, project: &str, logstore: &str) -> Result<LogstoreMeta, ApiError> {
        self.read(|reader| reader.logstore(project, logstore))
            .map(meta)
    }

    fn get_logs(&self, request: GetLogsRequest) -> Result<GetLogsResponse, ApiError> {
        let search = SearchRequest {
            project: request.project,
            logstore: request.logstore,
            query: request.query,
            from: at(request.from, request.from_ns),
            to: at(request.to, request.to_ns),
            topic: request.topic,
            line: usize::try_from(request.line).unwrap_or(usize::MAX),
            offset: usize::try_from(request.offset).unwrap_or(usize::MAX),
            reverse: request.reverse,
        };
        let result = self.query(|reader| reader.search(&search))?;
        Ok(match result {
            SearchResult::Logs {
                logs,
                processed_rows,
            } => GetLogsResponse {
                rows: QueryRows::Logs(logs.iter().map(flat_row).collect()),
                processed_rows,
            },
            SearchResult::Table {
                columns,
                rows,
                processed_rows,
            } => GetLogsResponse {
                rows: QueryRows::Sql { columns, rows },
                processed_rows,
            },
        })
    }

    fn histogram(&self, request: HistogramRequest) -> Result<Vec<u64>, ApiError> {
        let buckets: Vec<(SystemTime, SystemTime)> = request
            .buckets
            .iter()
            .map(|bucket| (at(bucket.from, 0), at(bucket.to, 0)))
            .collect();
        self.query(|reader| {
            reader.histogram(
                &request.project,
                &request.logstore,
                &request.query,
                request.topic.as_deref(),
                &buckets,
            )
        })
    }

    fn shards(&self, project: &str, logstore: &str) -> Result<Vec<ShardMeta>, ApiError> {
        let shards = self.read(|reader| reader.shards(project, logstore))?;
        {
            let writable = shards.iter().filter(|shard| shard.writable).count();
            let ranges = ShardMeta::even_split(u32::try_from(writable).unwrap_or(1), 0);
            Ok(shards
                .into_iter()
                .map(|shard| {
                    let created = unix_seconds(shard.created);
                    match ranges.iter().find(|range| range.id == shard.id) {
                        Some(range) if shard.writable => ShardMeta {
                            create_time: created,
                            ..range.clone()
                        },
                        // A shard left over after the count shrank: no key range.
                        _ => ShardMeta {
                            id: shard.id,
                            status: "readonly".to_owned(),
                            inclusive_begin_key: "0".repeat(32),
                            exclusive_end_key: "0".repeat(32),
                            create_time: created,
                        },
                    }
                })
                .collect())
        }
    }

    fn cursor(
        &self,
        project: &str,
        logstore: &str,
        shard: u32,
        at: CursorAt,
    ) -> Result<u64, ApiError> {
        let position = match at {
            CursorAt::Begin => CursorPosition::Begin,
            CursorAt::End => CursorPosition::End,
            CursorAt::Time(seconds) => {
                CursorPosition::ReceivedAt(UNIX_EPOCH + Duration::from_secs(seconds))
            }
        };
        self.read(|reader| reader.cursor(project, logstore, shard, position))
    }

    fn cursor_time(
        &self,
        project: &str,
        logstore: &str,
        shard: u32,
        cursor: u64,
    ) -> Result<u64, ApiError> {
        self.read(|reader| reader.cursor_time(project, logstore, shard, cursor))
            .map(unix_seconds)
    }

    fn pull(
        &self,
        project: &str,
        logstore: &str,
        shard: u32,
        cursor: u64,
        count: usize,
        end: Option<u64>,
    ) -> Result<PulledGroups, ApiError> {
        let pulled =
            self.read(|reader| reader.pull(project, logstore, shard, cursor, count, end))?;
        Ok(PulledGroups {
            groups: pulled
                .groups
                .into_iter()
                .map(|group| LogGroup {
                    topic: Some(group.topic),
                    source: Some(group.source),
                    log_tags: group
                        .tags
                        .into_iter()
                        .map(|(key, value)| LogTag::new(key, value))
                        .collect(),
                    logs: group
                        .logs
                        .into_iter()
                        .map(|log| {
                            let since = log.time.duration_since(UNIX_EPOCH).unwrap_or_default();
                            Log {
                                time: u32::try_from(since.as_secs()).unwrap_or(u32::MAX),
                                contents: log
                                    .contents
                                    .into_iter()
                                    .map(|(key, value)| LogContent::new(key, value))
                                    .collect(),
                                time_ns: time_ns_part(since),
                            }
                        })
                        .collect(),
                    ..LogGroup::default()
                })
                .collect(),
            next_cursor: pulled.next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_cancelled_by_shutdown_is_not_blamed_on_the_query() {
        let error = query_error(QueryError::Cancelled);
        assert!(error.status().is_server_error(), "{error:?}");
        assert_ne!(error.code(), "InvalidQueryString");
        assert!(error.to_string().contains("shutting down"), "{error}");
        let timed_out = query_error(QueryError::TimedOut {
            budget: Duration::from_secs(1),
        });
        assert_eq!(timed_out.code(), "InvalidQueryString");
        assert_eq!(timed_out.status(), http::StatusCode::BAD_REQUEST);
    }
}
