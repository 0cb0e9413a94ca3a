//! Append → flush → query: every filter, ordering, and faithful storage of tags and contents.

mod common;

use std::time::Duration;

use common::{all, at, messages, msg, rec};
use fclocal_logstore::{LogQuery, LogRecord, LogStore, LogStoreError};

fn open() -> (tempfile::TempDir, LogStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LogStore::open(&dir.path().join("nested/dir/logs.db")).expect("open");
    (dir, store)
}

fn q() -> LogQuery {
    LogQuery {
        project: Some("p".into()),
        logstore: Some("fc".into()),
        ..LogQuery::default()
    }
}

/// Lines from two services and two functions across ten seconds.
fn seed(store: &LogStore) {
    let mut batch = Vec::new();
    for i in 0..10u64 {
        let (svc, func) = if i % 2 == 0 {
            ("svc-a", "hello")
        } else {
            ("svc-b", "world")
        };
        let level = if i == 7 { "ERROR" } else { "INFO" };
        let mut r = rec(
            "p",
            "fc",
            at(i),
            &[
                ("serviceName", svc),
                ("functionName", func),
                ("requestId", &format!("req-{}", i / 3)),
                ("message", &format!("line {i} level {level}")),
            ],
        );
        r.topic = svc.to_owned();
        batch.push(r);
    }
    let w = store.writer();
    w.append(batch).expect("append");
    w.flush_blocking().expect("flush");
}

fn run(store: &LogStore, query: LogQuery) -> Vec<String> {
    let logs = store
        .reader()
        .expect("reader")
        .query(&query)
        .expect("query");
    messages(&logs).into_iter().map(str::to_owned).collect()
}

#[test]
fn every_filter() {
    let (_dir, store) = open();
    seed(&store);
    let line = |i: u64| format!("line {i} level {}", if i == 7 { "ERROR" } else { "INFO" });

    assert_eq!(run(&store, q()), (0..10).map(line).collect::<Vec<_>>());
    let topic = LogQuery {
        topic: Some("svc-b".into()),
        ..q()
    };
    assert_eq!(run(&store, topic), [1, 3, 5, 7, 9].map(line));
    let fields = LogQuery {
        fields: vec![
            ("functionName".into(), "hello".into()),
            ("requestId".into(), "req-1".into()),
        ],
        ..q()
    };
    assert_eq!(run(&store, fields), [4].map(line));
    let keyword = LogQuery {
        keyword: Some("error".into()),
        ..q()
    };
    assert_eq!(run(&store, keyword), [7].map(line));
    let keyword_in_field = LogQuery {
        keyword: Some("SVC-A".into()),
        ..q()
    };
    assert_eq!(run(&store, keyword_in_field).len(), 5);
    let range = LogQuery {
        from: Some(at(3)),
        to: Some(at(6)),
        ..q()
    };
    assert_eq!(
        run(&store, range),
        [3, 4, 5].map(line),
        "from inclusive, to exclusive"
    );
    let newest = LogQuery {
        newest_first: true,
        limit: Some(3),
        ..q()
    };
    assert_eq!(run(&store, newest), [9, 8, 7].map(line));
    let oldest = LogQuery {
        limit: Some(2),
        ..q()
    };
    assert_eq!(run(&store, oldest), [0, 1].map(line));
    let none = LogQuery {
        fields: vec![("functionName".into(), "nope".into())],
        ..q()
    };
    assert!(run(&store, none).is_empty());
    let project_only = LogQuery {
        project: Some("p".into()),
        ..LogQuery::default()
    };
    assert_eq!(run(&store, project_only).len(), 10);
    assert_eq!(run(&store, LogQuery::default()).len(), 10);
}

