//! Projects, logstores and shard sequence numbers as the writer thread sees them.
//!
//! The writer keeps a cache of every logstore it has written to (its row id, shard count,
//! round-robin cursor and, per shard, the next line `seq`, the next `group_seq` and the
//! newest group's receive time) so an insert costs no catalogue lookup. The cache is only valid for committed state: the writer clears it whenever a
//! transaction rolls back, and drops an entry whenever `ensure_logstore` changes the row.

use std::collections::HashMap;
use std::time::SystemTime;

use rusqlite::{Connection, OptionalExtension, params};

use crate::model::{LogstoreConfig, to_unix_seconds};

/// Writer-side state of one logstore.
#[derive(Debug)]
pub(crate) struct StoreState {
    /// `logstores.id`.
    pub(crate) id: i64,
    /// Shards new lines are spread over.
    shard_count: u32,
    /// Round-robin cursor: the shard the next append group goes to.
    next_shard: u32,
    /// Per shard (may be longer than `shard_count` after a shrink).
    shards: Vec<ShardState>,
    /// `shards` as last written to the `shards` table.
    persisted: Vec<ShardState>,
}

/// The counters of one shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ShardState {
    /// Next line `seq`.
    next_seq: u64,
    /// Next `group_seq` (the shard's end cursor).
    next_group: u64,
    /// `received_at_ns` of the shard's newest group (`i64::MIN` if it had none when
    /// loaded); the next group's receive time is clamped to it so receive times never
    /// decrease along a shard. Not persisted: it is read back from `loggroups`.
    last_received_ns: i64,
}

impl ShardState {
    /// A shard without lines or groups.
    const EMPTY: ShardState = ShardState {
        next_seq: 0,
        next_group: 0,
        last_received_ns: i64::MIN,
    };
}

/// A group opened by [`StoreState::open_group`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpenedGroup {
    /// Its cursor.
    pub(crate) group_seq: u64,
    /// Its receive time, clamped to be no earlier than the shard's previous group.
    pub(crate) received_at_ns: i64,
}

impl StoreState {
    /// Picks the shard for the next append group: plain round-robin, like SLS PutLogs
    /// without a hash key spreading groups over writable shards.
    pub(crate) fn next_group_shard(&mut self) -> u32 {
        let shard = self.next_shard % self.shard_count.max(1);
        self.next_shard = (shard + 1) % self.shard_count.max(1);
        shard
    }

    /// How many shards new groups are spread over.
    pub(crate) fn shard_count(&self) -> u32 {
        self.shard_count.max(1)
    }

    /// Takes the next `group_seq` of `shard` for a group received at `received_at_ns`.
    pub(crate) fn open_group(&mut self, shard: u32, received_at_ns: i64) -> OpenedGroup {
        let state = self.shard_mut(shard);
        let group_seq = state.next_group;
        state.next_group += 1;
        state.last_received_ns = state.last_received_ns.max(received_at_ns);
        OpenedGroup {
            group_seq,
            received_at_ns: state.last_received_ns,
        }
    }

    /// Hands out the next sequence number of `shard`.
    pub(crate) fn take_seq(&mut self, shard: u32) -> u64 {
        let state = self.shard_mut(shard);
        let seq = state.next_seq;
        state.next_seq = seq + 1;
        seq
    }

    fn shard_mut(&mut self, shard: u32) -> &mut ShardState {
        let i = shard as usize;
        if self.shards.len() <= i {
            self.shards.resize(i + 1, ShardState::EMPTY);
        }
        &mut self.shards[i]
    }
}

/// The writer's cache, keyed by project then logstore name (nested so lookups borrow `&str`).
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    stores: HashMap<String, HashMap<String, StoreState>>,
}

impl Catalog {
    /// Forgets everything; called after a rollback.
    pub(crate) fn clear(&mut self) {
        self.stores.clear();
    }

    /// Forgets one logstore; called after its row changed.
    pub(crate) fn forget(&mut self, project: &str, logstore: &str) {
        if let Some(stores) = self.stores.get_mut(project) {
            stores.remove(logstore);
        }
    }

    /// The state of `project/logstore`, loading it from the database or, if the logstore
    /// does not exist, creating it (and its project) with [`LogstoreConfig::default`].
    /// Auto-creation keeps lines from an unconfigured logstore instead of dropping them.
    pub(crate) fn resolve(
        &mut self,
        conn: &Connection,
        project: &str,
        logstore: &str,
        now: SystemTime,
    ) -> rusqlite::Result<&mut StoreState> {
        let cached = self
            .stores
            .get(project)
            .is_some_and(|s| s.contains_key(logstore));
        if !cached {
            let state = match load(conn, project, logstore)? {
                Some(state) => state,
                None => {
                    tracing::info!(
                        project,
                        logstore,
                        "auto-creating logstore with default settings (30 days, 2 shards)"
                    );
                    ensure_logstore(conn, project, logstore, LogstoreConfig::default(), now)?;
                    load(conn, project, logstore)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?
                }
            };
            self.stores
                .entry(project.to_owned())
                .or_default()
                .insert(logstore.to_owned(), state);
        }
        self.stores
            .get_mut(project)
            .and_then(|s| s.get_mut(logstore))
            .ok_or(rusqlite::Error::QueryReturnedNoRows)
    }

