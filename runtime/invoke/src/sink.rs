//! The log of one invocation: every captured line becomes an FC-formatted
//! line (`<UTC ms>Z <request id> [LEVEL] <message>`), a record in the
//! logstore with FC's fields, an entry in the tail buffer (for
//! `X-Fc-Log-Result`) and, when a terminal is watching, an echoed line.
//!
//! Levels: stdout lines are `INFO`, stderr lines `ERROR`, and a stdout line
//! that starts with `[DEBUG] `, `[INFO] `, `[WARN] ` or `[ERROR] ` (what the
//! SDK's logging macros print) takes that level. Lines from fclocal itself
//! (dropped output, denied requests) are `WARN`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};
use fclocal_engine::{CapturedLine, LineSource, LogSink};
use fclocal_logstore::{LogRecord, LogWriter};

use crate::log_budget::{LINE_OVERHEAD_BYTES, LogBudgets, LogRateLimit};
use crate::spec::{FunctionSpec, QUALIFIER};

/// How many bytes of formatted log the tail keeps (FC's `X-Fc-Log-Result`).
pub const LOG_TAIL_BYTES: usize = 4 * 1024;

/// Receives each formatted line, for a terminal.
pub trait LineEcho: Send + Sync {
    /// Called once per line, already formatted.
    fn echo(&self, line: &str);
}

/// The fields every record of one instance shares.
#[derive(Debug, Clone)]
pub struct RecordFields {
    /// Logstore project.
    pub project: String,
    /// Logstore.
    pub logstore: String,
    /// `__source__`.
    pub source: String,
    /// Service name.
    pub service: String,
    /// `__topic__`: the service name (FC 2.0) or `FCLogs:<function>` (FC 3.0).
    pub topic: String,
    /// Function name.
    pub function: String,
    /// `instanceID`.
    pub instance_id: String,
}

impl RecordFields {
    /// The fields for an instance of `spec`.
    pub fn new(spec: &FunctionSpec, source: &str, instance_id: &str) -> Self {
        RecordFields {
            project: spec.log_target.project.clone(),
            logstore: spec.log_target.logstore.clone(),
            source: source.to_owned(),
            service: spec.service.clone(),
            topic: spec.log_topic.clone(),
            function: spec.function.clone(),
            instance_id: instance_id.to_owned(),
        }
    }
}

/// The log of one invocation (a [`LogSink`] for the engine).
pub struct InvocationLog {
    request_id: String,
    /// Whether the instance was started for this invocation (`coldStart`).
    cold_start: bool,
    fields: Arc<RecordFields>,
    /// Where records go; `None` when the lines are only echoed
    /// ([`InvocationLog::echo_only`]).
    writer: Option<LogWriter>,
    echo: Option<Arc<dyn LineEcho>>,
    tail: Mutex<Tail>,
    /// Records not yet handed to the writer: frames wait for the next line
    /// or the final flush (see [`InvocationLog::frame_held`]).
    held: Mutex<Vec<LogRecord>>,
    /// The per-minute budgets the guest's lines are charged to, if any.
    budget: Option<Budget>,
    /// `service/function`: the producer key its lines are queued under, so
    /// the logstore writer serves functions fairly.
    key: Arc<str>,
    /// Whether a line was handed to the writer before the end
    /// ([`InvocationLog::handed_lines`]).
    handed: AtomicBool,
}

/// An invocation's share of [`LogBudgets`]: the keys it is charged under
/// and what it had dropped.
struct Budget {
    budgets: Arc<LogBudgets>,
    /// `project/logstore`; the function is the log's `key`.
    logstore: String,
    dropped_lines: AtomicU64,
    dropped_bytes: AtomicU64,
}

impl InvocationLog {
    /// A log for request `request_id`.
    pub fn new(
        request_id: &str,
        fields: Arc<RecordFields>,
        writer: LogWriter,
        echo: Option<Arc<dyn LineEcho>>,
        cold_start: bool,
    ) -> Arc<Self> {
        Arc::new(Self::build(
            request_id,
            fields,
            Some(writer),
            echo,
            cold_start,
            None,
        ))
    }

