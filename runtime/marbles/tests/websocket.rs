//! The Marbles server end to end in one process, with no fakes: the real
//! Marbles WebAssembly chaincode on the real ledger (two organizations, AND
//! policy), the server's router on a real socket, a real websocket client, and
//! a real HTTP endpoint receiving the event call-out. Every wait is on a
//! message or a request, bounded by a deadline.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use fclocal_chaincode_host::WasmChaincode;
use fclocal_engine::chaincode::{ChaincodeLimits, ChaincodeRuntime};
use fclocal_ledger::chaincode::{ChaincodeRegistry, FunctionInvoker};
use fclocal_ledger::ledger::Ledger;
use fclocal_ledger::network::NetworkConfig;
use fclocal_marbles::{Marbles, MarblesConfig};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// Bounds every wait; generous because a loaded 2-core CI machine compiles and
/// runs the WebAssembly chaincode slowly (the waits end as soon as the message comes).
const DEADLINE: Duration = Duration::from_secs(180);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn open_ledger(dir: &std::path::Path) -> Ledger {
    let yaml = "\
Channel: mychannel
Organizations:
  Org1MSP:
    Peers: [peer0]
  Org2MSP:
    Peers: [peer0]
Chaincodes:
  marbles:
    CodeUri: ./marbles
    EndorsementPolicy: AND('Org1MSP.peer', 'Org2MSP.peer')
Orderer:
  BatchTimeout: 50ms
  MaxMessageCount: 100
";
    let network = NetworkConfig::parse(yaml, "network.yml").expect("a valid network file");
    let runtime = ChaincodeRuntime::new(None).expect("the chaincode engine starts");
    let component = runtime
        .load(&fclocal_test_support::chaincode("marbles", "marbles.wasm"))
        .expect("marbles.wasm loads");
    let mut registry = ChaincodeRegistry::new();
    registry.register(
        "marbles",
        Arc::new(WasmChaincode::new(component, ChaincodeLimits::default())),
    );
    Ledger::open_with_invoker(dir, network, registry, Arc::new(AllowTransfers))
        .expect("the ledger opens")
}

/// Answers the chaincode's `validateTransfer` calls: every transfer allowed
/// (the function's own rules are tested with it, in tests/e2e).
struct AllowTransfers;

impl FunctionInvoker for AllowTransfers {
    fn invoke(&self, _service: &str, function: &str, _payload: &[u8]) -> Result<Vec<u8>, String> {
        match function {
            "validateTransfer" => Ok(br#"{"allowed":true}"#.to_vec()),
            other => Err(format!("no function {other} in this test")),
        }
    }
}

/// A real HTTP endpoint that reports each `?type=` it receives.
async fn event_sink() -> (String, mpsc::UnboundedReceiver<String>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let app = axum::Router::new()
        .route(
            "/event/",
            axum::routing::get(
                |State(sender): State<mpsc::UnboundedSender<String>>,
                 Query(query): Query<std::collections::HashMap<String, String>>| async move {
                    let _ = sender.send(query.get("type").cloned().unwrap_or_default());
                    "ok"
                },
            ),
        )
        .with_state(sender);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/event/", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver)
}

async fn serve(marbles: Arc<Marbles>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, fclocal_marbles::router(marbles)).await });
    format!("{address}")
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("the message is sent");
}

/// Every message read so far, in order: broadcasts (`block`, `everything`)
/// interleave with replies in no fixed order, so a test that skipped one
/// while waiting for another can still check it came.
static SEEN: std::sync::Mutex<Vec<Value>> = std::sync::Mutex::new(Vec::new());

fn seen_len() -> usize {
    SEEN.lock().unwrap().len()
}

fn seen_since(mark: usize) -> Vec<Value> {
    SEEN.lock().unwrap()[mark..].to_vec()
}

