//! Build progress on the terminal: a spinner naming what cargo is compiling
//! when stderr is a terminal, plain lines when it is a pipe or a file.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fclocal_builder::BuildReporter;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output;

/// Reports build progress on stderr.
pub struct TerminalReporter {
    bar: ProgressBar,
    interactive: bool,
    /// Whether to say so when a target is already up to date.
    announce_fresh: bool,
    labels: Mutex<String>,
    units: AtomicUsize,
}

impl TerminalReporter {
    /// A reporter; `announce_fresh` also lists up-to-date targets.
    pub fn new(announce_fresh: bool) -> Self {
        let interactive = output::stderr_is_terminal();
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        TerminalReporter {
            bar,
            interactive,
            announce_fresh,
            labels: Mutex::new(String::new()),
            units: AtomicUsize::new(0),
        }
    }

    fn say(&self, line: &str) {
        if self.interactive {
            self.bar.suspend(|| output::status(line));
        } else {
            output::status(line);
        }
    }

    /// Stops the spinner.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl BuildReporter for TerminalReporter {
    fn started(&self, labels: &[String]) {
        let joined = labels.join(", ");
        if let Ok(mut current) = self.labels.lock() {
            current.clone_from(&joined);
        }
        if self.interactive {
            self.bar.set_message(format!("Building {joined}"));
            self.bar.enable_steady_tick(Duration::from_millis(120));
        } else {
            output::status(&format!(
                "Building {joined} (cargo build --release --target wasm32-wasip2)"
            ));
        }
    }

    fn compiled(&self, unit: &str, fresh: bool) {
        let count = self.units.fetch_add(1, Ordering::Relaxed) + 1;
        if self.interactive && !fresh {
            let labels = self.labels.lock().map(|l| l.clone()).unwrap_or_default();
            self.bar.set_message(format!(
                "Building {labels}: compiled {unit} ({count} crates)"
            ));
        }
    }

    fn diagnostic(&self, rendered: &str) {
        self.say(rendered.trim_end());
    }

    fn finished(&self, label: &str, artifact: &Path, elapsed: Duration) {
        self.say(&format!(
            "   Built {label} -> {} ({:.1}s)",
            artifact.display(),
            elapsed.as_secs_f64()
        ));
    }

    fn engine_started(&self, label: &str) {
        if let Ok(mut current) = self.labels.lock() {
            label.clone_into(&mut current);
        }
        let message = format!("Building the {label} (once per machine; the next runs reuse it)");
        if self.interactive {
            self.bar.set_message(message);
            self.bar.enable_steady_tick(Duration::from_millis(120));
        } else {
            output::status(&message);
        }
    }

    fn engine_progress(&self, label: &str, line: &str) {
        if self.interactive {
            self.bar
                .set_message(format!("Building the {label}: {line}"));
        } else if !line.is_empty() {
            output::status(&format!("  {label}: {line}"));
        }
    }

    fn up_to_date(&self, label: &str, artifact: &Path) {
        if self.announce_fresh {
            self.say(&format!("   Fresh {label} -> {}", artifact.display()));
        }
    }
}

impl Drop for TerminalReporter {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