    /// A log that stores nothing: every line goes to `echo` only (and to
    /// the tail). For `fclocal serve-function`, where Function Compute
    /// itself collects the process's stdout into the service's Logstore.
    /// No budget applies: FC meters that output, not fclocal.
    pub fn echo_only(
        request_id: &str,
        fields: Arc<RecordFields>,
        echo: Arc<dyn LineEcho>,
        cold_start: bool,
    ) -> Arc<Self> {
        Arc::new(Self::build(
            request_id,
            fields,
            None,
            Some(echo),
            cold_start,
            None,
        ))
    }

    /// [`InvocationLog::new`] whose guest lines are charged to `budgets`:
    /// past a budget they are dropped and counted (see `log_budget.rs`).
    pub fn limited(
        request_id: &str,
        fields: Arc<RecordFields>,
        writer: LogWriter,
        echo: Option<Arc<dyn LineEcho>>,
        cold_start: bool,
        budgets: Arc<LogBudgets>,
    ) -> Arc<Self> {
        let budget = Budget {
            budgets,
            logstore: format!("{}/{}", fields.project, fields.logstore),
            dropped_lines: AtomicU64::new(0),
            dropped_bytes: AtomicU64::new(0),
        };
        Arc::new(Self::build(
            request_id,
            fields,
            Some(writer),
            echo,
            cold_start,
            Some(budget),
        ))
    }

    fn build(
        request_id: &str,
        fields: Arc<RecordFields>,
        writer: Option<LogWriter>,
        echo: Option<Arc<dyn LineEcho>>,
        cold_start: bool,
        budget: Option<Budget>,
    ) -> Self {
        InvocationLog {
            request_id: request_id.to_owned(),
            cold_start,
            key: Arc::from(format!("{}/{}", fields.service, fields.function)),
            fields,
            writer,
            echo,
            tail: Mutex::new(Tail::default()),
            held: Mutex::new(Vec::new()),
            budget,
            handed: AtomicBool::new(false),
        }
    }

    /// Records one `WARN` line if this invocation lost lines to a budget.
    pub fn report_dropped(&self, limit: &LogRateLimit) {
        let Some(budget) = &self.budget else {
            return;
        };
        let lines = budget.dropped_lines.load(Ordering::Relaxed);
        if lines == 0 {
            return;
        }
        let bytes = budget.dropped_bytes.load(Ordering::Relaxed);
        self.record_line(
            "WARN",
            &format!(
                "fclocal: dropped {lines} log line(s) ({bytes} bytes) of this invocation: \
                 function {} may log {} MiB per minute and logstore {} {} MiB \
                 (raise it with `fclocal start --max-log-mb-per-minute`)",
                self.key,
                limit.function_bytes_per_minute >> 20,
                budget.logstore,
                limit.logstore_bytes_per_minute >> 20,
            ),
        );
    }

    /// Whether a guest line of `text_bytes` fits the budgets (always, with
    /// none); counts it when it does not.
    fn admit(&self, text_bytes: usize) -> bool {
        let Some(budget) = &self.budget else {
            return true;
        };
        if budget
            .budgets
            .admit(&self.key, &budget.logstore, text_bytes)
        {
            return true;
        }
        budget.dropped_lines.fetch_add(1, Ordering::Relaxed);
        budget
            .dropped_bytes
            .fetch_add(text_bytes as u64 + LINE_OVERHEAD_BYTES, Ordering::Relaxed);
        false
    }

    /// The key its lines are queued under (`service/function`): flush
    /// with [`LogWriter::flush_key`] to wait for them.
    pub fn key(&self) -> &Arc<str> {
        &self.key
    }

