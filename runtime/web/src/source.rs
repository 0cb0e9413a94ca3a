//! What the pages chart, behind a trait so the pages know nothing of storage.
//!
//! `fclocal start` implements [`ChartSource`] over its logstore; tests use a
//! fake with known data.

use std::collections::BTreeMap;
use std::time::SystemTime;

/// Where the charts' numbers come from.
///
/// Methods are synchronous (a SQLite query, typically): the router calls them
/// on Tokio's blocking pool, never on a runtime worker. Errors are messages for
/// the user; the charts show them as text.
pub trait ChartSource: Send + Sync + 'static {
    /// Counts of lines matching `query` (SLS search syntax) in `buckets` equal
    /// buckets over [from, to).
    fn histogram(
        &self,
        project: &str,
        logstore: &str,
        query: &str,
        from: SystemTime,
        to: SystemTime,
        buckets: usize,
    ) -> Result<Vec<Bucket>, String>;

    /// The analytics function's summaries between from and to, oldest first.
    fn summaries(&self, from: SystemTime, to: SystemTime) -> Result<Vec<Summary>, String>;

    /// Logstores by project, for the explorer's pickers.
    fn logstores(&self) -> Result<Vec<(String, Vec<String>)>, String>;
}

/// One histogram bar: how many lines fell in [from, to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// Start of the bucket (inclusive).
    pub from: SystemTime,
    /// End of the bucket (exclusive).
    pub to: SystemTime,
    /// Lines in the bucket.
    pub count: u64,
}

/// One window's summary, as the analytics function prints it
/// (`{"kind":"marbles-summary","windowEnd","total","byType","byOwner",…}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// End of the summarised window; the chart's x position.
    pub window_end: SystemTime,
    /// Events in the window.
    pub total: u64,
    /// Events per Marbles event type (`create`, `transfer`, …).
    pub by_type: BTreeMap<String, u64>,
    /// Events per marble owner.
    pub by_owner: BTreeMap<String, u64>,
}
