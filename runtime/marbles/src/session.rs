//! One browser's websocket: sends `app_state` on connect and on every startup
//! change, relays broadcasts (`block`, `everything`), and answers the
//! browser's messages. Several messages from one browser run concurrently (as in
//! classic, a slow transaction never holds up the socket), inside this
//! connection's own task.
//!
//! Why the bounds: one client sending 100k `read_everything` without reading the
//! answers used to spawn a task per message and queue every answer, taking the
//! server from 790 MB to 1.61 GB. Now, per connection ([`Limits`]):
//! - at most `in_flight` messages are worked on at once, and a frame is only read
//!   when the outbox has room for its answers beside those still owed by everything
//!   in flight (each message's work holds a reservation for its own); unread frames
//!   wait in the socket, which slows the sender down (backpressure, not memory); each
//!   message the writer takes wakes the session to look for room again (with nothing in
//!   flight, nothing else would);
//! - at most `outbox` messages wait for the client; a broadcast that finds no room
//!   means the client is far behind;
//! - a write to the client that makes no progress for `stall` means the client is
//!   not reading.
//!
//! Either way the client is disconnected with a close frame saying why, and the
//! connection's memory (queue, work, socket) goes with it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, close_code};
use futures_util::stream::FuturesUnordered;
use futures_util::{Sink, Stream, StreamExt as _};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::Marbles;
use crate::outbox::{Outbox, Reservation};
use crate::protocol::{self, ClientMessage};

/// The most messages one client message is answered with, over every path of
/// [`respond`]: an invoke whose commit fails sends `ordering`, `committing`, `tx_error`
/// and `tx_step` (4); one that succeeds `ordering`, `committing`, `finished` (3); one
/// that fails at ordering or endorsing 3 or 2; `read_everything` `block` and
/// `everything` or an error (2); `setup`, `audit` and a bad company one. (A frame that
/// does not parse is answered at once with one error and starts no work, inside the
/// room reserved for the frame read.)
pub(crate) const MAX_ANSWERS: usize = 4;

/// Broadcasts (`block` + `everything` per block, `app_state`) the default outbox has
/// room for beyond the answers of everything in flight: 16 blocks' worth, which keeps
/// the total at the 64 the README documents.
const BROADCAST_ROOM: usize = 32;

/// The close reason sent to a client that does not read (at most 123 bytes).
pub(crate) const NOT_READING: &str =
    "client not reading: answers piled up unread; reconnect and read what you ask for";

/// One connection's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Messages worked on at once.
    pub(crate) in_flight: usize,
    /// Messages queued for the client.
    pub(crate) outbox: usize,
    /// How long a write may make no progress before the client counts as not reading.
    pub(crate) stall: Duration,
}

impl Default for Limits {
    /// 8 in flight: a browser has a few transactions going at most (classic runs each
    /// invoke as it is clicked), and on a two-core machine more concurrency only queues
    /// on the chaincode engine. 64 queued: a reading browser keeps this near zero (the
    /// socket's own buffers absorb bursts first), it holds the answers of everything in
    /// flight (8 × [`MAX_ANSWERS`]) plus 16 blocks' broadcasts, and at a few kB per
    /// `everything` it is well under a megabyte. 10 s without a write going through: far
    /// beyond any pause of a live browser, short enough that a stuck client lets go
    /// quickly.
    fn default() -> Limits {
        let in_flight = 8;
        Limits {
            in_flight,
            outbox: in_flight * MAX_ANSWERS + BROADCAST_ROOM,
            stall: Duration::from_secs(10),
        }
    }
}

/// How a connection ended and how loaded it was, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionEnd {
    /// The close frame sent, `None` when the client went away.
    pub(crate) close: Option<(u16, String)>,
    /// The most messages worked on at once.
    pub(crate) peak_in_flight: usize,
    /// The most messages queued at once.
    pub(crate) peak_queued: usize,
}

type Work<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Serves one websocket with the default [`Limits`].
pub(crate) async fn run<S, E>(socket: S, marbles: Arc<Marbles>) -> SessionEnd
where
    S: Stream<Item = Result<Message, E>> + Sink<Message, Error: Send> + Send + 'static,
{
    run_with(socket, marbles, Limits::default()).await
}

