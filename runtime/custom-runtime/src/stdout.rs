//! [`StdoutEcho`]: every framing and log line to stdout, whole and in
//! order, without letting a slow reader of stdout stall the server.
//!
//! On FC the process's stdout is what lands in the service's Logstore, so
//! no line may be dropped; but FC's log collector can fall behind, and a
//! write to a full pipe blocks. Written directly from the invocation (as it
//! once was, under the stdout lock), that write blocked a worker thread of
//! the async runtime and, with it, the accept loop and every other request
//! on that worker. So lines go over a bounded channel ([`LINE_BOUND`]) to
//! one writer thread, which alone touches stdout:
//!
//! - One channel, one writer: lines come out in the order they were echoed,
//!   so an invocation's `FC Invoke Start`, its lines and its `End` stay in
//!   order, and lines never interleave mid-line.
//! - While there is room, echoing a line is a queue push.
//! - When the channel is full the caller waits for room. `LineEcho::echo`
//!   is synchronous (the engine delivers a line from inside the guest's
//!   write), so it cannot `.await`; it waits inside
//!   `tokio::task::block_in_place`, which first hands the worker's other
//!   tasks to another thread. A slow reader thus slows the invocations that
//!   log, not the accept loop. Outside a multi-threaded runtime (where
//!   `block_in_place` is not allowed) it simply waits.
//! - A closed or failing stdout is ignored: serving goes on, as FC's own
//!   runtimes do, and the writer keeps draining so nobody waits forever.
//! - [`StdoutEcho::flush`] waits until every line echoed before it is
//!   written, for shutdown: the process must not exit with lines queued.

use std::io::{BufWriter, Write};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError, sync_channel};

use fclocal_invoke::LineEcho;
use tokio::runtime::{Handle, RuntimeFlavor};

/// How many lines may wait for the writer: enough for bursts of many
/// concurrent invocations (a few MB of typical lines), small enough that a
/// stuck reader is felt rather than buffered without end.
pub const LINE_BOUND: usize = 16 * 1024;

/// What the writer thread is asked to do.
enum Message {
    /// Write this line and a newline.
    Line(String),
    /// Flush what came before, then answer.
    Flush(SyncSender<()>),
}

/// Hands each line to the stdout writer thread (see the module docs).
/// Clones share the thread; it ends when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct StdoutEcho {
    lines: SyncSender<Message>,
}

impl StdoutEcho {
    /// Starts the writer thread on the process's stdout. Fails only when
    /// the thread cannot be started.
    pub fn start() -> std::io::Result<StdoutEcho> {
        StdoutEcho::spawn(std::io::stdout(), LINE_BOUND)
    }

    /// Starts a writer thread on `out` with room for `bound` waiting lines.
    fn spawn(out: impl Write + Send + 'static, bound: usize) -> std::io::Result<StdoutEcho> {
        let (lines, receiver) = sync_channel(bound);
        std::thread::Builder::new()
            .name("fclocal-stdout".to_owned())
            .spawn(move || write_lines(out, &receiver))?;
        Ok(StdoutEcho { lines })
    }

    /// Returns once every line echoed before the call is written and
    /// flushed (or the writer has gone).
    pub fn flush(&self) {
        let (ack, done) = sync_channel(1);
        if self.send(Message::Flush(ack)) {
            let _ = done.recv();
        }
    }

    /// Queues `message`, waiting for room when the channel is full.
    /// `false` when the writer thread has gone.
    fn send(&self, message: Message) -> bool {
        match self.lines.try_send(message) {
            Ok(()) => true,
            Err(TrySendError::Disconnected(_)) => false,
            Err(TrySendError::Full(message)) => {
                wait_off_the_workers(|| self.lines.send(message).is_ok())
            }
        }
    }
}

impl LineEcho for StdoutEcho {
    fn echo(&self, line: &str) {
        self.send(Message::Line(line.to_owned()));
    }
}

/// Runs the blocking `wait` so that it does not hold up a tokio worker's
/// other tasks: through `block_in_place` on a multi-threaded runtime's
/// thread, directly anywhere else (`block_in_place` panics on a
/// current-thread runtime).
fn wait_off_the_workers<T>(wait: impl FnOnce() -> T) -> T {
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(wait)
        }
        _ => wait(),
    }
}

