//! Reading one window of `process-event`'s log lines through the SLS API
//! (GetLogs v1), page by page.

use std::collections::BTreeMap;

use fclocal_sdk::FunctionError;
use serde::Deserialize;

use crate::Target;

/// Lines per GetLogs page (SLS's maximum for a search without SQL).
const PAGE: usize = 100;

/// `[start, end)` in unix seconds.
pub struct Window {
    pub start: i64,
    pub end: i64,
}

/// A GetLogs row: every value is a string.
#[derive(Deserialize)]
struct Row {
    message: Option<String>,
}

impl Window {
    /// The `seconds` before the timer's `triggerTime` (`2026-11-23T08:00:00Z`).
    pub fn ending_at(trigger_time: &str, seconds: i64) -> Result<Window, FunctionError> {
        let end = unix_seconds(trigger_time).ok_or_else(|| {
            FunctionError::new(format!(
                "triggerTime {trigger_time:?} is not an RFC 3339 UTC time"
            ))
            .with_type("InvalidEvent")
        })?;
        Ok(Window {
            start: end - seconds.max(1),
            end,
        })
    }

    /// The query parameters of every event the function logged in the
    /// window: process-event logs them as one JSON line, e.g. `{"type":"create"}`.
    pub fn read_events(
        &self,
        endpoint: &str,
        target: &Target,
    ) -> Result<Vec<BTreeMap<String, String>>, FunctionError> {
        let query = format!(
            "__topic__:{} and functionName:{} not \"FC Invoke\"",
            target.service, target.function
        );
        let mut events = Vec::new();
        let mut offset = 0;
        loop {
            let url = format!(
                "{}/logstores/{}?type=log&from={}&to={}&line={PAGE}&offset={offset}&query={}",
                endpoint.trim_end_matches('/'),
                target.logstore,
                self.start,
                self.end,
                encode(&query)
            );
            let response = fclocal_sdk::outbound::send(
                "GET",
                &url,
                &[("x-log-project", target.project.as_str())],
                b"",
            )?;
            if !response.is_success() {
                return Err(FunctionError::new(format!(
                    "GetLogs answered {}: {}",
                    response.status(),
                    response.text()
                ))
                .with_type("LogServiceError"));
            }
            let rows: Vec<Row> = response.json()?;
            let count = rows.len();
            for row in rows {
                let Some(message) = row.message else { continue };
                if let Ok(queries) =
                    serde_json::from_str::<BTreeMap<String, serde_json::Value>>(&message)
                {
                    events.push(
                        queries
                            .into_iter()
                            .map(|(key, value)| {
                                let text = match value {
                                    serde_json::Value::String(text) => text,
                                    other => other.to_string(),
                                };
                                (key, text)
                            })
                            .collect(),
                    );
                }
            }
            if count < PAGE {
                return Ok(events);
            }
            offset += count;
        }
    }
}

/// Percent-encodes a query parameter value.
fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Seconds since the epoch of an RFC 3339 time (FC's timer sends `2026-11-23T08:00:00Z`).
fn unix_seconds(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fc_trigger_times() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2018-02-09T05:49:00Z"), Some(1_518_155_340));
        assert_eq!(unix_seconds("2026-11-23T08:00:00Z"), Some(1_795_420_800));
        assert_eq!(unix_seconds("yesterday"), None);
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode("a b:\"c\""), "a+b%3A%22c%22");
    }
}
