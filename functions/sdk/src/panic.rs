//! A panic hook that reports a panic as one stderr line.
//!
//! Rust's default hook prints two or three lines (`thread '<unnamed>'
//! panicked at ...`, the message, a `RUST_BACKTRACE` note), and fclocal
//! stores every stderr line as its own `[ERROR]` record. This hook prints
//! exactly one line, `panicked at <file>:<line>:<column>: <message>`, with
//! newlines in the message escaped as `\n`. On `wasm32-wasip2` a panic then
//! aborts, which traps the instance: fclocal reports that as an
//! `UnhandledInvocationError`.

use std::io::Write as _;
use std::sync::Once;

/// Installs the hook once per instance. Called by the export glue before user
/// code runs; a function that sets its own hook later replaces it.
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
    crate::log::push_escaped(&mut line, message);
    line.push('\n');
    let _ = std::io::stderr().write_all(line.as_bytes());
}
