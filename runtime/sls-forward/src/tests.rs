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

#[derive(Clone)]
struct FakeRemote(Arc<Mutex<Log>>, Arc<tokio::sync::watch::Sender<usize>>);

impl Default for FakeRemote {
    fn default() -> FakeRemote {
        FakeRemote(Arc::default(), Arc::new(tokio::sync::watch::Sender::new(0)))
    }
}

impl FakeRemote {
    /// Waits (without spinning, so paused time moves) for `n` attempts.
    async fn attempts(&self, n: usize) {
        let _ = self.1.subscribe().wait_for(|seen| *seen >= n).await;
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

impl Remote for FakeRemote {
    async fn put(&self, request: PutRequest) -> Result<(), RemoteError> {
        let mut log = self.0.lock().unwrap();
        log.attempts.push(Instant::now());
        self.1.send_replace(log.attempts.len());
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
        if group
            .logs
            .iter()
            .flat_map(|l| &l.contents)
            .any(|c| c.value == "refused")
        {
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
    _dir: tempfile::TempDir,
    store: LogStore,
    config: ForwardConfig,
    remote: FakeRemote,
    notices: Arc<Mutex<Vec<String>>>,
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
            _dir: dir,
            store,
            config,
            remote: FakeRemote::default(),
            notices: Arc::default(),
        }
    }

    fn write(&self, project: &str, messages: &[&str]) -> i64 {
        let records = messages
            .iter()
            .map(|message| LogRecord {
                project: project.into(),
                logstore: "ls".into(),
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
        let writer = self.store.writer();
        writer.append(records).unwrap();
        writer.flush_blocking().unwrap();
        self.store.reader().unwrap().newest_id().unwrap()
    }

    fn start(&self) -> Forwarder {
        let notices = self.notices.clone();
        Forwarder::start(
            self.config.clone(),
            self.store.path(),
            self.remote.clone(),
            Arc::new(move |line: &str| notices.lock().unwrap().push(line.to_owned())),
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
        drop.contains("p/ls (ids 3..=3): refused by SLS: a refused line"),
        "{drop}"
    );
    assert!(setup.notices.lock().unwrap()[0].contains("set aside 1 line(s)"));
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
