//! Turning a batch of stored lines into PutLogs requests' worth of
//! `LogGroup`s, and setting aside the lines SLS could never accept.
//!
//! - A group shares project, logstore, topic, source and tags (the fields
//!   SLS keeps per `LogGroup`); lines that share them go together however
//!   they interleave with others in the batch, in id order within a group,
//!   and groups go out in the order of their first line.
//! - A group holds at most [`MAX_LOGS`] logs and [`MAX_GROUP_BYTES`] of
//!   protobuf (SLS's PutLogs limits); a fuller one is cut.
//! - `__receive_time__` and `__client_ip__` tags are left out: they are
//!   what the local API recorded on receipt, and SLS adds its own.
//! - Lines SLS refuses whatever happens are not sent but dropped *and
//!   counted* (they stay in the local logstore): older than SLS's 7-day
//!   window or more than 15 minutes ahead of now (both with a minute of
//!   margin for clock skew), or larger than a group may be on their own.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fclocal_logstore::StoredLog;
use fclocal_sls_api::validate::{MAX_AGE, MAX_AHEAD, MAX_GROUP_BYTES, MAX_LOGS};
use fclocal_sls_api::{Log, LogContent, LogGroup, LogTag};
use prost::Message as _;

/// Tags the local API adds on receipt; SLS adds its own.
const RECEIPT_TAGS: [&str; 2] = ["__receive_time__", "__client_ip__"];
/// Margin kept inside SLS's time window, for clock skew.
const TIME_MARGIN: Duration = Duration::from_secs(60);

/// One PutLogs request's worth: a group for `project/logstore`, and the
/// local id of each of its logs (parallel to `group.logs`).
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// SLS project.
    pub project: String,
    /// SLS logstore.
    pub logstore: String,
    /// The group to send.
    pub group: LogGroup,
    /// Local row id of each log of `group`, in the same order.
    pub ids: Vec<i64>,
}

impl Outgoing {
    /// Splits a group of two or more logs into two halves (to find the line
    /// SLS refuses); `None` for a single log.
    pub fn halves(&self) -> Option<(Outgoing, Outgoing)> {
        if self.ids.len() < 2 {
            return None;
        }
        let middle = self.ids.len() / 2;
        let half = |range: std::ops::Range<usize>| Outgoing {
            project: self.project.clone(),
            logstore: self.logstore.clone(),
            group: LogGroup {
                logs: self.group.logs[range.clone()].to_vec(),
                ..self.group.clone()
            },
            ids: self.ids[range].to_vec(),
        };
        Some((half(0..middle), half(middle..self.ids.len())))
    }
}

/// Why a line was not forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    /// Its time is before SLS's 7-day window.
    TooOld,
    /// Its time is more than 15 minutes ahead.
    TooFarAhead,
    /// Alone it is larger than a group may be.
    TooLarge {
        /// Its protobuf size.
        bytes: usize,
    },
    /// SLS refused it (found by splitting a refused group down to it).
    Refused {
        /// SLS's error code and message.
        error: String,
    },
}

impl std::fmt::Display for DropReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DropReason::TooOld => write!(f, "older than SLS's 7-day PutLogs window"),
            DropReason::TooFarAhead => write!(f, "more than 15 minutes in the future"),
            DropReason::TooLarge { bytes } => write!(
                f,
                "{bytes} bytes, over SLS's {MAX_GROUP_BYTES}-byte group limit"
            ),
            DropReason::Refused { error } => write!(f, "refused by SLS: {error}"),
        }
    }
}

/// A line set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// Local row id.
    pub id: i64,
    /// Its project.
    pub project: String,
    /// Its logstore.
    pub logstore: String,
    /// Why.
    pub reason: DropReason,
}

/// A batch, planned.
#[derive(Debug, Default)]
pub struct Planned {
    /// The groups to send, in order.
    pub groups: Vec<Outgoing>,
    /// Lines SLS would refuse.
    pub dropped: Vec<Dropped>,
    /// Lines of projects that are not forwarded.
    pub not_forwarded: u64,
}

/// The fields a group shares.
#[derive(PartialEq, Eq)]
struct Key<'a> {
    project: &'a str,
    logstore: &'a str,
    topic: &'a str,
    source: &'a str,
    tags: Vec<(&'a str, &'a str)>,
}

