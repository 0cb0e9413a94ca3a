//! Emulated Message Service (MNS) topics: what fires FC's `MNSTopic` triggers locally.
//!
//! A [`TopicHub`] knows every topic (from the template's MNSTopic triggers and
//! resources and the network file's `EventTopics`) and every subscription (one per
//! `MNSTopic` trigger). Publishing a message queues it for each subscription whose
//! `FilterTag` admits its tag; a worker per subscription invokes the function with FC's
//! MNS event (`NotifyContentFormat: JSON`: the envelope; `STREAM`: the body), one
//! message at a time, in publish order. Failures are counted, logged and recorded in
//! the function's logstore; they never hold up the publisher or other subscriptions.
//!
//! Where messages come from: the ledger ([`ledger_feed`]: committed blocks and
//! chaincode events) and people ([`routes`]: `POST /fclocal/topics/{topic}/messages`).
//!
//! *Deviations from MNS:* no retries (`NotifyStrategy` is accepted and ignored: a
//! failed delivery is counted and logged once); queues live in memory, so messages
//! still queued at shutdown and blocks committed while fclocal is stopped are not
//! delivered.
//!
//! # Layout
//! - [`message`] — [`Message`], the MNS event formats, `FilterTag` matching.
//! - [`subscription`] — [`Subscription`]s and declared topics from the template; the
//!   undeclared-topic warning.
//! - [`hub`] — [`TopicHub`], queues, workers, counts; the [`Deliver`] trait.
//! - [`pool_delivery`] — [`PoolDelivery`], delivery through the instance pools.
//! - [`routes`] — the admin HTTP routes.
//! - [`ledger_feed`] — blocks and chaincode events published to `EventTopics`.
//! - [`error`] — [`TopicsError`].

pub mod error;
pub mod hub;
pub mod ledger_feed;
pub mod message;
pub mod pool_delivery;
pub mod routes;
pub mod subscription;

pub use error::TopicsError;
pub use hub::{
    DEFAULT_QUEUE_CAPACITY, Deliver, Delivery, HubConfig, Published, Recorded, StatusLine, TopicHub,
};
pub use message::Message;
pub use pool_delivery::PoolDelivery;
pub use routes::router;
pub use subscription::{DeclaredTopic, Subscription, template_topics, undeclared_warnings};
