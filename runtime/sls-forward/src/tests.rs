//! The forwarding loop against a real logstore (SQLite in a temporary
//! directory) and a fake remote, on tokio's paused clock: backoff waits are
//! measured in virtual time, and nothing sleeps for real.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use fclocal_logstore::{LogRecord, LogStore};
use fclocal_sls_api::{Credentials, LogGroup};
use prost::Message as _;
use tokio::time::Instant;

use crate::remote::{Failure, Remote, RemoteError};
use crate::request::PutRequest;
use crate::{Backoff, ForwardConfig, ForwardCredentials, Forwarder, State};

/// How long (virtual time) a test waits for an event before failing.
const HOUR: Duration = Duration::from_secs(3600);

/// What the fake remote received, and what it answers.
#[derive(Default)]
struct Log {
    /// Accepted groups: project, logstore, group.
    accepted: Vec<(String, String, LogGroup)>,
    /// When each attempt arrived (virtual time).
    attempts: Vec<Instant>,
    /// Answers to give before accepting, in order.
    script: VecDeque<RemoteError>,
}

/// The fake SLS: records and answers requests. Each request first takes a
/// permit of `gate` (plenty by default), so a test can hold requests in
/// flight.
#[derive(Clone)]
struct FakeRemote(
    Arc<Mutex<Log>>,
    Arc<tokio::sync::watch::Sender<usize>>,
    Arc<tokio::sync::Semaphore>,
);

impl Default for FakeRemote {
    fn default() -> FakeRemote {
        FakeRemote(
            Arc::default(),
            Arc::new(tokio::sync::watch::Sender::new(0)),
            Arc::new(tokio::sync::Semaphore::new(1 << 20)),
        )
    }
}

impl FakeRemote {
    /// Waits (without spinning, so paused time moves) for `n` attempts.
    async fn attempts(&self, n: usize) {
        let mut seen = self.1.subscribe();
        // Paused time: an hour passes at once if nothing else is left to run.
        tokio::time::timeout(HOUR, seen.wait_for(|seen| *seen >= n))
            .await
            .unwrap_or_else(|_| panic!("no attempt {n} within an hour"))
            .unwrap();
    }

    fn fail_next(&self, errors: impl IntoIterator<Item = RemoteError>) {
        self.0.lock().unwrap().script.extend(errors);
    }

    fn messages(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .accepted
            .iter()
            .flat_map(|(_, _, group)| group.logs.iter())
            .map(|log| {
                log.contents
                    .iter()
                    .find(|c| c.key == "message")
                    .map(|c| c.value.clone())
                    .unwrap_or_default()
            })
            .collect()
    }
}

impl FakeRemote {
    /// Lets only `n` more requests through until [`FakeRemote::open`].
    fn hold_after(&self, n: usize) {
        let permits = self.2.available_permits();
        self.2.forget_permits(permits - n);
    }

    fn open(&self) {
        self.2.add_permits(1 << 20);
    }

    fn gaps_ms(&self) -> Vec<u128> {
        let attempts = self.0.lock().unwrap().attempts.clone();
        attempts
            .windows(2)
            .map(|pair| (pair[1] - pair[0]).as_millis())
            .collect()
    }
}

