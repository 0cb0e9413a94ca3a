//! Issue 11, item 4, in one process: the Marbles router on a real socket, the real
//! chaincode on the real ledger, and the hostile client of `tests/e2e/ws_flood.rs`
//! (100k `read_everything`, nothing read). The server must let go of it (close frame
//! or dropped connection) and keep serving another websocket. The same client runs
//! against a real `fclocal start` in the e2e test `hardening_ws`.

#[path = "../../../tests/e2e/ws_flood.rs"]
mod ws_flood;

use std::sync::Arc;
use std::time::Duration;

use fclocal_chaincode_host::WasmChaincode;
use fclocal_engine::chaincode::{ChaincodeLimits, ChaincodeRuntime};
use fclocal_ledger::chaincode::ChaincodeRegistry;
use fclocal_ledger::ledger::Ledger;
use fclocal_ledger::network::NetworkConfig;
use fclocal_marbles::{Marbles, MarblesConfig};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// Bounds every wait; the server's verdict comes after 10 s of stalled writes.
const PATIENCE: Duration = Duration::from_secs(120);

fn open_ledger(dir: &std::path::Path) -> Ledger {
    let yaml = "\
Channel: mychannel
Organizations:
  Org1MSP:
    Peers: [peer0]
Chaincodes:
  marbles:
    CodeUri: ./marbles
    EndorsementPolicy: OR('Org1MSP.peer')
Orderer:
  BatchTimeout: 50ms
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
    Ledger::open(dir, network, registry).expect("the ledger opens")
}

/// Another browser: connects, asks for everything, gets it.
async fn a_browser_is_served(address: &str) {
    let served = async {
        let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{address}/ws"))
            .await
            .expect("another websocket opens");
        socket
            .send(Message::Text(
                json!({"type": "read_everything"}).to_string().into(),
            ))
            .await
            .expect("sent");
        loop {
            let frame = socket.next().await.expect("open").expect("a frame");
            if let Message::Text(text) = frame {
                let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
                if message["msg"] == "everything" {
                    return;
                }
            }
        }
    };
    tokio::time::timeout(PATIENCE, served)
        .await
        .expect("another browser is answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_flooding_without_reading_is_let_go_and_others_are_served() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ledger = Arc::new(open_ledger(dir.path()));
    let marbles = Marbles::start(ledger.clone(), MarblesConfig::demo(&ledger, None));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let app = fclocal_marbles::router(marbles.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (started_tx, started) = tokio::sync::oneshot::channel();
    let host = address.clone();
    let attack = tokio::task::spawn_blocking(move || {
        let mut started_tx = Some(started_tx);
        ws_flood::flood(&host, 100_000, PATIENCE, |sent| {
            if sent == 1_000
                && let Some(tx) = started_tx.take()
            {
                let _ = tx.send(());
            }
        })
    });
    // During the attack (or at once if it already ended), others are served.
    let _ = started.await;
    a_browser_is_served(&address).await;
    let report = attack.await.expect("the flood does not panic");
    eprintln!("the flood: {report:?}");
    assert!(
        report.disconnected(),
        "the server never let go of a client that reads nothing: {report:?}"
    );
    if let ws_flood::FloodEnd::Closed { code, reason } = &report.end {
        assert_eq!(*code, 1008, "{report:?}");
        assert!(reason.contains("not reading"), "{report:?}");
    }
    a_browser_is_served(&address).await;

    marbles.stop().await;
    drop(marbles);
    if let Ok(ledger) = Arc::try_unwrap(ledger) {
        ledger.close().await;
    }
}
