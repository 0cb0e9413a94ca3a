//! A fixed corpus of 60 lines for the query tests: #00–#29 are Function Compute lines,
//! #30–#59 nginx access lines, written through the real [`LogStore`] into `p/logs`.
//! Line `#NN` has `__time__` = [`BASE`] + 60·NN (2025-01-01 00:NN:00 UTC).
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fclocal_logstore::{LogRecord, LogStore};

/// 2025-01-01T00:00:00Z in UNIX seconds.
pub const BASE: u64 = 1_735_689_600;
/// The project and logstore the corpus is written to.
pub const PROJECT: &str = "p";
/// See [`PROJECT`].
pub const LOGSTORE: &str = "logs";

/// [`BASE`] + `secs`.
pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(BASE + secs)
}

const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
const CHROME_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) Chrome/120.0";
const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";
const CURL: &str = "curl/8.5.0";
const OLD_IE: &str = "Mozila/4.0 (compatible; MSIE 6.0)";

/// One FC line: (service = topic, function, level, message, latency ms, extra pairs).
type Fc = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [(&'static str, &'static str)],
);

const JSON_GET: &str = r#"{"request":{"method":"GET","uri":"/api/v1/orders"},"status":200}"#;
const JSON_POST: &str = r#"{"request":{"method":"POST","uri":"/api/v1/orders"},"status":500}"#;
const JSON_IN_STRING: &str = r#"{"request":"{\"method\":\"PUT\"}","status":201}"#;

