//! How a timer firing reaches a function: through the same pools as HTTP
//! requests, with FC's timer event, a status line per firing, and a log
//! record when a firing is skipped because the previous run is still going.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use fclocal_invoke::{FunctionSpec, Pools, new_request_id};
use fclocal_timers::{TimerSpec, TimerTarget};

use crate::console::Console;

/// Runs timer firings on the pools.
pub struct PoolTimerTarget {
    pools: Arc<Pools>,
    console: Console,
    /// Function settings by `service/function`, for skip records.
    specs: BTreeMap<String, FunctionSpec>,
}

impl PoolTimerTarget {
    /// A target running on `pools`.
    pub fn new(pools: Arc<Pools>, console: Console, specs: Vec<FunctionSpec>) -> Arc<Self> {
        Arc::new(PoolTimerTarget {
            pools,
            console,
            specs: specs.into_iter().map(|spec| (spec.label(), spec)).collect(),
        })
    }
}

fn when(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl TimerTarget for PoolTimerTarget {
    fn fire(
        &self,
        timer: &TimerSpec,
        scheduled: DateTime<Utc>,
        manual: bool,
        event: Vec<u8>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        let pools = self.pools.clone();
        let console = self.console;
        let key = timer.key();
        let label = format!("{}/{}", timer.service, timer.function);
        let request_id = new_request_id();
        console.line(&format!(
            "Timer {key} fired{} for {} (RequestId: {request_id})",
            if manual { " by hand" } else { "" },
            when(scheduled)
        ));
        Box::pin(async move {
            match pools.invoke_event(&label, request_id.clone(), event).await {
                Ok(report) => {
                    let outcome = match &report.result {
                        Ok(_) => "succeeded".to_owned(),
                        Err(error) => format!("failed with {} ({error})", error.fc_error_type()),
                    };
                    console.line(&format!(
                        "Timer {key} run {request_id} {outcome} in {} ms",
                        report.duration.as_millis()
                    ));
                }
                Err(error) => console.line(&format!(
                    "Timer {key} run {request_id} could not start: {error}"
                )),
            }
        })
    }

    fn skipped(&self, timer: &TimerSpec, scheduled: DateTime<Utc>, manual: bool) {
        let key = timer.key();
        let message = format!(
            "FC Timer {key} skipped the firing for {}{}: the previous run is still going",
            when(scheduled),
            if manual { " (fired by hand)" } else { "" }
        );
        self.console.line(&message);
        if let Some(spec) = self
            .specs
            .get(&format!("{}/{}", timer.service, timer.function))
        {
            self.pools.host().record_line(spec, "WARN", &message);
        }
    }
}