impl Remote for FakeRemote {
    async fn put(&self, request: PutRequest) -> Result<(), RemoteError> {
        {
            let mut log = self.0.lock().unwrap();
            log.attempts.push(Instant::now());
            self.1.send_replace(log.attempts.len());
        }
        self.2.acquire().await.unwrap().forget();
        let mut log = self.0.lock().unwrap();
        if let Some(error) = log.script.pop_front() {
            return Err(error);
        }
        // Decoded as the local SLS API does, signature included.
        fclocal_sls_api::signature::verify(
            &Credentials::new("AKID", "SECRET"),
            "POST",
            &request.path,
            &request.headers,
            &[],
            SystemTime::now(),
        )
        .expect("the request is signed");
        let raw: usize = request.headers["x-log-bodyrawsize"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let body = lz4_flex::block::decompress(&request.body, raw).unwrap();
        let group = LogGroup::decode(body.as_slice()).unwrap();
        let said = |text: &str| {
            group
                .logs
                .iter()
                .flat_map(|l| &l.contents)
                .any(|c| c.value == text)
        };
        assert!(!said("panic"), "the fake remote panics, as asked");
        if said("refused") {
            return Err(RemoteError {
                failure: Failure::Content,
                status: Some(400),
                code: Some("InvalidKey".into()),
                message: "a refused line".into(),
            });
        }
        log.accepted
            .push((request.project.clone(), request.logstore.clone(), group));
        Ok(())
    }
}

struct Setup {
    dir: tempfile::TempDir,
    store: Option<LogStore>,
    config: ForwardConfig,
    remote: FakeRemote,
    notices: Arc<Mutex<Vec<String>>>,
    /// How many notices were printed, for waiting on them.
    printed: Arc<tokio::sync::watch::Sender<usize>>,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(&dir.path().join("logs.db")).unwrap();
        let mut config = ForwardConfig::new(
            "127.0.0.1:9".parse().unwrap(),
            ForwardCredentials {
                pair: Credentials::new("AKID", "SECRET"),
                security_token: None,
            },
            dir.path().join("forwarding.json"),
        );
        config.projects = Some(["p".to_owned()].into());
        Setup {
            dir,
            store: Some(store),
            config,
            remote: FakeRemote::default(),
            notices: Arc::default(),
            printed: Arc::new(tokio::sync::watch::Sender::new(0)),
        }
    }

    fn store(&self) -> &LogStore {
        self.store.as_ref().unwrap()
    }

    /// Deletes `logs.db` and creates it again, empty.
    fn recreate_store(&mut self) {
        self.store.take().unwrap().close().unwrap();
        for file in ["logs.db", "logs.db-wal", "logs.db-shm"] {
            let _ = std::fs::remove_file(self.dir.path().join(file));
        }
        self.store = Some(LogStore::open(&self.dir.path().join("logs.db")).unwrap());
    }

    /// Waits for the `n`th notice and returns them all.
    async fn notices(&self, n: usize) -> Vec<String> {
        let mut printed = self.printed.subscribe();
        tokio::time::timeout(HOUR, printed.wait_for(|seen| *seen >= n))
            .await
            .unwrap_or_else(|_| panic!("no notice {n} within an hour"))
            .unwrap();
        self.notices.lock().unwrap().clone()
    }

    fn write(&self, project: &str, messages: &[&str]) -> i64 {
        self.write_to(project, "ls", messages)
    }

    fn write_to(&self, project: &str, logstore: &str, messages: &[&str]) -> i64 {
        let records = messages
            .iter()
            .map(|message| LogRecord {
                project: project.into(),
                logstore: logstore.into(),
                time: SystemTime::now(),
                topic: "svc".into(),
                source: String::new(),
                tags: vec![],
                contents: vec![
                    ("functionName".into(), "hello".into()),
                    ("message".into(), (*message).into()),
                ],
            })
            .collect();
        let writer = self.store().writer();
        writer.append(records).unwrap();
        writer.flush_blocking().unwrap();
        self.store().reader().unwrap().newest_id().unwrap()
    }

    fn start(&self) -> Forwarder {
        let notices = self.notices.clone();
        let printed = self.printed.clone();
        Forwarder::start(
            self.config.clone(),
            self.store().path(),
            self.remote.clone(),
            Arc::new(move |line: &str| {
                let mut notices = notices.lock().unwrap();
                notices.push(line.to_owned());
                printed.send_replace(notices.len());
            }),
        )
        .unwrap()
    }
}

fn transient() -> RemoteError {
    RemoteError::connection("connection refused")
}

