//! A published message and the event FC hands an MNSTopic-triggered function.
//!
//! With `NotifyContentFormat: JSON` the event is FC's envelope,
//! `{"TopicOwner", "Message", "Subscriber", "PublishTime", "SubscriptionName",
//! "MessageMD5", "TopicName", "MessageId"}`: owner and subscriber are the account id,
//! `PublishTime` is milliseconds since the epoch (a number), `MessageMD5` and `MessageId`
//! are 32 upper-case hex digits, as MNS writes them. With `STREAM` (FC's default) the
//! event is the message body itself.

use std::time::{SystemTime, UNIX_EPOCH};

use fclocal_template::NotifyContentFormat;
use md5::{Digest as _, Md5};
use serde_json::{Map, Value};

/// One message published to a topic. Cheap to clone: subscriptions share it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// MNS's `MessageId`: 32 upper-case hex digits.
    pub id: String,
    /// The topic it was published to.
    pub topic: String,
    /// The body, as published.
    pub body: Vec<u8>,
    /// MNS's message tag (`MessageTag`), matched against a trigger's `FilterTag`.
    pub tag: Option<String>,
    /// When it was published, in milliseconds since the Unix epoch.
    pub publish_time_ms: u64,
    /// What the message is about, for status lines (`block 7`, `published by hand`).
    pub about: String,
}

impl Message {
    /// A message published now, with a fresh id.
    pub fn new(topic: &str, body: Vec<u8>, tag: Option<String>, about: String) -> Message {
        let publish_time_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Message {
            id: uuid::Uuid::new_v4().simple().to_string().to_uppercase(),
            topic: topic.to_owned(),
            body,
            tag,
            publish_time_ms,
            about,
        }
    }

    /// MNS's `MessageMD5` (and PublishMessage's `MessageBodyMD5`): the MD5 of the body,
    /// upper-case hex.
    pub fn md5(&self) -> String {
        Md5::digest(&self.body)
            .iter()
            .map(|byte| format!("{byte:02X}"))
            .collect()
    }

    /// Whether a subscription with `filter_tag` receives this message: MNS delivers
    /// every message to a subscription without a filter, and only messages carrying
    /// exactly its tag to one with a filter.
    pub fn passes(&self, filter_tag: Option<&str>) -> bool {
        match filter_tag {
            None => true,
            Some(filter) => self.tag.as_deref() == Some(filter),
        }
    }

    /// The event bytes for a subscriber in `format`.
    pub fn event(
        &self,
        format: NotifyContentFormat,
        account_id: &str,
        subscription_name: &str,
    ) -> Vec<u8> {
        match format {
            NotifyContentFormat::Stream => self.body.clone(),
            NotifyContentFormat::Json => {
                let mut event = Map::new();
                event.insert("TopicOwner".into(), account_id.into());
                // MNS bodies are text; bytes that are not UTF-8 are replaced rather
                // than failing the delivery.
                event.insert(
                    "Message".into(),
                    String::from_utf8_lossy(&self.body).into_owned().into(),
                );
                event.insert("Subscriber".into(), account_id.into());
                event.insert("PublishTime".into(), self.publish_time_ms.into());
                event.insert("SubscriptionName".into(), subscription_name.into());
                event.insert("MessageMD5".into(), self.md5().into());
                event.insert("TopicName".into(), self.topic.clone().into());
                event.insert("MessageId".into(), self.id.clone().into());
                Value::Object(event).to_string().into_bytes()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(tag: Option<&str>) -> Message {
        Message {
            id: "2F5B3C281B283D4EAC694B7425288675".into(),
            topic: "test-topic".into(),
            body: b"hello topic".to_vec(),
            tag: tag.map(str::to_owned),
            publish_time_ms: 1_550_216_302_888,
            about: "test".into(),
        }
    }

    #[test]
    fn json_events_have_fcs_fields_in_fcs_formats() {
        let event = message(None).event(NotifyContentFormat::Json, "1234567890", "sub-1");
        let event: Value = serde_json::from_slice(&event).unwrap();
        let keys: Vec<&str> = event
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(
            keys,
            vec![
                "TopicOwner",
                "Message",
                "Subscriber",
                "PublishTime",
                "SubscriptionName",
                "MessageMD5",
                "TopicName",
                "MessageId"
            ]
        );
        assert_eq!(event["TopicOwner"], "1234567890");
        assert_eq!(event["Subscriber"], "1234567890");
        assert_eq!(event["Message"], "hello topic");
        assert_eq!(event["PublishTime"], 1_550_216_302_888u64);
        assert_eq!(event["SubscriptionName"], "sub-1");
        // md5("hello topic") in upper-case hex (FC's sample event shows a made-up one).
        assert_eq!(event["MessageMD5"], "D6206122A430035E4EC1463CDD704B59");
        assert_eq!(event["TopicName"], "test-topic");
        assert_eq!(event["MessageId"], "2F5B3C281B283D4EAC694B7425288675");
    }

    #[test]
    fn stream_events_are_the_raw_body() {
        let event = message(None).event(NotifyContentFormat::Stream, "1", "s");
        assert_eq!(event, b"hello topic");
    }

    #[test]
    fn new_messages_have_mns_shaped_ids() {
        let message = Message::new("t", b"x".to_vec(), None, "test".into());
        assert_eq!(message.id.len(), 32);
        assert!(
            message
                .id
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
            "{}",
            message.id
        );
        assert!(message.publish_time_ms > 1_600_000_000_000);
    }

    #[test]
    fn filter_tags_match_exactly() {
        assert!(message(None).passes(None));
        assert!(message(Some("vip")).passes(None));
        assert!(message(Some("vip")).passes(Some("vip")));
        assert!(!message(Some("vipx")).passes(Some("vip")));
        assert!(!message(None).passes(Some("vip")));
    }
}
