//! Hostile log queries against a live `fclocal start` (issue 11): queries built to overflow
//! a parser's stack (deep, wide, long) must be answered with a 400 in SLS's shape and leave
//! the server healthy; runaway statements must stop at the time budget, stop when their
//! client goes away, and never keep SIGTERM from exiting. Also `fclocal logs -q` and
//! `fclocal validate` on the same kind of input.

use std::io::Write as _;
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::Sandbox;
use crate::server::{Answer, Server};
use crate::sls_wire::{WireLog, log_group, put_logs_request};

const TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      LogConfig:
        Project: hostile
        Logstore: fc-store
    hello:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hello.wasm
        Runtime: custom
        CodeUri: {functions}/hello
  hostile:
    Type: 'Aliyun::Serverless::Log'
    Properties:
      Description: hostile queries
    fc-store:
      Type: 'Aliyun::Serverless::Log::Logstore'
      Properties:
        TTL: 10
        ShardCount: 1
    store:
      Type: 'Aliyun::Serverless::Log::Logstore'
      Properties:
        TTL: 10
        ShardCount: 1
"#;

/// The test clock: 2026-11-23T08:00:00Z.
const NOW: u32 = 1_795_420_800;
const START: &str = "2026-11-23T08:00:00Z";

/// A statement that runs for hours over 200 lines (200⁴ rows).
const RUNAWAY: &str = "* | select count(*) from log a, log b, log c, log d";

fn project() -> Vec<(&'static str, String)> {
    vec![("x-log-project", "hostile".to_owned())]
}

/// A server with 200 lines in `hostile/store`.
fn start(extra: &[&str]) -> (Sandbox, Server) {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let mut args = vec!["--no-watch", "--test-clock", START];
    args.extend_from_slice(extra);
    let server = Server::start(&sandbox, &args);
    let statuses: Vec<String> = (0..200).map(|i| (200 + i % 5).to_string()).collect();
    let contents: Vec<[(&str, &str); 2]> = statuses
        .iter()
        .map(|status| [("status", status.as_str()), ("method", "GET")])
        .collect();
    let logs: Vec<WireLog<'_>> = contents
        .iter()
        .map(|contents| WireLog {
            time: NOW - 60,
            contents,
        })
        .collect();
    let (headers, body) = put_logs_request("hostile", &log_group("", "", &[], &logs));
    let answer = server.send("POST", "/logstores/store/shards/lb", &headers, &body);
    assert_eq!(answer.status, 200, "{}", answer.text());
    (sandbox, server)
}

fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn v1_path(query: &str) -> String {
    format!(
        "/logstores/store?type=log&from={}&to={}&query={}",
        NOW - 3600,
        NOW + 60,
        encoded(query)
    )
}

fn get_logs(server: &Server, query: &str) -> Answer {
    server.send("GET", &v1_path(query), &project(), b"")
}

fn get_logs_v2(server: &Server, query: &str) -> Answer {
    let body = serde_json::json!({"from": NOW - 3600, "to": NOW + 60, "query": query});
    let mut headers = project();
    headers.push(("content-type", "application/json".to_owned()));
    server.send(
        "POST",
        "/logstores/store/logs",
        &headers,
        body.to_string().as_bytes(),
    )
}

