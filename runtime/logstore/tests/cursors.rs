//! SLS groups, shard cursors and pulls: group numbering, hash-key routing, GetCursor,
//! GetCursorTime, PullLogs paging, TTL sweeps, concurrency and reopening.

mod common;

use std::time::{Duration, SystemTime};

use common::{at, msg};
use fclocal_logstore::{
    CursorPosition, GroupAppend, GroupLog, LogQuery, LogRecord, LogStore, LogStoreError,
    LogstoreConfig, OpenOptions, PulledGroups, ShardChoice, StoredGroup,
};

const DAY: Duration = Duration::from_secs(86_400);

fn open() -> (tempfile::TempDir, LogStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LogStore::open(&dir.path().join("logs.db")).expect("open");
    (dir, store)
}

/// Creates `p/ls` with `shards` shards and a TTL of `ttl_days`.
fn logstore(store: &LogStore, shards: u32, ttl_days: u32) {
    store
        .ensure_logstore(
            "p",
            "ls",
            LogstoreConfig {
                ttl_days,
                shard_count: shards,
            },
        )
        .expect("logstore");
}

/// A group for `p/ls` received at `received`, whose lines are `messages` logged at `time`.
fn group(shard: ShardChoice, received: SystemTime, messages: &[&str]) -> GroupAppend {
    GroupAppend {
        project: "p".into(),
        logstore: "ls".into(),
        shard,
        received_at: received,
        topic: String::new(),
        source: String::new(),
        tags: Vec::new(),
        logs: messages
            .iter()
            .map(|m| GroupLog {
                time: received,
                contents: vec![("message".into(), (*m).into())],
            })
            .collect(),
    }
}

/// Appends and commits one group.
fn put(store: &LogStore, g: GroupAppend) {
    let w = store.writer();
    w.append_group(g).expect("append_group");
    w.flush_blocking().expect("flush");
}

/// Pulls everything of `shard` from `cursor`.
fn pull_all(store: &LogStore, shard: u32, cursor: u64) -> PulledGroups {
    store
        .reader()
        .expect("reader")
        .pull("p", "ls", shard, cursor, 1000, None)
        .expect("pull")
}

/// `(group_seq, messages)` of each group.
fn summary(groups: &[StoredGroup]) -> Vec<(u64, Vec<String>)> {
    groups
        .iter()
        .map(|g| {
            let messages = g
                .logs
                .iter()
                .map(|l| l.contents[0].1.clone())
                .collect::<Vec<_>>();
            (g.group_seq, messages)
        })
        .collect()
}

fn cursor(store: &LogStore, shard: u32, at: CursorPosition) -> u64 {
    store
        .reader()
        .expect("reader")
        .cursor("p", "ls", shard, at)
        .expect("cursor")
}

#[test]
fn groups_get_consecutive_group_seqs_per_shard() {
    let (_dir, store) = open();
    logstore(&store, 2, 30);
    for (shard, text) in [(0, "a"), (1, "b"), (0, "c"), (0, "d"), (1, "e")] {
        put(
            &store,
            group(ShardChoice::Shard(shard), at(0), &[text, text]),
        );
    }
    let s0 = pull_all(&store, 0, 0);
    assert_eq!(
        summary(&s0.groups),
        [
            (0, vec!["a".into(), "a".into()]),
            (1, vec!["c".into(), "c".into()]),
            (2, vec!["d".into(), "d".into()]),
        ]
    );
    assert_eq!(s0.next_cursor, 3);
    let s1 = pull_all(&store, 1, 0);
    assert_eq!(summary(&s1.groups).len(), 2);
    assert_eq!((s1.groups[1].group_seq, s1.next_cursor), (1, 2));
    assert_eq!(cursor(&store, 0, CursorPosition::End), 3);
    assert_eq!(cursor(&store, 1, CursorPosition::End), 2);

    // Round-robin groups alternate shards; each takes that shard's next position.
    put(&store, group(ShardChoice::Any, at(0), &["f"]));
    put(&store, group(ShardChoice::Any, at(0), &["g"]));
    assert_eq!(cursor(&store, 0, CursorPosition::End), 4);
    assert_eq!(cursor(&store, 1, CursorPosition::End), 3);

    // An empty group stores nothing and takes no position.
    put(&store, group(ShardChoice::Shard(0), at(0), &[]));
    assert_eq!(cursor(&store, 0, CursorPosition::End), 4);
}

