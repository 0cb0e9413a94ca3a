//! A real ledger in a temporary directory behind the real router on a real socket, and a
//! small HTTP/1.1 client (hyper) with a Server-Sent Events reader.
//!
//! Blocks are cut by `MaxMessageCount` (the batch timeout is an hour), so no test waits
//! on a clock: one submission per block, or two at a time with `MaxMessageCount: 2`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use fclocal_ledger::Ledger;
use fclocal_ledger::chaincode::ChaincodeRegistry;
use fclocal_ledger::network::NetworkConfig;
use fclocal_ledger::sample::AssetTransfer;
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// Upper bound on any single wait, so a bug fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(60);

/// The chaincode name in the test network.
pub const CC: &str = "assets";

fn network(max_message_count: u32) -> NetworkConfig {
    let yaml = format!(
        "\
Channel: mychannel
Organizations:
  Org1MSP:
    Peers: [peer0]
  Org2MSP:
    Peers: [peer0]
Chaincodes:
  assets:
    CodeUri: native
    EndorsementPolicy: AND('Org1MSP.peer','Org2MSP.peer')
Orderer:
  BatchTimeout: 60m
  MaxMessageCount: {max_message_count}
"
    );
    NetworkConfig::parse(&yaml, "network.yml").unwrap()
}

/// A served ledger.
pub struct Server {
    pub addr: SocketAddr,
    pub ledger: Arc<Ledger>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// A ledger cutting a block every `max_message_count` envelopes, served on
    /// `127.0.0.1:0`.
    pub async fn start(max_message_count: u32) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut registry = ChaincodeRegistry::new();
        registry.register(CC, Arc::new(AssetTransfer));
        let ledger =
            Arc::new(Ledger::open(dir.path(), network(max_message_count), registry).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = fclocal_ledger_api::router(ledger.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Server {
            addr,
            ledger,
            _dir: dir,
        }
    }

    async fn send(&self, request: http::Request<Full<Bytes>>) -> http::Response<Incoming> {
        let stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        tokio::time::timeout(PATIENCE, sender.send_request(request))
            .await
            .expect("no answer in time")
            .unwrap()
    }

    async fn answer(&self, request: http::Request<Full<Bytes>>) -> Answer {
        let response = self.send(request).await;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string());
        let body = tokio::time::timeout(PATIENCE, response.into_body().collect())
            .await
            .expect("no body in time")
            .unwrap()
            .to_bytes();
        assert_eq!(
            content_type.as_deref(),
            Some("application/json"),
            "every answer is JSON: {status} {body:?}"
        );
        let json = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&body)));
        Answer { status, json }
    }

    fn request(&self, method: &str, path: &str, body: &str) -> http::Request<Full<Bytes>> {
        http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, self.addr.to_string())
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap()
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Answer {
        self.answer(self.request("GET", path, "")).await
    }

    /// `method path` with a raw body.
    pub async fn call(&self, method: &str, path: &str, body: &str) -> Answer {
        self.answer(self.request(method, path, body)).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        let mut request = self.request("POST", path, &body.to_string());
        request.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        self.answer(request).await
    }

    /// Submits `function(args)` on the test chaincode.
    pub async fn submit(&self, function: &str, args: &[&str]) -> Answer {
        let body = json!({"chaincode": CC, "function": function, "args": args});
        self.post("/ledger/v1/submit", &body).await
    }

    /// Submits and asserts it committed VALID; returns the answer's JSON.
    pub async fn submit_ok(&self, function: &str, args: &[&str]) -> Value {
        let answer = self.submit(function, args).await;
        assert_eq!(answer.status, 200, "{}", answer.json);
        assert_eq!(answer.json["validationCode"], "VALID", "{}", answer.json);
        answer.json
    }

    /// Evaluates `function(args)` on the test chaincode.
    pub async fn evaluate(&self, function: &str, args: &[&str]) -> Answer {
        let body = json!({"chaincode": CC, "function": function, "args": args});
        self.post("/ledger/v1/evaluate", &body).await
    }

    /// Opens the event stream at `path` (with extra headers) and checks it is SSE.
    pub async fn events(&self, path: &str, headers: &[(&str, &str)]) -> EventStream {
        let mut request = self.request("GET", path, "");
        for (name, value) in headers {
            request.headers_mut().insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_str(value).unwrap(),
            );
        }
        let response = self.send(request).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()[http::header::CONTENT_TYPE],
            "text/event-stream"
        );
        EventStream {
            body: response.into_body(),
            buffer: String::new(),
        }
    }
}

/// A whole JSON answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub json: Value,
}

impl Answer {
    /// Asserts an error answer with this status and code; returns its message.
    pub fn error(&self, status: u16, code: &str) -> String {
        assert_eq!(
            (self.status, self.json["error"].as_str().unwrap_or("")),
            (status, code),
            "{}",
            self.json
        );
        self.json["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no message: {}", self.json))
            .to_string()
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// `event:`.
    pub kind: String,
    /// `data:`, parsed as JSON.
    pub data: Value,
    /// `id:`, if any.
    pub id: Option<String>,
}

/// Reads events off a streaming body, parsing frames by hand: `field: value` lines, a
/// blank line ends an event, `:` lines are comments (keep-alives).
pub struct EventStream {
    body: Incoming,
    buffer: String,
}

impl EventStream {
    /// The next event (keep-alive comments skipped).
    pub async fn next(&mut self) -> SseEvent {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let (mut kind, mut data, mut id) = (None, String::new(), None);
                for line in frame.lines() {
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match field {
                        "" => {}
                        "event" => kind = Some(value.to_string()),
                        "data" => {
                            if !data.is_empty() {
                                data.push('\n');
                            }
                            data.push_str(value);
                        }
                        "id" => id = Some(value.to_string()),
                        other => panic!("unexpected SSE field {other:?} in {frame:?}"),
                    }
                }
                if kind.is_none() && data.is_empty() {
                    continue; // a keep-alive comment
                }
                return SseEvent {
                    kind: kind.unwrap_or_else(|| "message".into()),
                    data: serde_json::from_str(&data)
                        .unwrap_or_else(|e| panic!("data is not JSON ({e}): {data:?}")),
                    id,
                };
            }
            let frame = tokio::time::timeout(PATIENCE, self.body.frame())
                .await
                .expect("no event in time")
                .expect("the event stream ended")
                .unwrap();
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
    }
}
