//! What the writer thread queues and commits: one `append` call's records or one SLS group.
//! Either is committed whole, in one transaction, so a group is never split across
//! transactions or shards.

use crate::group::GroupAppend;
use crate::model::LogRecord;

/// One queued write.
#[derive(Debug)]
pub(crate) enum Pending {
    /// A [`crate::LogWriter::append`] call: one group per logstore it names (more when
    /// topic, source or tags change from line to line, see `insert.rs`).
    Records(Vec<LogRecord>),
    /// A [`crate::LogWriter::append_group`] call.
    /// Boxed: a group is several times larger than the other commands on the channel.
    Group(Box<GroupAppend>),
}

impl Pending {
    /// How many lines it holds: what the writer's `max_batch` counts.
    pub(crate) fn lines(&self) -> usize {
        match self {
            Pending::Records(records) => records.len(),
            Pending::Group(group) => group.logs.len(),
        }
    }
}