    /// Writes changed shard counters into `shards` (inside the caller's transaction).
    pub(crate) fn persist_counters(
        &mut self,
        conn: &Connection,
        now: SystemTime,
    ) -> rusqlite::Result<()> {
        let mut upsert = conn.prepare_cached(
            "INSERT INTO shards (logstore_id, shard, next_seq, next_group, created)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (logstore_id, shard) DO UPDATE SET
                 next_seq = excluded.next_seq, next_group = excluded.next_group",
        )?;
        let created = to_unix_seconds(now);
        for state in self.stores.values_mut().flat_map(|s| s.values_mut()) {
            if state.shards == state.persisted {
                continue;
            }
            for (shard, s) in state.shards.iter().enumerate() {
                if state.persisted.get(shard) != Some(s) {
                    // Counters stay far below i64::MAX.
                    upsert.execute(params![
                        state.id,
                        shard as i64,
                        s.next_seq as i64,
                        s.next_group as i64,
                        created
                    ])?;
                }
            }
            state.persisted.clone_from(&state.shards);
        }
        Ok(())
    }
}

/// Reads a logstore's id, shard count and shard sequences, if it exists.
fn load(conn: &Connection, project: &str, logstore: &str) -> rusqlite::Result<Option<StoreState>> {
    let row = conn
        .prepare_cached("SELECT id, shard_count FROM logstores WHERE project = ?1 AND name = ?2")?
        .query_row(params![project, logstore], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
        })
        .optional()?;
    let Some((id, shard_count)) = row else {
        return Ok(None);
    };
    let mut shards: Vec<ShardState> = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT shard, next_seq, next_group,
                (SELECT received_at_ns FROM loggroups g
                 WHERE g.logstore_id = s.logstore_id AND g.shard = s.shard
                 ORDER BY g.group_seq DESC LIMIT 1)
         FROM shards s WHERE logstore_id = ?1",
    )?;
    let mut rows = stmt.query([id])?;
    while let Some(row) = rows.next()? {
        let shard = usize::try_from(row.get::<_, i64>(0)?).unwrap_or(0);
        let state = ShardState {
            next_seq: u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
            next_group: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
            last_received_ns: row.get::<_, Option<i64>>(3)?.unwrap_or(i64::MIN),
        };
        if shards.len() <= shard {
            shards.resize(shard + 1, ShardState::EMPTY);
        }
        shards[shard] = state;
    }
    Ok(Some(StoreState {
        id,
        shard_count: u32::try_from(shard_count).unwrap_or(1).max(1),
        next_shard: 0,
        persisted: shards.clone(),
        shards,
    }))
}

/// Creates the project if missing; sets its description when a non-empty, different one is
/// given (so an auto-created project can be described later).
pub(crate) fn ensure_project(
    conn: &Connection,
    name: &str,
    description: &str,
    now: SystemTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO projects (name, description, created) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET description = excluded.description
         WHERE excluded.description != '' AND excluded.description != projects.description",
    )?
    .execute(params![name, description, to_unix_seconds(now)])?;
    Ok(())
}

/// Creates the logstore (and its project) if missing, or updates TTL and shard count when
/// they differ; makes sure a `shards` row exists for every shard.
pub(crate) fn ensure_logstore(
    conn: &Connection,
    project: &str,
    name: &str,
    config: LogstoreConfig,
    now: SystemTime,
) -> rusqlite::Result<()> {
    ensure_project(conn, project, "", now)?;
    let now = to_unix_seconds(now);
    conn.prepare_cached(
        "INSERT INTO logstores (project, name, ttl_days, shard_count, created, last_modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (project, name) DO UPDATE SET
             ttl_days = excluded.ttl_days,
             shard_count = excluded.shard_count,
             last_modified = excluded.last_modified
         WHERE logstores.ttl_days != excluded.ttl_days
            OR logstores.shard_count != excluded.shard_count",
    )?
    .execute(params![
        project,
        name,
        config.ttl_days,
        config.shard_count,
        now
    ])?;
    let id: i64 = conn
        .prepare_cached("SELECT id FROM logstores WHERE project = ?1 AND name = ?2")?
        .query_row(params![project, name], |row| row.get(0))?;
    let mut add_shard = conn.prepare_cached(
        "INSERT INTO shards (logstore_id, shard, next_seq, next_group, created)
         VALUES (?1, ?2, 0, 0, ?3)
         ON CONFLICT (logstore_id, shard) DO NOTHING",
    )?;
    for shard in 0..config.shard_count {
        add_shard.execute(params![id, shard, now])?;
    }
    Ok(())
}