    /// The request id.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Records one of FC's framing lines around a call (`FC Invoke
    /// Start/End`, `FC Initialize Start/End`), stored as a record and echoed
    /// verbatim without the timestamp prefix, as FC prints them. It is
    /// echoed and added to the tail at once, but handed to the writer with
    /// the next line, or with the
    /// flush that ends the invocation ([`InvocationLog::take_held`]). Most
    /// invocations print nothing, so their two frames then reach the
    /// logstore in the same message as the flush: one wake-up of the writer
    /// and one commit, which is most of what a quiet HTTP request waits
    /// for. Each keeps its own timestamp.
    pub fn frame_held(&self, text: &str) {
        self.record(SystemTime::now(), "INFO", text, text, Hand::Hold);
    }

    /// Whether some of its lines already went to the writer (it printed): then
    /// the end must wait for them with [`LogWriter::append_keyed_and_flush`];
    /// otherwise [`InvocationLog::take_held`] is all of them, and
    /// [`LogWriter::append_whole_and_flush`] stores them without a round trip
    /// to the writer thread.
    pub fn handed_lines(&self) -> bool {
        self.handed.load(Ordering::Relaxed)
    }

    /// The records not yet handed to the writer, for the caller to store
    /// (with [`LogWriter::append_keyed_and_flush`]).
    pub fn take_held(&self) -> Vec<LogRecord> {
        self.held
            .lock()
            .map(|mut held| std::mem::take(&mut *held))
            .unwrap_or_default()
    }

    /// Records a line at `level`, formatted as FC formats function lines.
    pub fn record_line(&self, level: &str, message: &str) {
        let time = SystemTime::now();
        let formatted = format_line(time, &self.request_id, level, message);
        self.record(time, level, message, &formatted, Hand::Now);
    }

    /// The last [`LOG_TAIL_BYTES`] of formatted log.
    pub fn tail(&self) -> String {
        self.tail.lock().map(|tail| tail.text()).unwrap_or_default()
    }

    fn record(&self, time: SystemTime, level: &str, message: &str, formatted: &str, hand: Hand) {
        if let Some(echo) = &self.echo {
            echo.echo(formatted);
        }
        if let Ok(mut tail) = self.tail.lock() {
            tail.push(formatted);
        }
        let Some(writer) = &self.writer else {
            return;
        };
        let fields = &self.fields;
        let record = LogRecord {
            project: fields.project.clone(),
            logstore: fields.logstore.clone(),
            time,
            topic: fields.topic.clone(),
            source: fields.source.clone(),
            tags: Vec::new(),
            contents: vec![
                ("serviceName".to_owned(), fields.service.clone()),
                ("functionName".to_owned(), fields.function.clone()),
                ("qualifier".to_owned(), QUALIFIER.to_owned()),
                ("versionId".to_owned(), String::new()),
                ("requestId".to_owned(), self.request_id.clone()),
                ("instanceID".to_owned(), fields.instance_id.clone()),
                ("coldStart".to_owned(), self.cold_start.to_string()),
                ("level".to_owned(), level.to_owned()),
                ("message".to_owned(), message.to_owned()),
            ],
        };
        if hand == Hand::Hold
            && let Ok(mut held) = self.held.lock()
        {
            held.push(record);
            return;
        }
        let mut records = self.take_held();
        records.push(record);
        self.handed.store(true, Ordering::Relaxed);
        if let Err(error) = writer.append_keyed(&self.key, records) {
            tracing::warn!("cannot store a log line of {}: {error}", self.request_id);
        }
    }
}

impl Drop for InvocationLog {
    /// An invocation whose future was dropped (its caller gave up, the
    /// server stopped) never reached the final flush: its held frames are
    /// still stored, without waiting.
    fn drop(&mut self) {
        let held = self.take_held();
        if let (Some(writer), false) = (&self.writer, held.is_empty())
            && let Err(error) = writer.append_keyed(&self.key, held)
        {
            tracing::warn!("cannot store a log line of {}: {error}", self.request_id);
        }
    }
}

/// Whether a record goes to the writer now or waits for the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hand {
    Now,
    Hold,
}

