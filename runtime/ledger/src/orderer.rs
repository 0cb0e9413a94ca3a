//! Ordering: Fabric's block cutter as a pure state machine, and a tokio task that drives
//! it with real time.
//!
//! [`BlockCutter`] never reads a clock: callers pass `now` to [`BlockCutter::ordered`]
//! and [`BlockCutter::tick`], so tests drive batch timeouts explicitly. The rules follow
//! fabric `orderer/common/blockcutter/blockcutter.go`:
//! 1. an envelope's size is payload plus signature bytes; the batch timer starts when the
//!    first envelope enters an empty batch;
//! 2. an envelope larger than `PreferredMaxBytes` cuts the pending batch (if any) and is
//!    emitted alone;
//! 3. otherwise, if pending + envelope would exceed `PreferredMaxBytes`, the pending batch
//!    is cut and the envelope starts a new one;
//! 4. after appending, `MaxMessageCount` envelopes cut the batch;
//! 5. when `BatchTimeout` expires, whatever is pending is cut.

use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::model::Envelope;

/// Batch parameters (Fabric's `Orderer.BatchTimeout` and `Orderer.BatchSize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchConfig {
    /// Time from the first pending envelope to a forced cut.
    pub batch_timeout: Duration,
    /// Envelopes per block at most.
    pub max_message_count: usize,
    /// Preferred block size in bytes; a larger single envelope gets a block of its own.
    pub preferred_max_bytes: usize,
    /// Envelopes larger than this are rejected at broadcast.
    pub absolute_max_bytes: usize,
}

impl Default for BatchConfig {
    /// Fabric's built-in defaults: 2 s, 500 messages, 2 MiB preferred, 10 MiB absolute.
    fn default() -> Self {
        BatchConfig {
            batch_timeout: Duration::from_secs(2),
            max_message_count: 500,
            preferred_max_bytes: 2 * 1024 * 1024,
            absolute_max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// An envelope the orderer refuses.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderError {
    /// Larger than `AbsoluteMaxBytes`.
    #[error(
        "envelope of {size} bytes exceeds the orderer's AbsoluteMaxBytes ({max}); make the transaction smaller or raise AbsoluteMaxBytes in the network file"
    )]
    TooLarge {
        /// Envelope size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The orderer task has stopped.
    #[error(
        "the orderer has stopped (the ledger is shutting down); reopen the ledger and resubmit"
    )]
    Stopped,
}

/// The block cutter state machine.
#[derive(Debug)]
pub struct BlockCutter {
    config: BatchConfig,
    pending: Vec<Envelope>,
    pending_bytes: usize,
    deadline: Option<Instant>,
}

