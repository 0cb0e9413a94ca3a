//! Ledger → topics: the network file's `EventTopics` fed from committed blocks.
//!
//! - `Source: blocks`: every block, as `{"channel", "blockNumber", "blockHash", "txs":
//!   [{"txId", "chaincode", "function", "args", "creator", "validationCode",
//!   "validationCodeNumber", "event": {"name", "payload"} | null}]}` (every transaction,
//!   valid or not: subscribers decide).
//! - `Source: chaincode`: each chaincode event of a VALID transaction of that chaincode
//!   (only `EventNames` when given), as `{"blockNumber", "txId", "chaincode",
//!   "eventName", "payload"}`, tagged with the event name so a trigger's `FilterTag`
//!   can pick one kind.
//!
//! One task follows the chain with the ledger API's [`Follower`] (subscribe, then read
//! the height; gaps and lags are read back from the store), so no block is skipped,
//! and publishes with [`TopicHub::publish_waiting`], so no message is dropped. The
//! JSON comes from the ledger API's views, so a block reads the same everywhere. Blocks
//! committed while fclocal was not running are not replayed.

use std::sync::Arc;

use fclocal_ledger::Ledger;
use fclocal_ledger::model::Block;
use fclocal_ledger::network::{EventSource, EventTopic};
use fclocal_ledger_api::json::{PeerNames, block_full};
use fclocal_ledger_api::{Follower, block_messages};
use serde_json::{Map, Value};
use tokio::task::JoinHandle;

use crate::hub::TopicHub;
use crate::subscription::DeclaredTopic;

/// The network file's topics as declared topics.
pub fn declared(topics: &[EventTopic]) -> Vec<DeclaredTopic> {
    topics
        .iter()
        .map(|topic| DeclaredTopic {
            name: topic.name.clone(),
            source: match &topic.source {
                EventSource::Blocks => "ledger blocks".to_owned(),
                EventSource::Chaincode { chaincode, .. } => {
                    format!("ledger chaincode events of {chaincode}")
                }
            },
        })
        .collect()
}

/// Follows `ledger` from its next block and publishes to `topics` until the ledger
/// closes (or the task is aborted). The follower subscribes here, before the task
/// runs, so a block committed right after this call is published too.
pub fn spawn(ledger: Arc<Ledger>, topics: Vec<EventTopic>, hub: Arc<TopicHub>) -> JoinHandle<()> {
    let channel = ledger.network().channel.clone();
    let mut follower = Follower::new(ledger, None);
    tokio::spawn(async move {
        loop {
            match follower.next_block().await {
                Ok(Some(block)) => {
                    publish_block(&hub, &topics, &channel, &block).await;
                    follower.advance();
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::error!("event topics stopped following the ledger: {error}");
                    break;
                }
            }
        }
    })
}

async fn publish_block(hub: &TopicHub, topics: &[EventTopic], channel: &str, block: &Block) {
    let number = block.header.number;
    for topic in topics {
        let messages: Vec<(Value, Option<String>, String)> = match &topic.source {
            EventSource::Blocks => vec![(
                block_summary(block, channel),
                None,
                format!("block {number}"),
            )],
            EventSource::Chaincode {
                chaincode,
                event_names,
            } => chaincode_events(block, chaincode, event_names)
                .into_iter()
                .map(|event| {
                    let name = event["eventName"].as_str().unwrap_or_default().to_owned();
                    let about = format!("block {number} event {name}");
                    (event, Some(name), about)
                })
                .collect(),
        };
        for (body, tag, about) in messages {
            if let Err(error) = hub
                .publish_waiting(&topic.name, body.to_string().into_bytes(), tag, &about)
                .await
            {
                tracing::error!("event topic {}: {error}", topic.name);
            }
        }
    }
}

/// The `Source: blocks` message of `block`: fields picked from the ledger API's full
/// block view.
pub fn block_summary(block: &Block, channel: &str) -> Value {
    const TX_KEYS: [&str; 8] = [
        "txId",
        "chaincode",
        "function",
        "args",
        "creator",
        "validationCode",
        "validationCodeNumber",
        "event",
    ];
    let full = block_full(block, &PeerNames::new());
    let txs: Vec<Value> = full["txs"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|tx| {
            let picked: Map<String, Value> = TX_KEYS
                .iter()
                .map(|key| {
                    (
                        (*key).to_owned(),
                        tx.get(*key).cloned().unwrap_or(Value::Null),
                    )
                })
                .collect();
            Value::Object(picked)
        })
        .collect();
    let mut summary = Map::new();
    summary.insert("channel".into(), channel.into());
    summary.insert("blockNumber".into(), full["number"].clone());
    summary.insert("blockHash".into(), full["hash"].clone());
    summary.insert("txs".into(), txs.into());
    Value::Object(summary)
}

/// The `Source: chaincode` messages of `block`: events of VALID transactions of
/// `chaincode`, only `event_names` unless empty.
pub fn chaincode_events(block: &Block, chaincode: &str, event_names: &[String]) -> Vec<Value> {
    block_messages(block)
        .into_iter()
        .filter(|(kind, _)| *kind == "chaincode")
        .filter_map(|(_, message)| {
            let Value::Object(mut message) = message else {
                return None;
            };
            let name = message.remove("name")?;
            let name_text = name.as_str().unwrap_or_default();
            let wanted = message.get("chaincode").and_then(Value::as_str) == Some(chaincode)
                && (event_names.is_empty() || event_names.iter().any(|n| n == name_text));
            if !wanted {
                return None;
            }
            let mut event = Map::new();
            for key in ["blockNumber", "txId", "chaincode"] {
                event.insert(key.into(), message.remove(key).unwrap_or(Value::Null));
            }
            event.insert("eventName".into(), name);
            // `payload`, or `payloadBase64` for bytes that are not UTF-8.
            event.extend(message);
            Some(Value::Object(event))
        })
        .collect()
}