/// Serves one websocket until it closes, the client stops reading or the server stops.
pub(crate) async fn run_with<S, E>(socket: S, marbles: Arc<Marbles>, limits: Limits) -> SessionEnd
where
    S: Stream<Item = Result<Message, E>> + Sink<Message, Error: Send> + Send + 'static,
{
    let (sink, mut stream) = socket.split();
    let (outbox, queue) = Outbox::new(limits.outbox);
    let (close_tx, close_rx) = oneshot::channel();
    let stalled = CancellationToken::new();
    marbles.tasks.spawn(crate::writer::write(
        sink,
        queue,
        close_rx,
        limits.stall,
        stalled.clone(),
    ));
    let mut hub = marbles.hub.subscribe();
    let mut state = marbles.state.subscribe();
    outbox.push(&state.borrow_and_update());
    let mut work: FuturesUnordered<Work<'_>> = FuturesUnordered::new();
    let mut peak_in_flight = 0;
    // A missed broadcast waits here for room among the work.
    let mut repair_pending = false;
    let close = loop {
        let room = |in_flight: usize| {
            in_flight < limits.in_flight && outbox.committed() + MAX_ANSWERS <= limits.outbox
        };
        if repair_pending && room(work.len()) {
            repair_pending = false;
            // A fresh `block` + `everything` repairs the view (not a browser event, so
            // nothing goes to the call-out).
            work.push(Box::pin(respond(
                &marbles,
                outbox.reserve(MAX_ANSWERS),
                ClientMessage::ReadEverything,
                Value::Null,
            )));
        }
        peak_in_flight = peak_in_flight.max(work.len());
        let can_read = room(work.len());
        tokio::select! {
            () = marbles.stop.cancelled() => break Some((close_code::AWAY, "the server is stopping")),
            () = outbox.overflowed() => break Some((close_code::POLICY, NOT_READING)),
            () = stalled.cancelled() => break Some((close_code::POLICY, NOT_READING)),
            Some(()) = work.next(), if !work.is_empty() => {}
            // Not reading for want of room: only the writer makes room, and with nothing
            // in flight nothing else may wake this loop to see it.
            () = outbox.taken(), if !can_read => {
                if outbox.writer_gone() {
                    break None;
                }
            }
            frame = stream.next(), if can_read => match frame {
                Some(Ok(Message::Text(text))) => {
                    if let Some(job) = handle(&marbles, &outbox, text.as_str()) {
                        work.push(job);
                    }
                }
                Some(Ok(Message::Binary(_))) => outbox.push(&protocol::error(
                    "binary frames are not part of the Marbles protocol; send JSON text",
                )),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break None,
                Some(Ok(_)) => {}
            },
            message = hub.recv() => match message {
                Ok(text) => outbox.push_text(text.to_string()),
                Err(RecvError::Lagged(_)) => repair_pending = true,
                Err(RecvError::Closed) => break None,
            },
            changed = state.changed() => match changed {
                Ok(()) => outbox.push(&state.borrow_and_update()),
                Err(_) => break None,
            },
        }
    };
    drop(work);
    let end = SessionEnd {
        close: close.map(|(code, reason)| (code, reason.to_owned())),
        peak_in_flight,
        peak_queued: outbox.peak(),
    };
    if let Some((code, reason)) = &end.close {
        if *code == close_code::POLICY {
            tracing::warn!(
                "Marbles: websocket closed: {reason} (peak {} queued, {} in flight)",
                end.peak_queued,
                end.peak_in_flight
            );
        }
        let _ = close_tx.send(CloseFrame {
            code: *code,
            reason: reason.as_str().into(),
        });
    }
    end
}

/// Parses one message; answers bad ones at once and returns the work for good ones.
fn handle<'a>(marbles: &'a Marbles, outbox: &'a Outbox, text: &str) -> Option<Work<'a>> {
    let message = match protocol::parse(text) {
        Ok(message) => message,
        Err(bad) => {
            outbox.push(&protocol::error(&bad.0));
            return None;
        }
    };
    if message.is_event() {
        marbles.callout.send(message.type_name());
    }
    if message == ClientMessage::Ping {
        return None;
    }
    let input: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    Some(Box::pin(respond(
        marbles,
        outbox.reserve(MAX_ANSWERS),
        message,
        input,
    )))
}

/// Works on one message, sending its answers (at most [`MAX_ANSWERS`]) in the room
/// `answers` holds for them.
async fn respond(
    marbles: &Marbles,
    answers: Reservation<'_>,
    message: ClientMessage,
    input: Value,
) {
    let send = |value: Value| answers.push(&value);
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

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
