//! The time budget and withdrawal of running queries. The budget is process-wide, so these
//! tests live in their own test binary, all with the same short budget, one at a time
//! (shutdown stops every query of the process).

mod corpus;

use std::sync::{Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

use corpus::{BASE, Indexing, LOGSTORE, PROJECT, at};
use fclocal_logstore::{
    LogReader, QueryError, SearchRequest, SearchResult, cancel_running_queries, running_queries,
    set_query_time_budget,
};
use fclocal_sls_query::Cancel;

const BUDGET: Duration = Duration::from_millis(500);

/// A statement that would run for hours: 60⁵ rows.
const RUNAWAY: &str = "* | select count(*) from log a, log b, log c, log d, log e";

fn reader() -> (MutexGuard<'static, ()>, tempfile::TempDir, LogReader) {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let serial = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    static BUDGET_SET: Once = Once::new();
    BUDGET_SET.call_once(|| set_query_time_budget(BUDGET));
    let dir = tempfile::tempdir().expect("tempdir");
    let store = corpus::store(dir.path(), Indexing::Queued);
    let reader = store.reader().expect("reader");
    (serial, dir, reader)
}

fn request(query: &str) -> SearchRequest {
    SearchRequest {
        project: PROJECT.into(),
        logstore: LOGSTORE.into(),
        query: query.into(),
        from: at(0),
        to: at(BASE + 100_000),
        topic: None,
        line: 10,
        offset: 0,
        reverse: false,
    }
}

#[test]
fn a_runaway_statement_stops_at_its_budget() {
    let (_serial, _dir, reader) = reader();
    let started = Instant::now();
    let result = reader.search(&request(RUNAWAY));
    let took = started.elapsed();
    match result {
        Err(e @ QueryError::TimedOut { .. }) => {
            assert!(e.to_string().contains("0.5 s time budget"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(took >= BUDGET && took < BUDGET * 4, "took {took:?}");
    // The reader is fine afterwards.
    assert!(matches!(
        reader.search(&request("* | select count(*) as n")),
        Ok(SearchResult::Table { .. })
    ));
}

#[test]
fn a_withdrawn_query_stops() {
    let (_serial, _dir, reader) = reader();
    let cancel = Cancel::new();
    drop(cancel.on_drop()); // the client is already gone
    let result = cancel.scope(|| reader.search(&request(RUNAWAY)));
    assert!(matches!(result, Err(QueryError::Cancelled)), "{result:?}");
}

#[test]
fn shutdown_stops_running_queries() {
    let (_serial, _dir, reader) = reader();
    let worker = std::thread::spawn(move || {
        let started = Instant::now();
        (reader.search(&request(RUNAWAY)), started.elapsed())
    });
    // Wait for the query to start.
    while running_queries() == 0 && !worker.is_finished() {
        std::thread::yield_now();
    }
    cancel_running_queries();
    let (result, took) = worker.join().expect("search thread");
    assert!(matches!(result, Err(QueryError::Cancelled)), "{result:?}");
    assert!(took < BUDGET, "took {took:?}");
    assert_eq!(running_queries(), 0);
}
