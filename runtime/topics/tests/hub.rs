//! The hub with an in-memory [`Deliver`]: routing, `FilterTag`s, event formats, order,
//! failure counts, and that a stuck subscription holds up neither the publisher nor
//! other subscriptions.

use std::sync::{Arc, Mutex};

use fclocal_template::NotifyContentFormat;
use fclocal_topics::{
    DeclaredTopic, Deliver, Delivery, HubConfig, Recorded, Subscription, TopicHub, TopicsError,
};
use serde_json::Value;
use tokio::sync::{Semaphore, mpsc};

/// Sends every delivery to a channel; fails events containing `fail`; a gated
/// function waits for a permit per delivery.
struct Fake {
    delivered: mpsc::UnboundedSender<(String, Vec<u8>)>,
    gate: Option<(String, Arc<Semaphore>)>,
    recorded: Mutex<Vec<String>>,
}

impl Deliver for Fake {
    fn deliver(
        &self,
        subscription: &Subscription,
        _request_id: String,
        event: Vec<u8>,
    ) -> Delivery {
        let label = subscription.label();
        let sender = self.delivered.clone();
        let gate = self
            .gate
            .as_ref()
            .filter(|(gated, _)| *gated == label)
            .map(|(_, gate)| gate.clone());
        Box::pin(async move {
            if let Some(gate) = gate {
                gate.acquire().await.expect("open gate").forget();
            }
            let failed = String::from_utf8_lossy(&event).contains("fail");
            let _ = sender.send((label, event));
            if failed {
                Err("HandledInvocationError (told to fail)".into())
            } else {
                Ok(())
            }
        })
    }

    fn record(&self, _subscription: &Subscription, level: &str, line: &str) -> Recorded {
        self.recorded
            .lock()
            .unwrap()
            .push(format!("{level} {line}"));
        Box::pin(async {})
    }
}

fn subscription(
    function: &str,
    topic: &str,
    format: NotifyContentFormat,
    tag: Option<&str>,
) -> Subscription {
    Subscription {
        topic: topic.into(),
        service: "svc".into(),
        function: function.into(),
        trigger: "t".into(),
        format,
        filter_tag: tag.map(str::to_owned),
    }
}

struct Setup {
    hub: TopicHub,
    fake: Arc<Fake>,
    delivered: mpsc::UnboundedReceiver<(String, Vec<u8>)>,
    status: mpsc::UnboundedReceiver<String>,
}

fn setup(
    subscriptions: Vec<Subscription>,
    gate: Option<(&str, Arc<Semaphore>)>,
    capacity: usize,
) -> Setup {
    let (sender, delivered) = mpsc::unbounded_channel();
    let fake = Arc::new(Fake {
        delivered: sender,
        gate: gate.map(|(label, gate)| (label.to_owned(), gate)),
        recorded: Mutex::new(Vec::new()),
    });
    let (lines, status) = mpsc::unbounded_channel();
    let hub = TopicHub::start(
        &[DeclaredTopic {
            name: "declared-only".into(),
            source: "template MNSTopic resource".into(),
        }],
        subscriptions,
        fake.clone(),
        HubConfig {
            account_id: "1234567890".into(),
            queue_capacity: capacity,
            status: Arc::new(move |line: &str| {
                let _ = lines.send(line.to_owned());
            }),
        },
    );
    Setup {
        hub,
        fake,
        delivered,
        status,
    }
}

