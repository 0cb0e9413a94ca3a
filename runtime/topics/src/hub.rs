//! The topic hub: routes each published message to the queue of every matching
//! subscription; one worker per subscription invokes its function, in publish order.
//!
//! Queues are bounded and separate, so a slow or failing function delays only its own
//! subscription. [`TopicHub::publish`] never waits: when a queue is full the message is
//! dropped for that subscription, counted, and logged (MNS, too, gives up on a
//! subscriber eventually). [`TopicHub::publish_waiting`] waits for room instead, for
//! publishers that must not lose anything and may be slowed (the ledger feed, which
//! reads later blocks from the store once it catches up).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::error::TopicsError;
use crate::message::Message;
use crate::subscription::{DeclaredTopic, Subscription};

/// How many messages wait per subscription before [`TopicHub::publish`] drops more.
pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;

/// A future a [`Deliver`] returns: `Err` carries why the invocation failed.
pub type Delivery = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'static>>;

/// Invokes a subscribed function. Implemented over the instance pools
/// ([`crate::PoolDelivery`]); unit tests implement it in memory.
pub trait Deliver: Send + Sync + 'static {
    /// Runs `subscription`'s function with `event` under `request_id`; resolves when the
    /// invocation has finished (its log lines are stored).
    fn deliver(&self, subscription: &Subscription, request_id: String, event: Vec<u8>) -> Delivery;

    /// Records a line about `subscription` that belongs to no invocation (a failed
    /// delivery) in its function's logstore; resolves once the line is stored, so it is
    /// queryable by the time the failure is reported.
    fn record(&self, subscription: &Subscription, level: &str, line: &str) -> Recorded;
}

/// A future a [`Deliver::record`] returns.
pub type Recorded = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Prints a status line for the person running fclocal (one per delivery).
pub type StatusLine = Arc<dyn Fn(&str) + Send + Sync>;

/// What a hub needs besides its topics and subscriptions.
#[derive(Clone)]
pub struct HubConfig {
    /// The account id: `TopicOwner` and `Subscriber` in JSON events.
    pub account_id: String,
    /// Messages waiting per subscription before `publish` drops more.
    pub queue_capacity: usize,
    /// Where status lines go.
    pub status: StatusLine,
}

/// Per-subscription counters, shared by the hub (publishing side) and the worker.
#[derive(Debug, Default)]
struct Counts {
    delivered: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    filtered: AtomicU64,
}

/// The publishing side of one subscription.
struct Queue {
    subscription: Subscription,
    sender: mpsc::Sender<Message>,
    counts: Arc<Counts>,
}

struct Topic {
    name: String,
    declared_by: Vec<String>,
    queues: Vec<Queue>,
}

/// What [`TopicHub::publish`] answers, like MNS's PublishMessage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// `MessageId`.
    pub message_id: String,
    /// `MessageBodyMD5`.
    pub body_md5: String,
    /// Subscriptions the message was queued for (after `FilterTag`s).
    pub queued_for: usize,
}

/// Topics, their subscriptions, and a worker per subscription. Dropping the hub lets
/// each worker finish what is queued and stop.
pub struct TopicHub {
    topics: Vec<Topic>,
}

