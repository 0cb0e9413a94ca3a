//! Committed blocks → browsers: for every commit, a `block` message with the
//! new height, then `everything` if the organized result changed (classic's
//! `check_for_updates`, driven by the ledger's block events instead of a
//! polling timer).
//!
//! Holds only a weak reference to the server between blocks, so dropping the
//! server (or closing the ledger, which closes the channel) ends it.

use std::sync::{Arc, Weak};

use fclocal_ledger::model::Block;
use tokio::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use tokio_util::sync::CancellationToken;

use crate::{Marbles, protocol};

/// Follows `blocks` until the channel closes, the server is gone or `stop`.
pub(crate) async fn follow(
    marbles: Weak<Marbles>,
    mut blocks: broadcast::Receiver<Arc<Block>>,
    stop: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            next = blocks.recv() => next,
            () = stop.cancelled() => return,
        };
        match next {
            // A lag still means new blocks: report the current height.
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return,
        }
        // Blocks that arrived meanwhile are covered by the same refresh.
        loop {
            match blocks.try_recv() {
                Ok(_) | Err(TryRecvError::Lagged(_)) => {}
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Closed) => return,
            }
        }
        let Some(marbles) = marbles.upgrade() else {
            return;
        };
        let height = marbles.gateway.ledger().height();
        marbles.broadcast(&protocol::block(height, None));
        marbles.refresh_everything().await;
    }
}
