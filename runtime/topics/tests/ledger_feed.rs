//! Ledger → topics with a real ledger (the native asset-transfer sample chaincode):
//! every committed block reaches a `blocks` topic, and VALID transactions' chaincode
//! events reach a `chaincode` topic, tagged with the event name.

use std::sync::Arc;

use fclocal_ledger::Ledger;
use fclocal_ledger::chaincode::ChaincodeRegistry;
use fclocal_ledger::network::NetworkConfig;
use fclocal_ledger::sample::AssetTransfer;
use fclocal_template::NotifyContentFormat;
use fclocal_topics::{Deliver, Delivery, HubConfig, Recorded, Subscription, TopicHub, ledger_feed};
use serde_json::Value;
use tokio::sync::mpsc;

struct Fake(mpsc::UnboundedSender<(String, Vec<u8>)>);

impl Deliver for Fake {
    fn deliver(&self, s: &Subscription, _request_id: String, event: Vec<u8>) -> Delivery {
        let _ = self.0.send((s.function.clone(), event));
        Box::pin(async { Ok(()) })
    }

    fn record(&self, _s: &Subscription, _level: &str, _line: &str) -> Recorded {
        Box::pin(async {})
    }
}

const NETWORK: &str = "Channel: ch
Organizations:
  Org1MSP:
    Peers: [peer0]
Chaincodes:
  assets:
    CodeUri: native
    EndorsementPolicy: \"'Org1MSP.peer'\"
Orderer:
  BatchTimeout: 60m
  MaxMessageCount: 1
EventTopics:
  blocks:
    Source: blocks
  transfers:
    Source: chaincode
    Chaincode: assets
    EventNames: [transfer]
";

fn subscription(function: &str, topic: &str) -> Subscription {
    Subscription {
        topic: topic.into(),
        service: "svc".into(),
        function: function.into(),
        trigger: "t".into(),
        format: NotifyContentFormat::Json,
        filter_tag: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_and_chaincode_events_are_published_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let network = NetworkConfig::parse(NETWORK, "network.yml").unwrap();
    let mut registry = ChaincodeRegistry::new();
    registry.register("assets", Arc::new(AssetTransfer));
    let ledger = Arc::new(Ledger::open(dir.path(), network.clone(), registry).unwrap());

    let (sender, mut delivered) = mpsc::unbounded_channel();
    let hub = Arc::new(TopicHub::start(
        &ledger_feed::declared(&network.event_topics),
        vec![
            subscription("onBlock", "blocks"),
            subscription("onTransfer", "transfers"),
        ],
        Arc::new(Fake(sender)),
        HubConfig {
            account_id: "1".into(),
            queue_capacity: 8,
            status: Arc::new(|_: &str| {}),
        },
    ));
    let feed = ledger_feed::spawn(ledger.clone(), network.event_topics.clone(), hub.clone());

    let created = ledger
        .submit("assets", "create", &["a1".into(), "alice".into()])
        .await
        .unwrap();
    let moved = ledger
        .submit("assets", "transfer", &["a1".into(), "bob".into()])
        .await
        .unwrap();
    let failed = ledger
        .submit("assets", "transfer", &["nope".into(), "bob".into()])
        .await;
    assert!(failed.is_err(), "an endorsement failure orders nothing");

    let mut blocks = Vec::new();
    let mut transfers = Vec::new();
    while blocks.len() < 2 || transfers.is_empty() {
        let (function, event) = delivered.recv().await.unwrap();
        let envelope: Value = serde_json::from_slice(&event).unwrap();
        let message: Value = serde_json::from_str(envelope["Message"].as_str().unwrap()).unwrap();
        match function.as_str() {
            "onBlock" => blocks.push(message),
            _ => transfers.push((envelope, message)),
        }
    }
    assert_eq!(blocks[0]["channel"], "ch");
    assert_eq!(blocks[0]["blockNumber"], created.status.block_number);
    assert_eq!(blocks[1]["blockNumber"], moved.status.block_number);
    assert_eq!(blocks[0]["blockHash"].as_str().unwrap().len(), 64);
    let tx = &blocks[1]["txs"][0];
    let keys: Vec<&str> = tx.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "txId",
            "chaincode",
            "function",
            "args",
            "creator",
            "validationCode",
            "validationCodeNumber",
            "event"
        ]
    );
    assert_eq!(tx["txId"], moved.status.tx_id.as_str());
    assert_eq!(tx["chaincode"], "assets");
    assert_eq!(tx["function"], "transfer");
    assert_eq!(tx["args"], serde_json::json!(["a1", "bob"]));
    assert_eq!(tx["creator"], "Org1MSP");
    assert_eq!(tx["validationCode"], "VALID");
    assert_eq!(tx["validationCodeNumber"], 0);
    assert_eq!(
        tx["event"],
        serde_json::json!({"name": "transfer", "payload": "a1"})
    );
    assert_eq!(blocks[0]["txs"][0]["event"], Value::Null);

    assert_eq!(transfers.len(), 1);
    let (envelope, event) = &transfers[0];
    assert_eq!(envelope["TopicName"], "transfers");
    assert_eq!(
        event,
        &serde_json::json!({
            "blockNumber": moved.status.block_number,
            "txId": moved.status.tx_id.as_str(),
            "chaincode": "assets",
            "eventName": "transfer",
            "payload": "a1",
        })
    );
    feed.abort();
}
