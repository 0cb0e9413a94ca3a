//! `hostile`: an event function that misbehaves on request, so the host's
//! tests can prove that timeouts, memory limits, log capture, the outbound
//! policy and the sandbox hold. The event is JSON `{"action": "...", ...}`;
//! see the crate README for every action and the test that needs it.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use fclocal_sdk::{Context, EventFunction, FunctionError};
use serde::Deserialize;
use serde_json::json;

/// Invocations of `state` and `hold` in this instance.
static STATE: AtomicU64 = AtomicU64::new(0);
/// Runs of `initialize` in this instance.
static INITIALIZED: AtomicU64 = AtomicU64::new(0);

/// The event: an action and its optional parameters.
#[derive(Deserialize)]
struct Event {
    action: String,
    mb: Option<u64>,
    lines: Option<u64>,
    url: Option<String>,
    ms: Option<u64>,
}

/// The exported function.
pub struct Hostile;

/// A timer trigger's event: the action travels in the trigger's `Payload`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TimerEvent {
    trigger_name: String,
    payload: String,
}

impl EventFunction for Hostile {
    fn handle(event: Vec<u8>, ctx: Context) -> Result<Vec<u8>, FunctionError> {
        // A timer event carries the action in its payload.
        let event = match serde_json::from_slice::<TimerEvent>(&event) {
            Ok(timer) => {
                fclocal_sdk::info!("timer {} fired", timer.trigger_name);
                timer.payload.into_bytes()
            }
            Err(_) => event,
        };
        let parsed: Event = fclocal_sdk::event::json(&event)?;
        let text = |s: String| Ok(s.into_bytes());
        match parsed.action.as_str() {
            "ok" => text("ok".into()),
            "echo" => Ok(event),
            "error" => {
                Err(FunctionError::new("hostile error on purpose").with_type("HostileError"))
            }
            "panic" => panic!("hostile guest panicked on purpose"),
            "loop" => spin_forever(),
            "alloc" => text(alloc(required(parsed.mb, "mb")?).to_string()),
            "flood" => {
                flood(parsed.lines);
                text("ok".into())
            }
            "stderr" => {
                for i in 1..=3 {
                    eprintln!("hostile stderr line {i}");
                }
                text("ok".into())
            }
            "env" => fclocal_sdk::event::to_json(&std::env::vars().collect::<BTreeMap<_, _>>()),
            "fs" => fclocal_sdk::event::to_json(&probe_filesystem()),
            "http" => {
                let url = required(parsed.url, "url")?;
                text(match fclocal_sdk::outbound::get(&url) {
                    Ok(resp) => resp.status().to_string(),
                    Err(e) => e.to_string(),
                })
            }
            "put-log" => text(put_log()),
            "state" => text((STATE.fetch_add(1, Ordering::Relaxed) + 1).to_string()),
            "hold" => {
                let count = STATE.fetch_add(1, Ordering::Relaxed) + 1;
                hold(&required(parsed.url, "url")?)?;
                text(count.to_string())
            }
            "sleep" => {
                std::thread::sleep(Duration::from_millis(required(parsed.ms, "ms")?));
                text("ok".into())
            }
            "context" => fclocal_sdk::event::to_json(&ctx),
            "initialized" => text(INITIALIZED.load(Ordering::Relaxed).to_string()),
            other => {
                Err(FunctionError::new(format!("unknown action `{other}`"))
                    .with_type("UnknownAction"))
            }
        }
    }

    fn initialize(_ctx: Context) -> Result<(), FunctionError> {
        INITIALIZED.fetch_add(1, Ordering::Relaxed);
        match std::env::var("HOSTILE_INIT").as_deref() {
            Ok("fail") => Err(FunctionError::new("hostile initializer failed on purpose")
                .with_type("HostileInitError")),
            Ok("panic") => panic!("hostile initializer panicked on purpose"),
            Ok("loop") => spin_forever(),
            _ => Ok(()),
        }
    }
}

fclocal_sdk::export_event_function!(Hostile);