#[tokio::test(start_paused = true)]
async fn every_line_goes_once_with_its_fields_and_a_restart_resumes_after_it() {
    let setup = Setup::new();
    let first = setup.write("p", &["one", "two"]);
    setup.write("elsewhere", &["not forwarded"]);
    let forwarder = setup.start();
    forwarder.board().forwarded(first + 1).await;
    assert_eq!(setup.remote.messages(), ["one", "two"]);
    {
        let log = setup.remote.0.lock().unwrap();
        let (project, logstore, group) = &log.accepted[0];
        assert_eq!((project.as_str(), logstore.as_str()), ("p", "ls"));
        assert_eq!(group.topic.as_deref(), Some("svc"));
        assert_eq!(group.logs[0].contents[0].value, "hello");
        assert!(group.logs[0].time_ns.is_some());
    }
    let status = forwarder.status().await;
    assert_eq!(
        (
            status.forwarded_lines,
            status.backlog_lines,
            status.newest_stored_id
        ),
        (2, 0, 3)
    );
    let stopped = forwarder.stop(Duration::from_secs(5)).await;
    assert_eq!(stopped.state, State::Stopped);

    // A new forwarder (a restart) sends only what came after.
    let later = setup.write("p", &["three"]);
    let forwarder = setup.start();
    forwarder.board().forwarded(later).await;
    assert_eq!(setup.remote.messages(), ["one", "two", "three"]);
    forwarder.stop(Duration::from_secs(5)).await;
}

#[tokio::test(start_paused = true)]
async fn connection_failures_are_retried_on_the_backoff_schedule() {
    let mut setup = Setup::new();
    setup.config.backoff = Backoff {
        first: Duration::from_millis(500),
        max: Duration::from_secs(2),
    };
    setup
        .remote
        .fail_next([transient(), transient(), transient(), transient()]);
    let id = setup.write("p", &["one"]);
    let forwarder = setup.start();
    forwarder.board().forwarded(id).await;
    let attempts = setup.remote.0.lock().unwrap().attempts.clone();
    let gaps: Vec<u128> = attempts
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).as_millis())
        .collect();
    assert_eq!(gaps, [500, 1000, 2000, 2000]);
    assert_eq!(setup.remote.messages(), ["one"]);
    let notices = setup.notices.lock().unwrap().clone();
    // One line for the failure (repeats are not printed), one for the recovery.
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(
        notices[0].contains("failed: connection refused"),
        "{notices:?}"
    );
    assert!(notices[1].contains("works again after 4 failed attempt(s)"));
    forwarder.stop(Duration::from_secs(5)).await;
}

#[tokio::test(start_paused = true)]
async fn a_stuck_remote_is_retried_slowly_and_shown_until_it_is_fixed() {
    let setup = Setup::new();
    let stuck = crate::remote::classify(
        "http://127.0.0.1:9",
        "p",
        "ls",
        404,
        br#"{"errorCode":"ProjectNotExist","errorMessage":"The Project does not exist : p"}"#,
    );
    setup.remote.fail_next([stuck.clone(), stuck]);
    let id = setup.write("p", &["one", "two"]);
    let forwarder = setup.start();
    // Each attempt is 30 s after the last; the status says why meanwhile.
    setup.remote.attempts(2).await;
    let status = forwarder.status().await;
    assert_eq!(status.state, State::Failing);
    assert_eq!(status.backlog_lines, 2);
    let error = status.last_error.unwrap();
    assert!(error.contains("create the project"), "{error}");
    forwarder.board().forwarded(id).await;
    let attempts = setup.remote.0.lock().unwrap().attempts.clone();
    assert_eq!((attempts[1] - attempts[0]).as_secs(), 30);
    assert_eq!(setup.remote.messages(), ["one", "two"]);
    forwarder.stop(Duration::from_secs(5)).await;
}