/// The writer thread: writes lines as they come, flushing whenever the
/// queue runs dry (so a quiet moment never leaves a line in the buffer) or
/// when asked; ends when every sender is gone.
fn write_lines(out: impl Write, lines: &Receiver<Message>) {
    let mut out = BufWriter::new(out);
    loop {
        let message = match lines.try_recv() {
            Ok(message) => message,
            Err(TryRecvError::Empty) => {
                let _ = out.flush();
                match lines.recv() {
                    Ok(message) => message,
                    Err(_) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        match message {
            // Errors are ignored: see the module docs.
            Message::Line(line) => {
                let _ = out
                    .write_all(line.as_bytes())
                    .and_then(|()| out.write_all(b"\n"));
            }
            Message::Flush(ack) => {
                let _ = out.flush();
                let _ = ack.send(());
            }
        }
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{self, Receiver};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    /// Bounds waits on events that should come at once; nothing waits for
    /// time to pass.
    const PATIENCE: Duration = Duration::from_secs(60);

    /// A stdout that keeps what it is given. With a gate, its first write
    /// says it has begun (`stuck`) and waits until the gate opens: a log
    /// collector that has fallen behind.
    #[derive(Clone, Default)]
    struct SlowPipe {
        written: Arc<Mutex<Vec<u8>>>,
        gate: Arc<Mutex<Option<Gate>>>,
    }

    /// Where the first write says it is stuck, and what it waits for.
    type Gate = (mpsc::Sender<()>, Receiver<()>);

    impl SlowPipe {
        /// A gated pipe, the sender that opens it, and the receiver told
        /// when the writer is stuck in it.
        fn gated() -> (SlowPipe, mpsc::Sender<()>, Receiver<()>) {
            let (open, gate) = mpsc::channel();
            let (stuck, is_stuck) = mpsc::channel();
            let pipe = SlowPipe {
                written: Arc::default(),
                gate: Arc::new(Mutex::new(Some((stuck, gate)))),
            };
            (pipe, open, is_stuck)
        }

        fn text(&self) -> String {
            String::from_utf8(self.written.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for SlowPipe {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let gate = self.gate.lock().unwrap().take();
            if let Some((stuck, gate)) = gate {
                let _ = stuck.send(());
                let _ = gate.recv();
            }
            self.written.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn each_echoers_lines_come_out_whole_and_in_order() {
        let pipe = SlowPipe::default();
        let echo = StdoutEcho::spawn(pipe.clone(), 4).unwrap();
        std::thread::scope(|scope| {
            for writer in 0..4 {
                let echo = echo.clone();
                scope.spawn(move || {
                    for line in 0..500 {
                        echo.echo(&format!("w{writer} line {line}"));
                    }
                });
            }
        });
        echo.flush();
        let text = pipe.text();
        for writer in 0..4 {
            let prefix = format!("w{writer} ");
            let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(&prefix)).collect();
            let expected: Vec<String> = (0..500).map(|i| format!("w{writer} line {i}")).collect();
            assert_eq!(lines, expected, "writer {writer}");
        }
        assert_eq!(text.lines().count(), 2000);
    }

    #[test]
    fn a_stalled_reader_holds_up_only_the_invocation_that_logs() {
        let (pipe, open, is_stuck) = SlowPipe::gated();
        let echo = StdoutEcho::spawn(pipe.clone(), 1).unwrap();
        echo.echo("one");
        is_stuck
            .recv_timeout(PATIENCE)
            .expect("the writer writes `one`");
        // One worker: a task blocking it outright would stall every other.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (done, other_ran) = mpsc::channel();
        let logging = runtime.spawn({
            let echo = echo.clone();
            async move {
                echo.echo("two"); // fills the channel
                tokio::spawn(async move { done.send(()).unwrap() });
                echo.echo("three"); // waits for room until the gate opens
            }
        });
        let ran = other_ran.recv_timeout(PATIENCE);
        let still_waiting = !logging.is_finished();
        // Open before asserting, so a failure cannot hang the runtime's drop.
        open.send(()).unwrap();
        ran.expect("another task ran while an echo waited for room");
        assert!(still_waiting, "`three` waited for room");
        runtime.block_on(logging).unwrap();
        echo.flush();
        assert_eq!(pipe.text(), "one\ntwo\nthree\n");
    }

    #[test]
    fn a_full_channel_outside_any_runtime_just_waits() {
        let (pipe, open, is_stuck) = SlowPipe::gated();
        let echo = StdoutEcho::spawn(pipe.clone(), 1).unwrap();
        echo.echo("one");
        is_stuck
            .recv_timeout(PATIENCE)
            .expect("the writer writes `one`");
        let logging = std::thread::spawn({
            let echo = echo.clone();
            move || {
                echo.echo("two");
                echo.echo("three");
            }
        });
        open.send(()).unwrap();
        logging.join().unwrap();
        echo.flush();
        assert_eq!(pipe.text(), "one\ntwo\nthree\n");
    }
}