impl TopicHub {
    /// A hub for `declared` topics plus every topic a subscription names, with a worker
    /// task per subscription on the current Tokio runtime.
    pub fn start(
        declared: &[DeclaredTopic],
        subscriptions: Vec<Subscription>,
        deliver: Arc<dyn Deliver>,
        config: HubConfig,
    ) -> TopicHub {
        let mut topics: BTreeMap<String, Topic> = BTreeMap::new();
        fn topic<'a>(topics: &'a mut BTreeMap<String, Topic>, name: &str) -> &'a mut Topic {
            topics.entry(name.to_owned()).or_insert_with(|| Topic {
                name: name.to_owned(),
                declared_by: Vec::new(),
                queues: Vec::new(),
            })
        }
        for declaration in declared {
            topic(&mut topics, &declaration.name)
                .declared_by
                .push(declaration.source.clone());
        }
        for subscription in subscriptions {
            let (sender, receiver) = mpsc::channel(config.queue_capacity.max(1));
            let counts = Arc::new(Counts::default());
            tokio::spawn(work(
                subscription.clone(),
                receiver,
                counts.clone(),
                deliver.clone(),
                config.clone(),
            ));
            topic(&mut topics, &subscription.topic).queues.push(Queue {
                subscription,
                sender,
                counts,
            });
        }
        TopicHub {
            topics: topics.into_values().collect(),
        }
    }

    /// Topic names, sorted.
    pub fn topic_names(&self) -> Vec<String> {
        self.topics.iter().map(|t| t.name.clone()).collect()
    }

    fn topic(&self, name: &str) -> Result<&Topic, TopicsError> {
        self.topics
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| TopicsError::UnknownTopic {
                topic: name.to_owned(),
                known: self.topic_names(),
            })
    }

    /// Queues `body` for every subscription of `topic` whose `FilterTag` admits `tag`,
    /// without waiting: a full queue drops the message for that subscription (counted
    /// and logged). `about` names the message in status lines.
    pub fn publish(
        &self,
        topic: &str,
        body: Vec<u8>,
        tag: Option<String>,
        about: &str,
    ) -> Result<Published, TopicsError> {
        let topic = self.topic(topic)?;
        let message = Message::new(&topic.name, body, tag, about.to_owned());
        let mut queued_for = 0;
        for queue in receivers(topic, &message) {
            match queue.sender.try_send(message.clone()) {
                Ok(()) => queued_for += 1,
                Err(error) => {
                    queue.counts.dropped.fetch_add(1, Ordering::Relaxed);
                    let why = match error {
                        mpsc::error::TrySendError::Full(_) => format!(
                            "its queue is full ({} messages wait)",
                            queue.sender.max_capacity()
                        ),
                        mpsc::error::TrySendError::Closed(_) => "fclocal is stopping".into(),
                    };
                    tracing::warn!(
                        "topic {}: message {} ({}) dropped for {}: {why}",
                        topic.name,
                        message.id,
                        message.about,
                        queue.subscription.label()
                    );
                }
            }
        }
        Ok(published(&message, queued_for))
    }

    /// Like [`TopicHub::publish`], but waits for room in every queue, so nothing is
    /// dropped; a slow subscription slows this publisher.
    pub async fn publish_waiting(
        &self,
        topic: &str,
        body: Vec<u8>,
        tag: Option<String>,
        about: &str,
    ) -> Result<Published, TopicsError> {
        let topic = self.topic(topic)?;
        let message = Message::new(&topic.name, body, tag, about.to_owned());
        let mut queued_for = 0;
        for queue in receivers(topic, &message) {
            if queue.sender.send(message.clone()).await.is_ok() {
                queued_for += 1;
            } else {
                queue.counts.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(published(&message, queued_for))
    }

    /// The admin view: every topic with who declared it and each subscription's counts,
    /// `{"topics": [{"name", "declaredBy", "subscriptions": [{"subscriptionName",
    /// "function", "trigger", "notifyContentFormat", "filterTag", "queued", "delivered",
    /// "failed", "dropped", "filtered"}]}]}`.
    pub fn stats(&self) -> Value {
        let topics: Vec<Value> = self
            .topics
            .iter()
            .map(|topic| {
                let subscriptions: Vec<Value> = topic
                    .queues
                    .iter()
                    .map(|queue| {
                        let s = &queue.subscription;
                        let c = &queue.counts;
                        json!({
                            "subscriptionName": s.name(),
                            "function": s.label(),
                            "trigger": s.trigger,
                            "notifyContentFormat": s.format.as_str(),
                            "filterTag": s.filter_tag,
                            "queued": queue.sender.max_capacity() - queue.sender.capacity(),
                            "delivered": c.delivered.load(Ordering::Relaxed),
                            "failed": c.failed.load(Ordering::Relaxed),
                            "dropped": c.dropped.load(Ordering::Relaxed),
                            "filtered": c.filtered.load(Ordering::Relaxed),
                        })
                    })
                    .collect();
                json!({
                    "name": topic.name,
                    "declaredBy": topic.declared_by,
                    "subscriptions": subscriptions,
                })
            })
            .collect();
        json!({ "topics": topics })
    }
}

/// The queues of `topic` that take `message`; counts the ones its `FilterTag` excludes.
fn receivers<'a>(topic: &'a Topic, message: &Message) -> Vec<&'a Queue> {
    topic
        .queues
        .iter()
        .filter(|queue| {
            let passes = message.passes(queue.subscription.filter_tag.as_deref());
            if !passes {
                queue.counts.filtered.fetch_add(1, Ordering::Relaxed);
            }
            passes
        })
        .collect()
}

fn published(message: &Message, queued_for: usize) -> Published {
    Published {
        message_id: message.id.clone(),
        body_md5: message.md5(),
        queued_for,
    }
}

/// One subscription's worker: invokes the function for each queued message in turn,
/// counts the outcome before reporting it, and records failures in the function's
/// logstore. Ends when the hub is dropped and the queue is empty.
async fn work(
    subscription: Subscription,
    mut receiver: mpsc::Receiver<Message>,
    counts: Arc<Counts>,
    deliver: Arc<dyn Deliver>,
    config: HubConfig,
) {
    let label = subscription.label();
    let name = subscription.name();
    while let Some(message) = receiver.recv().await {
        let request_id = fclocal_invoke::new_request_id();
        let event = message.event(subscription.format, &config.account_id, &name);
        let outcome = deliver
            .deliver(&subscription, request_id.clone(), event)
            .await;
        let what = format!(
            "Topic {} {} (MessageId: {}, RequestId: {request_id})",
            message.topic, message.about, message.id
        );
        match outcome {
            Ok(()) => {
                counts.delivered.fetch_add(1, Ordering::Relaxed);
                (config.status)(&format!(
                    "Topic {} {} delivered to {label} (MessageId: {}, RequestId: {request_id})",
                    message.topic, message.about, message.id
                ));
            }
            Err(reason) => {
                counts.failed.fetch_add(1, Ordering::Relaxed);
                let line = format!(
                    "FC MNSTopic trigger {} of {label}: {what} failed: {reason}",
                    subscription.trigger
                );
                tracing::warn!("{line}");
                deliver.record(&subscription, "ERROR", &line).await;
                (config.status)(&format!(
                    "Topic {} {} failed in {label} (MessageId: {}, RequestId: {request_id}): {reason}",
                    message.topic, message.about, message.id
                ));
            }
        }
    }
}