#[test]
fn hash_keys_route_to_the_shard_whose_range_holds_them() {
    let (_dir, store) = open();
    logstore(&store, 3, 30);
    // even_split(3): shard 1 begins at 5555…5, shard 2 at aaaa…a; ff…f is in the last.
    let cases = [
        ("00000000000000000000000000000000", 0),
        ("55555555555555555555555555555554", 0),
        ("55555555555555555555555555555555", 1),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa9", 1),
        ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 2),
        ("ffffffffffffffffffffffffffffffff", 2),
        ("6", 1),
    ];
    for (key, _) in cases {
        put(
            &store,
            group(ShardChoice::HashKey(key.into()), at(0), &[key]),
        );
    }
    for shard in 0..3 {
        let got: Vec<String> = summary(&pull_all(&store, shard, 0).groups)
            .into_iter()
            .flat_map(|(_, m)| m)
            .collect();
        let want: Vec<&str> = cases
            .iter()
            .filter(|(_, s)| *s == shard)
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(got, want, "shard {shard}");
    }
    for (key, _) in cases {
        let routed = fclocal_logstore::shard_for_hash_key(key, 3).expect("valid");
        assert_eq!(Some(routed), cases.iter().find(|c| c.0 == key).map(|c| c.1));
    }

    let err = store
        .writer()
        .append_group(group(ShardChoice::HashKey("not-hex".into()), at(0), &["x"]))
        .expect_err("bad key");
    assert!(
        matches!(err, LogStoreError::InvalidHashKey { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("32 hex digits"), "{err}");
}

#[test]
fn begin_end_and_received_at_cursors() {
    let (_dir, store) = open();
    logstore(&store, 2, 30);
    assert_eq!(cursor(&store, 0, CursorPosition::Begin), 0);
    assert_eq!(cursor(&store, 0, CursorPosition::End), 0);
    assert_eq!(cursor(&store, 0, CursorPosition::ReceivedAt(at(0))), 0);
    for secs in [10, 20, 30] {
        put(&store, group(ShardChoice::Shard(0), at(secs), &["x"]));
    }
    // Received earlier than the previous group: kept in order, stored at the later time.
    put(&store, group(ShardChoice::Shard(0), at(5), &["late"]));

    assert_eq!(cursor(&store, 0, CursorPosition::Begin), 0);
    assert_eq!(cursor(&store, 0, CursorPosition::End), 4);
    for (secs, want) in [(0, 0), (10, 0), (11, 1), (20, 1), (25, 2), (30, 2), (31, 4)] {
        assert_eq!(
            cursor(&store, 0, CursorPosition::ReceivedAt(at(secs))),
            want,
            "received at {secs}"
        );
    }
    // The other shard is untouched.
    assert_eq!(cursor(&store, 1, CursorPosition::End), 0);

    let reader = store.reader().expect("reader");
    let time = |c| reader.cursor_time("p", "ls", 0, c).expect("cursor time");
    assert_eq!(time(0), at(10));
    assert_eq!(time(2), at(30));
    assert_eq!(time(3), at(30), "clamped to the previous group");
    assert_eq!(time(4), at(30), "the end answers the newest group");
    let err = reader
        .cursor_time("p", "ls", 0, 5)
        .expect_err("never handed out");
    assert!(
        matches!(
            err,
            LogStoreError::InvalidCursor {
                cursor: 5,
                end: 4,
                ..
            }
        ),
        "{err:?}"
    );

    // An empty shard's end answers now.
    let before = SystemTime::now();
    let empty = reader.cursor_time("p", "ls", 1, 0).expect("empty shard");
    assert!(empty >= before && empty <= SystemTime::now(), "{empty:?}");
}

#[test]
fn pull_pages_respects_end_and_returns_groups_as_written() {
    let (_dir, store) = open();
    logstore(&store, 1, 30);
    for i in 0..5 {
        let text = format!("g{i}");
        put(&store, group(ShardChoice::Any, at(i), &[&text]));
    }
    let reader = store.reader().expect("reader");
    let pull = |c, n, end| reader.pull("p", "ls", 0, c, n, end).expect("pull");
    let seqs = |p: &PulledGroups| p.groups.iter().map(|g| g.group_seq).collect::<Vec<_>>();

    let mut pages = Vec::new();
    let mut c = 0;
    loop {
        let page = pull(c, 2, None);
        if page.groups.is_empty() {
            assert_eq!(page.next_cursor, c, "nothing read: stay put");
            break;
        }
        pages.push(seqs(&page));
        c = page.next_cursor;
    }
    assert_eq!(pages, [vec![0, 1], vec![2, 3], vec![4]]);
    assert_eq!(c, 5);

    let bounded = pull(1, 10, Some(3));
    assert_eq!((seqs(&bounded), bounded.next_cursor), (vec![1, 2], 3));
    let past = pull(1, 10, Some(99));
    assert_eq!((seqs(&past), past.next_cursor), (vec![1, 2, 3, 4], 5));
    let backwards = pull(3, 10, Some(1));
    assert_eq!((seqs(&backwards), backwards.next_cursor), (vec![], 3));
    let none = pull(2, 0, None);
    assert_eq!((seqs(&none), none.next_cursor), (vec![], 2));

    let err = reader
        .pull("p", "ls", 0, 6, 10, None)
        .expect_err("past the end");
    assert!(
        matches!(
            err,
            LogStoreError::InvalidCursor {
                cursor: 6,
                end: 5,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("GetCursor"), "{err}");

    // Topic, source, tags, times (to the nanosecond) and contents round-trip.
    let received = at(100) + Duration::from_nanos(123_456_789);
    let written = GroupAppend {
        topic: "marbles".into(),
        source: "10.0.0.1".into(),
        tags: vec![
            ("__receive_time__".into(), "1735689700".into()),
            ("instance".into(), "c-1".into()),
        ],
        logs: vec![
            GroupLog {
                time: at(99) + Duration::from_nanos(1),
                contents: vec![("b".into(), "2".into()), ("a".into(), "1".into())],
            },
            GroupLog {
                time: at(98),
                contents: vec![("k".into(), "v".into()), ("k".into(), "dup".into())],
            },
        ],
        ..group(ShardChoice::Any, received, &[])
    };
    put(&store, written.clone());
    let got = pull(5, 10, None);
    assert_eq!(got.next_cursor, 6);
    let g = &got.groups[0];
    assert_eq!(
        (
            g.group_seq,
            g.received_at,
            &g.topic,
            &g.source,
            &g.tags,
            &g.logs
        ),
        (
            5,
            received,
            &written.topic,
            &written.source,
            &written.tags,
            &written.logs
        )
    );
}

#[test]
fn unknown_names_shards_and_the_existence_check() {
    let (_dir, store) = open();
    logstore(&store, 2, 30);
    let reader = store.reader().expect("reader");
    let err = reader
        .pull("nope", "ls", 0, 0, 1, None)
        .expect_err("project");
    assert!(
        matches!(err, LogStoreError::UnknownProject { .. }),
        "{err:?}"
    );
    let err = reader
        .cursor("p", "nope", 0, CursorPosition::End)
        .expect_err("logstore");
    assert!(
        matches!(err, LogStoreError::UnknownLogstore { .. }),
        "{err:?}"
    );
    let err = reader.cursor_time("p", "ls", 2, 0).expect_err("shard");
    assert!(
        matches!(err, LogStoreError::UnknownShard { shard: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("its shards are 0, 1"), "{err}");
    assert!(matches!(
        reader.logstore("p", "nope"),
        Err(LogStoreError::UnknownLogstore { .. })
    ));
    let info = reader.logstore("p", "ls").expect("exists");
    assert_eq!(info.config.shard_count, 2);

    let shards = reader.shards("p", "ls").expect("shards");
    assert_eq!(
        shards
            .iter()
            .map(|s| (s.id, s.writable))
            .collect::<Vec<_>>(),
        [(0, true), (1, true)]
    );
    assert!(shards[0].created <= SystemTime::now());
    // Shrinking leaves shard 1 read-only but pullable; a group asking for it is reduced
    // modulo the shard count.
    put(&store, group(ShardChoice::Shard(1), at(0), &["before"]));
    logstore(&store, 1, 30);
    put(&store, group(ShardChoice::Shard(1), at(0), &["after"]));
    let shards = reader.shards("p", "ls").expect("shards");
    assert_eq!(
        shards
            .iter()
            .map(|s| (s.id, s.writable))
            .collect::<Vec<_>>(),
        [(0, true), (1, false)]
    );
    assert_eq!(
        summary(&pull_all(&store, 1, 0).groups),
        [(0, vec!["before".into()])]
    );
    assert_eq!(
        summary(&pull_all(&store, 0, 0).groups),
        [(0, vec!["after".into()])]
    );
}

#[test]
fn append_records_become_groups() {
    let (_dir, store) = open();
    logstore(&store, 2, 30);
    let w = store.writer();
    let tagged = |text: &str, topic: &str| LogRecord {
        topic: topic.into(),
        ..msg("p", "ls", at(0), text)
    };
    // One call, two logstores: one group in each. Topic changes cut p/ls's lines into
    // consecutive groups on the same shard.
    w.append(vec![
        tagged("a1", "t"),
        msg("p", "other", at(0), "o1"),
        tagged("a2", "t"),
        tagged("a3", "u"),
        msg("p", "other", at(0), "o2"),
    ])
    .expect("append");
    w.append(vec![tagged("b1", "t")]).expect("append");
    w.flush_blocking().expect("flush");

    let s0 = pull_all(&store, 0, 0);
    assert_eq!(
        summary(&s0.groups),
        [(0, vec!["a1".into(), "a2".into()]), (1, vec!["a3".into()]),]
    );
    assert_eq!(
        (s0.groups[0].topic.as_str(), s0.groups[1].topic.as_str()),
        ("t", "u")
    );
    assert_eq!(
        summary(&pull_all(&store, 1, 0).groups),
        [(0, vec!["b1".into()])]
    );
    let other = store
        .reader()
        .expect("reader")
        .pull("p", "other", 0, 0, 10, None)
        .expect("pull");
    assert_eq!(
        summary(&other.groups),
        [(0, vec!["o1".into(), "o2".into()])]
    );
    // `append` receives its groups at commit time.
    assert!(s0.groups[0].received_at <= SystemTime::now());
}

#[test]
fn pulls_after_a_ttl_sweep() {
    let (_dir, store) = open();
    logstore(&store, 1, 1);
    let now = at(10 * 86_400);
    // Groups 0 and 1 are old, group 2 mixes an old and a new line, group 3 is new.
    put(&store, group(ShardChoice::Any, now - 3 * DAY, &["old0"]));
    put(&store, group(ShardChoice::Any, now - 2 * DAY, &["old1"]));
    let mut mixed = group(ShardChoice::Any, now - DAY / 2, &["mixed-old", "mixed-new"]);
    mixed.logs[0].time = now - 2 * DAY;
    put(&store, mixed);
    put(&store, group(ShardChoice::Any, now, &["new"]));

    assert_eq!(store.sweep_expired(now).expect("sweep"), 3);
    assert_eq!(cursor(&store, 0, CursorPosition::Begin), 2);
    assert_eq!(cursor(&store, 0, CursorPosition::End), 4);
    // A cursor below Begin reads from Begin; the mixed group keeps its new line.
    let pulled = pull_all(&store, 0, 0);
    assert_eq!(
        summary(&pulled.groups),
        [(2, vec!["mixed-new".into()]), (3, vec!["new".into()])]
    );
    assert_eq!(pulled.next_cursor, 4);
    let reader = store.reader().expect("reader");
    assert_eq!(
        reader.cursor_time("p", "ls", 0, 0).expect("time"),
        now - DAY / 2
    );

    // Everything expires: Begin is the end, and numbering goes on.
    assert_eq!(store.sweep_expired(now + 2 * DAY).expect("sweep"), 2);
    assert_eq!(cursor(&store, 0, CursorPosition::Begin), 4);
    put(&store, group(ShardChoice::Any, now + 2 * DAY, &["later"]));
    assert_eq!(
        summary(&pull_all(&store, 0, 0).groups),
        [(4, vec!["later".into()])]
    );
}

#[test]
fn concurrent_appends_keep_groups_whole() {
    const THREADS: usize = 4;
    const GROUPS: usize = 150;
    const LINES: usize = 7;
    let dir = tempfile::tempdir().expect("tempdir");
    // A batch limit below the group size: groups must still commit whole.
    let options = OpenOptions {
        max_batch: 3,
        ..OpenOptions::default()
    };
    let store = LogStore::open_with(&dir.path().join("logs.db"), options).expect("open");
    logstore(&store, 2, 30);
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let w = store.writer();
            scope.spawn(move || {
                for g in 0..GROUPS {
                    let id = format!("{t}-{g}");
                    let lines: Vec<&str> = vec![id.as_str(); LINES];
                    if g % 2 == 0 {
                        w.append_group(group(ShardChoice::Any, at(0), &lines))
                            .expect("append_group");
                    } else {
                        let records = lines.iter().map(|l| msg("p", "ls", at(0), l)).collect();
                        w.append(records).expect("append");
                    }
                }
                w.flush_blocking().expect("flush");
            });
        }
    });

    let reader = store.reader().expect("reader");
    let mut total = 0;
    for shard in 0..2 {
        let pulled = pull_all(&store, shard, 0);
        let mut seen = std::collections::HashSet::new();
        for (i, (seq, messages)) in summary(&pulled.groups).into_iter().enumerate() {
            assert_eq!(seq, i as u64, "shard {shard}: consecutive group_seqs");
            assert_eq!(messages.len(), LINES, "shard {shard} group {seq}");
            assert!(
                messages.iter().all(|m| *m == messages[0]),
                "shard {shard} group {seq} mixes groups: {messages:?}"
            );
            assert!(seen.insert(messages[0].clone()), "{} twice", messages[0]);
        }
        total += pulled.groups.len();
    }
    assert_eq!(total, THREADS * GROUPS);

    // Each group's lines sit on consecutive seqs of their shard.
    let lines = reader
        .query(&LogQuery {
            project: Some("p".into()),
            logstore: Some("ls".into()),
            ..LogQuery::default()
        })
        .expect("query");
    let mut by_group: std::collections::HashMap<&str, Vec<(u32, u64)>> = Default::default();
    for l in &lines {
        by_group
            .entry(l.get("message").expect("message"))
            .or_default()
            .push((l.shard, l.seq));
    }
    for (id, mut places) in by_group {
        places.sort_unstable();
        let (shard, first) = places[0];
        let want: Vec<(u32, u64)> = (0..LINES as u64).map(|i| (shard, first + i)).collect();
        assert_eq!(places, want, "group {id}");
    }
}

#[test]
fn reopening_continues_numbering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.db");
    let store = LogStore::open(&path).expect("open");
    logstore(&store, 1, 1);
    let now = at(10 * 86_400);
    put(&store, group(ShardChoice::Any, now - 3 * DAY, &["a"]));
    put(&store, group(ShardChoice::Any, now - 3 * DAY, &["b"]));
    put(&store, group(ShardChoice::Any, now, &["c"]));
    store.close().expect("close");

    let store = LogStore::open(&path).expect("reopen");
    put(&store, group(ShardChoice::Any, now, &["d"]));
    // A sweep that deletes every group, then a reopen: numbers still never repeat, and the
    // receive-time clamp forgets the deleted groups.
    assert_eq!(store.sweep_expired(now + 3 * DAY).expect("sweep"), 4);
    store.close().expect("close");
    let store = LogStore::open(&path).expect("reopen again");
    assert_eq!(cursor(&store, 0, CursorPosition::Begin), 4);
    put(&store, group(ShardChoice::Any, now - DAY, &["e"]));
    let pulled = pull_all(&store, 0, 0);
    assert_eq!(summary(&pulled.groups), [(4, vec!["e".into()])]);
    assert_eq!(pulled.groups[0].received_at, now - DAY);
}
