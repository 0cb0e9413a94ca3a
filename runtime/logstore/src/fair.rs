//! The writer's queue: one FIFO per producer, served round-robin.
//!
//! A function that floods its log used to put every other function's lines
//! (and so their invocations, which answer only once their lines are
//! durable) behind tens of thousands of its own. Each queued write carries
//! the key of its producer (a function, or none for unkeyed writers such as
//! PutLogs); a commit takes one write from each non-empty queue in turn, so
//! a producer with three lines waits for one transaction, not for a
//! flood's backlog. Order within a key is kept; across keys it never
//! mattered (they hold different functions' lines).
//!
//! Every write gets a sequence number when it is queued, so a flush can say
//! what it waits for: everything queued before it (a barrier), or only its
//! key's writes queued before it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::batch::Pending;

/// Who queued a write; `None` for writers that do not say.
pub(crate) type Key = Option<Arc<str>>;

/// One queued write and its place in the arrival order.
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) key: Key,
    pub(crate) seq: u64,
    pub(crate) pending: Pending,
    /// Written to the spool (durable, acknowledged): the next commit must take it.
    pub(crate) spooled: bool,
}

/// What a flush waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Every write queued before it.
    All,
    /// The writes of this key queued before it.
    Key(Key),
    /// The spooled writes queued before it (so readers see every answered invocation).
    Spooled,
}

/// The per-key FIFOs.
#[derive(Debug, Default)]
pub(crate) struct FairQueue {
    queues: BTreeMap<Key, VecDeque<Queued>>,
    /// The key served first by the next batch (rotates).
    next: Option<Key>,
    /// Sequence number of the next write.
    seq: u64,
    /// Lines queued.
    lines: usize,
}

impl FairQueue {
    /// Queues `pending` under `key`.
    pub(crate) fn push(&mut self, key: Key, pending: Pending) {
        self.lines += pending.lines();
        let queued = Queued {
            key: key.clone(),
            seq: self.seq,
            pending,
            spooled: false,
        };
        self.seq += 1;
        self.queues.entry(key).or_default().push_back(queued);
    }

    /// Queues `pending`, already spooled by its caller, under `key`. It may land behind
    /// writes of the key that are not spooled (another invocation's live lines).
    pub(crate) fn push_spooled(&mut self, key: Key, pending: Pending) {
        self.push(key.clone(), pending);
        if let Some(queued) = self.queues.get_mut(&key).and_then(VecDeque::back_mut) {
            queued.spooled = true;
        }
    }

    /// The sequence number the next write will get: a flush arriving now
    /// waits for writes below it.
    pub(crate) fn next_seq(&self) -> u64 {
        self.seq
    }

    /// Lines queued.
    pub(crate) fn lines(&self) -> usize {
        self.lines
    }

    /// Whether nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.queues.is_empty()
    }

    /// Takes writes round-robin across keys until they hold `max_lines`
    /// lines or the queue is empty. A write is never split.
    pub(crate) fn take_batch(&mut self, max_lines: usize) -> Vec<Queued> {
        let mut batch = Vec::new();
        let mut lines = 0;
        while lines < max_lines && !self.queues.is_empty() {
            let keys: Vec<Key> = self.rotation();
            for key in keys {
                if lines >= max_lines {
                    self.next = Some(key);
                    break;
                }
                let Some(queue) = self.queues.get_mut(&key) else {
                    continue;
                };
                if let Some(queued) = queue.pop_front() {
                    lines += queued.pending.lines();
                    batch.push(queued);
                }
                if queue.is_empty() {
                    self.queues.remove(&key);
                }
            }
        }
        self.lines -= lines;
        batch
    }

    /// Takes every spooled write, in order: a commit takes them all, so the spool's mark
    /// covers every frame once it commits.
    pub(crate) fn take_spooled(&mut self) -> Vec<Queued> {
        let mut taken = Vec::new();
        self.queues.retain(|_, queue| {
            if queue.iter().any(|q| q.spooled) {
                let (spooled, rest): (VecDeque<Queued>, VecDeque<Queued>) =
                    std::mem::take(queue).into_iter().partition(|q| q.spooled);
                taken.extend(spooled);
                *queue = rest;
            }
            !queue.is_empty()
        });
        self.lines -= taken.iter().map(|q| q.pending.lines()).sum::<usize>();
        taken
    }

    /// The writes not spooled yet that the flushes `wanted` wait for (`scope`, `before`),
    /// in queue order per key, for the caller to spool and mark.
    pub(crate) fn unspooled(&mut self, wanted: &[(Scope, u64)]) -> Vec<&mut Queued> {
        let mut found = Vec::new();
        for (key, queue) in &mut self.queues {
            let before = wanted
                .iter()
                .filter(|(scope, _)| match scope {
                    Scope::All => true,
                    Scope::Key(wanted_key) => wanted_key == key,
                    Scope::Spooled => false,
                })
                .map(|(_, before)| *before)
                .max();
            if let Some(before) = before {
                found.extend(
                    queue
                        .iter_mut()
                        .take_while(|q| q.seq < before)
                        .filter(|q| !q.spooled),
                );
            }
        }
        found
    }

    /// Whether a write of `scope` below `before` is queued and not spooled.
    pub(crate) fn holds_unspooled(&self, scope: &Scope, before: u64) -> bool {
        let unspooled = |queue: &VecDeque<Queued>| {
            queue
                .iter()
                .take_while(|q| q.seq < before)
                .any(|q| !q.spooled)
        };
        match scope {
            Scope::All => self.queues.values().any(unspooled),
            Scope::Key(key) => self.queues.get(key).is_some_and(unspooled),
            Scope::Spooled => false,
        }
    }

    /// The keys in serving order, starting from `next`.
    fn rotation(&mut self) -> Vec<Key> {
        let keys: Vec<Key> = self.queues.keys().cloned().collect();
        let start = self
            .next
            .take()
            .and_then(|next| keys.iter().position(|key| *key >= next))
            .unwrap_or(0);
        keys[start..]
            .iter()
            .chain(&keys[..start])
            .cloned()
            .collect()
    }

    /// Whether a write of `scope` with a sequence number below `before` is
    /// still queued.
    pub(crate) fn holds(&self, scope: &Scope, before: u64) -> bool {
        match scope {
            Scope::All => self
                .queues
                .values()
                .any(|queue| queue.front().is_some_and(|q| q.seq < before)),
            Scope::Spooled => self
                .queues
                .values()
                .any(|queue| queue.iter().any(|q| q.spooled && q.seq < before)),
            Scope::Key(key) => self
                .queues
                .get(key)
                .and_then(VecDeque::front)
                .is_some_and(|q| q.seq < before),
        }
    }
}