impl<'a> Key<'a> {
    fn of(log: &'a StoredLog) -> Key<'a> {
        Key {
            project: &log.project,
            logstore: &log.logstore,
            topic: &log.topic,
            source: &log.source,
            tags: log
                .tags
                .iter()
                .filter(|(k, _)| !RECEIPT_TAGS.contains(&k.as_str()))
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        }
    }

    fn empty_group(&self) -> Outgoing {
        Outgoing {
            project: self.project.to_owned(),
            logstore: self.logstore.to_owned(),
            group: LogGroup {
                topic: Some(self.topic.to_owned()),
                source: Some(self.source.to_owned()),
                log_tags: self.tags.iter().map(|(k, v)| LogTag::new(*k, *v)).collect(),
                ..LogGroup::default()
            },
            ids: Vec::new(),
        }
    }
}

/// Plans `lines` (in id order) at time `now`; `forwards` says which projects go.
pub fn plan(lines: &[StoredLog], now: SystemTime, forwards: impl Fn(&str) -> bool) -> Planned {
    let mut planned = Planned::default();
    // Open groups: their key, the index of their current group in
    // `planned.groups`, and that group's size so far.
    let mut open: Vec<(Key<'_>, usize, usize)> = Vec::new();
    for line in lines {
        if !forwards(&line.project) {
            planned.not_forwarded += 1;
            continue;
        }
        let drop = |reason| Dropped {
            id: line.id,
            project: line.project.clone(),
            logstore: line.logstore.clone(),
            reason,
        };
        if let Some(reason) = out_of_window(line.time, now) {
            planned.dropped.push(drop(reason));
            continue;
        }
        let log = to_log(line);
        let log_bytes = prost::encoding::message::encoded_len(1, &log);
        let key = Key::of(line);
        let shared_bytes = key.empty_group().group.encoded_len();
        if shared_bytes + log_bytes > MAX_GROUP_BYTES {
            planned
                .dropped
                .push(drop(DropReason::TooLarge { bytes: log_bytes }));
            continue;
        }
        let slot = open.iter().position(|(k, _, _)| *k == key);
        let fits = |(_, index, bytes): &(Key<'_>, usize, usize), groups: &[Outgoing]| {
            groups[*index].ids.len() < MAX_LOGS && bytes + log_bytes <= MAX_GROUP_BYTES
        };
        let index = match slot {
            Some(slot) if fits(&open[slot], &planned.groups) => slot,
            Some(slot) => {
                planned.groups.push(key.empty_group());
                open[slot] = (key, planned.groups.len() - 1, shared_bytes);
                slot
            }
            None => {
                planned.groups.push(key.empty_group());
                open.push((key, planned.groups.len() - 1, shared_bytes));
                open.len() - 1
            }
        };
        let (_, group_index, bytes) = &mut open[index];
        *bytes += log_bytes;
        let outgoing = &mut planned.groups[*group_index];
        outgoing.group.logs.push(log);
        outgoing.ids.push(line.id);
    }
    planned
}

/// Why SLS would refuse a line of this time now, if it would.
fn out_of_window(time: SystemTime, now: SystemTime) -> Option<DropReason> {
    let earliest = now
        .checked_sub(Duration::from_secs(MAX_AGE) - TIME_MARGIN)
        .unwrap_or(UNIX_EPOCH);
    let latest = now + Duration::from_secs(MAX_AHEAD) - TIME_MARGIN;
    if time < earliest {
        Some(DropReason::TooOld)
    } else if time > latest {
        Some(DropReason::TooFarAhead)
    } else {
        None
    }
}

/// A stored line as an SLS `Log` (seconds and the nanosecond part).
fn to_log(line: &StoredLog) -> Log {
    let since = line.time.duration_since(UNIX_EPOCH).unwrap_or_default();
    Log {
        time: u32::try_from(since.as_secs()).unwrap_or(u32::MAX),
        contents: line
            .contents
            .iter()
            .map(|(k, v)| LogContent::new(k.clone(), v.clone()))
            .collect(),
        time_ns: Some(since.subsec_nanos()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_SECS: u64 = 1_800_000_000;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW_SECS)
    }

    fn line(id: i64, project: &str, topic: &str, message: &str) -> StoredLog {
        StoredLog {
            id,
            project: project.into(),
            logstore: "ls".into(),
            shard: 0,
            seq: 0,
            time: now() - Duration::from_millis(1500),
            topic: topic.into(),
            source: "10.0.0.1".into(),
            tags: vec![],
            contents: vec![
                ("functionName".into(), "hello".into()),
                ("message".into(), message.into()),
            ],
        }
    }

    #[test]
    fn lines_group_by_their_shared_fields_in_order_of_first_appearance() {
        let lines = vec![
            line(1, "p", "svc-a", "one"),
            line(2, "p", "svc-b", "two"),
            line(3, "p", "svc-a", "three"),
            line(4, "other", "svc-a", "skipped"),
            line(5, "q", "svc-a", "four"),
        ];
        let planned = plan(&lines, now(), |p| p != "other");
        assert_eq!(planned.not_forwarded, 1);
        assert!(planned.dropped.is_empty());
        let shape: Vec<(&str, Option<&str>, &[i64])> = planned
            .groups
            .iter()
            .map(|g| (g.project.as_str(), g.group.topic.as_deref(), &g.ids[..]))
            .collect();
        assert_eq!(
            shape,
            [
                ("p", Some("svc-a"), &[1, 3][..]),
                ("p", Some("svc-b"), &[2][..]),
                ("q", Some("svc-a"), &[5][..]),
            ]
        );
        let first = &planned.groups[0].group;
        assert_eq!(first.source.as_deref(), Some("10.0.0.1"));
        let log = &first.logs[1];
        assert_eq!(
            (log.time, log.time_ns),
            ((NOW_SECS - 2) as u32, Some(500_000_000))
        );
        assert_eq!(log.contents[1], LogContent::new("message", "three"));
    }

    #[test]
    fn tags_split_groups_and_receipt_tags_are_left_out() {
        let mut a = line(1, "p", "t", "a");
        a.tags = vec![
            ("__receive_time__".into(), "1".into()),
            ("k".into(), "v".into()),
        ];
        let mut b = line(2, "p", "t", "b");
        b.tags = vec![
            ("__receive_time__".into(), "2".into()),
            ("k".into(), "v".into()),
        ];
        let mut c = line(3, "p", "t", "c");
        c.tags = vec![("k".into(), "w".into())];
        let planned = plan(&[a, b, c], now(), |_| true);
        assert_eq!(planned.groups.len(), 2);
        assert_eq!(planned.groups[0].ids, [1, 2]);
        assert_eq!(planned.groups[0].group.log_tags, [LogTag::new("k", "v")]);
    }

    #[test]
    fn groups_are_cut_at_slss_count_limit() {
        let lines: Vec<StoredLog> = (1..=MAX_LOGS as i64 * 2 + 1)
            .map(|id| line(id, "p", "t", "m"))
            .collect();
        let planned = plan(&lines, now(), |_| true);
        let sizes: Vec<usize> = planned.groups.iter().map(|g| g.ids.len()).collect();
        assert_eq!(sizes, [MAX_LOGS, MAX_LOGS, 1]);
        assert_eq!(planned.groups[1].ids[0], MAX_LOGS as i64 + 1);
    }

    #[test]
    fn groups_are_cut_at_slss_byte_limit_and_stay_under_it() {
        let big = "x".repeat(1 << 20);
        let lines: Vec<StoredLog> = (1..=7).map(|id| line(id, "p", "t", &big)).collect();
        let planned = plan(&lines, now(), |_| true);
        let sizes: Vec<usize> = planned.groups.iter().map(|g| g.ids.len()).collect();
        assert_eq!(sizes, [2, 2, 2, 1]);
        for group in &planned.groups {
            assert!(group.group.encoded_len() <= MAX_GROUP_BYTES);
        }
    }

    #[test]
    fn lines_sls_would_refuse_are_dropped_and_named() {
        let mut old = line(1, "p", "t", "old");
        old.time = now() - Duration::from_secs(MAX_AGE);
        let mut ahead = line(2, "p", "t", "ahead");
        ahead.time = now() + Duration::from_secs(MAX_AHEAD);
        let huge = line(3, "p", "t", &"x".repeat(MAX_GROUP_BYTES));
        let fine = line(4, "p", "t", "fine");
        let planned = plan(&[old, ahead, huge, fine], now(), |_| true);
        let reasons: Vec<(i64, String)> = planned
            .dropped
            .iter()
            .map(|d| (d.id, d.reason.to_string()))
            .collect();
        assert_eq!(
            reasons[0],
            (1, "older than SLS's 7-day PutLogs window".into())
        );
        assert_eq!(reasons[1], (2, "more than 15 minutes in the future".into()));
        assert!(reasons[2].1.contains("over SLS's 3145728-byte group limit"));
        assert_eq!(planned.groups.len(), 1);
        assert_eq!(planned.groups[0].ids, [4]);
    }

    #[test]
    fn halves_split_logs_and_ids_together() {
        let lines: Vec<StoredLog> = (1..=5).map(|id| line(id, "p", "t", "m")).collect();
        let planned = plan(&lines, now(), |_| true);
        let (a, b) = planned.groups[0].halves().unwrap();
        assert_eq!((a.ids, b.ids), (vec![1, 2], vec![3, 4, 5]));
        assert_eq!((a.group.logs.len(), b.group.logs.len()), (2, 3));
        assert_eq!(b.group.topic.as_deref(), Some("t"));
        let (single, _) = planned.groups[0].halves().unwrap().0.halves().unwrap();
        assert!(single.halves().is_none());
    }
}
