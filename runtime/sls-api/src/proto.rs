//! SLS's protobuf model (go-sdk `log.proto`, rs-sdk `logs.proto`), declared
//! with `prost` derives so no build script or `protoc` is needed.
//!
//! ```text
//! message LogContent   { required string Key = 1; required string Value = 2; }
//! message Log          { required uint32 Time = 1; repeated LogContent Contents = 2;
//!                        optional fixed32 TimeNs = 4; }
//! message LogTag       { required string Key = 1; required string Value = 2; }
//! message LogGroup     { repeated Log Logs = 1; optional string Category = 2;
//!                        optional string Topic = 3; optional string Source = 4;
//!                        optional string MachineUUID = 5; repeated LogTag LogTags = 6; }
//! message LogGroupList { repeated LogGroup logGroupList = 1; }
//! ```
//!
//! These types are also the write/read model of [`LogBackend`](crate::LogBackend):
//! PutLogs hands the decoded [`LogGroup`] to the backend and PullLogs encodes
//! the groups the backend returns.

use std::collections::HashMap;

/// One `key: value` field of a log.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct LogContent {
    /// Field name (1–128 bytes; not `__reserved__`).
    #[prost(string, required, tag = "1")]
    pub key: String,
    /// Field value.
    #[prost(string, required, tag = "2")]
    pub value: String,
}

/// One log: a timestamp and its fields, in the order they were written.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Log {
    /// UNIX seconds (`__time__`).
    #[prost(uint32, required, tag = "1")]
    pub time: u32,
    /// The fields.
    #[prost(message, repeated, tag = "2")]
    pub contents: Vec<LogContent>,
    /// Nanoseconds within `time` (`__time_ns_part__`), when the writer sent them.
    #[prost(fixed32, optional, tag = "4")]
    pub time_ns: Option<u32>,
}

/// A tag shared by every log of a group (`__tag__:<key>` when queried).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct LogTag {
    /// Tag name, e.g. `__client_ip__` or `__receive_time__`.
    #[prost(string, required, tag = "1")]
    pub key: String,
    /// Tag value.
    #[prost(string, required, tag = "2")]
    pub value: String,
}

/// The unit of PutLogs and PullLogs: logs sharing a topic, a source and tags.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct LogGroup {
    /// The logs, in write order.
    #[prost(message, repeated, tag = "1")]
    pub logs: Vec<Log>,
    /// Legacy; SDKs leave it empty.
    #[prost(string, optional, tag = "2")]
    pub category: Option<String>,
    /// `__topic__` (FC 2.0 writes the service name; FC 3.0 `FCLogs:<function>`).
    #[prost(string, optional, tag = "3")]
    pub topic: Option<String>,
    /// `__source__`, usually the writer's IP address.
    #[prost(string, optional, tag = "4")]
    pub source: Option<String>,
    /// Logtail's machine id; SDKs leave it empty.
    #[prost(string, optional, tag = "5")]
    pub machine_uuid: Option<String>,
    /// Tags shared by every log of the group.
    #[prost(message, repeated, tag = "6")]
    pub log_tags: Vec<LogTag>,
}

/// The body of a PullLogs answer.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct LogGroupList {
    /// The groups, oldest first.
    #[prost(message, repeated, tag = "1")]
    pub log_group_list: Vec<LogGroup>,
}

impl LogContent {
    /// A `key: value` field.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> LogContent {
        LogContent {
            key: key.into(),
            value: value.into(),
        }
    }
}

impl LogTag {
    /// A `key: value` tag.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> LogTag {
        LogTag {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// The flat, all-string view of one log that GetLogs returns (SLS's
/// "reserved fields"): `__time__`, `__time_ns_part__` (when written),
/// `__topic__`, `__source__`, one `__tag__:<key>` per group tag, then the
/// log's own fields. A later duplicate key overwrites an earlier one.
///
/// Backends can use this to answer [`GetLogsRequest`](crate::GetLogsRequest)s
/// with exactly SLS's field names.
pub fn flatten(group: &LogGroup, log: &Log) -> Vec<(String, String)> {
    let mut row = Row::default();
    row.set("__time__".to_owned(), log.time.to_string());
    if let Some(ns) = log.time_ns {
        row.set("__time_ns_part__".to_owned(), ns.to_string());
    }
    row.set(
        "__topic__".to_owned(),
        group.topic.clone().unwrap_or_default(),
    );
    row.set(
        "__source__".to_owned(),
        group.source.clone().unwrap_or_default(),
    );
    for tag in &group.log_tags {
        row.set(format!("__tag__:{}", tag.key), tag.value.clone());
    }
    for content in &log.contents {
        row.set(content.key.clone(), content.value.clone());
    }
    row.fields
}

/// Ordered fields where a repeated key keeps its first position and its last
/// value, as a JSON object built from the pairs would.
#[derive(Default)]
struct Row {
    fields: Vec<(String, String)>,
    positions: HashMap<String, usize>,
}

impl Row {
    fn set(&mut self, key: String, value: String) {
        match self.positions.get(&key) {
            Some(&index) => self.fields[index].1 = value,
            None => {
                self.positions.insert(key.clone(), self.fields.len());
                self.fields.push((key, value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message as _;

    #[test]
    fn a_group_round_trips_through_the_wire_format() {
        let group = LogGroup {
            logs: vec![Log {
                time: 1_700_000_000,
                contents: vec![LogContent::new("message", "hello")],
                time_ns: Some(42),
            }],
            topic: Some("svc".into()),
            source: Some("10.0.0.1".into()),
            log_tags: vec![LogTag::new("__client_ip__", "127.0.0.1")],
            ..LogGroup::default()
        };
        let bytes = group.encode_to_vec();
        assert_eq!(LogGroup::decode(bytes.as_slice()).unwrap(), group);
    }

    #[test]
    fn the_wire_tags_match_log_proto() {
        // Log { Time = 1 (varint), Contents = 2, TimeNs = 4 (fixed32) }
        let log = Log {
            time: 1,
            contents: vec![LogContent::new("k", "v")],
            time_ns: Some(2),
        };
        assert_eq!(
            log.encode_to_vec(),
            vec![
                0x08, 0x01, 0x12, 0x06, 0x0a, 0x01, b'k', 0x12, 0x01, b'v', 0x25, 2, 0, 0, 0
            ]
        );
        let group = LogGroup {
            topic: Some("t".into()),
            source: Some("s".into()),
            machine_uuid: Some("m".into()),
            category: Some("c".into()),
            ..LogGroup::default()
        };
        assert_eq!(
            group.encode_to_vec(),
            vec![0x12, 1, b'c', 0x1a, 1, b't', 0x22, 1, b's', 0x2a, 1, b'm']
        );
    }

    #[test]
    fn flatten_uses_slss_reserved_names() {
        let group = LogGroup {
            logs: vec![],
            topic: Some("svc".into()),
            source: None,
            log_tags: vec![LogTag::new("__client_ip__", "1.2.3.4")],
            ..LogGroup::default()
        };
        let log = Log {
            time: 7,
            contents: vec![LogContent::new("a", "1"), LogContent::new("a", "2")],
            time_ns: None,
        };
        assert_eq!(
            flatten(&group, &log),
            vec![
                ("__time__".to_owned(), "7".to_owned()),
                ("__topic__".to_owned(), "svc".to_owned()),
                ("__source__".to_owned(), String::new()),
                ("__tag__:__client_ip__".to_owned(), "1.2.3.4".to_owned()),
                ("a".to_owned(), "2".to_owned()),
            ]
        );
    }
}
