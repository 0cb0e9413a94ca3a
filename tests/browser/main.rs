//! Browser tests: fclocal's web pages in a real headless Chromium (Debian's
//! `chromium` + `chromium-driver`), driven over WebDriver with fantoccini.
//!
//! One test binary; the tests take turns (one Chromium at a time: the
//! machines have two cores), each with its own in-process site and browser.
//! Without Chromium the tests fail, naming the `apt-get install` command.
//!
//! - `harness`: start/stop ChromeDriver + Chromium, navigate, wait, read,
//!   type, click, screenshot; reusable against a real `fclocal start`.
//! - `pixels`: PNG decoding and colour counting for screenshot checks.
//! - `site`: the pages plus a fake SLS API over known data.
//! - `logs_page`, `analytics_page`: the tests over `site`.
//! - `cross_site`: a page on another origin cannot write the ledger or open
//!   the Marbles websocket of a real `fclocal start`.
//! - `marbles_ui`: the Marbles UI over a real `fclocal start` (drag and drop
//!   with WebDriver pointer actions) and its 1,000-marble render time.
//! - `real_server`: both pages over a real `fclocal start` (with the e2e
//!   suite's `common` sandbox and `server` driver).

mod analytics_page;
#[allow(dead_code, reason = "shared with the e2e suite, which uses all of it")]
#[path = "../e2e/common.rs"]
mod common;
mod cross_site;
mod harness;
mod logs_page;
mod marbles_ui;
mod pixels;
mod real_server;
#[allow(dead_code, reason = "shared with the e2e suite, which uses all of it")]
#[path = "../e2e/server.rs"]
mod server;
mod site;
#[allow(dead_code, reason = "shared with the e2e suite, which uses all of it")]
#[path = "../e2e/sls_wire.rs"]
mod sls_wire;

use std::future::Future;
use std::sync::Mutex;

/// Runs one browser test: alone (a process-wide lock, so Chromiums never
/// compete for the two cores), on its own Tokio runtime.
pub fn run_browser_test<T, F: Future<Output = T>>(test: F) -> T {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime")
        .block_on(test)
}

/// Saves a screenshot under the target's temp dir, so a failure can be looked at.
pub fn keep_screenshot(name: &str, png: &[u8]) -> std::path::PathBuf {
    let path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("browser-{name}.png"));
    std::fs::write(&path, png).expect("write the screenshot");
    path
}