#[tokio::test(start_paused = true)]
async fn a_refused_line_is_found_set_aside_and_counted_and_the_rest_go() {
    let setup = Setup::new();
    let id = setup.write("p", &["a", "b", "refused", "d", "e"]);
    let forwarder = setup.start();
    forwarder.board().forwarded(id).await;
    assert_eq!(setup.remote.messages(), ["a", "b", "d", "e"]);
    let status = forwarder.status().await;
    assert_eq!(status.dropped_lines, 1);
    let drop = status.last_drop.unwrap();
    assert!(
        drop.contains("p/ls (ids 3): refused by SLS: a refused line"),
        "{drop}"
    );
    assert!(setup.notices.lock().unwrap()[0].contains("set aside 1 line(s)"));
    // Whole group, [a b], [refused d e], [refused], [d e]: a pause before each split request.
    assert_eq!(setup.remote.gaps_ms(), [500, 500, 500, 500]);
    forwarder.stop(Duration::from_secs(5)).await;
}

#[tokio::test(start_paused = true)]
async fn stopping_while_the_remote_is_down_ends_after_one_more_attempt_and_keeps_the_lines() {
    let setup = Setup::new();
    setup
        .remote
        .fail_next(std::iter::repeat_n(transient(), 100));
    setup.write("p", &["one"]);
    let forwarder = setup.start();
    setup.remote.attempts(1).await;
    let status = forwarder.stop(Duration::from_secs(5)).await;
    assert_eq!(status.forwarded_up_to_id, 0);
    assert_eq!(status.backlog_lines, 1);
    assert_eq!(setup.remote.0.lock().unwrap().attempts.len(), 2);
    assert!(setup.remote.messages().is_empty());
}

#[tokio::test(start_paused = true)]
async fn lines_written_after_a_sweep_of_the_newest_lines_are_forwarded() {
    let setup = Setup::new();
    let first = setup.write("p", &["one", "two"]);
    let forwarder = setup.start();
    forwarder.board().forwarded(first).await;
    // Every line is past its 30-day TTL (the sweep's clock is a parameter).
    let later = SystemTime::now() + Duration::from_secs(31 * 86_400);
    assert_eq!(setup.store().sweep_expired(later).unwrap(), 2);
    let next = setup.write("p", &["three"]);
    assert!(next > first, "ids are not reused: {next} after {first}");
    forwarder.board().forwarded(next).await;
    assert_eq!(setup.remote.messages(), ["one", "two", "three"]);
    let status = forwarder.stop(Duration::from_secs(5)).await;
    assert_eq!((status.backlog_lines, status.dropped_lines), (0, 0));
}

#[tokio::test(start_paused = true)]
async fn a_recreated_logstore_database_is_forwarded_from_its_first_line() {
    let mut setup = Setup::new();
    let id = setup.write("p", &["one", "two", "three"]);
    let forwarder = setup.start();
    forwarder.board().forwarded(id).await;
    forwarder.stop(Duration::from_secs(5)).await;

    setup.recreate_store();
    let fresh = setup.write("p", &["fresh"]);
    assert_eq!(fresh, 1);
    let forwarder = setup.start();
    assert!(
        setup.notices.lock().unwrap()[0].contains("another logstore database"),
        "{:?}",
        setup.notices.lock().unwrap()
    );
    forwarder.board().forwarded(fresh).await;
    assert_eq!(setup.remote.messages(), ["one", "two", "three", "fresh"]);
    forwarder.stop(Duration::from_secs(5)).await;
}