#[rustfmt::skip]
const FC: [Fc; 30] = [
    ("my-service", "hello", "INFO", "FC Invoke Start RequestId: r-0001", None, &[("region", "cn-hangzhou")]),
    ("my-service", "hello", "INFO", "2025-01-01T00:01:00Z r-0001 [INFO] handling event order-17", Some("12"), &[("region", "cn-hangzhou")]),
    ("my-service", "hello", "ERROR", "2025-01-01T00:02:00Z r-0001 [ERROR] timeout calling https://api.example.com/v1/orders", Some("3001"), &[("region", "cn-hangzhou")]),
    ("my-service", "hello", "INFO", "FC Invoke End RequestId: r-0001", None, &[("region", "cn-hangzhou")]),
    ("my-service", "process-event", "INFO", "FC Invoke Start RequestId: r-0002", None, &[("region", "cn-shanghai")]),
    ("my-service", "process-event", "INFO", "[INFO] processed 3 records in 45 ms", Some("45"), &[("region", "cn-shanghai"), ("content", JSON_GET)]),
    ("my-service", "process-event", "WARN", "[WARN] retrying: Connection reset by peer", Some("120"), &[("region", "cn-shanghai")]),
    ("my-service", "process-event", "ERROR", "[ERROR] Error: ECONNREFUSED 10.0.0.5:3306", Some("5"), &[("region", "cn-shanghai"), ("content", JSON_POST)]),
    ("my-service", "process-event", "INFO", "FC Invoke End RequestId: r-0002", None, &[("region", "cn-shanghai")]),
    ("other-svc", "resize-image", "INFO", "FC Invoke Start RequestId: r-0003", None, &[("region", "cn-beijing")]),
    ("other-svc", "resize-image", "INFO", "resized image.png to 128x128 (q=85)", Some("230"), &[("region", "cn-beijing"), ("content", JSON_IN_STRING)]),
    ("other-svc", "resize-image", "INFO", "[INFO] redo_index/1 rebuilt", Some("17"), &[("region", "cn-beijing")]),
    ("other-svc", "resize-image", "INFO", "FC Invoke End RequestId: r-0003", None, &[("region", "cn-beijing")]),
    ("my-service", "hello", "INFO", "FC Invoke Start RequestId: r-0004", None, &[("region", "cn-hangzhou")]),
    ("my-service", "hello", "ERROR", "[ERROR] unhandled exception: TypeError: x is undefined", Some("8"), &[("region", "cn-hangzhou")]),
    ("my-service", "hello", "INFO", "FC Invoke End RequestId: r-0004", None, &[("region", "cn-hangzhou")]),
    ("other-svc", "resize-image", "INFO", "FC Invoke Start RequestId: r-0005", None, &[("region", "cn-beijing")]),
    ("other-svc", "resize-image", "INFO", "rock and roll: thumbnail ready", Some("95"), &[("region", "cn-beijing"), ("etl_context", r#"{"project":"p1","logstore":"l1"}"#)]),
    ("other-svc", "resize-image", "INFO", "FC Invoke End RequestId: r-0005", None, &[("region", "cn-beijing")]),
    ("my-service", "process-event", "INFO", "FC Invoke Start RequestId: r-0006", None, &[("region", "cn-shanghai")]),
    ("my-service", "process-event", "INFO", "[INFO] processed 12 records in 310 ms", Some("310"), &[("region", "cn-shanghai")]),
    ("my-service", "process-event", "INFO", "FC Invoke End RequestId: r-0006", None, &[("region", "cn-shanghai")]),
    ("my-service", "hello", "INFO", "FC Invoke Start RequestId: r-0007", None, &[("region", "cn-hangzhou")]),
    ("my-service", "hello", "INFO", "Grüße aus Hangzhou — ÄRGER vermeiden", Some("20"), &[("region", "cn-hangzhou")]),
    ("my-service", "hello", "INFO", "FC Invoke End RequestId: r-0007", None, &[("region", "cn-hangzhou")]),
    ("other-svc", "resize-image", "ERROR", "[ERROR] out of memory while resizing big.jpg", Some("1500"), &[("region", "cn-beijing")]),
    ("other-svc", "resize-image", "INFO", "multi-line\nstack trace\tat main.js:10", None, &[("region", "cn-beijing")]),
    ("my-service", "hello", "INFO", "user=alice action=login ok", Some("7"), &[("region", "cn-hangzhou"), ("request method", "PUT"), ("Authorization", "Bearer 12345")]),
    ("my-service", "hello", "INFO", "latency 0.25 s (fast path)", Some("0.25"), &[("region", "cn-hangzhou")]),
    ("my-service", "hello", "INFO", "done", Some("9"), &[("region", "cn-hangzhou")]),
];

/// One nginx line: (topic, client ip tag, method, uri, status, request_time,
/// upstream_response_time, user agent, remote_user (None = absent), region, host).
type Ng = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const NGINX: [Ng; 30] = [
    ("HTTP", "192.0.2.1", "GET", "/index.html", "200", "0.012", "0.010", CHROME_LINUX, None, "cn-hangzhou", "www.example.com"),
    ("HTTP", "192.0.2.1", "GET", "/request/1", "200", "60", "0.7", CHROME_LINUX, Some("alice"), "cn-hangzhou", "www.example.com"),
    ("HTTPS", "192.0.2.9", "POST", "/api/v1/orders", "201", "0.3", "0.25", CURL, Some(""), "cn-shanghai", "www.ylb.com"),
    ("HTTPS", "192.0.2.9", "GET", "/file-0", "404", "0.002", "0", FIREFOX, None, "cn-shanghai", "www.ylb.com"),
    ("HTTP", "198.51.100.7", "PUT", "/request/2?debug=1", "500", "120", "119.5", OLD_IE, Some("null"), "cn-beijing", "www.example.com"),
    ("HTTP", "198.51.100.7", "DELETE", "/file-1", "204", "0.05", "0.04", CURL, Some("bob"), "cn-beijing", "www.example.com"),
    ("HTTPS", "192.0.2.1", "GET", "/request/3", "301", "200", "0.9", CHROME_MAC, None, "cn-hangzhou", "www.ylb.com"),
    ("HTTPS", "192.0.2.1", "POST", "/api/v1/orders", "503", "61.5", "61", CHROME_MAC, Some(""), "cn-shanghai", "www.example.com"),
    ("HTTP", "192.0.2.9", "GET", "/index.html", "200", "0.02", "0.015", FIREFOX, None, "cn-shanghai", "www.example.com"),
    ("HTTP", "192.0.2.9", "GET", "/request/4", "200", "59.9", "0.6", CHROME_LINUX, Some("alice"), "cn-hangzhou", "www.example.com"),
    ("HTTPS", "198.51.100.7", "GET", "/file-0", "200", "0.004", "0.003", CURL, None, "cn-beijing", "www.ylb.com"),
    ("HTTPS", "198.51.100.7", "POST", "/request/5", "400", "0.1", "0.08", OLD_IE, Some("bob"), "cn-beijing", "www.ylb.com"),
    ("HTTP", "192.0.2.1", "GET", "/request/6", "200", "150", "149", CHROME_LINUX, None, "cn-hangzhou", "www.example.com"),
    ("HTTP", "192.0.2.1", "HEAD", "/index.html", "200", "0.001", "0", CURL, Some(""), "cn-hangzhou", "www.example.com"),
    ("HTTPS", "192.0.2.9", "GET", "/api/v1/orders?page=2", "500", "2.5", "2.4", FIREFOX, Some("carol"), "cn-shanghai", "www.example.com"),
    ("HTTPS", "192.0.2.9", "GET", "/request/7", "299", "75", "74", CHROME_MAC, None, "cn-shanghai", "www.ylb.com"),
    ("HTTP", "198.51.100.7", "POST", "/file-2", "200", "0.4", "0.35", CHROME_LINUX, Some("alice"), "cn-beijing", "www.example.com"),
    ("HTTP", "198.51.100.7", "GET", "/request/8", "502", "30", "29.9", OLD_IE, Some("null"), "cn-beijing", "www.example.com"),
    ("HTTPS", "192.0.2.1", "GET", "/index.html", "200", "0.015", "0.012", CHROME_LINUX, None, "cn-hangzhou", "www.ylb.com"),
    ("HTTPS", "192.0.2.1", "PUT", "/api/v1/orders/9", "200", "1.2", "1.1", CURL, Some("dave"), "cn-hangzhou", "www.ylb.com"),
    ("HTTP", "192.0.2.9", "GET", "/request/9", "404", "0.003", "0", FIREFOX, None, "cn-shanghai", "www.example.com"),
    ("HTTP", "192.0.2.9", "POST", "/request/10", "200", "199.99", "150", CHROME_LINUX, Some(""), "cn-shanghai", "www.example.com"),
    ("HTTPS", "198.51.100.7", "GET", "/file-3", "200", "0.006", "0.005", CHROME_MAC, None, "cn-beijing", "www.ylb.com"),
    ("HTTPS", "198.51.100.7", "GET", "/index.html", "304", "0.001", "0", FIREFOX, Some("erin"), "cn-beijing", "www.ylb.com"),
    ("HTTP", "192.0.2.1", "GET", "/request/11", "200", "65", "64", CHROME_LINUX, None, "cn-hangzhou", "www.example.com"),
    ("HTTP", "192.0.2.1", "OPTIONS", "/api/v1/orders", "204", "0.002", "0", CURL, None, "cn-hangzhou", "www.example.com"),
    ("HTTPS", "192.0.2.9", "GET", "/request/12", "500", "45", "44", OLD_IE, Some("null"), "cn-shanghai", "www.ylb.com"),
    ("HTTPS", "192.0.2.9", "POST", "/api/v1/orders", "201", "0.9", "0.85", CHROME_MAC, Some("frank"), "cn-shanghai", "www.ylb.com"),
    ("HTTP", "198.51.100.7", "GET", "/request/13", "200", "12", "11", FIREFOX, None, "cn-beijing", "www.example.com"),
    ("HTTP", "198.51.100.7", "GET", "/index.html", "200", "0.01", "0.009", CHROME_LINUX, Some("alice"), "cn-beijing", "www.example.com"),
];

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The 60 records, oldest first.
pub fn records() -> Vec<LogRecord> {
    let mut out = Vec::new();
    for (i, (service, function, level, message, latency, extra)) in FC.iter().enumerate() {
        let request_id = format!("r-{:04}", i / 4 + 1);
        let mut contents = vec![
            ("serviceName", *service),
            ("functionName", *function),
            ("qualifier", "LATEST"),
            ("requestId", request_id.as_str()),
            ("level", *level),
            ("message", *message),
        ];
        if let Some(l) = latency {
            contents.push(("latency", l));
        }
        contents.extend(extra.iter().copied());
        out.push(LogRecord {
            project: PROJECT.into(),
            logstore: LOGSTORE.into(),
            time: at(60 * i as u64),
            topic: (*service).into(),
            source: "fc-instance-1".into(),
            tags: pairs(&[("__hostname__", "host-a")]),
            contents: pairs(&contents),
        });
    }
    for (j, line) in NGINX.iter().enumerate() {
        let (topic, ip, method, uri, status, rt, urt, ua, user, region, host) = *line;
        let i = 30 + j;
        let remote_addr = format!("10.0.{}.{}", j % 3, j % 7);
        let mut contents = vec![
            ("remote_addr", remote_addr.as_str()),
            ("time_local", "22/Dec/2024:10:00:00 +0800"),
            ("request_method", method),
            ("request_uri", uri),
            ("status", status),
            ("request_time", rt),
            ("upstream_response_time", urt),
            ("http_user_agent", ua),
            ("region", region),
            ("host", host),
        ];
        if let Some(u) = user {
            contents.insert(1, ("remote_user", u));
        }
        out.push(LogRecord {
            project: PROJECT.into(),
            logstore: LOGSTORE.into(),
            time: at(60 * i as u64),
            topic: topic.into(),
            source: ip.into(),
            tags: pairs(&[("__client_ip__", ip), ("__receive_time__", "1735689600")]),
            contents: pairs(&contents),
        });
    }
    out
}

/// How the corpus sits in the full-text index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indexing {
    /// Only the corpus: fewer lines than one index batch, so all of them wait in the
    /// not-yet-indexed queue and searches check them with the exact SQL functions.
    Queued,
    /// 963 filler lines in `p/filler` first, so the corpus ends exactly at the 1,024-line
    /// batch boundary and every corpus line is in the FTS5 index.
    Indexed,
    /// 993 filler lines first: the FC half of the corpus (#00–#29) is indexed, the nginx
    /// half waits in the queue.
    Half,
}

/// A store in `dir` holding the corpus (committed).
pub fn store(dir: &std::path::Path, indexing: Indexing) -> LogStore {
    let store = LogStore::open(&dir.join("logs.db")).expect("open store");
    let writer = store.writer();
    // The filler logstore exists either way, so error messages listing logstores agree.
    store
        .ensure_logstore(
            PROJECT,
            "filler",
            fclocal_logstore::LogstoreConfig::default(),
        )
        .expect("filler logstore");
    let filler_lines = match indexing {
        Indexing::Queued => 0,
        Indexing::Indexed => 963,
        Indexing::Half => 993,
    };
    if filler_lines > 0 {
        let filler = (0..filler_lines)
            .map(|i| LogRecord {
                project: PROJECT.into(),
                logstore: "filler".into(),
                time: at(i),
                topic: String::new(),
                source: String::new(),
                tags: Vec::new(),
                contents: pairs(&[("message", "filler error cn-hangzhou GET")]),
            })
            .collect();
        writer.append(filler).expect("append filler");
    }
    // Several appends, as producers would.
    for chunk in records().chunks(7) {
        writer.append(chunk.to_vec()).expect("append");
    }
    writer.flush_blocking().expect("flush");
    store
}
