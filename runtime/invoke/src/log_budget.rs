//! How much a function (and a logstore) may log per minute.
//!
//! One invocation's output is already bounded (`CaptureLimits`), but a
//! function invoked in a loop that prints megabytes each time filled
//! `logs.db` at 1.5 GB a minute and made every other function's log
//! hand-off wait behind its lines. So each function gets a byte budget per
//! minute, and so does each logstore (several functions may share one); a
//! line past either budget is dropped and counted, the invocation's log says
//! so in one `WARN` line, and the totals are kept for the server to report.
//! FC's framing lines and fclocal's own notices are never dropped.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The budget window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// What a line costs beyond its text: the record's fields.
pub const LINE_OVERHEAD_BYTES: u64 = 64;

/// Byte budgets per [`WINDOW`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogRateLimit {
    /// What one function may log per minute.
    pub function_bytes_per_minute: u64,
    /// What all functions writing to one logstore may log per minute.
    pub logstore_bytes_per_minute: u64,
}

impl LogRateLimit {
    /// A function budget of `mb` MiB a minute, and five times that for a
    /// logstore.
    pub fn from_function_mb(mb: u64) -> Self {
        LogRateLimit {
            function_bytes_per_minute: mb << 20,
            logstore_bytes_per_minute: (mb << 20).saturating_mul(5),
        }
    }
}

impl Default for LogRateLimit {
    fn default() -> Self {
        LogRateLimit::from_function_mb(DEFAULT_FUNCTION_MB_PER_MINUTE)
    }
}

/// The default function budget: far above what a developer reads, far below
/// what fills a disk (10 MiB/min is 14 GB a day at worst, swept by TTL).
pub const DEFAULT_FUNCTION_MB_PER_MINUTE: u64 = 10;

/// Lines dropped for one function since the server started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DroppedLogs {
    /// Lines dropped.
    pub lines: u64,
    /// Their bytes (text plus [`LINE_OVERHEAD_BYTES`] each).
    pub bytes: u64,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    used: u64,
}

impl Window {
    fn new(now: Instant) -> Self {
        Window {
            start: now,
            used: 0,
        }
    }

    /// Starts a new window once the current one is over.
    fn roll(&mut self, now: Instant) {
        if now.duration_since(self.start) >= WINDOW {
            *self = Window::new(now);
        }
    }
}

#[derive(Debug, Default)]
struct Windows {
    functions: BTreeMap<String, Window>,
    logstores: BTreeMap<String, Window>,
    dropped: BTreeMap<String, DroppedLogs>,
}

/// The budgets of every function and logstore of one server.
#[derive(Debug)]
pub struct LogBudgets {
    limit: LogRateLimit,
    windows: Mutex<Windows>,
}

impl LogBudgets {
    /// Budgets of `limit`.
    pub fn new(limit: LogRateLimit) -> Self {
        LogBudgets {
            limit,
            windows: Mutex::new(Windows::default()),
        }
    }

    /// The budgets.
    pub fn limit(&self) -> LogRateLimit {
        self.limit
    }

    /// Whether `function` may log a line of `text_bytes` into `logstore`
    /// now; if so its bytes are spent, if not they are counted as dropped.
    pub fn admit(&self, function: &str, logstore: &str, text_bytes: usize) -> bool {
        self.admit_at(Instant::now(), function, logstore, text_bytes)
    }

    /// [`LogBudgets::admit`] at `now` (tests move time).
    pub fn admit_at(
        &self,
        now: Instant,
        function: &str,
        logstore: &str,
        text_bytes: usize,
    ) -> bool {
        let cost = text_bytes as u64 + LINE_OVERHEAD_BYTES;
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let Windows {
            functions,
            logstores,
            dropped,
        } = &mut *windows;
        let function_window = entry(functions, function, || Window::new(now));
        function_window.roll(now);
        let logstore_window = entry(logstores, logstore, || Window::new(now));
        logstore_window.roll(now);
        let fits = function_window.used + cost <= self.limit.function_bytes_per_minute
            && logstore_window.used + cost <= self.limit.logstore_bytes_per_minute;
        if fits {
            function_window.used += cost;
            logstore_window.used += cost;
        } else {
            let dropped = entry(dropped, function, DroppedLogs::default);
            dropped.lines += 1;
            dropped.bytes += cost;
        }
        fits
    }

    /// Lines dropped so far, by function.
    pub fn dropped(&self) -> BTreeMap<String, DroppedLogs> {
        self.windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .dropped
            .clone()
    }
}

/// The value of `key`, made the first time. Every log line passes here, so
/// unlike `entry(key.to_owned())` the key is copied only once.
fn entry<'a, T>(
    map: &'a mut BTreeMap<String, T>,
    key: &str,
    make: impl FnOnce() -> T,
) -> &'a mut T {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), make());
    }
    map.get_mut(key)
        .unwrap_or_else(|| unreachable!("inserted above"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budgets(function: u64, logstore: u64) -> LogBudgets {
        LogBudgets::new(LogRateLimit {
            function_bytes_per_minute: function,
            logstore_bytes_per_minute: logstore,
        })
    }

    #[test]
    fn a_function_past_its_budget_is_dropped_and_counted_until_the_next_minute() {
        let budgets = budgets(1000, 10_000);
        let start = Instant::now();
        // 436 bytes a line with the overhead: two fit, the third does not.
        assert!(budgets.admit_at(start, "s/flood", "p/l", 436));
        assert!(budgets.admit_at(start, "s/flood", "p/l", 436));
        assert!(!budgets.admit_at(start, "s/flood", "p/l", 436));
        assert!(!budgets.admit_at(start + WINDOW / 2, "s/flood", "p/l", 0));
        assert_eq!(
            budgets.dropped()["s/flood"],
            DroppedLogs {
                lines: 2,
                bytes: 500 + 64
            }
        );
        // Another function has its own budget.
        assert!(budgets.admit_at(start, "s/hello", "p/l", 436));
        // A new minute, a new budget.
        assert!(budgets.admit_at(start + WINDOW, "s/flood", "p/l", 436));
    }

    #[test]
    fn functions_sharing_a_logstore_share_its_budget() {
        let budgets = budgets(1000, 1000);
        let now = Instant::now();
        assert!(budgets.admit_at(now, "s/a", "p/l", 836));
        assert!(!budgets.admit_at(now, "s/b", "p/l", 37));
        assert!(budgets.admit_at(now, "s/b", "p/other", 36));
        assert_eq!(budgets.dropped()["s/b"].lines, 1);
    }
}
