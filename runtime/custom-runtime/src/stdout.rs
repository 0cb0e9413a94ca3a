//! [`StdoutEcho`]: every framing and log line to stdout, one whole line at a
//! time, because on FC the process's stdout is what lands in the service's
//! Logstore.

use std::io::Write as _;

use fclocal_invoke::LineEcho;

/// Prints each line to stdout under the stdout lock, so lines of
/// concurrent invocations never interleave mid-line. A closed stdout is
/// ignored: serving goes on, as FC's own runtimes do.
#[derive(Debug, Default, Clone, Copy)]
pub struct StdoutEcho;

impl LineEcho for StdoutEcho {
    fn echo(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
    }
}
