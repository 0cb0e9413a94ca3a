//! `GET /ledger/v1/events`: committed blocks and chaincode events as Server-Sent Events.
//!
//! For every block, in order: one `block` event (`{"number", "txs": [{"txId",
//! "validationCode", "validationCodeNumber", "chaincodeEvent"}]}`), then one `chaincode`
//! event per chaincode event of a VALID transaction in it (`{"blockNumber", "txId",
//! "chaincode", "name", "payload"|"payloadBase64"}`). The last event of each block carries
//! the SSE `id` = block number, so a browser `EventSource` that reconnects with
//! `Last-Event-ID` resumes at the next block without losing or repeating anything.
//!
//! Both kinds are derived from the one full-block broadcast (`Subscription::blocks`) by
//! decoding the block, not from the filtered-block and chaincode-event channels: those
//! are separate queues that can lag independently, so their relative order could not be
//! rebuilt, whereas one block stream plus the store gives a total order and a way to
//! recover anything missed.
//!
//! The follower's rules: subscribe *before* reading the height, so every block from the
//! height on is either in the store or still to come on the channel. Then, while the
//! next expected block is below the height, read it from the store (the replay, and the
//! catch-up after a lag); otherwise wait for the channel, skipping blocks already sent
//! and reading from the store when a block arrives ahead of the next expected one. The
//! height is raised before a block is published, so a block the channel dropped is
//! always in the store by the time it is noticed.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use fclocal_ledger::Ledger;
use fclocal_ledger::model::Block;
use futures_util::Stream;
use http::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::ApiState;
use crate::error::ApiError;
use crate::json::{self, DecodedTx};
use crate::request::number;

/// `?from=N`.
#[derive(Debug, Deserialize)]
pub(crate) struct EventsQuery {
    from: Option<String>,
}

/// The stream handler. Without `from` (or `Last-Event-ID`), live from the next block.
pub(crate) async fn events(
    State(state): State<Arc<ApiState>>,
    headers: HeaderMap,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let mut from = number("from", query.from.as_deref())?;
    if from.is_none()
        && let Some(id) = headers.get("last-event-id")
    {
        let id = id.to_str().unwrap_or("");
        from = number("Last-Event-ID", Some(id))?.map(|n| n.saturating_add(1));
    }
    let follower = Follower::new(state.ledger.clone(), from);
    let stream = futures_util::stream::unfold(follower, |mut follower| async move {
        let event = follower.next_event().await?;
        Some((Ok(event), follower))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// What to do with a block that arrived on the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Live {
    /// Already sent (it was read from the store first).
    Skip,
    /// The next expected block.
    Send,
    /// Ahead of the next expected block: blocks in between were missed, read them (and
    /// this one) from the store.
    CatchUp,
}

/// Classifies live block `number` when `next` is expected.
pub(crate) fn on_live(next: u64, number: u64) -> Live {
    match number.cmp(&next) {
        std::cmp::Ordering::Less => Live::Skip,
        std::cmp::Ordering::Equal => Live::Send,
        std::cmp::Ordering::Greater => Live::CatchUp,
    }
}

/// Follows the chain from one block on, without gaps; see the module docs. Public so
/// other consumers of committed blocks (the Message Service topics fed by the ledger)
/// follow it by the same rules.
pub struct Follower {
    ledger: Arc<Ledger>,
    blocks: broadcast::Receiver<Arc<Block>>,
    /// The next block to send.
    next: u64,
    /// Events of the current block not yet sent.
    pending: VecDeque<Event>,
    /// No more blocks will be sent (channel closed or a read failed).
    finished: bool,
}

impl Follower {
    /// A follower starting at block `from`, or live from the next block when `None`.
    pub fn new(ledger: Arc<Ledger>, from: Option<u64>) -> Follower {
        // Subscribe first, then read the height: see the module docs.
        let blocks = ledger.subscribe().blocks;
        Follower::with_receiver(ledger, blocks, from)
    }

    /// A follower of `blocks`, which must have been subscribed before this call (tests
    /// pass a channel of their own to force lags and gaps).
    fn with_receiver(
        ledger: Arc<Ledger>,
        blocks: broadcast::Receiver<Arc<Block>>,
        from: Option<u64>,
    ) -> Follower {
        let next = from.unwrap_or_else(|| ledger.height());
        Follower {
            ledger,
            blocks,
            next,
            pending: VecDeque::new(),
            finished: false,
        }
    }

    async fn next_event(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if self.finished {
                return None;
            }
            match self.next_block().await {
                Ok(Some(block)) => {
                    self.pending.extend(block_events(&block));
                    self.next += 1;
                }
                Ok(None) => self.finished = true,
                Err(e) => {
                    tracing::warn!("ledger API: event stream stopped: {e}");
                    self.pending
                        .push_back(Event::default().event("error").data(e.body().to_string()));
                    self.finished = true;
                }
            }
        }
    }

    /// The next block: from the store if it is committed, else from the channel; `None`
    /// once the ledger has closed. Store reads here are single-block point reads, done
    /// inline. The caller moves on with [`Follower::advance`].
    pub async fn next_block(&mut self) -> Result<Option<Arc<Block>>, ApiError> {
        loop {
            if self.next < self.ledger.height() {
                return self.stored().map(Some);
            }
            match self.blocks.recv().await {
                Ok(block) => match on_live(self.next, block.header.number) {
                    Live::Skip => {}
                    Live::Send => return Ok(Some(block)),
                    Live::CatchUp => return self.stored().map(Some),
                },
                // Missed blocks are committed, so the height check reads them back.
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "ledger API: event stream lagged; reading the store");
                }
                Err(RecvError::Closed) => return Ok(None),
            }
        }
    }

    /// Marks the block returned by [`Follower::next_block`] as handled.
    pub fn advance(&mut self) {
        self.next += 1;
    }

    fn stored(&self) -> Result<Arc<Block>, ApiError> {
        let n = self.next;
        let block = self.ledger.block(n)?.ok_or_else(|| {
            ApiError::Internal(format!(
                "block {n} was committed but cannot be read back; run GET /ledger/v1/verify"
            ))
        })?;
        Ok(Arc::new(block))
    }
}