/// A parameter the action cannot do without.
fn required<T>(value: Option<T>, name: &str) -> Result<T, FunctionError> {
    value.ok_or_else(|| {
        FunctionError::new(format!("this action needs `{name}`")).with_type("InvalidEvent")
    })
}

/// GETs `url` and returns once it answers 200, so the test serving `url`
/// decides when the invocation ends: requests it holds are in flight
/// together for certain, which no amount of guest work could promise.
fn hold(url: &str) -> Result<(), FunctionError> {
    let failed = |why: String| FunctionError::new(format!("hold: {why}")).with_type("HoldFailed");
    match fclocal_sdk::outbound::get(url) {
        Ok(resp) if resp.status() == 200 => Ok(()),
        Ok(resp) => Err(failed(format!("{url} answered {}", resp.status()))),
        Err(e) => Err(failed(e.to_string())),
    }
}

/// Burns CPU forever without calling the host: only an epoch deadline (or
/// fuel) can stop it.
fn spin_forever() -> ! {
    let mut n = 0u64;
    loop {
        n = black_box(n.wrapping_add(1));
    }
}

/// Allocates `mb` MiB in 1 MiB chunks, writes every byte and keeps the
/// chunks alive until it returns. Returns `mb`. When memory runs out it
/// panics (one stderr line, then a trap) naming how far it got.
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
        // Ignore write errors: a host that truncates output must not turn
        // the flood into a panic.
        let _ = writeln!(stdout, "flood line {i:>8} {filler}");
        i += 1;
    }
}

/// Tries to list `/` and read `/etc/passwd`; the host grants no filesystem,
/// so both should fail.
fn probe_filesystem() -> serde_json::Value {
    let read_dir = match std::fs::read_dir("/") {
        Ok(entries) => json!({
            "ok": entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        }),
        Err(e) => json!({ "error": e.to_string() }),
    };
    let read_passwd = match std::fs::read("/etc/passwd") {
        Ok(bytes) => json!({ "ok": String::from_utf8_lossy(&bytes) }),
        Err(e) => json!({ "error": e.to_string() }),
    };
    json!({ "readDir": read_dir, "readPasswd": read_passwd })
}

/// PutLogs of one line `hostile=put-log` to the function's own logstore
/// through the SLS API at `FCLOCAL_SLS_ENDPOINT` (unsigned); the answer's
/// status, or the error text.
fn put_log() -> String {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let (endpoint, project, logstore) = (
        var("FCLOCAL_SLS_ENDPOINT"),
        var("FC_SERVICE_LOG_PROJECT"),
        var("FC_SERVICE_LOG_STORE"),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    let body = log_group(u32::try_from(now).unwrap_or(u32::MAX), "hostile", "put-log");
    let url = format!("{endpoint}/logstores/{logstore}/shards/lb");
    let headers = [
        ("x-log-project", project.as_str()),
        ("x-log-apiversion", "0.6.0"),
        ("x-log-bodyrawsize", &body.len().to_string()),
        ("content-type", "application/x-protobuf"),
    ];
    match fclocal_sdk::outbound::send("POST", &url, &headers, &body) {
        Ok(resp) => resp.status().to_string(),
        Err(e) => e.to_string(),
    }
}

/// A protobuf `LogGroup` holding one log `{key: value}` at `time`
/// (`Logs = 1`; `Log.Time = 1`, `Log.Contents = 2`; `Content.Key = 1`,
/// `Content.Value = 2`), encoded by hand to keep the guest small.
fn log_group(time: u32, key: &str, value: &str) -> Vec<u8> {
    fn varint(out: &mut Vec<u8>, mut n: u64) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }
    fn field(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
        out.push(tag << 3 | 2);
        varint(out, bytes.len() as u64);
        out.extend_from_slice(bytes);
    }
    let mut content = Vec::new();
    field(&mut content, 1, key.as_bytes());
    field(&mut content, 2, value.as_bytes());
    let mut log = vec![1 << 3];
    varint(&mut log, u64::from(time));
    field(&mut log, 2, &content);
    let mut group = Vec::new();
    field(&mut group, 1, &log);
    group
}
