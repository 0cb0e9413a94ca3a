//! [`TopicsError`]: what publishing can refuse.

/// Why a message was not published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicsError {
    /// No template trigger, template resource or network EventTopics entry names the
    /// topic.
    #[error(
        "topic `{topic}` does not exist; known topics: {}. Topics come from MNSTopic triggers' TopicName, Aliyun::Serverless::MNSTopic resources in template.yml, and EventTopics in the network file",
        if known.is_empty() { "(none)".to_owned() } else { known.join(", ") }
    )]
    UnknownTopic {
        /// The name asked for.
        topic: String,
        /// Every topic the hub knows, sorted.
        known: Vec<String>,
    },
}
