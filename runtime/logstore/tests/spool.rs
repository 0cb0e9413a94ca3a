//! The spool: an invocation is answered once its lines are spooled, before they are
//! committed; they survive the process aborting, are replayed exactly once, and readers see
//! them as soon as the answer came back.
//!
//! The abort test re-executes its own binary (running only `child_spools_and_aborts`) with
//! `FCLOCAL_SPOOL_CHILD_DB` set: the child answers invocations with a commit delay of an
//! hour, so nothing it spooled is committed, prints how many it answered and aborts.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{all, at, messages, msg, run_aborting_child};
use fclocal_logstore::{LogQuery, LogReader, LogStore, OpenOptions};

const CHILD_ENV: &str = "FCLOCAL_SPOOL_CHILD_DB";
const INVOCATIONS: usize = 40;
const HOUR: Duration = Duration::from_secs(3600);

fn never_commits_on_its_own() -> OpenOptions {
    OpenOptions {
        commit_delay: HOUR,
        ..OpenOptions::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

/// Lines committed to the database, read with plain SQLite (no catching up).
fn committed_lines(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .expect("sqlite")
        .query_row("SELECT count(*) FROM logs", [], |row| row.get(0))
        .expect("count")
}

fn spool_len(db: &Path) -> Option<u64> {
    let mut name = db.as_os_str().to_owned();
    name.push("-spool");
    std::fs::metadata(name).ok().map(|m| m.len())
}

/// Answers `INVOCATIONS` invocations of three lines each under two keys, both ways an
/// invocation ends: one that printed (a line went out live, the writer spools the rest)
/// and a quiet one (the caller spools all three itself).
fn answer_invocations(store: &LogStore) {
    let writer = store.writer();
    let keys: [Arc<str>; 2] = [Arc::from("svc/a"), Arc::from("svc/b")];
    runtime().block_on(async {
        for i in 0..INVOCATIONS {
            let key = &keys[i % 2];
            let line = |j: usize| msg("p", "fc", at(0), &format!("{i}.{j}"));
            if i % 4 < 2 {
                writer.append_keyed(key, vec![line(0)]).expect("append");
                writer
                    .append_keyed_and_flush(key, vec![line(1), line(2)])
                    .await
                    .expect("durable");
            } else {
                writer
                    .append_whole_and_flush(key, vec![line(0), line(1), line(2)])
                    .await
                    .expect("durable");
            }
        }
    });
}

fn expected_messages() -> Vec<String> {
    (0..INVOCATIONS)
        .flat_map(|i| (0..3).map(move |j| format!("{i}.{j}")))
        .collect()
}

/// The `message`s of `p/fc`, sorted like [`expected_messages`].
fn stored_messages(store: &LogStore) -> Vec<String> {
    let logs = all(store, "p", "fc");
    let mut found: Vec<String> = messages(&logs).into_iter().map(str::to_owned).collect();
    let order = |m: &String| {
        let (i, j) = m.split_once('.').expect("i.j");
        (i.parse::<usize>().expect("i"), j.to_owned())
    };
    found.sort_by_key(order);
    found
}

#[test]
fn child_spools_and_aborts() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return; // only does something when re-executed by the test below
    };
    let db = Path::new(&path);
    let store = LogStore::open_with(db, never_commits_on_its_own()).expect("open in child");
    answer_invocations(&store);
    assert_eq!(committed_lines(db), 0, "answered before any commit");
    println!("answered {INVOCATIONS}");
    std::process::abort();
}

#[test]
fn answered_lines_survive_an_abort_before_their_commit_and_are_replayed_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("logs.db");
    let stdout = run_aborting_child("child_spools_and_aborts", CHILD_ENV, &db);
    assert!(
        stdout.contains(&format!("answered {INVOCATIONS}")),
        "child stdout: {stdout}"
    );
    assert_eq!(committed_lines(&db), 0);
    let spooled = spool_len(&db).expect("the child left its spool");

    // A torn frame at the end (the child dying mid-write) is never replayed.
    let mut torn = std::fs::OpenOptions::new()
        .append(true)
        .open(format!("{}-spool", db.display()))
        .expect("spool");
    std::io::Write::write_all(&mut torn, &[200, 0, 0, 0, 1, 2, 3]).expect("tear");
    drop(torn);

    let store = LogStore::open(&db).expect("reopen replays the spool");
    assert_eq!(stored_messages(&store), expected_messages());
    assert!(
        spool_len(&db).expect("spool") < spooled,
        "emptied after replay"
    );
    store.close().expect("close");
    assert_eq!(spool_len(&db), None, "a clean close removes the spool");

    let store = LogStore::open(&db).expect("reopen again");
    assert_eq!(
        stored_messages(&store),
        expected_messages(),
        "replayed exactly once"
    );
}

