//! The session's bounds, on the real Marbles chaincode and ledger, through an in-memory
//! socket whose client reads (or does not) exactly when the test says so.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::extract::ws::{Message, close_code};
use fclocal_chaincode_host::WasmChaincode;
use fclocal_engine::chaincode::{ChaincodeLimits, ChaincodeRuntime};
use fclocal_ledger::chaincode::{ChaincodeRegistry, FunctionInvoker};
use fclocal_ledger::ledger::Ledger;
use fclocal_ledger::network::NetworkConfig;
use futures_util::{Sink, Stream};
use serde_json::Value;
use tokio::sync::{Notify, mpsc};

use super::{Limits, MAX_ANSWERS, NOT_READING, SessionEnd, run_with};
use crate::{Marbles, MarblesConfig};

/// Bounds every wait; the waits end as soon as the awaited thing happens.
const DEADLINE: Duration = Duration::from_secs(180);

fn open_ledger(dir: &std::path::Path) -> Ledger {
    open_ledger_with(dir, "  BatchTimeout: 50ms\n")
}

/// A one-organization ledger with `orderer` (indented lines) as its orderer settings;
/// every `validateTransfer` call is allowed.
fn open_ledger_with(dir: &std::path::Path, orderer: &str) -> Ledger {
    let yaml = format!(
        "\
Channel: mychannel
Organizations:
  Org1MSP:
    Peers: [peer0]
Chaincodes:
  marbles:
    CodeUri: ./marbles
    EndorsementPolicy: OR('Org1MSP.peer')
Orderer:
{orderer}"
    );
    let network = NetworkConfig::parse(&yaml, "network.yml").expect("a valid network file");
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

/// Answers the chaincode's `validateTransfer` calls: every transfer allowed.
struct AllowTransfers;

impl FunctionInvoker for AllowTransfers {
    fn invoke(&self, _service: &str, function: &str, _payload: &[u8]) -> Result<Vec<u8>, String> {
        match function {
            "validateTransfer" => Ok(br#"{"allowed":true}"#.to_vec()),
            other => Err(format!("no function {other} in this test")),
        }
    }
}

/// The server's side of the client's TCP connection: room for `capacity` frames that
/// only the test takes out.
#[derive(Default)]
struct Wire {
    state: Mutex<WireState>,
    /// Woken at every frame written.
    written: Notify,
    /// Woken when the server reads a frame or its writer finds the wire full.
    changed: Notify,
}

#[derive(Default)]
struct WireState {
    frames: VecDeque<Message>,
    capacity: usize,
    /// The writer waiting for room.
    waiting: Option<Waker>,
    /// Frames the server has read from the client.
    server_reads: usize,
}

impl Wire {
    fn new(capacity: usize) -> Arc<Wire> {
        let wire = Wire::default();
        wire.lock().capacity = capacity;
        Arc::new(wire)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, WireState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The client reads one frame, waiting for it.
    async fn read(&self) -> Message {
        loop {
            let notified = self.written.notified();
            {
                let mut state = self.lock();
                if let Some(frame) = state.frames.pop_front() {
                    if let Some(waker) = state.waiting.take() {
                        waker.wake();
                    }
                    return frame;
                }
            }
            notified.await;
        }
    }

    /// Waits until `done` holds for the wire.
    async fn until(&self, done: impl Fn(&WireState) -> bool) {
        loop {
            let changed = self.changed.notified();
            if done(&self.lock()) {
                return;
            }
            changed.await;
        }
    }
}

/// A websocket whose frames come from the test and go onto a [`Wire`].
struct FakeSocket {
    incoming: mpsc::UnboundedReceiver<Message>,
    wire: Arc<Wire>,
}

impl Stream for FakeSocket {
    type Item = Result<Message, std::convert::Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.incoming.poll_recv(cx);
        if let Poll::Ready(Some(_)) = polled {
            self.wire.lock().server_reads += 1;
            self.wire.changed.notify_one();
        }
        polled.map(|frame| frame.map(Ok))
    }
}

impl Sink<Message> for FakeSocket {
    type Error = std::convert::Infallible;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let mut state = self.wire.lock();
        if state.frames.len() < state.capacity {
            Poll::Ready(Ok(()))
        } else {
            state.waiting = Some(cx.waker().clone());
            self.wire.changed.notify_one();
            Poll::Pending
        }
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        self.wire.lock().frames.push_back(item);
        self.wire.written.notify_one();
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }
}

/// A session on a fresh ledger; `frames` are what the client sends.
async fn session(
    dir: &std::path::Path,
    frames: usize,
    wire: &Arc<Wire>,
    limits: Limits,
) -> Session {
    let ledger = Arc::new(open_ledger(dir));
    let marbles = Marbles::start(ledger.clone(), MarblesConfig::demo(&ledger, None));
    let (client, incoming) = mpsc::unbounded_channel();
    for _ in 0..frames {
        let _ = client.send(Message::Text(r#"{"type":"read_everything"}"#.into()));
    }
    let socket = FakeSocket {
        incoming,
        wire: wire.clone(),
    };
    let task = tokio::spawn(run_with(socket, marbles.clone(), limits));
    Session {
        marbles,
        ledger,
        task,
        _client: client,
    }
}

struct Session {
    marbles: Arc<Marbles>,
    ledger: Arc<Ledger>,
    task: tokio::task::JoinHandle<SessionEnd>,
    /// The client keeps its side open: it is only not reading.
    _client: mpsc::UnboundedSender<Message>,
}

async fn stop(marbles: Arc<Marbles>, ledger: Arc<Ledger>) {
    marbles.stop().await;
    drop(marbles);
    if let Ok(ledger) = Arc::try_unwrap(ledger) {
        ledger.close().await;
    }
}

/// Seeds the demo on a fast-cutting ledger in `dir`, then reopens the ledger with
/// `orderer` (indented lines) and starts Marbles on it again. The second startup finds
/// the demo there and submits nothing, so nothing is left to order or broadcast: this
/// returns once the second server has sent its first `everything`.
async fn seeded_then_reopened(dir: &std::path::Path, orderer: &str) -> (Arc<Ledger>, Arc<Marbles>) {
    let ledger = Arc::new(open_ledger(dir));
    let marbles = Marbles::start(ledger.clone(), MarblesConfig::demo(&ledger, None));
    started(&marbles).await;
    marbles.stop().await;
    drop(marbles);
    Arc::try_unwrap(ledger)
        .unwrap_or_else(|_| panic!("nothing but the test holds the seeded ledger"))
        .close()
        .await;

    let ledger = Arc::new(open_ledger_with(dir, orderer));
    let height = ledger.height();
    let marbles = Marbles::start(ledger.clone(), MarblesConfig::demo(&ledger, None));
    let mut hub = marbles.hub.subscribe();
    started(&marbles).await;
    while marbles
        .last_everything
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .is_empty()
    {
        tokio::time::timeout(DEADLINE, hub.recv())
            .await
            .expect("the reopened server broadcasts everything")
            .expect("the server runs");
    }
    assert_eq!(
        ledger.height(),
        height,
        "the second startup submitted nothing"
    );
    (ledger, marbles)
}

/// Waits until Marbles' startup has registered (or found) the demo owners.
async fn started(marbles: &Marbles) {
    let mut state = marbles.state.subscribe();
    let state = tokio::time::timeout(
        DEADLINE,
        state.wait_for(|s| s["state"]["register_owners"]["state"] != "waiting"),
    )
    .await
    .expect("the demo is seeded")
    .expect("the server runs");
    assert_eq!(
        state["state"]["register_owners"]["state"], "success",
        "{}",
        *state
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_is_closed_with_a_reason_within_the_bounds() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // Room for a few frames in the "TCP buffers", then the client reads nothing.
    let wire = Wire::new(4);
    // A short stall, so the test does not wait 10 s for the verdict.
    let limits = Limits {
        stall: Duration::from_millis(200),
        ..Limits::default()
    };
    let Session {
        marbles,
        ledger,
        task,
        _client,
    } = session(dir.path(), 2_000, &wire, limits).await;
    let end = tokio::time::timeout(DEADLINE, task)
        .await
        .expect("the session ends on its own")
        .expect("the session does not panic");
    assert_eq!(
        end.close,
        Some((close_code::POLICY, NOT_READING.to_owned())),
        "{end:?}"
    );
    assert!(
        end.peak_in_flight <= limits.in_flight && end.peak_in_flight > 1,
        "{end:?}"
    );
    assert!(
        end.peak_queued <= limits.outbox && end.peak_queued > limits.outbox / 2,
        "filled, never beyond: {end:?}"
    );

    // When the client finally reads, what was written comes first, then the reason.
    let close = tokio::time::timeout(DEADLINE, async {
        loop {
            if let Message::Close(frame) = wire.read().await {
                return frame;
            }
        }
    })
    .await
    .expect("a close frame");
    let frame = close.expect("a close frame with a reason");
    assert_eq!(
        (frame.code, frame.reason.as_str()),
        (close_code::POLICY, NOT_READING)
    );
    assert!(NOT_READING.len() <= 123, "a close reason fits in a frame");
    stop(marbles, ledger).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reads_gets_every_answer_however_many_it_asks_for() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let wire = Wire::new(4);
    let limits = Limits::default();
    let asked = 5 * limits.outbox;
    let Session {
        marbles,
        ledger,
        task,
        _client,
    } = session(dir.path(), asked, &wire, limits).await;
    let mut answered = 0;
    tokio::time::timeout(DEADLINE, async {
        while answered < asked {
            match wire.read().await {
                Message::Text(text) => {
                    let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
                    // Answers carry `block_delay`; broadcasts of new blocks do not.
                    if message["msg"] == "block" && message.get("block_delay").is_some() {
                        answered += 1;
                    }
                }
                other => panic!("a reading client was sent {other:?}"),
            }
        }
    })
    .await
    .expect("every answer arrives");
    assert!(!task.is_finished(), "the connection stays open");
    stop(marbles, ledger).await;
    let end = task.await.expect("the session ends at stop");
    assert_eq!(end.close.as_ref().map(|c| c.0), Some(close_code::AWAY));
    assert!(end.peak_in_flight <= limits.in_flight, "{end:?}");
    assert!(end.peak_queued <= limits.outbox, "{end:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_pauses_while_eight_transfers_fail_at_commit_is_not_disconnected() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // Blocks of exactly 8 and no timeout worth the name: the block cuts only once all 8
    // transfers below are ordered, so all 8 were endorsed on the same state; the first
    // wins and the other 7 fail at commit (conflicts): 7 × 4 answers (`ordering`,
    // `committing`, `tx_error`, `tx_step`) + 3 for the winner.
    let (ledger, marbles) =
        seeded_then_reopened(dir.path(), "  BatchTimeout: 60m\n  MaxMessageCount: 8\n").await;
    let raw = marbles
        .gateway
        .read_everything(&marbles.own_company().msp_id)
        .await
        .expect("read_everything");
    let own = marbles.own_company().name.clone();
    let marble = raw["marbles"]
        .as_array()
        .expect("marbles")
        .iter()
        .find(|m| m["owner"]["company"] == own.as_str())
        .expect("a seeded marble of the server's company");
    let receiver = raw["owners"]
        .as_array()
        .expect("owners")
        .iter()
        .find(|o| o["company"] == own.as_str() && o["id"] != marble["owner"]["id"])
        .expect("another owner of the company");
    let transfer = serde_json::json!({
        "type": "transfer_marble",
        "id": marble["id"],
        "owner_id": receiver["id"],
    })
    .to_string();
    let mut blocks = ledger.subscribe().blocks;

    // Room for the answers of everything in flight and a few broadcasts, no more; the
    // client's socket holds one frame (the `app_state`), and the client reads nothing
    // until the block is in. A long stall, so only an overflow could close it.
    let limits = Limits {
        in_flight: 8,
        outbox: 8 * MAX_ANSWERS + 6,
        stall: Duration::from_secs(120),
    };
    let wire = Wire::new(1);
    let (client, incoming) = mpsc::unbounded_channel();
    for _ in 0..8 {
        client
            .send(Message::Text(transfer.clone().into()))
            .expect("the session is listening");
    }
    let socket = FakeSocket {
        incoming,
        wire: wire.clone(),
    };
    let task = tokio::spawn(run_with(socket, marbles.clone(), limits));
    // The first transfers' `ordering` and `committing` are queued before the last ones
    // are read: room counts each answer once (queued, or still owed), or the eighth
    // would wait for a block that waits for it.
    tokio::time::timeout(DEADLINE, wire.until(|w| w.server_reads == 8))
        .await
        .expect("the session reads all 8 transfers");
    let block = tokio::time::timeout(DEADLINE, blocks.recv())
        .await
        .expect("the transfers' block commits")
        .expect("the ledger runs");
    assert_eq!(block.data.len(), 8, "the transfers' block holds all 8");
    // The answers and broadcasts of the block pile up meanwhile.
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Now the client reads, slowly, until every transfer has its last answer.
    let mut outcomes = Vec::new();
    tokio::time::timeout(DEADLINE, async {
        while outcomes.len() < 8 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            match wire.read().await {
                Message::Text(text) => {
                    let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
                    if message["msg"] == "tx_step"
                        && !matches!(message["state"].as_str(), Some("ordering" | "committing"))
                    {
                        outcomes.push(message["state"].as_str().unwrap_or_default().to_owned());
                    }
                }
                other => {
                    panic!("a client that reads was sent {other:?} (outcomes so far: {outcomes:?})")
                }
            }
        }
    })
    .await
    .expect("every transfer is answered");
    outcomes.sort();
    assert_eq!(
        outcomes
            .iter()
            .filter(|s| *s == "committing_failed")
            .count(),
        7,
        "the transfers shared one block: {outcomes:?}"
    );
    assert!(!task.is_finished(), "the connection stays open");
    drop(client);
    stop(marbles, ledger).await;
    let end = task.await.expect("the session ends");
    assert_ne!(
        end.close.as_ref().map(|c| c.0),
        Some(close_code::POLICY),
        "{end:?}"
    );
    assert!(end.peak_queued <= limits.outbox, "{end:?}");
}

/// The flood test's hang (`tests/flood.rs`, 2 in 5 runs under CPU load): with nothing in
/// flight and the outbox too full to take on a frame, the session waited for events that
/// never came (work, broadcasts) while the writer emptied the outbox; it never read the
/// client's next frame, so the client was neither answered nor let go. Here the server is
/// quiet (no broadcasts: its chaincode is not on the channel, so startup stops at once)
/// and `setup` is answered without the ledger, so nothing but the writer's progress can
/// wake the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_stopped_reading_for_want_of_room_reads_on_once_its_answers_are_written() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ledger = Arc::new(open_ledger(dir.path()));
    let config = MarblesConfig {
        chaincode: "not-on-the-channel".into(),
        ..MarblesConfig::demo(&ledger, None)
    };
    let marbles = Marbles::start(ledger.clone(), config);
    let mut state = marbles.state.subscribe();
    tokio::time::timeout(
        DEADLINE,
        state.wait_for(|s| s["state"]["find_chaincode"]["state"] == "failed"),
    )
    .await
    .expect("startup gives up on the missing chaincode")
    .expect("the server runs");

    // One message in flight, and room for the answers of one more beside three queued:
    // four unwritten answers stop the reading with nothing in flight.
    let limits = Limits {
        in_flight: 1,
        outbox: 2 * MAX_ANSWERS - 1,
        stall: Duration::from_secs(120),
    };
    let asked = 6 * limits.outbox;
    // The client's socket takes one frame; the client reads once the session stopped.
    let wire = Wire::new(1);
    let (client, incoming) = mpsc::unbounded_channel();
    for _ in 0..asked {
        client
            .send(Message::Text(r#"{"type":"setup"}"#.into()))
            .expect("the session is listening");
    }
    let socket = FakeSocket {
        incoming,
        wire: wire.clone(),
    };
    let task = tokio::spawn(run_with(socket, marbles.clone(), limits));
    // The session stops reading: the writer holds an answer the wire has no room for,
    // and the outbox is too full for another frame (after three frames at the least:
    // `app_state` and three answers, if the writer took none of them yet).
    tokio::time::timeout(
        DEADLINE,
        wire.until(|wire| wire.waiting.is_some() && wire.server_reads >= 3),
    )
    .await
    .expect("the session fills the outbox");

    // Now the client reads. The first `app_state` came on connect, then one per `setup`.
    let mut answered = 0;
    tokio::time::timeout(DEADLINE, async {
        while answered < asked + 1 {
            match wire.read().await {
                Message::Text(text) => {
                    let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
                    assert_eq!(message["msg"], "app_state", "{message}");
                    answered += 1;
                }
                other => panic!("a reading client was sent {other:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("every `setup` is answered; {answered} of {asked} + 1 were"));
    assert!(!task.is_finished(), "the connection stays open");
    drop(client);
    stop(marbles, ledger).await;
    let end = task.await.expect("the session ends");
    assert!(end.peak_in_flight <= limits.in_flight, "{end:?}");
    assert!(end.peak_queued <= limits.outbox, "{end:?}");
}