impl LogSink for InvocationLog {
    fn line(&self, line: CapturedLine) {
        let (level, message) = classify(&line);
        if line.source != LineSource::Host && !self.admit(message.len()) {
            return;
        }
        let time = SystemTime::now();
        let formatted = format_line(time, &self.request_id, level, message);
        self.record(time, level, message, &formatted, Hand::Now);
    }
}

/// FC's line format: `2021-11-11T05:45:58.027Z <request id> [INFO] <message>`.
pub fn format_line(time: SystemTime, request_id: &str, level: &str, message: &str) -> String {
    let time: DateTime<Utc> = time.into();
    format!(
        "{} {request_id} [{level}] {message}",
        time.to_rfc3339_opts(SecondsFormat::Millis, true)
    )
}

/// The level and message of a captured line: a leading `[DEBUG] `, `[INFO] `,
/// `[WARN] ` or `[ERROR] ` tag names the level on either stream (the SDK and
/// the language engines write `console.warn` as `[WARN] ` on stderr);
/// otherwise stdout is INFO and stderr ERROR. Host notices are WARN.
fn classify(line: &CapturedLine) -> (&'static str, &str) {
    let text = line.text.as_str();
    let untagged = match line.source {
        LineSource::Host => return ("WARN", text),
        LineSource::Stderr => "ERROR",
        LineSource::Stdout => "INFO",
    };
    for level in ["DEBUG", "INFO", "WARN", "ERROR"] {
        if let Some(rest) = text
            .strip_prefix('[')
            .and_then(|rest| rest.strip_prefix(level))
            .and_then(|rest| rest.strip_prefix("] "))
        {
            return (level, rest);
        }
    }
    (untagged, text)
}

/// The most recent formatted lines, at most [`LOG_TAIL_BYTES`] in total.
#[derive(Default)]
struct Tail {
    lines: VecDeque<String>,
    bytes: usize,
}

