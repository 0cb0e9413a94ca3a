//! Writing command output. A closed pipe (`fclocal logs | head`) is a normal
//! way for a reader to stop, not an error worth a panic or a message.

use std::io::{ErrorKind, IsTerminal, Write};
use std::sync::Arc;

use fclocal_invoke::LineEcho;

/// Writes `text` to stdout. Returns `false` when the reader has gone away.
pub fn stdout(text: &str) -> std::io::Result<bool> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Ok(false),
        Err(error) => Err(error),
    }
}

/// Writes a line to stderr, ignoring failures (there is nowhere else to report them).
pub fn status(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Whether stderr is a terminal (progress bars, colours).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Echoes an invocation's log lines to stderr as they are printed.
pub struct StderrEcho;

impl LineEcho for StderrEcho {
    fn echo(&self, line: &str) {
        status(line);
    }
}

/// The echo for `fclocal invoke`.
pub fn stderr_echo() -> Arc<dyn LineEcho> {
    Arc::new(StderrEcho)
}