fn count(stats: &Value, function: &str, key: &str) -> u64 {
    stats["topics"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["subscriptions"].as_array().unwrap())
        .find(|s| s["function"] == function)
        .unwrap_or_else(|| panic!("no subscription of {function} in {stats}"))[key]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn messages_reach_matching_subscriptions_in_their_format_and_order() {
    let mut s = setup(
        vec![
            subscription("json", "orders", NotifyContentFormat::Json, None),
            subscription("stream", "orders", NotifyContentFormat::Stream, None),
            subscription("vip", "orders", NotifyContentFormat::Stream, Some("vip")),
            subscription("other", "payments", NotifyContentFormat::Stream, None),
        ],
        None,
        16,
    );
    let first = s
        .hub
        .publish("orders", b"m1".to_vec(), None, "first")
        .unwrap();
    assert_eq!(
        first.queued_for, 2,
        "the vip filter excludes an untagged message"
    );
    assert_eq!(first.body_md5, "AE7BE26CDAA742CA148068D5AC90EACA");
    let second = s
        .hub
        .publish("orders", b"m2".to_vec(), Some("vip".into()), "second")
        .unwrap();
    assert_eq!(second.queued_for, 3);

    let mut got: Vec<(String, Vec<u8>)> = Vec::new();
    for _ in 0..5 {
        got.push(s.delivered.recv().await.unwrap());
    }
    let of = |label: &str| -> Vec<Vec<u8>> {
        got.iter()
            .filter(|(l, _)| l == label)
            .map(|(_, e)| e.clone())
            .collect()
    };
    assert_eq!(
        of("svc/stream"),
        vec![b"m1".to_vec(), b"m2".to_vec()],
        "raw bodies, in order"
    );
    assert_eq!(of("svc/vip"), vec![b"m2".to_vec()]);
    assert!(of("svc/other").is_empty());
    let json: Vec<Value> = of("svc/json")
        .iter()
        .map(|e| serde_json::from_slice(e).unwrap())
        .collect();
    assert_eq!(json.len(), 2);
    assert_eq!(json[0]["Message"], "m1");
    assert_eq!(json[1]["Message"], "m2");
    assert_eq!(json[0]["TopicName"], "orders");
    assert_eq!(json[0]["TopicOwner"], "1234567890");
    assert_eq!(json[0]["SubscriptionName"], "svc-json-t");
    assert_eq!(json[0]["MessageId"], first.message_id.as_str());
    assert_eq!(json[0]["MessageMD5"], first.body_md5.as_str());
    assert!(json[0]["PublishTime"].is_u64());

    let stats = s.hub.stats();
    assert_eq!(count(&stats, "svc/vip", "filtered"), 1);
    assert_eq!(
        s.hub.topic_names(),
        vec!["declared-only", "orders", "payments"]
    );
}

#[tokio::test]
async fn unknown_topics_are_refused_naming_the_known_ones() {
    let s = setup(
        vec![subscription(
            "f",
            "orders",
            NotifyContentFormat::Stream,
            None,
        )],
        None,
        4,
    );
    let error = s
        .hub
        .publish("ordres", b"x".to_vec(), None, "typo")
        .unwrap_err();
    assert_eq!(
        error,
        TopicsError::UnknownTopic {
            topic: "ordres".into(),
            known: vec!["declared-only".into(), "orders".into()],
        }
    );
    assert!(
        error
            .to_string()
            .contains("known topics: declared-only, orders"),
        "{error}"
    );
    // A declared topic without subscribers takes messages and delivers nowhere.
    let published = s
        .hub
        .publish("declared-only", b"x".to_vec(), None, "x")
        .unwrap();
    assert_eq!(published.queued_for, 0);
}

#[tokio::test]
async fn failures_are_counted_recorded_and_do_not_stop_the_subscription() {
    let mut s = setup(
        vec![subscription(
            "f",
            "orders",
            NotifyContentFormat::Stream,
            None,
        )],
        None,
        4,
    );
    for body in ["ok 1", "fail 2", "ok 3"] {
        s.hub
            .publish("orders", body.as_bytes().to_vec(), None, body)
            .unwrap();
    }
    for expected in ["ok 1", "fail 2", "ok 3"] {
        assert_eq!(s.delivered.recv().await.unwrap().1, expected.as_bytes());
    }
    // Counts are updated before the status line: after the third, all are in.
    let mut status = Vec::new();
    for _ in 0..3 {
        status.push(s.status.recv().await.unwrap());
    }
    let stats = s.hub.stats();
    assert_eq!(count(&stats, "svc/f", "delivered"), 2);
    assert_eq!(count(&stats, "svc/f", "failed"), 1);
    let recorded = s.fake.recorded.lock().unwrap().clone();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert!(
        recorded[0].starts_with("ERROR FC MNSTopic trigger t of svc/f: Topic orders fail 2"),
        "{recorded:?}"
    );
    assert!(recorded[0].contains("told to fail"), "{recorded:?}");
    assert!(
        status[0].starts_with("Topic orders ok 1 delivered to svc/f"),
        "{status:?}"
    );
    assert!(
        status[1].starts_with("Topic orders fail 2 failed in svc/f"),
        "{status:?}"
    );
}

#[tokio::test]
async fn a_stuck_subscription_blocks_neither_the_publisher_nor_the_others() {
    let gate = Arc::new(Semaphore::new(0));
    let mut s = setup(
        vec![
            subscription("slow", "orders", NotifyContentFormat::Stream, None),
            subscription("fast", "orders", NotifyContentFormat::Stream, None),
        ],
        Some(("svc/slow", gate.clone())),
        2,
    );
    // slow takes one message into its worker and queues two; the rest overflow.
    for i in 0..6 {
        s.hub
            .publish("orders", format!("m{i}").into_bytes(), None, "m")
            .unwrap();
        // Let the fast worker keep up, so only the slow queue can overflow.
        let (label, _) = s.delivered.recv().await.unwrap();
        assert_eq!(label, "svc/fast");
    }
    let stats = s.hub.stats();
    assert_eq!(count(&stats, "svc/fast", "delivered"), 6);
    assert_eq!(count(&stats, "svc/slow", "delivered"), 0);
    let dropped = count(&stats, "svc/slow", "dropped");
    assert!((3..=4).contains(&dropped), "{stats}");
    assert_eq!(count(&stats, "svc/slow", "queued"), 2, "{stats}");

    // Opened, the slow subscription delivers what it kept, in order.
    gate.add_permits(6);
    let kept = 6 - usize::try_from(dropped).unwrap();
    let mut bodies = Vec::new();
    for _ in 0..kept {
        let (label, body) = s.delivered.recv().await.unwrap();
        assert_eq!(label, "svc/slow");
        bodies.push(String::from_utf8(body).unwrap());
    }
    assert_eq!(bodies[0], "m0");
    let mut sorted = bodies.clone();
    sorted.sort();
    assert_eq!(bodies, sorted, "publish order");
}

#[tokio::test]
async fn publish_waiting_loses_nothing_when_a_queue_is_full() {
    let gate = Arc::new(Semaphore::new(0));
    let mut s = setup(
        vec![subscription(
            "slow",
            "blocks",
            NotifyContentFormat::Stream,
            None,
        )],
        Some(("svc/slow", gate.clone())),
        1,
    );
    let hub = Arc::new(s.hub);
    let publisher = {
        let hub = hub.clone();
        tokio::spawn(async move {
            for i in 0..5 {
                hub.publish_waiting("blocks", format!("b{i}").into_bytes(), None, "b")
                    .await
                    .unwrap();
            }
        })
    };
    gate.add_permits(5);
    for i in 0..5 {
        assert_eq!(
            s.delivered.recv().await.unwrap().1,
            format!("b{i}").into_bytes()
        );
    }
    publisher.await.unwrap();
    assert_eq!(count(&hub.stats(), "svc/slow", "dropped"), 0);
}
