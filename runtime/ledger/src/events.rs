//! Events published after each commit: full blocks, filtered blocks and chaincode events
//! (Fabric's `Deliver`, `DeliverFiltered` and the gateway's `ChaincodeEvents`).
//!
//! Built on tokio broadcast channels: a slow subscriber lags (and is told so by `recv`)
//! instead of slowing the committer down.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::commit::CommittedBlock;
use crate::model::{Block, TxId, TxValidationCode};

/// One transaction of a filtered block: no payloads, no read/write sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilteredTx {
    /// The tx id (absent for envelopes that did not decode).
    pub tx_id: Option<TxId>,
    /// The validation code.
    pub code: TxValidationCode,
    /// The chaincode event's name, without its payload.
    pub chaincode_event: Option<String>,
}

/// A block reduced to what clients need to track their transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilteredBlock {
    /// The channel.
    pub channel: String,
    /// The block number.
    pub number: u64,
    /// One entry per transaction, in block order.
    pub txs: Vec<FilteredTx>,
}

/// A chaincode event of a committed, valid transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaincodeEventNotice {
    /// The block that committed it.
    pub block_number: u64,
    /// The transaction.
    pub tx_id: TxId,
    /// The chaincode that set it.
    pub chaincode: String,
    /// Event name.
    pub name: String,
    /// Event payload.
    pub payload: Vec<u8>,
}

/// Receivers for every kind of event, created together so none misses a block.
#[derive(Debug)]
pub struct Subscription {
    /// Full blocks.
    pub blocks: broadcast::Receiver<Arc<Block>>,
    /// Filtered blocks.
    pub filtered: broadcast::Receiver<Arc<FilteredBlock>>,
    /// Chaincode events of valid transactions.
    pub chaincode: broadcast::Receiver<Arc<ChaincodeEventNotice>>,
}

/// Fans committed blocks out to subscribers.
#[derive(Debug, Clone)]
pub struct EventHub {
    channel: String,
    blocks: broadcast::Sender<Arc<Block>>,
    filtered: broadcast::Sender<Arc<FilteredBlock>>,
    chaincode: broadcast::Sender<Arc<ChaincodeEventNotice>>,
}

impl EventHub {
    /// A hub for `channel` keeping up to `capacity` undelivered events per kind.
    pub fn new(channel: impl Into<String>, capacity: usize) -> EventHub {
        EventHub {
            channel: channel.into(),
            blocks: broadcast::channel(capacity).0,
            filtered: broadcast::channel(capacity).0,
            chaincode: broadcast::channel(capacity.saturating_mul(16)).0,
        }
    }

    /// Subscribes to all three streams from the next block on.
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            blocks: self.blocks.subscribe(),
            filtered: self.filtered.subscribe(),
            chaincode: self.chaincode.subscribe(),
        }
    }

    /// Publishes a committed block. Sending to no subscribers is fine.
    pub fn publish(&self, committed: &CommittedBlock) {
        let number = committed.block.header.number;
        if self.filtered.receiver_count() > 0 {
            let filtered = FilteredBlock {
                channel: self.channel.clone(),
                number,
                txs: committed
                    .txs
                    .iter()
                    .map(|t| FilteredTx {
                        tx_id: t.tx_id.clone(),
                        code: t.code,
                        chaincode_event: t.event.as_ref().map(|e| e.name.clone()),
                    })
                    .collect(),
            };
            let _ = self.filtered.send(Arc::new(filtered));
        }
        if self.chaincode.receiver_count() > 0 {
            for t in &committed.txs {
                if let (true, Some(event), Some(tx_id), Some(chaincode)) =
                    (t.code.is_valid(), &t.event, &t.tx_id, &t.chaincode)
                {
                    let _ = self.chaincode.send(Arc::new(ChaincodeEventNotice {
                        block_number: number,
                        tx_id: tx_id.clone(),
                        chaincode: chaincode.clone(),
                        name: event.name.clone(),
                        payload: event.payload.clone(),
                    }));
                }
            }
        }
        let _ = self.blocks.send(committed.block.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChaincodeEvent;
    use crate::validate::TxOutcome;

    #[tokio::test]
    async fn publishes_blocks_filtered_blocks_and_valid_chaincode_events() {
        let hub = EventHub::new("ch", 8);
        let mut sub = hub.subscribe();
        let event = |name: &str| {
            Some(ChaincodeEvent {
                name: name.into(),
                payload: b"p".to_vec(),
            })
        };
        let committed = CommittedBlock {
            block: Arc::new(Block::new(4, None, vec![b"a".to_vec(), b"b".to_vec()])),
            txs: vec![
                TxOutcome {
                    tx_id: Some(TxId("t1".into())),
                    code: TxValidationCode::VALID,
                    chaincode: Some("cc".into()),
                    event: event("moved"),
                },
                TxOutcome {
                    tx_id: Some(TxId("t2".into())),
                    code: TxValidationCode::MVCC_READ_CONFLICT,
                    chaincode: Some("cc".into()),
                    event: event("lost"),
                },
            ],
            validation_time: std::time::Duration::ZERO,
            commit_time: std::time::Duration::ZERO,
        };
        hub.publish(&committed);
        assert_eq!(sub.blocks.recv().await.unwrap().header.number, 4);
        let filtered = sub.filtered.recv().await.unwrap();
        assert_eq!(filtered.number, 4);
        assert_eq!(filtered.txs[1].code, TxValidationCode::MVCC_READ_CONFLICT);
        assert_eq!(filtered.txs[1].chaincode_event.as_deref(), Some("lost"));
        let notice = sub.chaincode.recv().await.unwrap();
        assert_eq!(
            (notice.name.as_str(), notice.tx_id.as_str()),
            ("moved", "t1")
        );
        assert!(
            sub.chaincode.try_recv().is_err(),
            "invalid txs publish no chaincode event"
        );
    }
}
