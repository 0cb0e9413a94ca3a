//! An in-memory [`LogBackend`]: logstores in a map, cursors as indexes
//! into a shard's groups.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use fclocal_sls_api::proto::flatten;
use fclocal_sls_api::{
    ApiError, CursorAt, GetLogsRequest, GetLogsResponse, HistogramRequest, LogBackend, LogGroup,
    LogstoreMeta, PulledGroups, PutLogsRequest, QueryRows, ShardMeta,
};

use crate::support::{LOGSTORE, NOW, PROJECT};

struct Stored {
    group: LogGroup,
    received_at: u64,
}

struct Store {
    meta: LogstoreMeta,
    shards: Vec<Vec<Stored>>,
}

/// What the fake was asked, for assertions.
#[derive(Default)]
pub struct Seen {
    pub puts: Vec<PutLogsRequest>,
    pub get_logs: Vec<GetLogsRequest>,
    pub histograms: Vec<HistogramRequest>,
}

/// Logstores in memory; cursors are indexes into a shard's groups. Search:
/// every word must occur in some value (`*`/empty: all); a `|` makes it
/// "SQL" answering `count`; `((` is a syntax error at its position.
pub struct FakeBackend {
    stores: Mutex<BTreeMap<(String, String), Store>>,
    pub seen: Mutex<Seen>,
}

impl FakeBackend {
    pub fn new() -> Arc<FakeBackend> {
        let backend = FakeBackend {
            stores: Mutex::new(BTreeMap::new()),
            seen: Mutex::new(Seen::default()),
        };
        backend.add_logstore(PROJECT, LOGSTORE, 2);
        backend.add_logstore(PROJECT, "audit", 1);
        backend.add_logstore("other", "fc-logs", 1);
        Arc::new(backend)
    }

    pub fn add_logstore(&self, project: &str, name: &str, shards: u32) {
        let meta = LogstoreMeta {
            name: name.to_owned(),
            ttl_days: 30,
            shard_count: shards,
            append_meta: false,
            create_time: NOW - 3600,
            last_modify_time: NOW - 60,
        };
        let store = Store {
            meta,
            shards: (0..shards).map(|_| Vec::new()).collect(),
        };
        self.stores
            .lock()
            .unwrap()
            .insert((project.to_owned(), name.to_owned()), store);
    }

    /// Groups stored in a shard.
    pub fn stored(&self, project: &str, logstore: &str, shard: usize) -> Vec<LogGroup> {
        let stores = self.stores.lock().unwrap();
        stores[&(project.to_owned(), logstore.to_owned())].shards[shard]
            .iter()
            .map(|stored| stored.group.clone())
            .collect()
    }

    pub fn total_groups(&self) -> usize {
        let stores = self.stores.lock().unwrap();
        stores
            .values()
            .flat_map(|store| store.shards.iter())
            .map(Vec::len)
            .sum()
    }

    fn with_store<T>(
        &self,
        project: &str,
        logstore: &str,
        f: impl FnOnce(&mut Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut stores = self.stores.lock().unwrap();
        if !stores.keys().any(|(p, _)| p == project) {
            return Err(ApiError::ProjectNotExist {
                project: project.to_owned(),
            });
        }
        let store = stores
            .get_mut(&(project.to_owned(), logstore.to_owned()))
            .ok_or_else(|| ApiError::LogStoreNotExist {
                logstore: logstore.to_owned(),
            })?;
        f(store)
    }

    fn shard(store: &mut Store, shard: u32) -> Result<&mut Vec<Stored>, ApiError> {
        store
            .shards
            .get_mut(shard as usize)
            .ok_or(ApiError::ShardNotExist { shard })
    }

    fn matching(
        store: &Store,
        search: &str,
        topic: Option<&str>,
        from: i64,
        to: i64,
    ) -> Vec<(u32, Vec<(String, String)>)> {
        let words: Vec<String> = search
            .split_whitespace()
            .filter(|word| *word != "*")
            .map(str::to_lowercase)
            .collect();
        let mut rows = Vec::new();
        for stored in store.shards.iter().flatten() {
            if topic.is_some_and(|topic| stored.group.topic.as_deref() != Some(topic)) {
                continue;
            }
            for log in &stored.group.logs {
                let time = i64::from(log.time);
                if time < from || time >= to {
                    continue;
                }
                let row = flatten(&stored.group, log);
                let hit = words.iter().all(|word| {
                    row.iter()
                        .any(|(_, value)| value.to_lowercase().contains(word))
                });
                if hit {
                    rows.push((log.time, row));
                }
            }
        }
        rows.sort_by_key(|(time, _)| *time);
        rows
    }
}

impl LogBackend for FakeBackend {
    fn put_logs(&self, request: PutLogsRequest) -> Result<(), ApiError> {
        self.seen.lock().unwrap().puts.push(request.clone());
        let shards = self.shards(&request.project, &request.logstore)?;
        let shard = match &request.hash_key {
            Some(key) => shards
                .iter()
                .find(|shard| shard.contains_key(key))
                .map(|shard| shard.id)
                .unwrap_or(0),
            None => 0,
        };
        self.with_store(&request.project, &request.logstore, |store| {
            FakeBackend::shard(store, shard)?.push(Stored {
                group: request.group,
                received_at: request.received_at,
            });
            Ok(())
        })
    }

