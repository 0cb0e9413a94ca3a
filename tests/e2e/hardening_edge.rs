//! The server's edge against hostile clients: slowloris connections (a cap,
//! header and body timeouts, a clear refusal), web pages on other sites
//! (cross-site writes, websockets and DNS rebinding refused), remote clients
//! (never shown the AccessKeySecret), and guests without `InternetAccess`
//! (only the SLS API of the server, and credentials scoped to them).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;

use crate::common::{MarblesNetwork, Sandbox};
use crate::server::Server;

/// Bounds every wait on an event (a close, an answer); nothing sleeps.
const PATIENCE: Duration = Duration::from_secs(30);

/// The server's `host:port`.
fn address(server: &Server) -> SocketAddr {
    server
        .base
        .trim_start_matches("http://")
        .replace("0.0.0.0", "127.0.0.1")
        .parse()
        .expect("a socket address")
}

fn connect(address: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(address).expect("the server accepts");
    stream.set_read_timeout(Some(PATIENCE)).expect("a timeout");
    stream
}

/// Reads until the server closes the connection (or resets it); what was read.
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut all = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => all.extend_from_slice(&buffer[..n]),
            Err(error) if error.kind() == ErrorKind::ConnectionReset => break,
            Err(error) => panic!(
                "the server kept the connection open past {PATIENCE:?} ({error}); read so far: {:?}",
                String::from_utf8_lossy(&all)
            ),
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

/// One raw HTTP/1.1 request with `Connection: close`; the status and the answer.
fn raw(address: SocketAddr, request: &str) -> (u16, String) {
    let mut stream = connect(address);
    stream.write_all(request.as_bytes()).expect("sent");
    let answer = read_to_close(&mut stream);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    (status, answer)
}

/// `GET /fclocal/health` on a fresh connection answers `ok`, and how long it took.
fn health(address: SocketAddr) -> Duration {
    let started = Instant::now();
    let (status, answer) = raw(
        address,
        "GET /fclocal/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200, "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    started.elapsed()
}

/// The soft limit on open files of this process (what the flood may use).
fn open_file_limit() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").expect("/proc/self/limits");
    limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|soft| soft.parse().ok())
        .unwrap_or(1024)
}

