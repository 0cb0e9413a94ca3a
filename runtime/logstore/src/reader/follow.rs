//! [`LogReader`] calls for followers that walk the whole store in append order, such as
//! `fclocal start --forward-logs`: "the lines after row id N", the newest id, how many
//! lines are still ahead of a follower, and which database this is.
//!
//! Row ids grow with every commit (one writer, one transaction at a time) and are never
//! handed out twice, not even after a TTL sweep deleted the newest rows (`migrations.rs`,
//! version 4), and a reader only ever sees whole commits, so a follower that remembers the
//! last id it handled sees every later line exactly once: a line with a smaller id can
//! never appear after it. What can start ids over is a new database file (`logs.db`
//! deleted, or another data directory): a follower keeps [`LogReader::database_id`] beside
//! its id and starts from 0 when it changes.

use rusqlite::params;

use crate::error::{Result, SqliteContext};
use crate::model::StoredLog;
use crate::query::SELECT;
use crate::reader::LogReader;

impl LogReader {
    /// Lines with a row id above `after`, in id (= commit) order: at most `max_lines`,
    /// and no more once the lines read hold `max_bytes` of contents and tags (the line
    /// that crosses the limit is included, so a single large line is still returned).
    ///
    /// Every project and logstore is included; [`StoredLog::project`] and
    /// [`StoredLog::logstore`] say where each line belongs.
    pub fn lines_after(
        &self,
        after: i64,
        max_lines: usize,
        max_bytes: usize,
    ) -> Result<Vec<StoredLog>> {
        let sql = format!("{SELECT} WHERE l.id > ?1 ORDER BY l.id LIMIT ?2");
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .ctx(&self.path, "preparing to read lines by id")?;
        let limit = i64::try_from(max_lines).unwrap_or(i64::MAX);
        let mut rows = stmt
            .query(params![after, limit])
            .ctx(&self.path, "reading lines by id")?;
        let mut out = Vec::new();
        let mut bytes = 0usize;
        while let Some(row) = rows.next().ctx(&self.path, "reading lines by id")? {
            let log = self.decode_row(row)?;
            bytes += log_bytes(&log);
            out.push(log);
            if bytes >= max_bytes {
                break;
            }
        }
        Ok(out)
    }

    /// The highest row id the store ever gave a line (kept or since swept), 0 when it
    /// never held one. Later lines get higher ids.
    pub fn newest_id(&self) -> Result<i64> {
        self.conn
            .prepare_cached(
                "SELECT max(coalesce((SELECT max(id) FROM logs), 0),
                            (SELECT retired_up_to FROM meta))",
            )
            .and_then(|mut s| s.query_row([], |row| row.get(0)))
            .ctx(&self.path, "reading the newest line id")
    }

    /// This database's identity: random, made when the file was created (or first opened
    /// by an fclocal with schema version 4), so a file deleted and created again, whose
    /// ids start over, has another one.
    pub fn database_id(&self) -> Result<String> {
        self.conn
            .prepare_cached("SELECT database_id FROM meta")
            .and_then(|mut s| s.query_row([], |row| row.get(0)))
            .ctx(&self.path, "reading the database id")
    }

    /// How many lines have a row id above `after`, counting only lines of `projects`
    /// (every project when `projects` is `None`).
    pub fn count_after(&self, after: i64, projects: Option<&[String]>) -> Result<u64> {
        let count: i64 = match projects {
            None => self
                .conn
                .prepare_cached("SELECT count(*) FROM logs WHERE id > ?1")
                .and_then(|mut s| s.query_row([after], |row| row.get(0))),
            Some(projects) => {
                let names = serde_json::to_string(projects).unwrap_or_else(|_| "[]".to_owned());
                self.conn
                    .prepare_cached(
                        "SELECT count(*) FROM logs WHERE id > ?1 AND logstore_id IN
                         (SELECT id FROM logstores
                          WHERE project IN (SELECT value FROM json_each(?2)))",
                    )
                    .and_then(|mut s| s.query_row(params![after, names], |row| row.get(0)))
            }
        }
        .ctx(&self.path, "counting lines by id")?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}

