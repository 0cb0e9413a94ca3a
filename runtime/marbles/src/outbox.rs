//! One websocket's outgoing queue: bounded, never waited on.
//!
//! Why bounded and never waited on: the messages a connection owes its browser (replies,
//! broadcasts, `app_state`) are produced faster than a client that does not read takes
//! them. An unbounded queue let one such client grow the server by 800 MB; waiting for
//! room instead would stall the connection's own work with no end. So the session only
//! takes on work the queue has room to answer, and a push that still finds the queue
//! full (a broadcast to a client far behind) marks the connection as overflowed: the
//! session disconnects the client with a close reason (see `session`).

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The sending side, used by the session and the work it runs.
#[derive(Debug)]
pub(crate) struct Outbox {
    queue: mpsc::Sender<String>,
    overflowed: CancellationToken,
    /// The most messages ever queued at once (for tests and the close log line).
    peak: AtomicUsize,
}

impl Outbox {
    /// An outbox holding at most `limit` messages, and the receiving end for the writer.
    pub(crate) fn new(limit: usize) -> (Outbox, mpsc::Receiver<String>) {
        let (queue, receiver) = mpsc::channel(limit);
        let outbox = Outbox {
            queue,
            overflowed: CancellationToken::new(),
            peak: AtomicUsize::new(0),
        };
        (outbox, receiver)
    }

    /// Queues `message`; when the queue is full it is dropped and the outbox is marked
    /// overflowed instead (the connection is about to close).
    pub(crate) fn push(&self, message: &Value) {
        self.push_text(message.to_string());
    }

    /// [`Outbox::push`] for text already serialized (broadcasts).
    pub(crate) fn push_text(&self, text: String) {
        match self.queue.try_send(text) {
            Ok(()) => {
                self.peak.fetch_max(self.queued(), Ordering::Relaxed);
            }
            Err(mpsc::error::TrySendError::Full(_)) => self.overflowed.cancel(),
            // The writer is gone: the connection is closing anyway.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Messages queued now.
    pub(crate) fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Resolves once a push found the queue full.
    pub(crate) async fn overflowed(&self) {
        self.overflowed.cancelled().await;
    }

    /// The most messages queued at once so far.
    pub(crate) fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_outbox_overflows_instead_of_growing() {
        let (outbox, mut receiver) = Outbox::new(3);
        for n in 0..3 {
            outbox.push(&Value::from(n));
        }
        assert_eq!(outbox.peak(), 3);
        assert!(!outbox.overflowed.is_cancelled());
        outbox.push(&Value::from(3));
        outbox.overflowed().await;
        assert_eq!(outbox.peak(), 3, "the fourth message was not queued");
        assert_eq!(receiver.recv().await.as_deref(), Some("0"));
        // Room again, but the connection stays condemned.
        outbox.push(&Value::from(4));
        assert!(outbox.overflowed.is_cancelled());
    }
}
