//! `hostile-http`: an HTTP function that misbehaves on request, so the
//! host's HTTP-trigger tests can prove that timeouts, memory limits, log
//! capture and response-header filtering hold. Dispatches on the path; see
//! the crate README for every route and the test that needs it.

use std::hint::black_box;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use fclocal_sdk::http::{HttpFunction, MultiMap, Request, Response};
use serde::Serialize;

/// Requests to `/state` in this instance.
static STATE: AtomicU64 = AtomicU64::new(0);

/// The `/echo` body: the request as FC's Node.js runtime describes it.
#[derive(Serialize)]
struct Described<'a> {
    path: &'a str,
    queries: &'a MultiMap,
    headers: &'a MultiMap,
    method: &'a str,
    body: String,
    url: String,
    #[serde(rename = "clientIP")]
    client_ip: &'a str,
}

/// The exported function.
pub struct HostileHttp;

impl HttpFunction for HostileHttp {
    fn handle(req: Request) -> Response {
        match req.path() {
            "/echo" => Response::json(&Described {
                path: req.path(),
                queries: req.queries(),
                headers: req.headers(),
                method: req.method(),
                body: req.body_text().into_owned(),
                url: req.url(),
                client_ip: req.client_ip().unwrap_or_default(),
            }),
            "/panic" => panic!("hostile guest panicked on purpose"),
            "/loop" => spin_forever(),
            "/alloc" => match number(&req, "mb") {
                Ok(mb) => Response::text(alloc(mb).to_string()),
                Err(bad) => bad,
            },
            "/flood" => {
                flood(req.query("lines").and_then(|n| n.parse().ok()));
                Response::text("ok")
            }
            "/status" => match number(&req, "code") {
                Ok(code) => Response::new(u16::try_from(code).unwrap_or(u16::MAX))
                    .body(format!("status {code}")),
                Err(bad) => bad,
            },
            "/reserved-headers" => Response::text("ok")
                .header("x-fc-request-id", "spoofed")
                .header("x-fc-foo", "bar")
                .header("x-custom", "ok"),
            "/big" => match number(&req, "kb") {
                Ok(kb) => Response::new(200)
                    .header("content-type", "application/octet-stream")
                    .body(big_body(kb)),
                Err(bad) => bad,
            },
            "/state" => Response::text((STATE.fetch_add(1, Ordering::Relaxed) + 1).to_string()),
            "/sleep" => match number(&req, "ms") {
                Ok(ms) => {
                    std::thread::sleep(Duration::from_millis(ms));
                    Response::text("ok")
                }
                Err(bad) => bad,
            },
            "/context" => Response::json(req.context()),
            other => Response::new(404).body(format!("no hostile route {other}")),
        }
    }
}

fclocal_sdk::export_http_function!(HostileHttp);

/// Query parameter `name` as a number, or a 400 response saying what is wrong.
fn number(req: &Request, name: &str) -> Result<u64, Response> {
    req.query(name)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| Response::new(400).body(format!("this route needs ?{name}=<number>")))
}

/// Burns CPU forever without calling the host.
fn spin_forever() -> ! {
    let mut n = 0u64;
    loop {
        n = black_box(n.wrapping_add(1));
    }
}

/// Allocates and writes `mb` MiB in 1 MiB chunks kept alive until it
/// returns; panics naming how far it got when memory runs out.
fn alloc(mb: u64) -> u64 {
    const MIB: usize = 1 << 20;
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    for i in 0..mb {
        let mut chunk = Vec::new();
        if chunk.try_reserve_exact(MIB).is_err() {
            panic!("hostile alloc: out of memory after {i} MiB of {mb} MiB");
        }
        chunk.resize(MIB, (i % 251) as u8 + 1);
        chunks.push(black_box(chunk));
    }
    black_box(&chunks);
    mb
}

/// Prints `lines` lines of about 100 characters to stdout; forever when
/// `None`.
fn flood(lines: Option<u64>) {
    let filler = "x".repeat(80);
    let mut stdout = std::io::stdout().lock();
    let mut i = 0u64;
    while lines.is_none_or(|n| i < n) {
        let _ = writeln!(stdout, "flood line {i:>8} {filler}");
        i += 1;
    }
}

/// `kb` KiB of a repeating `0123456789abcdef` pattern, so truncation and
/// reordering are visible.
fn big_body(kb: u64) -> Vec<u8> {
    const PATTERN: &[u8] = b"0123456789abcdef";
    let len = usize::try_from(kb)
        .unwrap_or(usize::MAX)
        .saturating_mul(1024);
    PATTERN.iter().copied().cycle().take(len).collect()
}
