//! One websocket's outgoing queue: bounded, never waited on.
//!
//! Why bounded and never waited on: the messages a connection owes its browser (replies,
//! broadcasts, `app_state`) are produced faster than a client that does not read takes
//! them. An unbounded queue let one such client grow the server by 800 MB; waiting for
//! room instead would stall the connection's own work with no end. So the session only
//! takes on work the queue has room to answer, and a push that still finds the queue
//! full (a broadcast to a client far behind) marks the connection as overflowed: the
//! session disconnects the client with a close reason (see `session`).
//!
//! The session takes on a message only when the queue has room for all its answers, so
//! each message's work holds a [`Reservation`] for them: an answer it sends moves from
//! reserved to queued, and what it did not use comes back when it ends. Counting an
//! answer both as queued and as still owed made a session with 8 transfers in flight
//! refuse the next message as soon as their first answers were queued.
//!
//! Room comes back only as the writer takes messages off the queue, so the writer says
//! when it does ([`Outbox::taken`]): a session that stopped reading for want of room,
//! with nothing in flight, has nothing else to wake it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

/// The sending side, used by the session and the work it runs.
#[derive(Debug)]
pub(crate) struct Outbox {
    queue: mpsc::Sender<String>,
    overflowed: CancellationToken,
    /// Signalled each time the writer takes a message, and when it stops.
    taken: Arc<Notify>,
    /// The most messages ever queued at once (for tests and the close log line).
    peak: AtomicUsize,
    /// Answers owed by the work in flight, not yet queued.
    reserved: AtomicUsize,
}

/// Room held in an [`Outbox`] for one message's answers.
#[derive(Debug)]
pub(crate) struct Reservation<'a> {
    outbox: &'a Outbox,
    /// Answers this reservation still holds room for.
    left: AtomicUsize,
}

/// The receiving side, for the connection's writer.
#[derive(Debug)]
pub(crate) struct Queue {
    receiver: mpsc::Receiver<String>,
    taken: Arc<Notify>,
}

impl Outbox {
    /// An outbox holding at most `limit` messages, and the receiving end for the writer.
    pub(crate) fn new(limit: usize) -> (Outbox, Queue) {
        let (queue, receiver) = mpsc::channel(limit);
        let taken = Arc::new(Notify::new());
        let outbox = Outbox {
            queue,
            overflowed: CancellationToken::new(),
            taken: taken.clone(),
            peak: AtomicUsize::new(0),
            reserved: AtomicUsize::new(0),
        };
        (outbox, Queue { receiver, taken })
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

    /// Holds room for `answers` messages until they are pushed through the reservation
    /// or it is dropped.
    pub(crate) fn reserve(&self, answers: usize) -> Reservation<'_> {
        self.reserved.fetch_add(answers, Ordering::Relaxed);
        Reservation {
            outbox: self,
            left: AtomicUsize::new(answers),
        }
    }

    /// Messages queued now plus the answers reserved and not yet queued: what the queue
    /// may have to hold without another message being read.
    pub(crate) fn committed(&self) -> usize {
        self.queued() + self.reserved.load(Ordering::Relaxed)
    }

    /// Resolves once a push found the queue full.
    pub(crate) async fn overflowed(&self) {
        self.overflowed.cancelled().await;
    }

    /// The most messages queued at once so far.
    pub(crate) fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    /// Resolves once the writer took a message off the queue (or stopped) since this
    /// last resolved: there may be room again. A take while nobody waits is kept for
    /// the next wait, so one between reading [`Outbox::queued`] and waiting is not lost.
    pub(crate) async fn taken(&self) {
        self.taken.notified().await;
    }

    /// Whether the writer stopped (the connection is going away).
    pub(crate) fn writer_gone(&self) -> bool {
        self.queue.is_closed()
    }
}

impl Reservation<'_> {
    /// Queues `message` in room this reservation holds (an answer beyond it is still
    /// queued, and overflows the outbox if there is no room left).
    pub(crate) fn push(&self, message: &Value) {
        self.outbox.push(message);
        let took = self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if took {
            self.outbox.reserved.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Reservation<'_> {
    /// The room the work did not use is the session's again.
    fn drop(&mut self) {
        let left = *self.left.get_mut();
        self.outbox.reserved.fetch_sub(left, Ordering::Relaxed);
    }
}

impl Queue {
    /// The next message, `None` once the session is gone and the queue is empty.
    pub(crate) async fn recv(&mut self) -> Option<String> {
        let message = self.receiver.recv().await;
        self.taken.notify_one();
        message
    }
}

impl Drop for Queue {
    /// A session waiting for room must learn that none will come.
    fn drop(&mut self) {
        // Closed first, so the woken session sees it.
        self.receiver.close();
        self.taken.notify_one();
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

    #[tokio::test]
    async fn answers_move_from_reserved_to_queued_and_unused_room_comes_back() {
        let (outbox, mut queue) = Outbox::new(8);
        outbox.push(&Value::from("broadcast"));
        let first = outbox.reserve(4);
        let second = outbox.reserve(4);
        assert_eq!(outbox.committed(), 9);
        first.push(&Value::from("ordering"));
        first.push(&Value::from("committing"));
        assert_eq!(outbox.queued(), 3);
        assert_eq!(
            outbox.committed(),
            9,
            "an answer is counted once, as queued"
        );
        drop(first);
        assert_eq!(
            outbox.committed(),
            7,
            "the 2 answers not sent free their room"
        );
        for answer in 0..5 {
            second.push(&Value::from(answer));
        }
        assert_eq!(outbox.queued(), 8);
        assert_eq!(outbox.committed(), 8, "a 5th answer takes no reserved room");
        drop(second);
        assert_eq!(outbox.committed(), 8);
        assert_eq!(queue.recv().await.as_deref(), Some("\"broadcast\""));
        assert_eq!(outbox.committed(), 7);
    }

    #[tokio::test]
    async fn a_take_is_signalled_even_before_anyone_waits_and_so_is_the_writer_leaving() {
        let (outbox, mut queue) = Outbox::new(2);
        outbox.push(&Value::from(0));
        outbox.push(&Value::from(1));
        assert_eq!(queue.recv().await.as_deref(), Some("0"));
        // Taken before the wait began: the wait ends at once.
        outbox.taken().await;
        assert_eq!(outbox.queued(), 1);
        assert!(!outbox.writer_gone());
        drop(queue);
        outbox.taken().await;
        assert!(outbox.writer_gone());
    }
}