/// Whether `batch` (writes not yet committed) holds a write of `scope`
/// below `before`; with `unspooled_only`, one that is not spooled either.
pub(crate) fn batch_holds(
    batch: &[Queued],
    scope: &Scope,
    before: u64,
    unspooled_only: bool,
) -> bool {
    batch.iter().any(|queued| {
        queued.seq < before
            && !(unspooled_only && queued.spooled)
            && match scope {
                Scope::All => true,
                Scope::Key(key) => queued.key == *key,
                Scope::Spooled => queued.spooled,
            }
    })
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::model::LogRecord;

    fn lines(n: usize) -> Pending {
        let record = LogRecord {
            project: "p".into(),
            logstore: "l".into(),
            time: SystemTime::UNIX_EPOCH,
            topic: String::new(),
            source: String::new(),
            tags: Vec::new(),
            contents: Vec::new(),
        };
        Pending::Records(vec![record; n])
    }

    fn key(name: &str) -> Key {
        Some(Arc::from(name))
    }

    #[test]
    fn a_quiet_producer_is_served_in_the_first_batch_behind_a_flood() {
        let mut queue = FairQueue::default();
        for _ in 0..10_000 {
            queue.push(key("flood"), lines(1));
        }
        queue.push(key("hello"), lines(2));
        let flush_seq = queue.next_seq();
        let hello = Scope::Key(key("hello"));
        assert!(queue.holds(&hello, flush_seq));

        let batch = queue.take_batch(100);
        assert!(batch.iter().any(|q| q.key == key("hello")));
        assert_eq!(batch.iter().map(|q| q.pending.lines()).sum::<usize>(), 100);
        assert!(!queue.holds(&hello, flush_seq));
        assert!(queue.holds(&Scope::All, flush_seq));
        assert_eq!(queue.lines(), 10_002 - 100);
    }

    #[test]
    fn order_within_a_key_is_kept_and_batches_rotate_between_keys() {
        let mut queue = FairQueue::default();
        for _ in 0..3 {
            queue.push(key("a"), lines(1));
            queue.push(key("b"), lines(1));
            queue.push(None, lines(1));
        }
        let first = queue.take_batch(2);
        let second = queue.take_batch(2);
        let served: Vec<_> = first.iter().chain(&second).map(|q| q.key.clone()).collect();
        // Every key gets a turn before any key gets a second one.
        assert_eq!(
            served[..3]
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            3
        );
        let mut rest = queue.take_batch(100);
        rest.retain(|q| q.key == key("a"));
        let seqs: Vec<u64> = rest.iter().map(|q| q.seq).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        assert!(queue.is_empty());
    }

    #[test]
    fn a_barrier_waits_for_every_key_and_a_keyed_flush_only_for_its_own() {
        let mut queue = FairQueue::default();
        queue.push(key("a"), lines(1));
        let before = queue.next_seq();
        queue.push(key("b"), lines(1));
        assert!(queue.holds(&Scope::All, before));
        assert!(!queue.holds(&Scope::Key(key("b")), before));
        let batch = queue.take_batch(1);
        assert!(batch_holds(&batch, &Scope::All, before, false));
        assert!(!queue.holds(&Scope::All, before));
    }

    #[test]
    fn spooled_writes_are_taken_whole_before_the_fair_batch() {
        let mut queue = FairQueue::default();
        queue.push(key("a"), lines(1));
        queue.push(key("a"), lines(2));
        let before = queue.next_seq();
        queue.push(key("a"), lines(1));
        queue.push(key("b"), lines(1));
        let a = Scope::Key(key("a"));
        assert!(queue.holds_unspooled(&a, before));
        assert!(!queue.holds(&Scope::Spooled, before));
        let unspooled = queue.unspooled(&[(a.clone(), before)]);
        assert_eq!(unspooled.len(), 2);
        for queued in unspooled {
            queued.spooled = true;
        }
        assert!(queue.holds(&Scope::Spooled, before));
        assert!(!queue.holds_unspooled(&a, before));
        assert!(queue.holds(&a, before), "spooled is not committed");
        assert!(queue.unspooled(&[(a.clone(), before)]).is_empty());

        let spooled = queue.take_spooled();
        let seqs: Vec<u64> = spooled.iter().map(|q| q.seq).collect();
        assert_eq!(seqs, [0, 1]);
        assert!(queue.take_spooled().is_empty());
        assert_eq!(queue.lines(), 2);
        assert!(batch_holds(&spooled, &a, before, false));
        assert!(batch_holds(&spooled, &Scope::Spooled, before, false));
        assert!(!batch_holds(&spooled, &a, before, true));
    }
}