#[test]
fn slowloris_connections_are_capped_timed_out_and_refused_clearly() {
    const CAP: usize = 16;
    let sandbox = Sandbox::new();
    // Through the environment, so an fclocal without these settings still
    // starts (and this test shows what it does under the flood).
    let server = Server::start_with_env(
        &sandbox,
        &["--no-watch"],
        &[
            ("FCLOCAL_MAX_CONNECTIONS", "16"),
            ("FCLOCAL_CLIENT_TIMEOUT", "2s"),
        ],
    );
    let address = address(&server);

    // Many more half-open connections than the cap (but well within this
    // process's descriptors): each sends part of a request head and stops.
    let flood = (open_file_limit() / 4).clamp(CAP * 4, 2_000);
    let mut half_open: Vec<TcpStream> = (0..flood)
        .map(|_| {
            let mut stream = connect(address);
            stream
                .write_all(b"GET /fclocal/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .expect("sent");
            stream
        })
        .collect();
    // A real client still gets an answer at once: a newcomer takes the slot
    // of the oldest connection that never finished its request.
    assert!(
        health(address) < Duration::from_secs(5),
        "health answered too slowly under a slowloris flood"
    );
    // And a half-open connection is closed by the header-read timeout
    // without an answer.
    let mut last = half_open.pop().expect("a connection");
    let started = Instant::now();
    let answer = read_to_close(&mut last);
    assert!(answer.is_empty(), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the header-read timeout (2s) did not close a half-open connection"
    );
    drop(half_open);
    // A kept-alive connection left idle after its request is closed too.
    let mut idle = connect(address);
    idle.write_all(b"GET /fclocal/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .expect("sent");
    let started = Instant::now();
    let answer = read_to_close(&mut idle);
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"),
        "{answer}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "an idle kept-alive connection stayed open past the client timeout (2s)"
    );

    // Connections busy with a request are never evicted: fill every slot
    // with a PutLogs whose body never comes (the server has read the head:
    // it answered `100 Continue`)...
    let busy: Vec<TcpStream> = (0..CAP)
        .map(|_| {
            let mut stream = connect(address);
            stream
                .write_all(
                    b"POST /logstores/test-log-store/shards/lb HTTP/1.1\r\nHost: 127.0.0.1\r\nx-log-project: test-log-project\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n",
                )
                .expect("sent");
            let mut head = [0u8; 25];
            stream.read_exact(&mut head).expect("100 Continue");
            assert!(
                head.starts_with(b"HTTP/1.1 100 Continue"),
                "{:?}",
                String::from_utf8_lossy(&head)
            );
            stream
        })
        .collect();
    // ...then one more connection is told why it is refused.
    let (status, answer) = raw(
        address,
        "GET /fclocal/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 503, "{answer}");
    assert!(answer.contains("too many connections"), "{answer}");
    assert!(answer.contains("--max-connections"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );

    // The stalled bodies time out with an answer naming the cause, which
    // frees the slots.
    for mut stream in busy {
        let answer = read_to_close(&mut stream);
        assert!(answer.contains("stalled"), "{answer}");
    }
    assert!(health(address) < Duration::from_secs(5));
}

/// A sandbox with the standard template and the Marbles ledger (UI and websocket).
fn ledger_sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    MarblesNetwork::new(10).write(&sandbox);
    sandbox
}

#[test]
fn open_websockets_count_against_the_connection_cap() {
    const CAP: usize = 4;
    let sandbox = ledger_sandbox();
    let server = Server::start_with_env(
        &sandbox,
        &["--no-watch"],
        &[("FCLOCAL_MAX_CONNECTIONS", "4")],
    );
    let address = address(&server);
    let url = format!("ws://{address}/ws");
    // Websockets have sent their request: they are busy, never evicted, and
    // hold their slot for as long as they stay open (after the upgrade too).
    let mut sockets: Vec<_> = (0..CAP)
        .map(|_| tungstenite::connect(url.as_str()).expect("a websocket").0)
        .collect();
    let (status, answer) = raw(
        address,
        "GET /fclocal/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        status, 503,
        "{CAP} open websockets did not fill --max-connections {CAP}: {answer}"
    );
    assert!(answer.contains("too many connections"), "{answer}");

    // Closing one frees its slot.
    let mut closed = sockets.pop().expect("a websocket");
    closed.close(None).expect("a close frame");
    while closed.read().is_ok() {}
    drop(closed);
    let started = Instant::now();
    loop {
        let (status, answer) = raw(
            address,
            "GET /fclocal/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        );
        if status == 200 {
            break;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "a closed websocket kept its slot: {answer}"
        );
        // The slot is freed when the server's connection task ends.
        std::thread::yield_now();
    }
    drop(sockets);
}

/// A `submit` of a new owner: every accepted one changes the ledger.
fn submit_request(host: &str, extra: &str, content_type: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let owner = format!(
        "o{}",
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let body = json!({"chaincode": "marbles", "function": "init_owner", "args": [owner, "Mallory", "United Marbles"]})
        .to_string();
    format!(
        "POST /ledger/v1/submit HTTP/1.1\r\nHost: {host}\r\n{extra}Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn height(server: &Server) -> u64 {
    let info: Value = server.get("/ledger/v1/info").json();
    info["height"].as_u64().expect("a height")
}

#[test]
fn pages_on_other_sites_cannot_write_the_ledger_or_open_the_websocket() {
    let sandbox = ledger_sandbox();
    let server = Server::start(&sandbox, &["--no-watch"]);
    let address = address(&server);
    let host = address.to_string();
    let before = height(&server);

    // What a page on evil.example makes the browser send: a "simple" request
    // (no preflight), with the headers every current browser adds.
    let (status, answer) = raw(
        address,
        &submit_request(
            &host,
            "Origin: http://evil.example\r\nSec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\n",
            "text/plain;charset=UTF-8",
        ),
    );
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains("http://evil.example"), "{answer}");
    // Either header alone is enough.
    for extra in [
        "Origin: http://evil.example\r\n",
        "Origin: null\r\n",
        "Sec-Fetch-Site: cross-site\r\n",
        // Another port on the same machine is another origin.
        "Origin: http://127.0.0.1:1\r\nSec-Fetch-Site: same-site\r\n",
    ] {
        let (status, answer) = raw(address, &submit_request(&host, extra, "text/plain"));
        assert_eq!(status, 403, "{extra}: {answer}");
    }
    // The SLS API's writes too.
    let (status, answer) = raw(
        address,
        &format!(
            "POST /logstores/test-log-store/shards/lb HTTP/1.1\r\nHost: {host}\r\nOrigin: http://evil.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(status, 403, "{answer}");
    // DNS rebinding: evil.example resolving to 127.0.0.1 is same-origin
    // with itself, but names itself in Host; even reads are refused.
    let rebound = format!("evil.example:{}", address.port());
    let (status, answer) = raw(
        address,
        &format!("GET /fclocal/ HTTP/1.1\r\nHost: {rebound}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains("DNS rebinding"), "{answer}");
    let (status, answer) = raw(
        address,
        &submit_request(
            &rebound,
            &format!("Origin: http://{rebound}\r\nSec-Fetch-Site: same-origin\r\n"),
            "text/plain",
        ),
    );
    assert_eq!(status, 403, "{answer}");
    assert_eq!(
        height(&server),
        before,
        "a refused request changed the ledger"
    );

    // The websocket refuses other sites' pages...
    let mut request =
        tungstenite::client::IntoClientRequest::into_client_request(format!("ws://{host}/ws"))
            .expect("a websocket request");
    request
        .headers_mut()
        .insert("origin", "http://evil.example".parse().expect("a value"));
    match tungstenite::connect(request) {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        Err(other) => panic!("expected a 403, got {other}"),
        Ok(_) => panic!("a page on evil.example opened the Marbles websocket"),
    }
    // ...and serves fclocal's own page and tools that send no Origin.
    let mut own =
        tungstenite::client::IntoClientRequest::into_client_request(format!("ws://{host}/ws"))
            .expect("a websocket request");
    own.headers_mut()
        .insert("origin", format!("http://{host}").parse().expect("a value"));
    tungstenite::connect(own).expect("fclocal's own page opens the websocket");
    tungstenite::connect(format!("ws://{host}/ws")).expect("a tool opens the websocket");

    // fclocal's own pages and the CLI keep writing.
    let (status, answer) = raw(
        address,
        &submit_request(
            &host,
            &format!("Origin: http://{host}\r\nSec-Fetch-Site: same-origin\r\n"),
            "application/json",
        ),
    );
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = raw(
        address,
        &submit_request(
            &format!("localhost:{}", address.port()),
            "",
            "application/json",
        ),
    );
    assert_eq!(status, 200, "{answer}");
    // FC HTTP triggers are the user's application: any origin may call them.
    let (status, answer) = raw(
        address,
        &format!(
            "POST /2016-08-15/proxy/demo/processEvent/ HTTP/1.1\r\nHost: {host}\r\nOrigin: http://evil.example\r\nSec-Fetch-Site: cross-site\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
        ),
    );
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn pages_on_other_sites_cannot_call_the_invoke_function_api_without_auth() {
    let sandbox = Sandbox::new();
    let server = Server::start(&sandbox, &["--no-watch", "--no-auth"]);
    let address = address(&server);
    let host = address.to_string();
    let invoke = |extra: &str| {
        let event = json!({"action": "context"}).to_string();
        raw(
            address,
            &format!(
                "POST {HOSTILE} HTTP/1.1\r\nHost: {host}\r\n{extra}Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{event}",
                event.len()
            ),
        )
    };
    // A "simple" cross-origin POST a page on evil.example can send (and,
    // were it answered, read: the answer echoes its Origin in CORS).
    let (status, answer) = invoke("Origin: http://evil.example\r\nSec-Fetch-Site: cross-site\r\n");
    assert_eq!(status, 403, "{answer}");
    let (status, answer) = invoke("Origin: http://evil.example\r\n");
    assert_eq!(status, 403, "{answer}");
    // SDKs and curl send no Origin.
    let (status, answer) = invoke("");
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn dns_rebinding_is_refused_beyond_loopback_and_allowed_hosts_pass() {
    const FORWARDED: &str = "xxx-8000.app.github.dev";
    let sandbox = Sandbox::new();
    let server = Server::start_with_env(
        &sandbox,
        &["--no-watch", "--host", "0.0.0.0"],
        &[(
            "FCLOCAL_ALLOWED_HOSTS",
            "other.example,xxx-8000.app.github.dev",
        )],
    );
    let port = address(&server).port();
    let remote = SocketAddr::new(non_loopback_address(), port);
    let get = |host: &str| {
        raw(
            remote,
            &format!("GET /fclocal/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
    };
    let (status, answer) = get(&format!("evil.example:{port}"));
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains("DNS rebinding"), "{answer}");
    assert!(answer.contains("--allowed-host"), "{answer}");
    // A rebound page's own-origin write too.
    let (status, answer) = raw(
        remote,
        &format!(
            "POST /logstores/test-log-store/shards/lb HTTP/1.1\r\nHost: evil.example:{port}\r\nOrigin: http://evil.example:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(status, 403, "{answer}");
    for host in [
        remote.to_string(),
        format!("localhost:{port}"),
        FORWARDED.to_owned(),
        "other.example".to_owned(),
    ] {
        let (status, answer) = get(&host);
        assert_eq!(status, 200, "{host}: {answer}");
    }
    drop(server);

    // On loopback, --allowed-host extends the loopback names.
    let server = Server::start(&sandbox, &["--no-watch", "--allowed-host", FORWARDED]);
    let address = address(&server);
    let get = |host: &str| {
        raw(
            address,
            &format!("GET /fclocal/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
    };
    let (status, answer) = get(&format!("{FORWARDED}:443"));
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = get("other.example");
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains("--allowed-host"), "{answer}");
}

/// This machine's address on its first non-loopback interface (no packet
/// is sent: connecting a UDP socket only picks the route).
fn non_loopback_address() -> std::net::IpAddr {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").expect("a UDP socket");
    socket
        .connect("192.0.2.1:9")
        .expect("this test needs a non-loopback network interface (see `hostname -I`)");
    let ip = socket.local_addr().expect("a local address").ip();
    assert!(
        !ip.is_loopback() && !ip.is_unspecified(),
        "this test needs a non-loopback network interface, found only {ip}"
    );
    ip
}

#[test]
fn remote_clients_never_see_the_secret() {
    let sandbox = Sandbox::new();
    let server = Server::start(&sandbox, &["--no-watch", "--host", "0.0.0.0"]);
    let secret = server.credentials.access_key_secret.clone();
    assert!(
        secret.len() >= 16,
        "the banner printed the secret: {secret:?}"
    );

    let port = address(&server).port();
    let remote = SocketAddr::new(non_loopback_address(), port);
    for path in ["/", "/fclocal/"] {
        let (status, answer) = raw(
            remote,
            &format!("GET {path} HTTP/1.1\r\nHost: {remote}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 200, "{answer}");
        assert!(answer.contains("AccessKeyId "), "{answer}");
        assert!(
            !answer.contains(&secret),
            "{path} showed the secret to {remote}"
        );
        assert!(
            answer.contains("shown only on the fclocal terminal"),
            "{answer}"
        );
    }
    // A client on this machine may still read it there.
    assert!(server.get("/fclocal/").text().contains(&secret));
    assert!(
        server
            .printed()
            .iter()
            .any(|line| line.contains("admin-grade")),
        "the banner must warn that the APIs are admin-grade beyond loopback"
    );
}

const HOSTILE: &str = "/2016-08-15/services/demo/functions/hostile/invocations";

/// Invokes the `hostile` guest (its service has no `InternetAccess`).
fn hostile(server: &Server, event: Value) -> String {
    let headers = server.signed("POST", HOSTILE, None, vec![], std::time::SystemTime::now());
    let answer = server.send("POST", HOSTILE, &headers, event.to_string().as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.text()
}

/// The guest's environment.
fn guest_env(server: &Server) -> std::collections::BTreeMap<String, String> {
    serde_json::from_str(&hostile(server, json!({"action": "env"}))).expect("the env as JSON")
}

#[test]
fn guests_without_internet_access_reach_only_the_sls_api_and_never_hold_the_secret() {
    let sandbox = Sandbox::new();
    let server = Server::start(&sandbox, &["--no-watch"]);
    let secret = server.credentials.access_key_secret.clone();
    assert!(!secret.is_empty());

    // fclocal's own endpoint beyond the SLS API is the developer's, not the guest's.
    for path in ["/fclocal/instances", "/fclocal/", "/"] {
        let answer = hostile(&server, json!({"action": "http", "url": server.url(path)}));
        assert!(answer.contains("HttpRequestDenied"), "{path}: {answer}");
    }
    // The SLS API is what FC gives a function: it still writes its logs.
    assert_eq!(hostile(&server, json!({"action": "put-log"})), "200");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let rows = server.send(
        "GET",
        &format!(
            "/logstores/test-log-store?type=log&from={}&to={}&query=*",
            now - 600,
            now + 600
        ),
        &[("x-log-project", "test-log-project".into())],
        b"",
    );
    assert!(rows.text().contains("put-log"), "{}", rows.text());

    // Its credentials are its own, STS-shaped, and not the server's.
    let env = guest_env(&server);
    assert!(
        !env.values().any(|value| value.contains(&secret)),
        "the guest's environment holds the server's AccessKeySecret"
    );
    let id = &env["ALIBABA_CLOUD_ACCESS_KEY_ID"];
    assert!(id.starts_with("STS."), "{id}");
    assert!(!env["ALIBABA_CLOUD_SECURITY_TOKEN"].is_empty());
    assert_eq!(
        env["FC_ACCESS_KEY_SECRET"],
        env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]
    );
    let context = hostile(&server, json!({"action": "context"}));
    assert!(
        !context.contains(&secret),
        "context.credentials hold the server's secret"
    );
    assert!(context.contains(id.as_str()), "{context}");
}

/// A PutLogs of one line, signed with `id`/`secret` (and `token` when scoped).
fn signed_put_logs(
    server: &Server,
    logstore: &str,
    id: &str,
    secret: &str,
    token: Option<&str>,
) -> crate::server::Answer {
    use prost::Message as _;
    let now = std::time::SystemTime::now();
    let group = fclocal_sls_api::LogGroup {
        logs: vec![fclocal_sls_api::Log {
            time: u32::try_from(
                now.duration_since(std::time::UNIX_EPOCH)
                    .expect("after 1970")
                    .as_secs(),
            )
            .expect("fits"),
            contents: vec![fclocal_sls_api::LogContent {
                key: "signed".into(),
                value: "scoped".into(),
            }],
            time_ns: None,
        }],
        ..Default::default()
    };
    let body = group.encode_to_vec();
    let path = format!("/logstores/{logstore}/shards/lb");
    let mut headers: Vec<(&str, String)> = vec![
        ("date", httpdate::fmt_http_date(now)),
        ("content-type", "application/x-protobuf".into()),
        ("x-log-project", "test-log-project".into()),
        ("x-log-apiversion", "0.6.0".into()),
        ("x-log-signaturemethod", "hmac-sha1".into()),
        ("x-log-bodyrawsize", body.len().to_string()),
    ];
    if let Some(token) = token {
        headers.push((fclocal_sls_api::sts::SECURITY_TOKEN_HEADER, token.into()));
    }
    let mut map = http::HeaderMap::new();
    for (name, value) in &headers {
        map.insert(*name, value.parse().expect("a header value"));
    }
    let text = fclocal_sls_api::signature::string_to_sign("POST", &path, &map, &[]);
    headers.push((
        "authorization",
        fclocal_sls_api::signature::authorization(
            &fclocal_sls_api::Credentials::new(id, secret),
            &text,
        ),
    ));
    server.send("POST", &path, &headers, &body)
}

#[test]
fn a_guests_scoped_credentials_sign_for_its_logstore_only() {
    let sandbox = Sandbox::new();
    let server = Server::start(&sandbox, &["--no-watch", "--auth"]);
    let env = guest_env(&server);
    let (id, secret, token) = (
        env["ALIBABA_CLOUD_ACCESS_KEY_ID"].as_str(),
        env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"].as_str(),
        env["ALIBABA_CLOUD_SECURITY_TOKEN"].as_str(),
    );

    let own = signed_put_logs(&server, "test-log-store", id, secret, Some(token));
    assert_eq!(own.status, 200, "{}", own.text());
    let other = signed_put_logs(&server, "other-store", id, secret, Some(token));
    assert_eq!(other.status, 401, "{}", other.text());
    assert!(
        other.text().contains("denied by sts or ram"),
        "{}",
        other.text()
    );
    // Without its token, or passed off as the server's key, it is nothing.
    let bare = signed_put_logs(&server, "test-log-store", id, secret, None);
    assert_eq!(bare.status, 401, "{}", bare.text());
    let as_server = signed_put_logs(
        &server,
        "test-log-store",
        &server.credentials.access_key_id,
        secret,
        None,
    );
    assert_eq!(as_server.status, 401, "{}", as_server.text());
    // The server's own pair still works.
    let admin = signed_put_logs(
        &server,
        "test-log-store",
        &server.credentials.access_key_id,
        &server.credentials.access_key_secret,
        None,
    );
    assert_eq!(admin.status, 200, "{}", admin.text());
}