/// The `block` message and the `chaincode` messages of one block, in order. A
/// `chaincode` message is `{"blockNumber", "txId", "chaincode", "name",
/// "payload"|"payloadBase64"}`, one per event of a VALID transaction.
pub fn block_messages(block: &Block) -> Vec<(&'static str, Value)> {
    let number = block.header.number;
    let mut txs = Vec::with_capacity(block.data.len());
    let mut chaincode_events = Vec::new();
    for (i, envelope) in block.data.iter().enumerate() {
        let decoded = DecodedTx::decode(envelope);
        let (code, code_number) = json::code_of(block, i);
        let event = decoded.payload.as_ref().and_then(|p| p.event.as_ref());
        txs.push(json!({
            "txId": decoded.tx_id(),
            "validationCode": code,
            "validationCodeNumber": code_number,
            "chaincodeEvent": event.map(|e| e.name.as_str()),
        }));
        let valid = block.metadata.code(i).is_some_and(|c| c.is_valid());
        if let (true, Some(event)) = (valid, event) {
            let mut message = Map::new();
            message.insert("blockNumber".into(), number.into());
            message.insert("txId".into(), decoded.tx_id().into());
            message.insert("chaincode".into(), decoded.chaincode().into());
            message.insert("name".into(), event.name.clone().into());
            json::put_bytes(&mut message, "payload", &event.payload);
            chaincode_events.push(("chaincode", Value::Object(message)));
        }
    }
    let mut messages = vec![("block", json!({"number": number, "txs": txs}))];
    messages.extend(chaincode_events);
    messages
}

