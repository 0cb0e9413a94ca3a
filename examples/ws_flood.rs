//! Floods a running `fclocal start`'s Marbles websocket with `read_everything` and reads
//! none of the answers until the server lets go (issue 11, item 4), then prints what
//! the client saw. For benchmarks of the server's memory under that attack:
//!
//! ```text
//! cargo run --example ws_flood -- 127.0.0.1:PORT [COUNT (default 100000)]
//! ```
//!
//! Exits 0 when the server disconnected the client, 1 when it never let go.

#[path = "../tests/e2e/ws_flood.rs"]
mod ws_flood;

use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(host) = args.next() else {
        eprintln!("usage: ws_flood HOST:PORT [COUNT]");
        std::process::exit(2);
    };
    let count = match args.next().map(|n| n.parse::<usize>()) {
        None => 100_000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("COUNT must be a number of requests: {e}");
            std::process::exit(2);
        }
    };
    let report = ws_flood::flood(&host, count, Duration::from_secs(120), |_| {});
    println!(
        "sent {} requests, read {} answers, then: {:?}",
        report.sent, report.answers, report.end
    );
    std::process::exit(if report.disconnected() { 0 } else { 1 });
}
