//! Diagnostics: every problem found in a template, with its place in the file.
//!
//! Validation never stops at the first problem: the resolver pushes each one into
//! [`Diags`] and keeps walking, so a user fixing a template sees everything at once.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The template cannot be used; loading fails.
    Error,
    /// The template loads, but something in it is ignored or approximated locally.
    Warning,
}

impl Severity {
    /// The lowercase label used in rendered diagnostics (`error`, `warning`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in a template, at a 1-based line and column.
///
/// Renders as `template.yml:12:7: error: unknown property ...`, the form compilers use,
/// so editors and terminals can jump to the place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The template file, as the caller named it (relative paths stay relative).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong and, where we can tell, how to fix it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.severity,
            self.message
        )
    }
}

/// Why a template could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read template `{}`", path.display())]
    Read {
        /// The path that was read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },
    /// The file was read but is not a valid template. Holds every error found, in file order.
    #[error("{}", render_lines(diagnostics))]
    Invalid {
        /// The errors, sorted by position; never empty.
        diagnostics: Vec<Diagnostic>,
    },
}

fn render_lines(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A position in the template source (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// The start of the file, for problems that have no better place.
    pub const START: Pos = Pos { line: 1, column: 1 };
}

/// Collects diagnostics while the resolver walks the template.
#[derive(Debug)]
pub(crate) struct Diags {
    file: PathBuf,
    items: Vec<Diagnostic>,
    /// Places whose value could not be computed (an `s.yaml` variable that did not
    /// resolve). The failure is reported once; what later checks say about the
    /// placeholder left there would only repeat it.
    muted: std::collections::HashSet<Pos>,
}

impl Diags {
    pub fn new(file: &Path) -> Self {
        Diags {
            file: file.to_path_buf(),
            items: Vec::new(),
            muted: std::collections::HashSet::new(),
        }
    }

    /// Drops every later diagnostic at `pos` (see [`Diags::muted`]).
    pub fn mute(&mut self, pos: Pos) {
        self.muted.insert(pos);
    }

    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.push(pos, Severity::Error, message.into());
    }

    pub fn warning(&mut self, pos: Pos, message: impl Into<String>) {
        self.push(pos, Severity::Warning, message.into());
    }

    fn push(&mut self, pos: Pos, severity: Severity, message: String) {
        if self.muted.contains(&pos) {
            return;
        }
        self.items.push(Diagnostic {
            file: self.file.clone(),
            line: pos.line.max(1),
            column: pos.column.max(1),
            severity,
            message,
        });
    }

    /// Splits into `(errors, warnings)`, each sorted by position (stable, so problems at
    /// the same place keep the order they were found in).
    pub fn finish(self) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
        let (mut errors, mut warnings): (Vec<_>, Vec<_>) = self
            .items
            .into_iter()
            .partition(|d| d.severity == Severity::Error);
        errors.sort_by_key(|d| (d.line, d.column));
        warnings.sort_by_key(|d| (d.line, d.column));
        (errors, warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_a_compiler() {
        let d = Diagnostic {
            file: PathBuf::from("template.yml"),
            line: 12,
            column: 7,
            severity: Severity::Error,
            message: "unknown property `Timout`".into(),
        };
        assert_eq!(
            d.to_string(),
            "template.yml:12:7: error: unknown property `Timout`"
        );
    }

    #[test]
    fn invalid_lists_every_diagnostic_on_its_own_line() {
        let mut diags = Diags::new(Path::new("t.yml"));
        diags.error(Pos { line: 3, column: 1 }, "second");
        diags.warning(Pos { line: 1, column: 1 }, "a warning");
        diags.error(Pos { line: 1, column: 5 }, "first");
        let (errors, warnings) = diags.finish();
        assert_eq!(warnings.len(), 1);
        let err = TemplateError::Invalid {
            diagnostics: errors,
        };
        assert_eq!(
            err.to_string(),
            "t.yml:1:5: error: first\nt.yml:3:1: error: second"
        );
    }
}
