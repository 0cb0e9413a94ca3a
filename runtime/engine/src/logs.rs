//! Guest stdout/stderr, captured line by line into a [`LogSink`].
//!
//! Function Compute stores one log record per output line, so the capture
//! splits the byte streams into lines and hands each to the sink of the
//! invocation that is running. It is bounded: a line longer than
//! [`CaptureLimits::max_line_bytes`] is split, and once an invocation has
//! written [`CaptureLimits::max_bytes_per_invocation`] the rest is dropped
//! and counted. Writes always succeed, so a chatty guest never traps
//! (unlike wasmtime's `MemoryOutputPipe`, which traps when full).
//!
//! The capture also watches stderr for Rust's panic message, so a trap can be
//! reported as "panicked at src/lib.rs:12:5: boom" instead of a bare
//! "`unreachable` instruction executed".

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Where a captured line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineSource {
    /// The guest's stdout.
    Stdout,
    /// The guest's stderr.
    Stderr,
    /// fclocal itself, about this invocation (dropped output, denied requests).
    Host,
}

/// One line of output, without its trailing newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedLine {
    /// Which stream it came from.
    pub source: LineSource,
    /// The text; invalid UTF-8 is replaced.
    pub text: String,
}

/// Receives the lines of one invocation, in order. Implementations must not
/// block for long: the guest is paused while a line is delivered.
pub trait LogSink: Send + Sync {
    /// Called once per line.
    fn line(&self, line: CapturedLine);
}

/// Bounds on what one invocation may print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptureLimits {
    /// A longer line is split into pieces of this size.
    pub max_line_bytes: usize,
    /// Output past this many bytes per invocation is dropped and counted.
    pub max_bytes_per_invocation: usize,
}

impl Default for CaptureLimits {
    fn default() -> Self {
        CaptureLimits {
            max_line_bytes: 64 * 1024,
            max_bytes_per_invocation: 4 * 1024 * 1024,
        }
    }
}

/// What the capture saw during one invocation, beyond the lines themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureSummary {
    /// Bytes dropped because the invocation exceeded its output budget.
    pub dropped_bytes: u64,
    /// The last panic message the guest printed, with its location.
    pub panic_message: Option<String>,
}

/// The per-instance capture shared by the guest's stdout and stderr.
pub(crate) struct LogCapture {
    limits: CaptureLimits,
    state: Mutex<CaptureState>,
}

#[derive(Default)]
struct CaptureState {
    sink: Option<Arc<dyn LogSink>>,
    /// Lines printed while no invocation was running (during instantiation);
    /// they go to the next invocation's sink.
    pending: Vec<CapturedLine>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    used: usize,
    dropped: u64,
    panic: PanicWatch,
}

