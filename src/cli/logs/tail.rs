//! `fclocal logs --tail`: prints lines as they are committed, like
//! `s logs --tail`, until interrupted or the reader of stdout goes away.
//!
//! The writer commits to `logs.db-wal`, so a filesystem watcher on the data
//! directory says when to look again; a periodic look covers filesystems
//! whose events do not arrive. Each look reads the recent window and prints
//! the lines it has not printed yet (by row id, which grows with every
//! commit), in commit order.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use fclocal_logstore::{LogReader, SearchRequest, SearchResult, StoredLog};
use notify::{RecursiveMode, Watcher as _};

use super::print;
use super::target::Target;

/// How often to look even without a filesystem event.
const FALLBACK_PERIOD: Duration = Duration::from_secs(2);
/// How far back each look reads, for lines stamped a little before they
/// were committed (a slow invocation's early lines).
const LOOK_BACK: Duration = Duration::from_secs(300);
/// Most lines one look prints.
const MAX_PER_LOOK: usize = 10_000;

/// Follows `targets` after `printed` were shown.
pub fn follow(
    reader: &LogReader,
    db: &Path,
    targets: &[Target],
    query: &str,
    topic: Option<&str>,
    printed: &[StoredLog],
    json: bool,
) -> anyhow::Result<()> {
    let (events, changes) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = events.send(event);
    })
    .context("cannot watch the logstore for new lines")?;
    let dir = db.parent().unwrap_or(Path::new("."));
    watcher
        .watch(dir, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", dir.display()))?;

    let mut last_id = printed.iter().map(|log| log.id).max().unwrap_or(i64::MIN);
    let mut first = true;
    loop {
        // Look once right away: lines may have landed since the first read.
        if !first {
            match changes.recv_timeout(FALLBACK_PERIOD) {
                Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            }
            while changes.try_recv().is_ok() {}
        }
        first = false;
        let now = SystemTime::now();
        let mut fresh = Vec::new();
        for target in targets {
            let request = SearchRequest {
                project: target.project.clone(),
                logstore: target.logstore.clone(),
                query: query.to_owned(),
                from: now.checked_sub(LOOK_BACK).unwrap_or(SystemTime::UNIX_EPOCH),
                to: now + super::FUTURE_SLACK,
                topic: topic.map(str::to_owned),
                line: MAX_PER_LOOK,
                offset: 0,
                reverse: true,
            };
            match reader
                .search(&request)
                .map_err(|error| print::query_error(query, error))?
            {
                SearchResult::Logs { logs, .. } => {
                    fresh.extend(logs.into_iter().filter(|log| log.id > last_id));
                }
                SearchResult::Table { .. } => {}
            }
        }
        if fresh.is_empty() {
            continue;
        }
        fresh.sort_by_key(|log| log.id);
        last_id = fresh.last().map_or(last_id, |log| log.id);
        if !print::logs(&fresh, json)? {
            return Ok(());
        }
    }
}