/// A 400 `InvalidQueryString` whose message contains `words`.
fn assert_refused(answer: &Answer, words: &str) {
    assert_eq!(answer.status, 400, "{}", answer.text());
    let body = answer.json();
    assert_eq!(body["errorCode"], "InvalidQueryString", "{body}");
    let message = body["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains(words), "{message}");
}

fn assert_healthy(server: &Server) {
    let health = server.get("/fclocal/health");
    assert_eq!(health.status, 200, "{}", health.text());
    let count = get_logs(server, "* | select count(*) as n");
    assert_eq!(count.status, 200, "{}", count.text());
}

fn or_terms(n: usize) -> String {
    (0..n)
        .map(|i| format!("t{i}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

#[test]
fn crash_queries_are_400s_and_the_server_stays_healthy() {
    let (sandbox, server) = start(&[]);
    let parens = format!("{}a{}", "(".repeat(1600), ")".repeat(1600));
    let nots = format!("{}a", "not ".repeat(5000));
    let sql_chain = format!(
        "* | select count(*) from log where {}",
        (0..3000)
            .map(|i| format!("status = {i}"))
            .collect::<Vec<_>>()
            .join(" or ")
    );

    // Depth, GetLogs v1.
    assert_refused(&get_logs(&server, &parens), "levels deep");
    assert_healthy(&server);
    assert_refused(&get_logs(&server, &nots), "levels deep");
    assert_healthy(&server);
    // Width: SQL chains (v1), search chains (v2), past the length limit (v2).
    assert_refused(&get_logs(&server, &sql_chain), "operators");
    assert_healthy(&server);
    assert_refused(
        &get_logs_v2(&server, &or_terms(1000)),
        "more than 500 terms",
    );
    assert_refused(&get_logs_v2(&server, &or_terms(10_000)), "bytes long");
    assert_healthy(&server);

    // The web page's chart: an image any page can load. Errors are drawn in the SVG.
    let svg = server.get(&format!(
        "/fclocal/web/histogram.svg?project=hostile&logstore=store&query={}",
        encoded(&parens)
    ));
    assert_eq!(svg.status, 200);
    assert!(svg.text().contains("levels deep"), "{}", svg.text());
    assert_healthy(&server);

    // A widest accepted search runs, and a failed search never blames "the SQL after |".
    let wide = get_logs_v2(&server, &or_terms(500));
    assert_eq!(wide.status, 200, "{}", wide.text());

    // A long query is not echoed whole in a header (clients limit header lines).
    let values: Vec<String> = (0..9000).map(|i| i.to_string()).collect();
    let long = format!(
        "* | select count(*) as n from log where status in ({})",
        values.join(", ")
    );
    let answer = get_logs_v2(&server, &long);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(answer.header("x-log-agg-query").len() <= 4100);
    assert!(answer.header("x-log-agg-query").ends_with("..."));
    assert_eq!(
        answer.json()["meta"]["aggQuery"].as_str().map(str::len),
        Some(long.len() - 4)
    );

    // `fclocal logs -q` reads the same store with the same parser.
    let run = sandbox
        .run(&[
            "logs",
            "-q",
            &format!("{}a{}", "(".repeat(50_000), ")".repeat(50_000)),
        ])
        .expect_code(1);
    assert!(run.stderr.contains("bytes long"), "{}", run.stderr);
    let run = sandbox
        .run(&[
            "logs",
            "-q",
            &format!("{}a{}", "(".repeat(40), ")".repeat(40)),
        ])
        .expect_code(1);
    assert!(run.stderr.contains("levels deep"), "{}", run.stderr);
    assert!(run.stderr.lines().count() < 10, "{}", run.stderr);

    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
}

/// `x-fclocal-running-queries` of a cheap GetLogs: the queries running besides it.
fn running(server: &Server) -> usize {
    let answer = get_logs(server, "* | select 1");
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer
        .header("x-fclocal-running-queries")
        .parse()
        .expect("a count")
}

/// Polls [`running`] until it equals `want`, for at most `patience`.
fn until_running(server: &Server, want: usize, patience: Duration) {
    let deadline = Instant::now() + patience;
    loop {
        let now = running(server);
        if now == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still {now} queries running, expected {want}"
        );
    }
}

/// Sends the runaway GetLogs on a raw connection and returns it, unanswered.
fn send_runaway(server: &Server) -> TcpStream {
    let address = server.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect");
    write!(
        stream,
        "GET {} HTTP/1.1\r\nHost: {address}\r\nx-log-project: hostile\r\n\r\n",
        v1_path(RUNAWAY)
    )
    .expect("send");
    stream
}

#[test]
fn runaway_queries_stop_at_the_budget_and_huge_values_are_refused() {
    let (_sandbox, server) = start(&["--query-timeout", "2s"]);
    let started = Instant::now();
    let answer = get_logs(&server, RUNAWAY);
    let took = started.elapsed();
    assert_refused(&answer, "2 s time budget");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "{took:?}"
    );
    assert_eq!(running(&server), 0);

    assert_refused(
        &get_logs(&server, "* | select length(randomblob(1000000000))"),
        "string or blob too big",
    );
    assert_healthy(&server);
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
}

#[test]
fn a_query_stops_when_its_client_leaves_and_sigterm_does_not_wait_for_one() {
    // A budget far beyond the test's patience: only withdrawal can stop these queries.
    let (sandbox, server) = start(&["--query-timeout", "10m"]);
    let client = send_runaway(&server);
    until_running(&server, 1, Duration::from_secs(30));
    drop(client);
    until_running(&server, 0, Duration::from_secs(30));

    // One more, left running; SIGTERM must still exit promptly and cleanly.
    let _client = send_runaway(&server);
    until_running(&server, 1, Duration::from_secs(30));
    let (exited, exit) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = exited.send(server.terminate());
    });
    let (code, _) = exit
        .recv_timeout(Duration::from_secs(30))
        .expect("fclocal exits after SIGTERM while a query runs");
    assert_eq!(code, Some(0));
    let stderr = std::fs::read_to_string(sandbox.path().join("fclocal-start.stderr"))
        .expect("the server's stderr");
    assert!(stderr.contains("Stopped"), "{stderr}");
}

#[test]
fn validate_refuses_deep_policies_and_deep_yaml_with_a_message() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.path().join("chaincode")).expect("chaincode dir");
    let policy = format!(
        "{}'Org1MSP.peer'{}",
        "AND(".repeat(20_000),
        ")".repeat(20_000)
    );
    sandbox.file(
        "chaincode/network.yml",
        format!(
            "Channel: mychannel\nOrganizations:\n  Org1MSP:\n    Peers: [peer0]\nChaincodes:\n  marbles:\n    CodeUri: ./nowhere\n    EndorsementPolicy: \"{policy}\"\n"
        )
        .as_bytes(),
    );
    let run = sandbox.run(&["validate"]).expect_code(1);
    assert!(
        run.stderr.contains("more than 32 levels deep"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.len() < 4000,
        "the error repeats the whole policy"
    );

    let deep = format!("{}1{}", "{a: ".repeat(20_000), "}".repeat(20_000));
    let sandbox = Sandbox::with_template(&format!(
        "ROSTemplateFormatVersion: '2015-09-01'\nResources: {deep}\n"
    ));
    let run = sandbox.run(&["validate"]).expect_code(1);
    assert!(run.stderr.contains("levels deep"), "{}", run.stderr);
}

#[test]
fn a_zero_query_timeout_is_refused_at_start() {
    let sandbox = Sandbox::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fclocal"))
        .args([
            "start",
            "--port",
            "0",
            "--no-watch",
            "--query-timeout",
            "0s",
        ])
        .current_dir(sandbox.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("fclocal start runs");
    // A refused start exits at once, closing stderr; an accepted one serves
    // on, so its stderr stays open and the wait times out.
    let mut pipe = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stderr = String::new();
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
        let _ = tx.send(stderr);
    });
    let Ok(stderr) = rx.recv_timeout(Duration::from_secs(60)) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("fclocal start accepted --query-timeout 0s (every query would fail)");
    };
    let status = child.wait().expect("a status");
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("--query-timeout"), "{stderr}");
}