impl LogCapture {
    pub(crate) fn new(limits: CaptureLimits) -> Arc<Self> {
        Arc::new(LogCapture {
            limits,
            state: Mutex::new(CaptureState::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, CaptureState> {
        // A poisoned lock only means a sink panicked; the buffers are still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts an invocation: lines now go to `sink`, the budget starts afresh.
    pub(crate) fn begin(&self, sink: Arc<dyn LogSink>) {
        let mut state = self.lock();
        state.used = 0;
        state.dropped = 0;
        state.panic = PanicWatch::default();
        for line in std::mem::take(&mut state.pending) {
            sink.line(line);
        }
        state.sink = Some(sink);
    }

    /// Ends an invocation: flushes partial lines, reports dropped output, and
    /// detaches the sink.
    pub(crate) fn end(&self) -> CaptureSummary {
        let mut state = self.lock();
        for source in [LineSource::Stdout, LineSource::Stderr] {
            let partial = std::mem::take(state.buffer(source));
            if !partial.is_empty() {
                state.emit(source, &partial);
            }
        }
        if state.dropped > 0 {
            let text = format!(
                "fclocal: dropped {} bytes of output: an invocation may print at most {} bytes",
                state.dropped, self.limits.max_bytes_per_invocation
            );
            state.deliver(CapturedLine {
                source: LineSource::Host,
                text,
            });
        }
        state.sink = None;
        CaptureSummary {
            dropped_bytes: state.dropped,
            panic_message: state.panic.message.take(),
        }
    }

    /// Records a line from fclocal itself into the running invocation's log.
    pub(crate) fn host_line(&self, text: String) {
        self.lock().deliver(CapturedLine {
            source: LineSource::Host,
            text,
        });
    }

    fn write(&self, source: LineSource, bytes: &[u8]) {
        let mut state = self.lock();
        let budget = self
            .limits
            .max_bytes_per_invocation
            .saturating_sub(state.used);
        let accepted = bytes.len().min(budget);
        state.used += accepted;
        state.dropped += (bytes.len() - accepted) as u64;
        for piece in bytes[..accepted].split_inclusive(|byte| *byte == b'\n') {
            let (content, ends_line) = match piece.split_last() {
                Some((b'\n', content)) => (content, true),
                _ => (piece, false),
            };
            let mut rest = content;
            while !rest.is_empty() {
                let room = self.limits.max_line_bytes - state.buffer(source).len();
                let (head, tail) = rest.split_at(rest.len().min(room));
                state.buffer(source).extend_from_slice(head);
                rest = tail;
                if state.buffer(source).len() >= self.limits.max_line_bytes {
                    let full = std::mem::take(state.buffer(source));
                    state.emit(source, &full);
                }
            }
            if ends_line {
                let line = std::mem::take(state.buffer(source));
                state.emit(source, &line);
            }
        }
    }
}

impl CaptureState {
    fn buffer(&mut self, source: LineSource) -> &mut Vec<u8> {
        match source {
            LineSource::Stderr => &mut self.stderr,
            _ => &mut self.stdout,
        }
    }

    fn emit(&mut self, source: LineSource, bytes: &[u8]) {
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let text = String::from_utf8_lossy(bytes).into_owned();
        if source == LineSource::Stderr {
            self.panic.observe(&text);
        }
        self.deliver(CapturedLine { source, text });
    }

    fn deliver(&mut self, line: CapturedLine) {
        match &self.sink {
            Some(sink) => sink.line(line),
            None => self.pending.push(line),
        }
    }
}

/// Recognises Rust's panic output: `thread '...' panicked at <location>:`
/// followed by the message on the next line.
#[derive(Default)]
struct PanicWatch {
    location: Option<String>,
    message: Option<String>,
}

impl PanicWatch {
    fn observe(&mut self, line: &str) {
        if let Some((_, rest)) = line.split_once("panicked at ") {
            let rest = rest.trim_end();
            match rest.strip_suffix(':') {
                // std's format: the message follows on the next line.
                Some(location) => {
                    self.message = Some(format!("panicked at {location}"));
                    self.location = Some(location.to_owned());
                }
                // fclocal-sdk's hook: `panicked at <location>: <message>`.
                None => {
                    self.message = Some(format!("panicked at {rest}"));
                    self.location = None;
                }
            }
        } else if let Some(location) = self.location.take()
            && !line.starts_with("note:")
        {
            self.message = Some(format!("panicked at {location}: {line}"));
        }
    }
}

/// The guest's stdout or stderr, as handed to WASI.
#[derive(Clone)]
pub(crate) struct CaptureStream {
    capture: Arc<LogCapture>,
    source: LineSource,
}

impl CaptureStream {
    pub(crate) fn new(capture: Arc<LogCapture>, source: LineSource) -> Self {
        CaptureStream { capture, source }
    }
}

impl IsTerminal for CaptureStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CaptureStream {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CaptureStream {
    async fn ready(&mut self) {}
}

impl OutputStream for CaptureStream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.capture.write(self.source, &bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always ready: output past the budget is dropped, never blocked.
        Ok(64 * 1024)
    }
}

impl tokio::io::AsyncWrite for CaptureStream {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.capture.write(self.source, buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Mutex<Vec<CapturedLine>>);

    impl LogSink for Collect {
        fn line(&self, line: CapturedLine) {
            self.0.lock().unwrap().push(line);
        }
    }

    impl Collect {
        fn texts(&self) -> Vec<String> {
            self.0
                .lock()
                .unwrap()
                .iter()
                .map(|l| l.text.clone())
                .collect()
        }
    }

    fn capture(limits: CaptureLimits) -> (Arc<LogCapture>, Arc<Collect>) {
        let capture = LogCapture::new(limits);
        let sink = Arc::new(Collect::default());
        capture.begin(sink.clone());
        (capture, sink)
    }

    #[test]
    fn splits_writes_into_lines_across_chunks() {
        let (capture, sink) = capture(CaptureLimits::default());
        capture.write(LineSource::Stdout, b"hel");
        capture.write(LineSource::Stdout, b"lo\nwor");
        capture.write(LineSource::Stdout, b"ld\r\n\nlast");
        let summary = capture.end();
        assert_eq!(sink.texts(), ["hello", "world", "", "last"]);
        assert_eq!(summary, CaptureSummary::default());
    }

    #[test]
    fn keeps_stdout_and_stderr_apart() {
        let (capture, sink) = capture(CaptureLimits::default());
        capture.write(LineSource::Stdout, b"out-a ");
        capture.write(LineSource::Stderr, b"err\n");
        capture.write(LineSource::Stdout, b"out-b\n");
        capture.end();
        let lines = sink.0.lock().unwrap().clone();
        assert_eq!(
            lines,
            [
                CapturedLine {
                    source: LineSource::Stderr,
                    text: "err".into()
                },
                CapturedLine {
                    source: LineSource::Stdout,
                    text: "out-a out-b".into()
                },
            ]
        );
    }

    #[test]
    fn splits_overlong_lines() {
        let limits = CaptureLimits {
            max_line_bytes: 4,
            max_bytes_per_invocation: 1024,
        };
        let (capture, sink) = capture(limits);
        capture.write(LineSource::Stdout, b"abcdefghij\n");
        capture.end();
        assert_eq!(sink.texts(), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn drops_and_counts_output_past_the_budget() {
        let limits = CaptureLimits {
            max_line_bytes: 1024,
            max_bytes_per_invocation: 10,
        };
        let (capture, sink) = capture(limits);
        for _ in 0..100 {
            capture.write(LineSource::Stdout, b"12345\n");
        }
        let summary = capture.end();
        assert_eq!(summary.dropped_bytes, 590);
        let texts = sink.texts();
        assert_eq!(texts[..2], ["12345", "1234"]);
        assert!(texts[2].contains("dropped 590 bytes"), "{texts:?}");
        assert_eq!(texts.len(), 3);
    }

    #[test]
    fn budget_resets_per_invocation_and_pending_lines_reach_the_next_sink() {
        let limits = CaptureLimits {
            max_line_bytes: 1024,
            max_bytes_per_invocation: 6,
        };
        let capture = LogCapture::new(limits);
        capture.write(LineSource::Stdout, b"early\n");
        let first = Arc::new(Collect::default());
        capture.begin(first.clone());
        capture.end();
        assert_eq!(first.texts(), ["early"]);
        let second = Arc::new(Collect::default());
        capture.begin(second.clone());
        capture.write(LineSource::Stdout, b"again\n");
        assert_eq!(capture.end().dropped_bytes, 0);
        assert_eq!(second.texts(), ["again"]);
    }

    #[test]
    fn recognises_the_sdks_one_line_panic() {
        let (capture, _sink) = capture(CaptureLimits::default());
        capture.write(
            LineSource::Stderr,
            b"panicked at hostile/src/lib.rs:44:24: hostile guest panicked on purpose\n",
        );
        assert_eq!(
            capture.end().panic_message.as_deref(),
            Some("panicked at hostile/src/lib.rs:44:24: hostile guest panicked on purpose")
        );
    }

    #[test]
    fn recognises_a_rust_panic() {
        let (capture, _sink) = capture(CaptureLimits::default());
        capture.write(
            LineSource::Stderr,
            b"\nthread '<unnamed>' panicked at src/lib.rs:12:5:\nboom\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
        );
        let summary = capture.end();
        assert_eq!(
            summary.panic_message.as_deref(),
            Some("panicked at src/lib.rs:12:5: boom")
        );
    }
}
