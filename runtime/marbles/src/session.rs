//! One browser's websocket: sends `app_state` on connect and on every startup
//! change, relays broadcasts (`block`, `everything`), and answers the
//! browser's messages. Ledger work runs in its own task and replies through
//! this connection's outbox, so a slow transaction never holds up the socket
//! (several invokes from one browser run concurrently, as in classic).

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use crate::Marbles;
use crate::protocol::{self, ClientMessage};

type Outbox = mpsc::UnboundedSender<Value>;

/// Serves one websocket until it closes or the server stops.
pub(crate) async fn run(mut socket: WebSocket, marbles: Arc<Marbles>) {
    let (outbox, mut replies) = mpsc::unbounded_channel::<Value>();
    let mut hub = marbles.hub.subscribe();
    let mut state = marbles.state.subscribe();
    let first = state.borrow_and_update().to_string();
    if socket.send(Message::Text(first.into())).await.is_err() {
        return;
    }
    loop {
        let outgoing: String = tokio::select! {
            () = marbles.stop.cancelled() => break,
            frame = socket.recv() => match frame {
                Some(Ok(Message::Text(text))) => {
                    handle(&marbles, &outbox, text.as_str());
                    continue;
                }
                Some(Ok(Message::Binary(_))) => {
                    protocol::error("binary frames are not part of the Marbles protocol; send JSON text").to_string()
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => continue,
            },
            Some(reply) = replies.recv() => reply.to_string(),
            message = hub.recv() => match message {
                Ok(text) => text.to_string(),
                // Missed broadcasts: a fresh `block` + `everything` repairs the
                // view (not a browser event, so nothing goes to the call-out).
                Err(RecvError::Lagged(_)) => {
                    dispatch(&marbles, &outbox, ClientMessage::ReadEverything, Value::Null);
                    continue;
                }
                Err(RecvError::Closed) => break,
            },
            changed = state.changed() => match changed {
                Ok(()) => state.borrow_and_update().to_string(),
                Err(_) => break,
            },
        };
        if socket.send(Message::Text(outgoing.into())).await.is_err() {
            break;
        }
    }
}

/// Parses and dispatches one message; replies go to `outbox`.
fn handle(marbles: &Arc<Marbles>, outbox: &Outbox, text: &str) {
    let message = match protocol::parse(text) {
        Ok(message) => message,
        Err(bad) => {
            let _ = outbox.send(protocol::error(&bad.0));
            return;
        }
    };
    if message.is_event() {
        marbles.callout.send(message.type_name());
    }
    let input: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    dispatch(marbles, outbox, message, input);
}

/// Runs `message` in its own task (tracked, ended on stop).
fn dispatch(marbles: &Arc<Marbles>, outbox: &Outbox, message: ClientMessage, input: Value) {
    let marbles_for_task = marbles.clone();
    let outbox = outbox.clone();
    marbles.tasks.spawn(async move {
        let marbles = marbles_for_task;
        let stop = marbles.stop.clone();
        tokio::select! {
            () = respond(&marbles, &outbox, message, input) => {}
            () = stop.cancelled() => {}
        }
    });
}

async fn respond(marbles: &Marbles, outbox: &Outbox, message: ClientMessage, input: Value) {
    let send = |value: Value| {
        let _ = outbox.send(value);
    };
    let kind = message.type_name();
    let (function, args, company) = match message {
        ClientMessage::Ping => return,
        ClientMessage::Setup => return send(marbles.app_state()),
        ClientMessage::ReadEverything => {
            let height = marbles.gateway.ledger().height();
            send(protocol::block(height, Some(marbles.block_delay_ms)));
            match marbles.everything().await {
                Ok(everything) => send(protocol::everything(&everything)),
                Err(e) => send(protocol::error(&format!("read_everything failed: {e}"))),
            }
            return;
        }
        ClientMessage::Audit { marble_id } => {
            let data = marbles.gateway.history(&marble_id).await;
            return send(json!({"msg": "history", "e": null, "data": data}));
        }
        ClientMessage::Create {
            color,
            size,
            owner_id,
            authed_by_company,
        } => (
            "init_marble",
            vec![crate::ids::new_id('m'), color, size, owner_id],
            authed_by_company,
        ),
        ClientMessage::Transfer {
            id,
            owner_id,
            authed_by_company,
        } => ("set_owner", vec![id, owner_id], authed_by_company),
        ClientMessage::Delete {
            id,
            authed_by_company,
        } => ("delete_marble", vec![id], authed_by_company),
        ClientMessage::DisableOwner {
            owner_id,
            authed_by_company,
        } => ("disable_owner", vec![owner_id], authed_by_company),
    };
    let company = match marbles.company(company.as_deref()) {
        Ok(company) => company,
        Err(e) => return send(protocol::error(&e)),
    };
    let mut args = args;
    args.push(company.name.clone());
    let result = marbles
        .gateway
        .invoke(&company.msp_id, function, &args, |step, tx_id| {
            send(protocol::tx_step(step.as_str(), tx_id, kind));
        })
        .await;
    match result {
        Ok(status) => send(protocol::tx_step("finished", status.tx_id.as_str(), kind)),
        Err(e) => {
            send(protocol::tx_error(&e.parsed, &e.raw, &input));
            send(protocol::tx_step(e.state, &e.tx_id, kind));
        }
    }
}