#[test]
fn a_commit_empties_the_spool_and_a_reader_catches_up_with_answered_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("logs.db");
    let store = LogStore::open_with(&db, never_commits_on_its_own()).expect("open");
    answer_invocations(&store);
    assert_eq!(committed_lines(&db), 0, "answered from the spool");
    let spooled = spool_len(&db).expect("spool");

    // A flush needs a commit: it takes everything spooled and empties the spool.
    store.writer().flush_blocking().expect("flush");
    assert_eq!(committed_lines(&db), (INVOCATIONS * 3) as i64);
    assert!(spool_len(&db).expect("spool") < spooled);

    // What the SLS API asks before a read: commit what was spooled, now.
    answer_invocations(&store);
    assert_eq!(committed_lines(&db), (INVOCATIONS * 3) as i64);
    store.writer().commit_spooled_blocking().expect("commit");
    assert_eq!(committed_lines(&db), (INVOCATIONS * 6) as i64);
    store.close().expect("close");

    // With the default delay a reader opened right after the answer sees its lines.
    let db = dir.path().join("default.db");
    let store = LogStore::open(&db).expect("open");
    answer_invocations(&store);
    let reader = LogReader::open(&db).expect("reader");
    let lines = reader.query(&LogQuery::default()).expect("query");
    assert_eq!(lines.len(), INVOCATIONS * 3);
    answer_invocations(&store);
    reader.catch_up().expect("catch up");
    let lines = reader.query(&LogQuery::default()).expect("query");
    assert_eq!(lines.len(), INVOCATIONS * 6, "a reused reader catches up");
}

#[test]
fn a_flush_waits_for_quiet_invocations_the_callers_spooled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("logs.db");
    let store = LogStore::open_with(&db, never_commits_on_its_own()).expect("open");
    let writer = store.writer();
    let key: Arc<str> = Arc::from("svc/quiet");
    let quiet = |n: usize| {
        runtime().block_on(async {
            for i in 0..n {
                writer
                    .append_whole_and_flush(&key, vec![msg("p", "fc", at(0), &i.to_string())])
                    .await
                    .expect("durable");
            }
        });
    };
    quiet(3);
    assert_eq!(committed_lines(&db), 0, "spooled, not committed");
    writer.flush_blocking().expect("flush");
    assert_eq!(
        committed_lines(&db),
        3,
        "a flush commits what was spooled before it"
    );
    quiet(2);
    writer.commit_spooled_blocking().expect("commit");
    assert_eq!(committed_lines(&db), 5);
}

#[test]
fn closing_releases_the_spool_even_while_writer_handles_live_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("logs.db");
    let store = LogStore::open_with(&db, never_commits_on_its_own()).expect("open");
    let old_writer = store.writer();
    store.close().expect("close");
    let key: Arc<str> = Arc::from("svc/quiet");
    let late = runtime()
        .block_on(old_writer.append_whole_and_flush(&key, vec![msg("p", "fc", at(0), "late")]));
    assert!(late.is_err(), "a closed store refuses: {late:?}");

    // The next store owns the spool: its quiet invocations are spooled, not committed.
    let store = LogStore::open_with(&db, never_commits_on_its_own()).expect("reopen");
    runtime()
        .block_on(
            store
                .writer()
                .append_whole_and_flush(&key, vec![msg("p", "fc", at(0), "spooled")]),
        )
        .expect("durable");
    assert_eq!(committed_lines(&db), 0);
    drop(old_writer);
}

#[test]
fn a_second_store_on_the_same_file_commits_every_answer_itself() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("logs.db");
    let first = LogStore::open_with(&db, never_commits_on_its_own()).expect("first");
    // Another process (`fclocal invoke` beside `fclocal start`) finds the spool held.
    let second = LogStore::open_with(&db, never_commits_on_its_own()).expect("second");
    answer_invocations(&second);
    assert_eq!(
        committed_lines(&db),
        (INVOCATIONS * 3) as i64,
        "without the spool, every answer waits for its commit"
    );
    drop(second);
    drop(first);
}

#[test]
fn a_spool_of_another_database_is_not_replayed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("logs.db");
    run_aborting_child("child_spools_and_aborts", CHILD_ENV, &db);
    // logs.db deleted and created again by hand; the old spool stays behind.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let store = LogStore::open(&db).expect("open a new database");
    let lines = store
        .reader()
        .expect("reader")
        .query(&LogQuery::default())
        .expect("query");
    assert!(lines.is_empty(), "{lines:?}");
}