/// What a line weighs for [`LogReader::lines_after`]'s byte limit: its text.
fn log_bytes(log: &StoredLog) -> usize {
    let pairs = log.contents.iter().chain(&log.tags);
    pairs.map(|(k, v)| k.len() + v.len()).sum::<usize>() + log.topic.len() + log.source.len()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use crate::{LogRecord, LogStore};

    fn record(project: &str, message: &str) -> LogRecord {
        LogRecord {
            project: project.into(),
            logstore: "ls".into(),
            time: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            topic: "t".into(),
            source: String::new(),
            tags: vec![],
            contents: vec![("message".into(), message.into())],
        }
    }

    #[test]
    fn lines_come_back_in_id_order_after_the_given_id_within_the_limits() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(&dir.path().join("logs.db")).unwrap();
        let writer = store.writer();
        writer
            .append(vec![record("a", "one"), record("b", "two")])
            .unwrap();
        writer.append(vec![record("a", &"x".repeat(100))]).unwrap();
        writer.append(vec![record("a", "four")]).unwrap();
        writer.flush_blocking().unwrap();
        let reader = store.reader().unwrap();

        assert_eq!(reader.newest_id().unwrap(), 4);
        let all = reader.lines_after(0, 100, usize::MAX).unwrap();
        let ids: Vec<i64> = all.iter().map(|log| log.id).collect();
        assert_eq!(ids, [1, 2, 3, 4]);
        assert_eq!(
            (all[1].project.as_str(), all[1].get("message")),
            ("b", Some("two"))
        );

        let after = reader.lines_after(1, 2, usize::MAX).unwrap();
        assert_eq!(after.iter().map(|l| l.id).collect::<Vec<_>>(), [2, 3]);
        // The line that crosses the byte limit is the last one returned.
        let heavy = reader.lines_after(2, 100, 50).unwrap();
        assert_eq!(heavy.iter().map(|l| l.id).collect::<Vec<_>>(), [3]);
        assert!(reader.lines_after(4, 100, usize::MAX).unwrap().is_empty());

        assert_eq!(reader.count_after(0, None).unwrap(), 4);
        assert_eq!(reader.count_after(1, Some(&["a".to_owned()])).unwrap(), 2);
        assert_eq!(reader.count_after(0, Some(&[])).unwrap(), 0);
    }

    #[test]
    fn an_empty_store_has_newest_id_zero() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(&dir.path().join("logs.db")).unwrap();
        assert_eq!(store.reader().unwrap().newest_id().unwrap(), 0);
    }

    #[test]
    fn ids_keep_growing_after_a_sweep_deleted_the_newest_lines() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(&dir.path().join("logs.db")).unwrap();
        let writer = store.writer();
        writer
            .append(vec![record("a", "one"), record("a", "two")])
            .unwrap();
        writer.flush_blocking().unwrap();
        // Every line is past its 30-day TTL: the newest ids go too.
        let later = UNIX_EPOCH + Duration::from_secs(1_800_000_000 + 31 * 86_400);
        assert_eq!(store.sweep_expired(later).unwrap(), 2);
        let reader = store.reader().unwrap();
        assert_eq!(reader.newest_id().unwrap(), 2, "swept ids still count");

        writer.append(vec![record("a", "three")]).unwrap();
        writer.flush_blocking().unwrap();
        let after = reader.lines_after(2, 100, usize::MAX).unwrap();
        let seen: Vec<(i64, Option<&str>)> =
            after.iter().map(|l| (l.id, l.get("message"))).collect();
        assert_eq!(seen, [(3, Some("three"))]);

        // Also after a restart: the high-water mark is in the file, not the writer.
        store.close().unwrap();
        let store = LogStore::open(&dir.path().join("logs.db")).unwrap();
        store.sweep_expired(later).unwrap();
        let writer = store.writer();
        writer.append(vec![record("a", "four")]).unwrap();
        writer.flush_blocking().unwrap();
        assert_eq!(store.reader().unwrap().newest_id().unwrap(), 4);
    }

    #[test]
    fn a_recreated_database_has_another_identity() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs.db");
        let store = LogStore::open(&path).unwrap();
        let first = store.reader().unwrap().database_id().unwrap();
        assert_eq!(first.len(), 32, "{first}");
        assert_eq!(store.reader().unwrap().database_id().unwrap(), first);
        store.close().unwrap();
        assert_eq!(
            LogStore::open(&path)
                .unwrap()
                .reader()
                .unwrap()
                .database_id()
                .unwrap(),
            first,
            "kept across reopening"
        );
        for file in ["logs.db", "logs.db-wal", "logs.db-shm"] {
            let _ = std::fs::remove_file(dir.path().join(file));
        }
        let again = LogStore::open(&path).unwrap();
        assert_ne!(again.reader().unwrap().database_id().unwrap(), first);
    }
}
