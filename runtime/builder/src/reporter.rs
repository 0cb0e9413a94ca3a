//! Progress reporting, implemented by the CLI (a spinner on a terminal, plain
//! lines in a pipe). The builder itself never writes to the terminal.

use std::path::Path;
use std::time::Duration;

/// Receives build progress.
pub trait BuildReporter: Sync {
    /// A cargo build starts for these targets (`service/function` labels).
    fn started(&self, labels: &[String]);
    /// cargo finished a unit (`fresh` when it was already up to date).
    fn compiled(&self, unit: &str, fresh: bool);
    /// A compiler warning or error, rendered.
    fn diagnostic(&self, rendered: &str);
    /// A target's component is ready.
    fn finished(&self, label: &str, artifact: &Path, elapsed: Duration);
    /// A target was already up to date.
    fn up_to_date(&self, label: &str, artifact: &Path);
    /// A language engine build starts (`Node.js engine`): it happens once
    /// per machine and takes a minute or two, so say why.
    fn engine_started(&self, label: &str) {
        self.started(&[label.to_owned()]);
    }
    /// A line of the engine build's own output (npm, pip, componentize).
    fn engine_progress(&self, label: &str, line: &str) {
        self.compiled(&format!("{label}: {line}"), false);
    }
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct SilentReporter;

impl BuildReporter for SilentReporter {
    fn started(&self, _labels: &[String]) {}
    fn compiled(&self, _unit: &str, _fresh: bool) {}
    fn diagnostic(&self, _rendered: &str) {}
    fn finished(&self, _label: &str, _artifact: &Path, _elapsed: Duration) {}
    fn up_to_date(&self, _label: &str, _artifact: &Path) {}
}
