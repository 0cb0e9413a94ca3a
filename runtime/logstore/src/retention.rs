//! TTL retention: deleting lines older than their logstore's `ttl_days`.
//!
//! Runs on the writer thread (it is a write), between append transactions, as one
//! transaction per sweep. A logstore with `ttl_days >= 3650` ([`TTL_FOREVER_DAYS`]) is never
//! swept, as in SLS. Who calls it and how often is the caller's choice (the server runs it
//! on a timer); the clock is injected so tests need no waiting.

use std::time::SystemTime;

use rusqlite::{Connection, TransactionBehavior, params};

use crate::model::{TTL_FOREVER_DAYS, to_unix_nanos};

/// Nanoseconds in a day.
const DAY_NS: i64 = 86_400 * 1_000_000_000;

/// Deletes every line with `time < now - ttl_days` and returns how many went.
pub(crate) fn sweep(conn: &mut Connection, now: SystemTime) -> rusqlite::Result<u64> {
    let now_ns = to_unix_nanos(now);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stores: Vec<(i64, i64)> = {
        let mut stmt = tx.prepare_cached("SELECT id, ttl_days FROM logstores")?;
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut deleted = 0u64;
    {
        let mut delete =
            tx.prepare_cached("DELETE FROM logs WHERE logstore_id = ?1 AND time_ns < ?2")?;
        for (id, ttl_days) in stores {
            if ttl_days >= i64::from(TTL_FOREVER_DAYS) {
                continue;
            }
            let cutoff = now_ns.saturating_sub(ttl_days.saturating_mul(DAY_NS));
            deleted += delete.execute(params![id, cutoff])? as u64;
        }
    }
    tx.commit()?;
    Ok(deleted)
}
