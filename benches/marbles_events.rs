//! Scenario 1 latency: from a Marbles websocket event to its `processEvent`
//! log line being queryable in the logstore.
//!
//! Spawns `fclocal start` (the bench profile's binary) with the Marbles
//! template and ledger, waits for the demo seeding over the websocket, then
//! `RUNS` times: sends `{"type":"audit",...}` and reads
//! `functionName:processEvent and audit | select count(*)` through the SLS
//! GetLogs API until the count grows. The time includes the bounded queue, the
//! HTTP call to the trigger, the WebAssembly handler, the durable log write
//! and the query. Target: p50 ≤ 20 ms. Also printed: when processEvent
//! answered (the call-out's `sent` counter; the line is durable by then) and
//! what one count query costs, since every "queryable" sample includes one.
//!
//! Run: `cargo bench --bench marbles_events` (`FCLOCAL_BENCH_RUNS=N` to change
//! the number of events).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio_tungstenite::tungstenite::{self, Message};

const DEADLINE: Duration = Duration::from_secs(120);

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let runs: usize = std::env::var("FCLOCAL_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    fclocal_test_support::guest("echo-http");
    let marbles = fclocal_test_support::chaincode("marbles", "marbles.wasm");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let functions = fclocal_test_support::repo_root().join("functions");
    let template = format!(
        "\
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  marblesFC:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      LogConfig:
        Project: bench-project
        Logstore: bench-store
    processEvent:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: echo-http.wasm
        Runtime: custom
        CodeUri: {}
      Events:
        http-test:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET']
  bench-project:
    Type: 'Aliyun::Serverless::Log'
    Properties:
      Description: bench
    bench-store:
      Type: 'Aliyun::Serverless::Log::Logstore'
      Properties:
        TTL: 1
        ShardCount: 1
",
        functions.join("echo-http").display()
    );
    std::fs::write(dir.path().join("template.yml"), template).expect("template");
    std::fs::create_dir_all(dir.path().join("chaincode")).expect("chaincode dir");
    std::fs::write(
        dir.path().join("chaincode/network.yml"),
        format!(
            "Channel: mychannel\nOrganizations:\n  Org1MSP:\n    Peers: [peer0]\n  Org2MSP:\n    Peers: [peer0]\nChaincodes:\n  marbles:\n    CodeUri: {}\n    Handler: marbles.wasm\n    EndorsementPolicy: \"AND('Org1MSP.peer', 'Org2MSP.peer')\"\nOrderer:\n  BatchTimeout: 100ms\n",
            marbles.parent().expect("a dir").display()
        ),
    )
    .expect("network file");

    let mut child = Command::new(env!("CARGO_BIN_EXE_fclocal"))
        .args(["start", "--port", "0", "--no-watch"])
        .current_dir(dir.path())
        .env_remove("FCLOCAL_MARBLES_EVENT_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("fclocal start runs");
    let stdout = child.stdout.take().expect("piped");
    let _server = Killed(child);
    let mut base = None;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(address) = line.strip_prefix("fclocal listening on ") {
            base = Some(address.to_owned());
        }
        if line.starts_with("Marbles UI: ") {
            break;
        }
    }
    let base = base.expect("fclocal printed its address");
    let host = base.trim_start_matches("http://").to_owned();

    let (mut socket, _) =
        tungstenite::connect(format!("ws://{host}/ws")).expect("the websocket opens");
    let started = Instant::now();
    loop {
        assert!(started.elapsed() < DEADLINE, "the demo was never seeded");
        let text = match socket.read().expect("a message") {
            Message::Text(text) => text,
            _ => continue,
        };
        let message: serde_json::Value = serde_json::from_str(text.as_str()).expect("JSON");
        if message["msg"] == "app_state"
            && message["state"]["register_owners"]["state"] == "success"
        {
            break;
        }
    }

    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let count = || -> u64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        let mut answer = agent
            .get(format!("{base}/logstores/bench-store"))
            .query("type", "log")
            .query("project", "bench-project")
            .query("from", (now - 3600).to_string())
            .query("to", (now + 60).to_string())
            .query(
                "query",
                "functionName:processEvent and audit | select count(*) as c",
            )
            .call()
            .expect("GetLogs answers");
        let text = answer.body_mut().read_to_string().expect("a body");
        let rows: serde_json::Value = serde_json::from_str(&text).expect("JSON rows");
        rows[0]["c"]
            .as_u64()
            .or_else(|| rows[0]["c"].as_str().and_then(|c| c.parse().ok()))
            .unwrap_or(0)
    };

    let answered = || -> u64 {
        let text = agent
            .get(format!("{base}/marbles/stats"))
            .call()
            .expect("stats")
            .body_mut()
            .read_to_string()
            .expect("text");
        let stats: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        stats["sent"].as_u64().unwrap_or(0)
    };
    // Polls leave the CPU to the server between tries (2-core machines).
    let pause = || std::thread::sleep(Duration::from_micros(200));

    let mut seen = count();
    let mut latencies = Vec::with_capacity(runs);
    let mut answers = Vec::with_capacity(runs);
    for i in 0..runs {
        let event = format!(r#"{{"type":"audit","marble_id":"m{i}"}}"#);
        let sent = Instant::now();
        socket
            .send(Message::Text(event.into()))
            .expect("the event is sent");
        // processEvent answered (its line is durable by then: an invocation
        // returns only once its log lines are committed).
        while answered() <= i as u64 {
            assert!(sent.elapsed() < DEADLINE, "event {i} was never answered");
            pause();
        }
        answers.push(sent.elapsed());
        loop {
            let now = count();
            if now > seen {
                latencies.push(sent.elapsed());
                seen = now;
                break;
            }
            assert!(
                sent.elapsed() < DEADLINE,
                "event {i} never reached the logstore"
            );
            pause();
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let summary = |name: &str, mut times: Vec<Duration>| {
        times.sort();
        let pct = |p: usize| ms(times[(times.len() * p / 100).min(times.len() - 1)]);
        println!(
            "{name}, {} samples: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, min {:.2} ms, max {:.2} ms",
            times.len(),
            pct(50),
            pct(90),
            pct(99),
            ms(times[0]),
            ms(times[times.len() - 1]),
        );
    };
    summary(
        "websocket event -> processEvent answered (call-out `sent`)",
        answers,
    );
    // The cost of one look: part of every "queryable" figure.
    let queries: Vec<Duration> = (0..50)
        .map(|_| {
            let started = Instant::now();
            count();
            started.elapsed()
        })
        .collect();
    summary("one GetLogs count query (the poll itself)", queries);
    summary(
        "websocket event -> processEvent line queryable in the logstore (target p50 <= 20 ms)",
        latencies,
    );
    let stats = agent
        .get(format!("{base}/marbles/stats"))
        .call()
        .expect("stats")
        .body_mut()
        .read_to_string()
        .expect("text");
    println!("call-out counters: {stats}");
}
