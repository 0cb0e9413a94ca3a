//! A line whose flush returned survives the process aborting right after.
//!
//! The test re-executes its own binary (running only `child_appends_flushes_and_aborts`) with
//! `FCLOCAL_LOGSTORE_CHILD_DB` set; the child appends, flushes, prints how many lines it
//! flushed, and calls `std::process::abort()` with the store still open. The parent then
//! reopens the database.

mod common;

use common::{all, at, msg, run_aborting_child};
use fclocal_logstore::LogStore;

const CHILD_ENV: &str = "FCLOCAL_LOGSTORE_CHILD_DB";
const FLUSHED: usize = 2_500;

#[test]
fn child_appends_flushes_and_aborts() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return; // only does something when re-executed by `flushed_lines_survive_abort`
    };
    let store = LogStore::open(path.as_ref()).expect("open in child");
    let w = store.writer();
    for batch in 0..FLUSHED / 100 {
        w.append(
            (0..100)
                .map(|i| msg("p", "fc", at(0), &format!("{}", batch * 100 + i)))
                .collect(),
        )
        .expect("append");
    }
    w.flush_blocking().expect("flush");
    println!("flushed {FLUSHED}");
    // Unflushed lines may or may not make it; they must not break anything.
    w.append(vec![msg("p", "fc", at(1), "after flush")])
        .expect("append");
    std::process::abort();
}

#[test]
fn flushed_lines_survive_abort() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("logs.db");
    let stdout = run_aborting_child("child_appends_flushes_and_aborts", CHILD_ENV, &db);
    assert!(
        stdout.contains(&format!("flushed {FLUSHED}")),
        "child stdout: {stdout}"
    );

    let store = LogStore::open(&db).expect("reopen after abort");
    let logs = all(&store, "p", "fc");
    let flushed: Vec<&str> = logs
        .iter()
        .filter_map(|l| l.get("message"))
        .filter(|m| *m != "after flush")
        .collect();
    let expected: Vec<String> = (0..FLUSHED).map(|i| i.to_string()).collect();
    assert_eq!(
        flushed,
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
}