/// The SSE events of one block; the last one carries the block number as its id.
fn block_events(block: &Block) -> Vec<Event> {
    let messages = block_messages(block);
    let last = messages.len().saturating_sub(1);
    messages
        .into_iter()
        .enumerate()
        .map(|(i, (kind, data))| {
            let event = Event::default().event(kind).data(data.to_string());
            if i == last {
                event.id(block.header.number.to_string())
            } else {
                event
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::future::Future as _;
    use std::task::{Context, Poll, Waker};

    use fclocal_ledger::chaincode::ChaincodeRegistry;
    use fclocal_ledger::network::NetworkConfig;
    use fclocal_ledger::sample::AssetTransfer;

    use super::*;

    fn open_ledger(dir: &std::path::Path) -> Ledger {
        let network = NetworkConfig::parse(
            "Channel: ch\nOrganizations:\n  Org1MSP:\n    Peers: [peer0]\nChaincodes:\n  assets:\n    CodeUri: native\n    EndorsementPolicy: \"'Org1MSP.peer'\"\nOrderer:\n  BatchTimeout: 60m\n  MaxMessageCount: 1\n",
            "network.yml",
        )
        .unwrap();
        let mut registry = ChaincodeRegistry::new();
        registry.register("assets", Arc::new(AssetTransfer));
        Ledger::open(dir, network, registry).unwrap()
    }

    async fn commit(ledger: &Ledger, id: &str) -> Arc<Block> {
        let args = [id.to_string(), "alice".to_string()];
        let result = ledger.submit("assets", "create", &args).await.unwrap();
        Arc::new(ledger.block(result.status.block_number).unwrap().unwrap())
    }

    fn number(block: Result<Option<Arc<Block>>, ApiError>) -> u64 {
        block.unwrap().unwrap().header.number
    }

    /// The channel is the test's own (capacity 1), so lags and gaps happen on cue; the
    /// future is polled once first so the follower is already waiting on the channel.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lags_and_gaps_are_filled_from_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Arc::new(open_ledger(dir.path()));
        let (tx, rx) = broadcast::channel(1);
        let mut follower = Follower::with_receiver(ledger.clone(), rx, None);
        assert_eq!(follower.next, 1, "live from the next block");
        let mut cx = Context::from_waker(Waker::noop());

        // Lag: blocks 1 and 2 are sent while the follower waits; block 1 is dropped.
        let mut waiting = Box::pin(follower.next_block());
        assert!(matches!(waiting.as_mut().poll(&mut cx), Poll::Pending));
        let (b1, b2) = (commit(&ledger, "a1").await, commit(&ledger, "a2").await);
        tx.send(b1).unwrap();
        tx.send(b2).unwrap();
        assert_eq!(
            number(waiting.await),
            1,
            "the dropped block, from the store"
        );
        follower.next += 1;
        assert_eq!(number(follower.next_block().await), 2);
        follower.next += 1;

        // Gap: block 3 never comes on the channel, block 4 does.
        let mut waiting = Box::pin(follower.next_block());
        assert!(matches!(waiting.as_mut().poll(&mut cx), Poll::Pending));
        let _b3 = commit(&ledger, "a3").await;
        let b4 = commit(&ledger, "a4").await;
        tx.send(b4).unwrap();
        assert_eq!(
            number(waiting.await),
            3,
            "the missing block, from the store"
        );
        follower.next += 1;
        assert_eq!(number(follower.next_block().await), 4);
        follower.next += 1;

        // Caught up: live blocks below `next` are skipped, the next one is passed on.
        let mut waiting = Box::pin(follower.next_block());
        assert!(matches!(waiting.as_mut().poll(&mut cx), Poll::Pending));
        let b5 = commit(&ledger, "a5").await;
        tx.send(b5.clone()).unwrap();
        let live = waiting.await.unwrap().unwrap();
        assert!(Arc::ptr_eq(&live, &b5), "block 5 came from the channel");
    }

    #[test]
    fn live_blocks_are_skipped_sent_or_trigger_a_catch_up() {
        assert_eq!(on_live(5, 4), Live::Skip);
        assert_eq!(on_live(5, 5), Live::Send);
        assert_eq!(on_live(5, 9), Live::CatchUp);
        assert_eq!(on_live(0, 0), Live::Send);
    }

    #[test]
    fn the_genesis_block_is_one_block_message() {
        let messages = block_messages(&Block::new(0, None, vec![]));
        assert_eq!(messages, vec![("block", json!({"number": 0, "txs": []}))]);
    }
}
