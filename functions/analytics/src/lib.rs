//! `analytics`: the walkthrough's aggregation step. A timer fires it every
//! minute; it reads the events `process-event` logged in the minute before
//! the firing through the SLS API (GetLogs), counts them per event type and
//! per owner, and prints one JSON summary line. The function lives in its
//! own service, so the summary lands in the logstore under its own topic.
//!
//! Where to read: `FCLOCAL_SLS_ENDPOINT` (set by `fclocal start`, which also
//! allows outbound HTTP to it). What to read: the trigger's `Payload`, JSON
//! `{"project", "logstore", "service", "function", "windowSeconds"}`.

use std::collections::BTreeMap;

use fclocal_sdk::{Context, EventFunction, FunctionError};
use serde::{Deserialize, Serialize};

mod window;

use window::Window;

/// The trigger's payload: which logs to summarise.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    project: String,
    logstore: String,
    service: String,
    function: String,
    #[serde(default = "default_window")]
    window_seconds: i64,
}

fn default_window() -> i64 {
    60
}

/// FC's timer event.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TimerEvent {
    trigger_time: String,
    payload: String,
}

/// One window's summary, the line this function prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    kind: &'static str,
    window_start: i64,
    window_end: i64,
    total: u64,
    by_type: BTreeMap<String, u64>,
    by_owner: BTreeMap<String, u64>,
}

/// The exported function.
pub struct Analytics;

impl EventFunction for Analytics {
    fn handle(event: Vec<u8>, _ctx: Context) -> Result<Vec<u8>, FunctionError> {
        let event: TimerEvent = fclocal_sdk::event::json(&event)?;
        let target: Target = serde_json::from_str(&event.payload).map_err(|error| {
            FunctionError::new(format!(
                "the timer's Payload must be JSON {{\"project\", \"logstore\", \"service\", \"function\"}}: {error}"
            ))
            .with_type("InvalidPayload")
        })?;
        let endpoint = std::env::var("FCLOCAL_SLS_ENDPOINT").map_err(|_| {
            FunctionError::new(
                "FCLOCAL_SLS_ENDPOINT is not set: run this function under `fclocal start`, which serves the SLS API",
            )
            .with_type("NoLogService")
        })?;
        let window = Window::ending_at(&event.trigger_time, target.window_seconds)?;
        let events = window.read_events(&endpoint, &target)?;
        let mut summary = Summary {
            kind: "marbles-summary",
            window_start: window.start,
            window_end: window.end,
            total: 0,
            by_type: BTreeMap::new(),
            by_owner: BTreeMap::new(),
        };
        for queries in events {
            summary.total += 1;
            let event_type = queries
                .get("type")
                .cloned()
                .unwrap_or_else(|| "unknown".into());
            *summary.by_type.entry(event_type).or_default() += 1;
            if let Some(owner) = queries.get("owner") {
                *summary.by_owner.entry(owner.clone()).or_default() += 1;
            }
        }
        let line = serde_json::to_string(&summary)?;
        println!("{line}");
        Ok(line.into_bytes())
    }
}

fclocal_sdk::export_event_function!(Analytics);