#[tokio::test(start_paused = true)]
async fn a_request_that_cannot_be_built_waits_for_a_fix_and_sets_nothing_aside() {
    let mut setup = Setup::new();
    setup.config.credentials.security_token = Some("token\n".into());
    setup.write("p", &["one", "two"]);
    let forwarder = setup.start();
    let notices = setup.notices(1).await;
    assert!(
        notices[0].contains("the security token is not a valid HTTP header value"),
        "{notices:?}"
    );
    assert!(notices[0].contains("next attempt in 30s"), "{notices:?}");
    let status = forwarder.stop(Duration::from_secs(5)).await;
    assert_eq!(status.dropped_lines, 0);
    assert_eq!(status.backlog_lines, 2);
    assert!(setup.remote.0.lock().unwrap().attempts.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_group_refused_in_both_halves_the_same_way_is_retried_not_split_to_nothing() {
    let setup = Setup::new();
    setup.write("p", &["refused", "b", "c", "refused"]);
    let forwarder = setup.start();
    setup.remote.attempts(5).await;
    // The group, its halves after a pause each, then the halves again 30 s on.
    assert_eq!(setup.remote.gaps_ms(), [500, 500, 30_500, 500]);
    let status = forwarder.status().await;
    assert_eq!(status.state, State::Failing);
    assert_eq!(status.dropped_lines, 0);
    let error = status.last_error.unwrap();
    assert!(error.contains("both halves of the group"), "{error}");
    let notices = setup.notices.lock().unwrap().clone();
    assert_eq!(notices.len(), 1, "printed once: {notices:?}");
    let status = forwarder.stop(Duration::from_secs(5)).await;
    assert_eq!((status.dropped_lines, status.backlog_lines), (0, 4));
    assert!(setup.remote.messages().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_stop_during_a_backlog_keeps_what_was_accepted_and_resends_nothing() {
    let mut setup = Setup::new();
    setup.config.request_timeout = Duration::from_secs(10);
    let a = setup.write_to("p", "one", &["a"]);
    setup.write_to("p", "two", &["b"]);
    setup.write_to("p", "three", &["c"]);
    // The first group is accepted; the second hangs until the stop gives up on it.
    setup.remote.hold_after(1);
    let forwarder = setup.start();
    setup.remote.attempts(2).await;
    let status = forwarder.stop(Duration::from_secs(5)).await;
    assert_eq!(
        status.forwarded_up_to_id, a,
        "recorded after the first group"
    );
    assert_eq!(status.backlog_lines, 2);

    setup.remote.open();
    let forwarder = setup.start();
    forwarder.board().forwarded(a + 2).await;
    assert_eq!(setup.remote.messages(), ["a", "b", "c"]);
    forwarder.stop(Duration::from_secs(5)).await;
}

#[tokio::test(start_paused = true)]
async fn no_new_batch_is_read_once_stopping() {
    let mut setup = Setup::new();
    setup.config.max_batch_lines = 1;
    let one = setup.write("p", &["one"]);
    setup.write("p", &["two", "three"]);
    setup.remote.hold_after(0);
    let forwarder = setup.start();
    setup.remote.attempts(1).await;
    let stopping = tokio::spawn(forwarder.stop(Duration::from_secs(5)));
    // Let the stop be asked for (it then waits on the loop), then answer.
    tokio::task::yield_now().await;
    setup.remote.open();
    let status = stopping.await.unwrap();
    assert_eq!(setup.remote.messages(), ["one"]);
    assert_eq!(status.forwarded_up_to_id, one);
    assert_eq!(status.backlog_lines, 2);
}

#[tokio::test(start_paused = true)]
async fn a_forwarder_that_dies_says_so() {
    let setup = Setup::new();
    setup.write("p", &["panic"]);
    let forwarder = setup.start();
    let notices = setup.notices(1).await;
    assert!(
        notices[0].contains("stopped after an internal error (the fake remote panics, as asked)"),
        "{notices:?}"
    );
    let status = forwarder.status().await;
    assert_eq!(status.state, State::Stopped);
    assert!(
        status
            .last_error
            .unwrap()
            .contains("lines wait in the local logstore"),
    );
    assert_eq!(status.backlog_lines, 1);
    forwarder.stop(Duration::from_secs(5)).await;
}
