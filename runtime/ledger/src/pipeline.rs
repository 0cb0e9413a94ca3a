//! The two threads behind the orderer: one builds blocks and checks signatures, the other
//! finishes validation and commits, so block N+1's signatures overlap block N's commit.
//!
//! Why the rebase handshake: the preparer numbers blocks ahead of the committer, so when
//! the committer fails to write block N (a full disk), the blocks already prepared on top
//! of it carry wrong numbers and previous hashes. The committer rebuilds those on its real
//! head, and asks the preparer to rebase: before its next block the preparer sends a
//! [`ToCommitter::Rebase`] marker down the same channel and waits for the committer's head.
//! The marker arrives after every stale block, so the answer is exact and the pipeline is
//! back in step without a restart (before this, every later block was refused with
//! "cannot commit block N+1: the ledger's next block is N").

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use crate::commit::{CommittedBlock, Committer, PreparedBlock, Preparer};
use crate::model::{Encode, Envelope};
use crate::store::StoreError;

/// What the preparer sends the committer.
enum ToCommitter {
    /// A block to commit, with its envelopes (to name its transactions if it fails).
    Block(PreparedBlock, Vec<Envelope>),
    /// Every block sent before this is handled: answer with a preparer on the real head.
    Rebase(mpsc::SyncSender<Preparer>),
}

/// Starts both threads. Batches sent to the returned sender are committed in order;
/// `committed` and `failed` run on the committer thread. Dropping the sender lets both
/// threads finish what they hold and end; the handle joins them.
pub(crate) fn spawn(
    mut committer: Committer,
    mut committed: impl FnMut(&CommittedBlock) + Send + 'static,
    mut failed: impl FnMut(&[Envelope], &StoreError) + Send + 'static,
) -> std::io::Result<(mpsc::Sender<Vec<Envelope>>, std::thread::JoinHandle<()>)> {
    let (batch_tx, batch_rx) = mpsc::channel::<Vec<Envelope>>();
    let (prepared_tx, prepared_rx) = mpsc::sync_channel::<ToCommitter>(2);
    // Bumped by the committer whenever the preparer's head is wrong (a failed write, a
    // rebuilt block); the preparer rebases when it sees a new value.
    let rebase_wanted = Arc::new(AtomicU64::new(0));
    let mut preparer = committer.preparer();
    let wanted = rebase_wanted.clone();
    let preparer_thread = std::thread::Builder::new()
        .name("ledger-preparer".into())
        .spawn(move || {
            let mut seen = 0;
            while let Ok(batch) = batch_rx.recv() {
                let now = wanted.load(Ordering::Acquire);
                if now != seen {
                    seen = now;
                    let (reply_tx, reply_rx) = mpsc::sync_channel(1);
                    if prepared_tx.send(ToCommitter::Rebase(reply_tx)).is_err() {
                        break;
                    }
                    match reply_rx.recv() {
                        Ok(rebased) => preparer = rebased,
                        Err(_) => break,
                    }
                }
                let data = batch.iter().map(Encode::to_bytes).collect();
                let block = ToCommitter::Block(preparer.prepare(data), batch);
                if prepared_tx.send(block).is_err() {
                    break;
                }
            }
        })?;
    let committer_thread = std::thread::Builder::new()
        .name("ledger-committer".into())
        .spawn(move || {
            while let Ok(message) = prepared_rx.recv() {
                match message {
                    ToCommitter::Rebase(reply) => {
                        let _ = reply.send(committer.preparer());
                    }
                    ToCommitter::Block(prepared, batch) => {
                        let (result, rebuilt) = committer.commit_rebuilding(prepared);
                        if rebuilt || result.is_err() {
                            rebase_wanted.fetch_add(1, Ordering::AcqRel);
                        }
                        // Blocks reported failed that turned out to have landed: published
                        // late, but in order and before the block after them.
                        for block in committer.take_recovered() {
                            committed(&block);
                        }
                        match result {
                            Ok(block) => committed(&block),
                            Err(e) => failed(&batch, &e),
                        }
                    }
                }
            }
            let _ = preparer_thread.join();
        })?;
    Ok((batch_tx, committer_thread))
}
