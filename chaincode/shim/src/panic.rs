//! A panic hook that reports a panic as one stderr line.
//!
//! fclocal stores every stderr line of a guest as its own log record, and
//! Rust's default hook prints several lines. This hook prints exactly one,
//! `panicked at <file>:<line>:<column>: <message>`, with newlines escaped.
//! On `wasm32-wasip2` the panic then aborts, which traps the instance: the
//! peer endorses nothing and reports the trap.

use std::io::Write as _;
use std::sync::Once;

/// Installs the hook once per instance; the export glue calls it first.
pub(crate) fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(report)));
}

fn report(info: &std::panic::PanicHookInfo<'_>) {
    let message = info.payload_as_str().unwrap_or("Box<dyn Any>");
    let mut line = String::from("panicked at ");
    if let Some(location) = info.location() {
        line.push_str(&format!(
            "{}:{}:{}: ",
            location.file(),
            location.line(),
            location.column()
        ));
    }
    line.push_str(&message.replace('\n', "\\n").replace('\r', "\\r"));
    line.push('\n');
    let _ = std::io::stderr().write_all(line.as_bytes());
}
