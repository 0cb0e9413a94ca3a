//! Status lines for the person running `fclocal start`: the banner, timer
//! firings, reloads, shutdown. They go to stdout, one line at a time and
//! flushed, so a test (or a script) reading the pipe sees each as it
//! happens. fclocal's own diagnostics go to stderr through `tracing`.

use std::io::Write;

/// Writes status lines to stdout.
#[derive(Debug, Clone, Copy, Default)]
pub struct Console;

impl Console {
    /// Prints one line (or several, joined by `\n`) and flushes.
    pub fn line(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        // A closed stdout must not stop the server.
        let _ = writeln!(out, "{text}").and_then(|()| out.flush());
    }
}