#[test]
fn order_within_and_across_batches_with_equal_times() {
    let (_dir, store) = open();
    let w = store.writer();
    let t = at(100);
    w.append((0..50).map(|i| msg("p", "fc", t, &i.to_string())).collect())
        .expect("append");
    w.append(
        (50..60)
            .map(|i| msg("p", "fc", t, &i.to_string()))
            .collect(),
    )
    .expect("append");
    // An earlier timestamp appended later sorts first.
    w.append(vec![msg("p", "fc", at(99), "early")])
        .expect("append");
    w.flush_blocking().expect("flush");
    let logs = all(&store, "p", "fc");
    let mut expected = vec!["early".to_owned()];
    expected.extend((0..60).map(|i: i32| i.to_string()));
    assert_eq!(
        messages(&logs),
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let newest = store
        .reader()
        .expect("reader")
        .query(&LogQuery {
            newest_first: true,
            limit: Some(2),
            ..q()
        })
        .expect("query");
    assert_eq!(messages(&newest), ["59", "58"]);
}

#[test]
fn tags_contents_and_times_survive_exactly() {
    let (_dir, store) = open();
    let big = "x".repeat(1 << 20);
    let time = at(5) + Duration::from_nanos(123_456_789);
    let record = LogRecord {
        project: "p".into(),
        logstore: "fc".into(),
        time,
        topic: "服务".into(),
        source: "10.0.0.1".into(),
        tags: vec![
            ("__client_ip__".into(), "127.0.0.1".into()),
            ("empty".into(), String::new()),
        ],
        contents: vec![
            ("z_first".into(), "1".into()),
            (
                "message".into(),
                "héllo 世界 🎉 \"quoted\" \\ \n\t\u{0}".into(),
            ),
            ("empty".into(), String::new()),
            ("big".into(), big.clone()),
            ("z_first".into(), "duplicate".into()),
            ("a.b".into(), "dotted key".into()),
            ("quoted \"key\"".into(), "v".into()),
        ],
    };
    let w = store.writer();
    w.append(vec![record.clone(), msg("p", "fc", at(6), "no tags")])
        .expect("append");
    w.flush_blocking().expect("flush");
    let logs = all(&store, "p", "fc");
    assert_eq!(logs.len(), 2);
    let got = &logs[0];
    assert_eq!(
        (
            &got.project,
            &got.logstore,
            got.time,
            &got.topic,
            &got.source
        ),
        (
            &record.project,
            &record.logstore,
            record.time,
            &record.topic,
            &record.source
        )
    );
    assert_eq!(got.tags, record.tags);
    assert_eq!(got.contents, record.contents);
    assert_eq!(got.get("z_first"), Some("1"), "get returns the first value");
    assert_eq!(got.get("big").map(str::len), Some(1 << 20));
    assert_eq!(got.unix_seconds(), 1_735_689_605);
    assert!(logs[1].tags.is_empty());

    let reader = store.reader().expect("reader");
    let find = |fields: Vec<(String, String)>, keyword: Option<&str>| {
        reader
            .query(&LogQuery {
                fields,
                keyword: keyword.map(str::to_owned),
                ..q()
            })
            .expect("query")
            .len()
    };
    assert_eq!(find(vec![("a.b".into(), "dotted key".into())], None), 1);
    assert_eq!(find(vec![("quoted \"key\"".into(), "v".into())], None), 1);
    assert_eq!(find(vec![("empty".into(), String::new())], None), 1);
    // A duplicated key matches on its first value, like `StoredLog::get`.
    assert_eq!(find(vec![("z_first".into(), "1".into())], None), 1);
    assert_eq!(find(vec![("z_first".into(), "duplicate".into())], None), 0);
    assert_eq!(find(vec![], Some("世界")), 1);
    assert_eq!(find(vec![], Some("HÉLLO")), 1);
    assert_eq!(find(vec![], Some("\"quoted\"")), 1);
    assert_eq!(find(vec![], Some("NO TAGS")), 1);
}

#[test]
fn shards_round_robin_per_append_with_consecutive_seqs() {
    let (_dir, store) = open();
    let w = store.writer();
    for g in 0..3 {
        w.append(
            (0..3)
                .map(|i| msg("p", "fc", at(g * 10 + i), "m"))
                .collect(),
        )
        .expect("append");
    }
    w.flush_blocking().expect("flush");
    let got: Vec<(u32, u64)> = all(&store, "p", "fc")
        .iter()
        .map(|l| (l.shard, l.seq))
        .collect();
    assert_eq!(
        got,
        [
            (0, 0),
            (0, 1),
            (0, 2),
            (1, 0),
            (1, 1),
            (1, 2),
            (0, 3),
            (0, 4),
            (0, 5)
        ]
    );
}

#[test]
fn unknown_names_give_helpful_errors() {
    let (_dir, store) = open();
    seed(&store);
    let reader = store.reader().expect("reader");
    let err = reader
        .query(&LogQuery {
            logstore: Some("nope".into()),
            ..q()
        })
        .expect_err("unknown logstore");
    assert!(matches!(err, LogStoreError::UnknownLogstore { .. }));
    let text = err.to_string();
    assert!(
        text.contains("\"nope\"") && text.contains("\"p\"") && text.contains("known logstores: fc"),
        "{text}"
    );
    let err = reader
        .query(&LogQuery {
            project: Some("q".into()),
            ..LogQuery::default()
        })
        .expect_err("unknown project");
    assert!(err.to_string().contains("known projects: p"), "{err}");
    assert!(matches!(
        reader.logstores("q"),
        Err(LogStoreError::UnknownProject { .. })
    ));
    let err = reader
        .query(&LogQuery {
            logstore: Some("fc".into()),
            ..LogQuery::default()
        })
        .expect_err("logstore without project");
    assert!(matches!(err, LogStoreError::LogstoreWithoutProject { .. }));
    let bad = store
        .writer()
        .append(vec![msg("", "fc", at(0), "x")])
        .expect_err("empty project");
    assert!(matches!(
        bad,
        LogStoreError::InvalidName {
            kind: "project",
            ..
        }
    ));
}

#[tokio::test]
async fn async_flush() {
    let (_dir, store) = open();
    let w = store.writer();
    w.append(vec![msg("p", "fc", at(1), "async")])
        .expect("append");
    w.flush().await.expect("flush");
    assert_eq!(messages(&all(&store, "p", "fc")), ["async"]);
}