impl BlockCutter {
    /// An empty cutter.
    pub fn new(config: BatchConfig) -> BlockCutter {
        BlockCutter {
            config,
            pending: Vec::new(),
            pending_bytes: 0,
            deadline: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &BatchConfig {
        &self.config
    }

    /// Envelopes waiting for a cut.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// When the pending batch times out, `None` when nothing is pending.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Adds an envelope received at `now`; returns the batches cut as a result (zero, one
    /// or two), in order.
    pub fn ordered(
        &mut self,
        env: Envelope,
        now: Instant,
    ) -> Result<Vec<Vec<Envelope>>, OrderError> {
        let size = env.size();
        if size > self.config.absolute_max_bytes {
            return Err(OrderError::TooLarge {
                size,
                max: self.config.absolute_max_bytes,
            });
        }
        let mut batches = Vec::new();
        if size > self.config.preferred_max_bytes {
            batches.extend(self.cut());
            batches.push(vec![env]);
            return Ok(batches);
        }
        if self.pending_bytes + size > self.config.preferred_max_bytes {
            batches.extend(self.cut());
        }
        if self.pending.is_empty() {
            self.deadline = Some(now + self.config.batch_timeout);
        }
        self.pending.push(env);
        self.pending_bytes += size;
        if self.pending.len() >= self.config.max_message_count {
            batches.extend(self.cut());
        }
        Ok(batches)
    }

    /// Cuts the pending batch if its timeout has expired at `now`.
    pub fn tick(&mut self, now: Instant) -> Option<Vec<Envelope>> {
        match self.deadline {
            Some(deadline) if now >= deadline => self.cut(),
            _ => None,
        }
    }

    /// Cuts whatever is pending (`None` if nothing is).
    pub fn cut(&mut self) -> Option<Vec<Envelope>> {
        self.deadline = None;
        self.pending_bytes = 0;
        if self.pending.is_empty() {
            None
        } else {
            Some(std::mem::take(&mut self.pending))
        }
    }
}

/// The task's clock: tokio's, so that paused-time tests advance it too.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Sends envelopes to a running orderer task.
#[derive(Debug, Clone)]
pub struct OrdererHandle {
    tx: mpsc::UnboundedSender<Envelope>,
    absolute_max_bytes: usize,
}

impl OrdererHandle {
    /// Hands an envelope to the orderer (Fabric's `Broadcast`); oversized envelopes are
    /// refused here, before they are queued.
    pub fn broadcast(&self, env: Envelope) -> Result<(), OrderError> {
        let size = env.size();
        if size > self.absolute_max_bytes {
            return Err(OrderError::TooLarge {
                size,
                max: self.absolute_max_bytes,
            });
        }
        self.tx.send(env).map_err(|_| OrderError::Stopped)
    }
}

/// Spawns the orderer on the current tokio runtime. Every cut batch is passed to
/// `deliver`, in order. When every handle is dropped, the pending batch is cut and the task
/// ends.
pub fn spawn_orderer(
    config: BatchConfig,
    mut deliver: impl FnMut(Vec<Envelope>) + Send + 'static,
) -> (OrdererHandle, JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Envelope>();
    let handle = OrdererHandle {
        tx,
        absolute_max_bytes: config.absolute_max_bytes,
    };
    let task = tokio::spawn(async move {
        let mut cutter = BlockCutter::new(config);
        loop {
            let received = match cutter.deadline() {
                Some(deadline) => {
                    tokio::select! {
                        env = rx.recv() => env,
                        () = tokio::time::sleep_until(deadline.into()) => {
                            if let Some(batch) = cutter.tick(now()) {
                                deliver(batch);
                            }
                            continue;
                        }
                    }
                }
                None => rx.recv().await,
            };
            let Some(env) = received else {
                if let Some(batch) = cutter.cut() {
                    deliver(batch);
                }
                break;
            };
            let now = now();
            let mut next = Some(env);
            while let Some(env) = next {
                // Sizes were checked by the handle, so this cannot fail.
                for batch in cutter.ordered(env, now).unwrap_or_default() {
                    deliver(batch);
                }
                next = rx.try_recv().ok();
            }
        }
    });
    (handle, task)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(size: usize) -> Envelope {
        Envelope {
            payload: vec![0; size - 4],
            signature: vec![0; 4],
        }
    }

    fn config(max_count: usize, preferred: usize) -> BatchConfig {
        BatchConfig {
            batch_timeout: Duration::from_secs(2),
            max_message_count: max_count,
            preferred_max_bytes: preferred,
            absolute_max_bytes: 1000,
        }
    }

    fn sizes(batches: &[Vec<Envelope>]) -> Vec<Vec<usize>> {
        batches
            .iter()
            .map(|b| b.iter().map(Envelope::size).collect())
            .collect()
    }

    #[test]
    fn cuts_at_max_message_count() {
        let t0 = Instant::now();
        let mut c = BlockCutter::new(config(3, 500));
        assert!(c.ordered(env(10), t0).unwrap().is_empty());
        assert!(c.ordered(env(11), t0).unwrap().is_empty());
        let cut = c.ordered(env(12), t0).unwrap();
        assert_eq!(sizes(&cut), vec![vec![10, 11, 12]]);
        assert_eq!(c.pending_len(), 0);
        assert_eq!(c.deadline(), None);
    }

    #[test]
    fn an_envelope_over_preferred_cuts_pending_and_goes_alone() {
        let t0 = Instant::now();
        let mut c = BlockCutter::new(config(10, 100));
        c.ordered(env(30), t0).unwrap();
        let cut = c.ordered(env(150), t0).unwrap();
        assert_eq!(sizes(&cut), vec![vec![30], vec![150]]);
        assert_eq!(c.pending_len(), 0);
        // Alone, with nothing pending: one batch.
        let cut = c.ordered(env(150), t0).unwrap();
        assert_eq!(sizes(&cut), vec![vec![150]]);
    }

    #[test]
    fn overflowing_preferred_cuts_pending_and_starts_a_new_batch() {
        let t0 = Instant::now();
        let mut c = BlockCutter::new(config(10, 100));
        c.ordered(env(60), t0).unwrap();
        let t1 = t0 + Duration::from_millis(500);
        let cut = c.ordered(env(50), t1).unwrap();
        assert_eq!(sizes(&cut), vec![vec![60]]);
        assert_eq!(c.pending_len(), 1);
        // The new batch's timer starts with its first envelope.
        assert_eq!(c.deadline(), Some(t1 + Duration::from_secs(2)));
        // Exactly preferred is allowed.
        let cut = c.ordered(env(50), t1).unwrap();
        assert!(cut.is_empty());
    }

    #[test]
    fn batch_timeout_cuts_pending_and_only_once_expired() {
        let t0 = Instant::now();
        let mut c = BlockCutter::new(config(10, 500));
        assert_eq!(c.tick(t0 + Duration::from_secs(60)), None);
        c.ordered(env(10), t0).unwrap();
        c.ordered(env(10), t0 + Duration::from_secs(1)).unwrap();
        assert_eq!(c.deadline(), Some(t0 + Duration::from_secs(2)));
        assert_eq!(c.tick(t0 + Duration::from_millis(1999)), None);
        let cut = c.tick(t0 + Duration::from_secs(2)).unwrap();
        assert_eq!(cut.len(), 2);
        assert_eq!(c.deadline(), None);
        assert_eq!(c.tick(t0 + Duration::from_secs(10)), None);
    }

    #[test]
    fn oversized_envelopes_are_refused() {
        let mut c = BlockCutter::new(config(10, 100));
        let err = c.ordered(env(1001), Instant::now()).unwrap_err();
        assert_eq!(
            err,
            OrderError::TooLarge {
                size: 1001,
                max: 1000
            }
        );
        assert!(err.to_string().contains("AbsoluteMaxBytes"));
        assert_eq!(c.pending_len(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_task_cuts_on_count_on_timeout_and_on_shutdown() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (handle, task) = spawn_orderer(config(2, 500), move |b| {
            tx.send(b.len()).unwrap();
        });
        handle.broadcast(env(10)).unwrap();
        handle.broadcast(env(10)).unwrap();
        assert_eq!(rx.recv().await, Some(2));
        handle.broadcast(env(10)).unwrap();
        // Paused time: the runtime auto-advances to the batch deadline.
        assert_eq!(rx.recv().await, Some(1));
        assert!(matches!(
            handle.broadcast(env(1001)),
            Err(OrderError::TooLarge { .. })
        ));
        handle.broadcast(env(10)).unwrap();
        drop(handle);
        task.await.unwrap();
        assert_eq!(rx.recv().await, Some(1));
    }
}
