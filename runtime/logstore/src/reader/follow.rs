//! [`LogReader`] calls for followers that walk the whole store in append order, such as
//! `fclocal start --forward-logs`: "the lines after row id N", the newest id, and how many
//! lines are still ahead of a follower.
//!
//! Row ids grow with every commit (one writer, one transaction at a time), and a reader
//! only ever sees whole commits, so a follower that remembers the last id it handled sees
//! every later line exactly once: a line with a smaller id can never appear after it.
//! The one exception is a TTL sweep that deletes the very newest rows of the database:
//! SQLite may then hand those ids out again (see `migrations.rs`), so a follower whose
//! remembered id is above [`LogReader::newest_id`] should move back to it.

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

    /// The highest row id in the store, 0 when it holds no line.
    pub fn newest_id(&self) -> Result<i64> {
        self.conn
            .prepare_cached("SELECT coalesce(max(id), 0) FROM logs")
            .and_then(|mut s| s.query_row([], |row| row.get(0)))
            .ctx(&self.path, "reading the newest line id")
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
}