impl Tail {
    fn push(&mut self, line: &str) {
        self.lines.push_back(line.to_owned());
        self.bytes += line.len() + 1;
        // Keep the newest line even when it alone is too long; `text` trims it.
        while self.bytes > LOG_TAIL_BYTES && self.lines.len() > 1 {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.len() + 1;
            }
        }
    }

    fn text(&self) -> String {
        let mut text = String::with_capacity(self.bytes);
        for line in &self.lines {
            text.push_str(line);
            text.push('\n');
        }
        // A single line longer than the tail keeps only its end.
        if text.len() > LOG_TAIL_BYTES {
            let mut start = text.len() - LOG_TAIL_BYTES;
            while !text.is_char_boundary(start) {
                start += 1;
            }
            text.drain(..start);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fclocal_logstore::{LogQuery, LogStore};

    fn fields() -> Arc<RecordFields> {
        Arc::new(RecordFields {
            project: "p".into(),
            logstore: "l".into(),
            source: "s".into(),
            service: "svc".into(),
            topic: "svc".into(),
            function: "fn".into(),
            instance_id: "c-1".into(),
        })
    }

    fn open_store() -> (tempfile::TempDir, LogStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(&dir.path().join("logs.db")).unwrap();
        store
            .ensure_logstore("p", "l", fclocal_logstore::LogstoreConfig::default())
            .unwrap();
        (dir, store)
    }

    /// The stored messages, oldest first.
    fn stored(store: &LogStore) -> Vec<String> {
        let query = LogQuery {
            project: Some("p".into()),
            logstore: Some("l".into()),
            ..LogQuery::default()
        };
        store
            .reader()
            .unwrap()
            .query(&query)
            .unwrap()
            .iter()
            .map(|line| line.get("message").unwrap_or_default().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn held_frames_reach_the_store_with_the_final_flush() {
        let (_dir, store) = open_store();
        let writer = store.writer();
        let log = InvocationLog::new("r1", fields(), writer.clone(), None, false);
        log.frame_held("FC Invoke Start RequestId: r1");
        log.frame_held("FC Invoke End RequestId: r1");
        writer.flush().await.unwrap();
        assert!(stored(&store).is_empty(), "held, not yet handed over");
        assert!(
            log.tail().contains("FC Invoke End"),
            "the tail has them at once"
        );
        writer
            .append_keyed_and_flush(log.key(), log.take_held())
            .await
            .unwrap();
        assert_eq!(
            stored(&store),
            [
                "FC Invoke Start RequestId: r1",
                "FC Invoke End RequestId: r1"
            ]
        );
    }

    #[tokio::test]
    async fn a_line_carries_the_held_frame_before_it() {
        let (_dir, store) = open_store();
        let writer = store.writer();
        let log = InvocationLog::new("r2", fields(), writer.clone(), None, false);
        log.frame_held("FC Invoke Start RequestId: r2");
        log.line(line(LineSource::Stdout, "working"));
        writer.flush().await.unwrap();
        assert_eq!(stored(&store), ["FC Invoke Start RequestId: r2", "working"]);
        assert!(log.take_held().is_empty());
    }

    #[tokio::test]
    async fn a_dropped_log_still_stores_its_held_frames() {
        let (_dir, store) = open_store();
        let writer = store.writer();
        let log = InvocationLog::new("r3", fields(), writer.clone(), None, false);
        log.frame_held("FC Invoke Start RequestId: r3");
        drop(log);
        writer.flush().await.unwrap();
        assert_eq!(stored(&store), ["FC Invoke Start RequestId: r3"]);
    }

    fn line(source: LineSource, text: &str) -> CapturedLine {
        CapturedLine {
            source,
            text: text.to_owned(),
        }
    }

    #[test]
    fn levels_come_from_the_stream_and_the_sdk_prefix() {
        assert_eq!(classify(&line(LineSource::Stdout, "hi")), ("INFO", "hi"));
        assert_eq!(
            classify(&line(LineSource::Stderr, "oops")),
            ("ERROR", "oops")
        );
        assert_eq!(
            classify(&line(LineSource::Host, "dropped")),
            ("WARN", "dropped")
        );
        assert_eq!(
            classify(&line(LineSource::Stdout, "[WARN] disk low")),
            ("WARN", "disk low")
        );
        assert_eq!(
            classify(&line(LineSource::Stdout, "[DEBUG] x=1")),
            ("DEBUG", "x=1")
        );
        assert_eq!(
            classify(&line(LineSource::Stdout, "[WARNING] not ours")),
            ("INFO", "[WARNING] not ours")
        );
        assert_eq!(
            classify(&line(LineSource::Stderr, "[WARN] console.warn")),
            ("WARN", "console.warn")
        );
        assert_eq!(
            classify(&line(LineSource::Stderr, "[ERROR] console.error")),
            ("ERROR", "console.error")
        );
        assert_eq!(
            classify(&line(
                LineSource::Host,
                "[INFO] a guest cannot fake host notices"
            )),
            ("WARN", "[INFO] a guest cannot fake host notices")
        );
    }

    #[test]
    fn lines_use_fc_format() {
        let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_636_609_558_027);
        assert_eq!(
            format_line(time, "0ba8ac3f", "INFO", "hello world"),
            "2021-11-11T05:45:58.027Z 0ba8ac3f [INFO] hello world"
        );
    }

    #[test]
    fn tail_keeps_the_last_4_kb() {
        let mut tail = Tail::default();
        for i in 0..1000 {
            tail.push(&format!("line {i:04} {}", "x".repeat(40)));
        }
        let text = tail.text();
        assert!(text.len() <= LOG_TAIL_BYTES);
        assert!(text.ends_with(&format!("line 0999 {}\n", "x".repeat(40))));
        assert!(!text.contains("line 0000"));
    }

    #[test]
    fn tail_of_one_huge_line_keeps_its_end() {
        let mut tail = Tail::default();
        tail.push(&"é".repeat(5000));
        let text = tail.text();
        assert!(text.len() <= LOG_TAIL_BYTES);
        assert!(text.ends_with("é\n"));
    }
}