/// Reads messages until one satisfies `wanted`; fails at the deadline.
async fn until(socket: &mut Socket, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    let read = async {
        loop {
            let frame = socket
                .next()
                .await
                .unwrap_or_else(|| panic!("the socket closed while waiting for {what}"))
                .expect("a frame");
            if let Message::Text(text) = frame {
                let message: Value =
                    serde_json::from_str(text.as_str()).expect("JSON from the server");
                SEEN.lock().unwrap().push(message.clone());
                if wanted(&message) {
                    return message;
                }
            }
        }
    };
    tokio::time::timeout(DEADLINE, read)
        .await
        .unwrap_or_else(|_| panic!("no {what} within {DEADLINE:?}"))
}

fn is(msg: &'static str) -> impl Fn(&Value) -> bool {
    move |m| m["msg"] == msg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_websocket_drives_marbles_on_the_ledger() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ledger = Arc::new(open_ledger(dir.path()));
    let (event_url, mut events) = event_sink().await;
    let marbles = Marbles::start(
        ledger.clone(),
        MarblesConfig::demo(&ledger, Some(event_url)),
    );
    let address = serve(marbles.clone()).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{address}/ws"))
        .await
        .expect("the websocket opens");

    // Startup: init, then two companies' owners and 3 marbles each.
    let first = until(&mut socket, "app_state", is("app_state")).await;
    assert_eq!(first["companies"], json!(["United Marbles", "Marble Inc"]));
    until(&mut socket, "owners registered", |m| {
        m["msg"] == "app_state" && m["state"]["register_owners"]["state"] == "success"
    })
    .await;

    // Bad input: an error each, and the connection stays usable.
    send_text(&mut socket, "hello").await;
    let error = until(&mut socket, "an error", is("error")).await;
    assert!(
        error["e"]
            .as_str()
            .unwrap()
            .starts_with("the message is not JSON"),
        "{error}"
    );
    send(&mut socket, json!({"type": "trade"})).await;
    let error = until(&mut socket, "an error", is("error")).await;
    assert!(
        error["e"]
            .as_str()
            .unwrap()
            .starts_with("unknown message type 'trade'"),
        "{error}"
    );
    send(&mut socket, json!({"type": "create", "color": "red", "size": "35", "owner_id": "o1", "authed_by_company": "Nobody"})).await;
    let error = until(&mut socket, "an error", is("error")).await;
    assert!(
        error["e"]
            .as_str()
            .unwrap()
            .starts_with("unknown company 'Nobody'"),
        "{error}"
    );

    send(&mut socket, json!({"type": "read_everything", "v": 1})).await;
    // The reply (with `block_delay`), not a broadcast that may come first.
    let block = until(&mut socket, "block", |m| {
        m["msg"] == "block" && m.get("block_delay").is_some()
    })
    .await;
    assert!(block["block_height"].as_u64().unwrap() >= 3, "{block}");
    assert_eq!(block["block_delay"], 50);
    let everything = until(&mut socket, "everything", is("everything")).await["everything"].clone();
    let owners = everything["owners"].as_array().unwrap();
    assert_eq!(owners.len(), 6, "{everything}");
    assert_eq!(owners[0]["company"], "United Marbles");
    for username in ["amy", "alice", "ava", "barry", "bob", "bella"] {
        let group = &everything["marbles"][username];
        assert_eq!(
            group["marbles"].as_array().map(Vec::len),
            Some(3),
            "{username}: {everything}"
        );
        let id = group["marbles"][0]["id"].as_str().unwrap();
        assert!(id.starts_with("m0") && id.len() == 20, "{id}");
    }
    let amy = everything["marbles"]["amy"]["owner_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = everything["marbles"]["bob"]["owner_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Create: ordering, committing, finished; then the broadcast shows it.
    let mark = seen_len();
    send(
        &mut socket,
        json!({"type": "create", "color": "Blue", "size": "16", "owner_id": amy, "v": 1}),
    )
    .await;
    for state in ["ordering", "committing", "finished"] {
        let step = until(&mut socket, state, is("tx_step")).await;
        assert_eq!(step["state"], state, "{step}");
        assert_eq!(step["type"], "create");
    }
    let everything = until(&mut socket, "everything with 4 marbles for amy", |m| {
        m["msg"] == "everything"
            && m["everything"]["marbles"]["amy"]["marbles"]
                .as_array()
                .map(Vec::len)
                == Some(4)
    })
    .await["everything"]
        .clone();
    // The commit was broadcast as a `block` too (before or after `finished`).
    assert!(
        seen_since(mark).iter().any(|m| m["msg"] == "block"),
        "no block broadcast for the create"
    );
    let created = everything["marbles"]["amy"]["marbles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["color"] == "blue")
        .expect("the new blue marble")["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Transfer to another company's owner, then a denied transfer back.
    send(
        &mut socket,
        json!({"type": "transfer_marble", "id": created, "owner_id": bob, "v": 1}),
    )
    .await;
    until(&mut socket, "transfer finished", |m| {
        m["msg"] == "tx_step" && m["state"] == "finished"
    })
    .await;
    send(
        &mut socket,
        json!({"type": "transfer_marble", "id": created, "owner_id": amy, "v": 1}),
    )
    .await;
    let tx_error = until(&mut socket, "tx_error", is("tx_error")).await;
    assert_eq!(
        tx_error["e"]["parsed"],
        "The company 'United Marbles' cannot authorize transfers for 'Marble Inc'."
    );
    assert_eq!(tx_error["input"]["type"], "transfer_marble");
    let failed = until(&mut socket, "failed step", is("tx_step")).await;
    assert_eq!(failed["state"], "endorsing_failed");
    // Acting as Marble Inc, the same transfer is allowed.
    send(&mut socket, json!({"type": "transfer_marble", "id": created, "owner_id": amy, "authed_by_company": "Marble Inc"})).await;
    until(&mut socket, "transfer finished", |m| {
        m["msg"] == "tx_step" && m["state"] == "finished"
    })
    .await;

    // Audit: three versions, both organizations' peers agree.
    send(&mut socket, json!({"type": "audit", "marble_id": created})).await;
    let history = until(&mut socket, "history", is("history")).await;
    assert_eq!(history["data"]["peers_agree"], true, "{history}");
    assert_eq!(
        history["data"]["parsed"].as_array().map(Vec::len),
        Some(3),
        "{history}"
    );

    // Delete.
    send(
        &mut socket,
        json!({"type": "delete_marble", "id": created, "v": 1}),
    )
    .await;
    until(&mut socket, "delete finished", |m| {
        m["msg"] == "tx_step" && m["state"] == "finished"
    })
    .await;

    // ping and setup are not events; the rest reached the endpoint, in order.
    send(&mut socket, json!({"type": "ping"})).await;
    send(&mut socket, json!({"type": "setup"})).await;
    until(&mut socket, "app_state for setup", is("app_state")).await;
    let expected = [
        "create", // the one refused for an unknown company is still an event
        "read_everything",
        "create",
        "transfer_marble",
        "transfer_marble",
        "transfer_marble",
        "audit",
        "delete_marble",
    ];
    let mut received = Vec::new();
    while received.len() < expected.len() {
        let kind = tokio::time::timeout(DEADLINE, events.recv())
            .await
            .expect("the call-out reaches the endpoint")
            .expect("the endpoint runs");
        received.push(kind);
    }
    received.sort();
    let mut expected = expected.map(str::to_owned).to_vec();
    expected.sort();
    assert_eq!(received, expected);
    let stats = marbles.callout().stats_json();
    assert_eq!(stats["failed"], 0, "{stats}");
    assert_eq!(stats["dropped"], 0, "{stats}");

    drop(socket);
    marbles.stop().await;
}

async fn send_text(socket: &mut Socket, text: &str) {
    socket
        .send(Message::Text(text.to_owned().into()))
        .await
        .expect("the message is sent");
}
