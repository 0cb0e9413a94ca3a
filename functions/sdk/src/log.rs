//! Logging: one call, one log record.
//!
//! fclocal stores every line a function prints as a log record: stdout lines
//! at `INFO`, stderr lines at `ERROR`. A stdout line that starts with
//! `[DEBUG] `, `[INFO] `, `[WARN] ` or `[ERROR] ` is stored at that level with
//! the prefix removed. The macros [`debug!`](crate::debug),
//! [`info!`](crate::info), [`warn!`](crate::warn) and [`error!`](macro@crate::error)
//! print such lines, escaping embedded newlines as `\n` so that one call is
//! always one record.
//!
//! ```
//! let name = "fc";
//! fclocal_sdk::info!("greeting {name}");          // [INFO] greeting fc
//! fclocal_sdk::warn!("two\nlines");               // [WARN] two\nlines
//! ```

use std::fmt;
use std::io::Write as _;

/// A log level, as fclocal records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `[DEBUG]`
    Debug,
    /// `[INFO]`: also what plain stdout lines get.
    Info,
    /// `[WARN]`
    Warn,
    /// `[ERROR]`: also what stderr lines get.
    Error,
}

impl Level {
    /// The level's name as fclocal prints it: `DEBUG`, `INFO`, `WARN`, `ERROR`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Prints one record at `level` to stdout: `[LEVEL] message\n`, with `\n` and
/// `\r` in the message escaped. Write errors are ignored: logging never
/// fails a function. The macros call this.
pub fn write(level: Level, args: fmt::Arguments<'_>) {
    let mut line = String::with_capacity(64);
    line.push('[');
    line.push_str(level.as_str());
    line.push_str("] ");
    match args.as_str() {
        Some(s) => push_escaped(&mut line, s),
        None => {
            let _ = fmt::Write::write_fmt(&mut Escaper(&mut line), args);
        }
    }
    line.push('\n');
    // One `write_all` of a whole line: stdout is line-buffered, so the line
    // reaches the host in one piece.
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
}

/// Appends `s` to `out`, escaping `\n` and `\r` as two-character sequences.
pub(crate) fn push_escaped(out: &mut String, s: &str) {
    let _ = fmt::Write::write_str(&mut Escaper(out), s);
}

struct Escaper<'a>(&'a mut String);

impl fmt::Write for Escaper<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while let Some(i) = rest.find(['\n', '\r']) {
            self.0.push_str(&rest[..i]);
            self.0.push_str(if rest.as_bytes()[i] == b'\n' {
                "\\n"
            } else {
                "\\r"
            });
            rest = &rest[i + 1..];
        }
        self.0.push_str(rest);
        Ok(())
    }
}

/// Logs at `DEBUG`: `fclocal_sdk::debug!("cache miss for {key}")`.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => {
        $crate::log::write($crate::log::Level::Debug, ::core::format_args!($($arg)*))
    };
}

/// Logs at `INFO`: `fclocal_sdk::info!("greeting {name}")`.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => {
        $crate::log::write($crate::log::Level::Info, ::core::format_args!($($arg)*))
    };
}

/// Logs at `WARN`: `fclocal_sdk::warn!("retrying after {err}")`.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => {
        $crate::log::write($crate::log::Level::Warn, ::core::format_args!($($arg)*))
    };
}

/// Logs at `ERROR` (on stdout, with the `[ERROR] ` prefix):
/// `fclocal_sdk::error!("ledger unreachable: {err}")`.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => {
        $crate::log::write($crate::log::Level::Error, ::core::format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_newlines_and_carriage_returns() {
        let mut out = String::new();
        push_escaped(&mut out, "a\nb\r\nc");
        assert_eq!(out, "a\\nb\\r\\nc");
        let mut out = String::new();
        let _ = fmt::Write::write_fmt(&mut Escaper(&mut out), format_args!("{}-{}", "x\ny", 1));
        assert_eq!(out, "x\\ny-1");
    }
}