    fn list_logstores(&self, project: &str) -> Result<Vec<LogstoreMeta>, ApiError> {
        let stores = self.stores.lock().unwrap();
        let metas: Vec<LogstoreMeta> = stores
            .iter()
            .filter(|((p, _), _)| p == project)
            .map(|(_, store)| store.meta.clone())
            .collect();
        if metas.is_empty() {
            return Err(ApiError::ProjectNotExist {
                project: project.to_owned(),
            });
        }
        Ok(metas)
    }

    fn get_logstore(&self, project: &str, logstore: &str) -> Result<LogstoreMeta, ApiError> {
        self.with_store(project, logstore, |store| Ok(store.meta.clone()))
    }

    fn get_logs(&self, request: GetLogsRequest) -> Result<GetLogsResponse, ApiError> {
        self.seen.lock().unwrap().get_logs.push(request.clone());
        if let Some(position) = request.query.find("((") {
            return Err(ApiError::InvalidQueryString {
                reason: "unbalanced parenthesis".to_owned(),
                position: Some(position),
            });
        }
        let (search, sql) = match request.query.split_once('|') {
            Some((search, sql)) => (search, Some(sql)),
            None => (request.query.as_str(), None),
        };
        self.with_store(&request.project, &request.logstore, |store| {
            let mut rows = FakeBackend::matching(
                store,
                search,
                request.topic.as_deref(),
                request.from,
                request.to,
            );
            let processed_rows = rows.len() as u64;
            if sql.is_some() {
                return Ok(GetLogsResponse {
                    rows: QueryRows::Sql {
                        columns: vec!["count".to_owned(), "nothing".to_owned()],
                        rows: vec![vec![Some(rows.len().to_string()), None]],
                    },
                    processed_rows,
                });
            }
            if request.reverse {
                rows.reverse();
            }
            let rows = rows
                .into_iter()
                .skip(request.offset as usize)
                .take(request.line as usize)
                .map(|(_, row)| row)
                .collect();
            Ok(GetLogsResponse {
                rows: QueryRows::Logs(rows),
                processed_rows,
            })
        })
    }

    fn histogram(&self, request: HistogramRequest) -> Result<Vec<u64>, ApiError> {
        self.seen.lock().unwrap().histograms.push(request.clone());
        self.with_store(&request.project, &request.logstore, |store| {
            Ok(request
                .buckets
                .iter()
                .map(|bucket| {
                    FakeBackend::matching(
                        store,
                        &request.query,
                        request.topic.as_deref(),
                        bucket.from,
                        bucket.to,
                    )
                    .len() as u64
                })
                .collect())
        })
    }

    fn shards(&self, project: &str, logstore: &str) -> Result<Vec<ShardMeta>, ApiError> {
        self.with_store(project, logstore, |store| {
            Ok(ShardMeta::even_split(
                store.meta.shard_count,
                store.meta.create_time,
            ))
        })
    }

    fn cursor(
        &self,
        project: &str,
        logstore: &str,
        shard: u32,
        at: CursorAt,
    ) -> Result<u64, ApiError> {
        self.with_store(project, logstore, |store| {
            let groups = FakeBackend::shard(store, shard)?;
            Ok(match at {
                CursorAt::Begin => 0,
                CursorAt::End => groups.len() as u64,
                CursorAt::Time(time) => groups
                    .iter()
                    .position(|stored| stored.received_at >= time)
                    .unwrap_or(groups.len()) as u64,
            })
        })
    }

    fn cursor_time(
        &self,
        project: &str,
        logstore: &str,
        shard: u32,
        cursor: u64,
    ) -> Result<u64, ApiError> {
        self.with_store(project, logstore, |store| {
            let groups = FakeBackend::shard(store, shard)?;
            match groups.get(cursor as usize) {
                Some(stored) => Ok(stored.received_at),
                None if cursor as usize == groups.len() => {
                    Ok(groups.last().map(|s| s.received_at).unwrap_or(NOW))
                }
                None => Err(ApiError::InvalidCursor(format!(
                    "cursor {cursor} is past the end"
                ))),
            }
        })
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
        self.with_store(project, logstore, |store| {
            let groups = FakeBackend::shard(store, shard)?;
            let len = groups.len() as u64;
            if cursor > len {
                return Err(ApiError::InvalidCursor(format!(
                    "cursor {cursor} is past the end ({len})"
                )));
            }
            let stop = end
                .unwrap_or(len)
                .min(len)
                .min(cursor + count as u64)
                .max(cursor);
            Ok(PulledGroups {
                groups: groups[cursor as usize..stop as usize]
                    .iter()
                    .map(|stored| stored.group.clone())
                    .collect(),
                next_cursor: stop,
            })
        })
    }
}
