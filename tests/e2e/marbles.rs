//! The Marbles app inside a real `fclocal start`: the UI at `/` (the banner
//! moves to `/fclocal/`), the websocket at `/ws` answering bad input with an
//! `error` and staying open, and an unreachable `--marbles-event-url` (given
//! through `FCLOCAL_MARBLES_EVENT_URL`) showing only in `/marbles/stats`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, Message};

use crate::common::{Sandbox, marbles_template};
use crate::server::Server;

const DEADLINE: Duration = Duration::from_secs(180);

/// The Marbles template plus a network file running the prebuilt chaincode.
fn marbles_sandbox() -> Sandbox {
    let marbles = fclocal_test_support::chaincode("marbles", "marbles.wasm");
    let sandbox = Sandbox::with_template(&marbles_template(600));
    std::fs::create_dir_all(sandbox.path().join("chaincode")).expect("a chaincode dir");
    let network = format!(
        "Channel: mychannel\nOrganizations:\n  Org1MSP:\n    Peers: [peer0]\n  Org2MSP:\n    Peers: [peer0]\nChaincodes:\n  marbles:\n    CodeUri: {}\n    Handler: marbles.wasm\n    EndorsementPolicy: \"AND('Org1MSP.peer', 'Org2MSP.peer')\"\nOrderer:\n  BatchTimeout: 50ms\n",
        marbles.parent().expect("a dir").display()
    );
    sandbox.file("chaincode/network.yml", network.as_bytes());
    sandbox
}

type Socket = tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>;

/// Reads messages until one has `msg == wanted` (bounded by a read timeout).
fn next(socket: &mut Socket, wanted: &str) -> Value {
    let started = Instant::now();
    loop {
        assert!(started.elapsed() < DEADLINE, "no {wanted} message");
        match socket.read().expect("a websocket message") {
            Message::Text(text) => {
                let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
                if message["msg"] == wanted {
                    return message;
                }
            }
            _ => continue,
        }
    }
}

#[test]
fn the_marbles_app_serves_its_ui_websocket_and_counts_failed_events() {
    let sandbox = marbles_sandbox();
    // Nothing listens on this port (bound, then released).
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead_url = format!("http://{}/events/", dead.local_addr().expect("addr"));
    drop(dead);
    // Through the environment variable, set for the child process only.
    let server = Server::start_with_env(
        &sandbox,
        &["--no-watch"],
        &[("FCLOCAL_MARBLES_EVENT_URL", dead_url.as_str())],
    );
    let events = server.wait_for("Marbles events: ");
    assert!(events.contains(&dead_url), "{events}");

    let index = server.get("/");
    assert_eq!(index.status, 200);
    assert!(index.text().contains("<title>Marbles"), "{}", index.text());
    assert!(
        index.text().contains("href=\"/logs\"") && index.text().contains("href=\"/analytics\"")
    );
    let banner = server.get("/fclocal/");
    assert!(banner.text().contains("Marbles UI: "), "{}", banner.text());

    let host = server.base.trim_start_matches("http://").to_owned();
    let (mut socket, _) =
        tungstenite::connect(format!("ws://{host}/ws")).expect("the websocket opens");
    if let tungstenite::stream::MaybeTlsStream::Plain(stream) = socket.get_ref() {
        stream
            .set_read_timeout(Some(DEADLINE))
            .expect("a read timeout");
    }
    let state = next(&mut socket, "app_state");
    assert_eq!(state["company"], "United Marbles");

    for bad in ["not json", r#"{"type":"sell"}"#, r#"{"type":"audit"}"#] {
        socket.send(Message::Text(bad.into())).expect("sent");
        let error = next(&mut socket, "error");
        assert!(
            error["e"].as_str().is_some_and(|e| !e.is_empty()),
            "{error}"
        );
    }
    // Still open: a real request is answered.
    socket
        .send(Message::Text(
            json!({"type": "read_everything", "v": 1})
                .to_string()
                .into(),
        ))
        .expect("sent");
    let block = next(&mut socket, "block");
    assert!(block["block_height"].is_u64(), "{block}");
    next(&mut socket, "everything");

    // The event to the dead URL failed; nothing else noticed.
    let started = Instant::now();
    let stats = loop {
        let stats = server.get("/marbles/stats").json();
        if stats["failed"].as_u64() >= Some(1) {
            break stats;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "the failure was never counted: {stats}"
        );
        std::thread::yield_now();
    };
    assert_eq!(stats["url"], dead_url);
    assert_eq!(stats["sent"], 0);
    assert!(
        stats["lastError"]
            .as_str()
            .unwrap_or_default()
            .contains("type=read_everything"),
        "{stats}"
    );
    drop(socket);
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
}
