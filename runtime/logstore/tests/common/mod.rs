//! Helpers shared by the integration tests.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fclocal_logstore::{LogQuery, LogRecord, LogStore, SearchRequest, SearchResult, StoredLog};

/// A fixed, recent instant (2025-01-01T00:00:00Z) plus `secs`, so tests never read the clock.
pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_735_689_600 + secs)
}

/// A record in `project/logstore` with the given contents.
pub fn rec(
    project: &str,
    logstore: &str,
    time: SystemTime,
    contents: &[(&str, &str)],
) -> LogRecord {
    LogRecord {
        project: project.to_owned(),
        logstore: logstore.to_owned(),
        time,
        topic: String::new(),
        source: String::new(),
        tags: Vec::new(),
        contents: contents
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// A record with one `message` content.
pub fn msg(project: &str, logstore: &str, time: SystemTime, message: &str) -> LogRecord {
    rec(project, logstore, time, &[("message", message)])
}

/// Every line in `project/logstore`, oldest first.
pub fn all(store: &LogStore, project: &str, logstore: &str) -> Vec<StoredLog> {
    store
        .reader()
        .expect("reader")
        .query(&LogQuery {
            project: Some(project.to_owned()),
            logstore: Some(logstore.to_owned()),
            ..LogQuery::default()
        })
        .expect("query")
}

/// The `message` values of `logs`.
pub fn messages(logs: &[StoredLog]) -> Vec<&str> {
    logs.iter()
        .map(|l| l.get("message").unwrap_or("<none>"))
        .collect()
}

/// Runs only the test `name` of this test binary in a child process, with `env` set to
/// `db`, and returns its stdout. The child is expected to die (`std::process::abort`) with
/// its store still open, like a killed server.
pub fn run_aborting_child(name: &str, env: &str, db: &Path) -> String {
    let exe = std::env::current_exe().expect("current exe");
    let out = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(env, db)
        .output()
        .expect("spawn child");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !out.status.success(),
        "the child must die by abort: {:?}\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A search's result table: its columns, rows and processed rows.
pub type Table = (Vec<String>, Vec<Vec<Option<String>>>, u64);

/// Runs `request` on a fresh reader of `store`; panics, naming the query, on an error or on
/// a result that is not a table.
pub fn search_table(store: &LogStore, request: &SearchRequest) -> Table {
    let query = &request.query;
    match store
        .reader()
        .expect("reader")
        .search(request)
        .unwrap_or_else(|e| panic!("{query}: {e}"))
    {
        SearchResult::Table {
            columns,
            rows,
            processed_rows,
        } => (columns, rows, processed_rows),
        SearchResult::Logs { .. } => panic!("{query}: not a table"),
    }
}
