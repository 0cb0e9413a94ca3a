//! The web pages' [`ChartSource`] over the logstore: histograms of any
//! search, and the analytics function's summaries read back from its logs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use fclocal_logstore::{SearchRequest, SearchResult};
use fclocal_web::{Bucket, ChartSource, Summary};
use serde::Deserialize;

use super::readers::Readers;

/// Most summaries one chart reads (a week of one-minute windows is 10,080).
const MAX_SUMMARIES: usize = 20_000;

/// Charts over fclocal's logstore.
pub struct StoreCharts {
    readers: Arc<Readers>,
    /// Where summaries may be: the log targets of the template's functions.
    summary_targets: Vec<(String, String)>,
}

impl StoreCharts {
    /// Charts reading through `readers`; summaries are looked for in `summary_targets`.
    pub fn new(readers: Arc<Readers>, summary_targets: Vec<(String, String)>) -> StoreCharts {
        StoreCharts {
            readers,
            summary_targets,
        }
    }
}

/// The analytics function's line: `{"kind":"marbles-summary",...}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SummaryLine {
    kind: String,
    window_end: i64,
    total: u64,
    #[serde(default)]
    by_type: BTreeMap<String, u64>,
    #[serde(default)]
    by_owner: BTreeMap<String, u64>,
}

impl ChartSource for StoreCharts {
    fn histogram(
        &self,
        project: &str,
        logstore: &str,
        query: &str,
        from: SystemTime,
        to: SystemTime,
        buckets: usize,
    ) -> Result<Vec<Bucket>, String> {
        let span = to
            .duration_since(from)
            .map_err(|_| "the time range ends before it starts; pick a later end".to_owned())?;
        let buckets = buckets.max(1);
        let width = span / u32::try_from(buckets).unwrap_or(u32::MAX);
        let width = width.max(Duration::from_millis(1));
        let ranges: Vec<(SystemTime, SystemTime)> = (0..buckets)
            .map(|index| {
                let start = from + width * u32::try_from(index).unwrap_or(u32::MAX);
                let end = if index + 1 == buckets {
                    to
                } else {
                    start + width
                };
                (start, end)
            })
            .collect();
        let counts = self
            .readers
            .with(|reader| reader.histogram(project, logstore, query, None, &ranges))
            .map_err(|error| error.to_string())?
            .map_err(|error| error.to_string())?;
        Ok(ranges
            .into_iter()
            .zip(counts)
            .map(|((from, to), count)| Bucket { from, to, count })
            .collect())
    }

    fn summaries(&self, from: SystemTime, to: SystemTime) -> Result<Vec<Summary>, String> {
        let mut summaries = Vec::new();
        for (project, logstore) in &self.summary_targets {
            let request = SearchRequest {
                project: project.clone(),
                logstore: logstore.clone(),
                query: "\"marbles-summary\"".to_owned(),
                // A window's line is written when it ends: read a little past `to`.
                from: from.checked_sub(Duration::from_secs(3600)).unwrap_or(from),
                to: to + Duration::from_secs(3600),
                topic: None,
                line: MAX_SUMMARIES,
                offset: 0,
                reverse: false,
            };
            let found = self
                .readers
                .with(|reader| reader.search(&request))
                .map_err(|error| error.to_string())?
                .map_err(|error| error.to_string())?;
            let SearchResult::Logs { logs, .. } = found else {
                continue;
            };
            for log in logs {
                let Some(line) = log
                    .get("message")
                    .and_then(|m| serde_json::from_str::<SummaryLine>(m).ok())
                    .filter(|line| line.kind == "marbles-summary")
                else {
                    continue;
                };
                let window_end = SystemTime::UNIX_EPOCH
                    + Duration::from_secs(u64::try_from(line.window_end).unwrap_or(0));
                // Inclusive at both ends, as the chart draws it: a window that
                // ended just now is on the right edge.
                if window_end < from || window_end > to {
                    continue;
                }
                summaries.push(Summary {
                    window_end,
                    total: line.total,
                    by_type: line.by_type,
                    by_owner: line.by_owner,
                });
            }
        }
        summaries.sort_by_key(|summary| summary.window_end);
        summaries.dedup_by_key(|summary| summary.window_end);
        Ok(summaries)
    }

    fn logstores(&self) -> Result<Vec<(String, Vec<String>)>, String> {
        self.readers
            .with(|reader| {
                let mut out = Vec::new();
                for project in reader.projects()? {
                    let names = reader
                        .logstores(&project.name)?
                        .into_iter()
                        .map(|logstore| logstore.name)
                        .collect();
                    out.push((project.name, names));
                }
                Ok::<_, fclocal_logstore::LogStoreError>(out)
            })
            .and_then(|listed| listed)
            .map_err(|error| error.to_string())
    }
}
