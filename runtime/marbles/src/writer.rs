//! One websocket's writing half: drains the connection's outbox into the socket, tells
//! the session when a write stalls (the client is not reading), and closes the socket
//! with the session's reason.
//!
//! Why a task of its own (one per connection, never one per message): a client that
//! does not read blocks the socket's writes, and the session must keep working (and
//! noticing) instead of being stuck in a write itself.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message};
use futures_util::{Sink, SinkExt as _};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::outbox::Queue;

/// How long a close frame may take to reach a client before the connection is dropped
/// without it: a client that stopped reading may never take it.
pub(crate) const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Writes `queue` to `sink` until the session ends; if it sends a close frame, that is
/// written next (within [`CLOSE_GRACE`]) and the writing stops. A write that makes no
/// progress for `stall` cancels `stalled` (the session then ends with a close frame).
/// Dropping the sink (with the session's stream half) closes the connection.
pub(crate) async fn write<S>(
    mut sink: S,
    mut queue: Queue,
    mut close: oneshot::Receiver<CloseFrame>,
    stall: Duration,
    stalled: CancellationToken,
) where
    S: Sink<Message, Error: Send> + Unpin,
{
    loop {
        let text = tokio::select! {
            biased;
            frame = &mut close => return close_with(sink, frame.ok()).await,
            text = queue.recv() => match text {
                Some(text) => text,
                None => return,
            },
        };
        tokio::select! {
            biased;
            frame = &mut close => return close_with(sink, frame.ok()).await,
            sent = tokio::time::timeout(stall, sink.send(Message::Text(text.into()))) => match sent {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return,
                Err(_) => {
                    stalled.cancel();
                    return close_with(sink, close.await.ok()).await;
                }
            }
        }
    }
}

/// Sends `frame` (if the session gave one), bounded by [`CLOSE_GRACE`].
async fn close_with<S>(mut sink: S, frame: Option<CloseFrame>)
where
    S: Sink<Message> + Unpin,
{
    if let Some(frame) = frame {
        let _ = tokio::time::timeout(CLOSE_GRACE, sink.send(Message::Close(Some(frame)))).await;
    }
}
