//! Many producers append while a reader queries; after a flush every line is there, and
//! each producer's lines keep their order.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};

use common::{all, at, msg};
use fclocal_logstore::{LogQuery, LogStore};

const THREADS: usize = 8;
const APPENDS: usize = 50;
const LINES: usize = 20;

#[test]
fn many_writers_and_a_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LogStore::open(&dir.path().join("logs.db")).expect("open");
    let start = Arc::new(Barrier::new(THREADS + 1));
    let done = Arc::new(AtomicBool::new(false));

    let reader = {
        let reader = store.reader().expect("reader");
        let (start, done) = (Arc::clone(&start), Arc::clone(&done));
        std::thread::spawn(move || {
            start.wait();
            let q = LogQuery {
                project: Some("p".into()),
                keyword: Some("thread".into()),
                ..LogQuery::default()
            };
            let (mut queries, mut last) = (0usize, 0usize);
            loop {
                // The project may not exist yet on the first rounds.
                if let Ok(logs) = reader.query(&q) {
                    assert!(logs.len() >= last, "a reader never sees lines disappear");
                    last = logs.len();
                }
                queries += 1;
                if done.load(Ordering::Acquire) {
                    return queries;
                }
            }
        })
    };

    let producers: Vec<_> = (0..THREADS)
        .map(|t| {
            let w = store.writer();
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                for a in 0..APPENDS {
                    let batch = (0..LINES)
                        .map(|l| {
                            let n = a * LINES + l;
                            let mut r = msg(
                                "p",
                                &format!("ls{}", t % 2),
                                at(0),
                                &format!("thread {t} n {n}"),
                            );
                            r.source = t.to_string();
                            r
                        })
                        .collect();
                    w.append(batch).expect("append");
                }
                // Each producer's own flush covers its own appends.
                w.flush_blocking().expect("flush");
            })
        })
        .collect();
    for p in producers {
        p.join().expect("producer");
    }
    done.store(true, Ordering::Release);
    let queries = reader.join().expect("reader thread");
    assert!(queries > 0);

    let mut total = 0;
    for ls in ["ls0", "ls1"] {
        let logs = all(&store, "p", ls);
        total += logs.len();
        for t in 0..THREADS {
            let mine: Vec<String> = logs
                .iter()
                .filter(|l| l.source == t.to_string())
                .map(|l| l.get("message").unwrap_or_default().to_owned())
                .collect();
            if mine.is_empty() {
                continue;
            }
            let expected: Vec<String> = (0..APPENDS * LINES)
                .map(|n| format!("thread {t} n {n}"))
                .collect();
            assert_eq!(
                mine, expected,
                "thread {t}'s lines are complete and in order"
            );
        }
    }
    assert_eq!(total, THREADS * APPENDS * LINES);
    store.close().expect("close");
}

#[test]
fn handles_are_thread_safe() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<fclocal_logstore::LogWriter>();
    send_sync::<LogStore>();
    send::<fclocal_logstore::LogReader>();
}
