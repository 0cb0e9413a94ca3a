//! A hostile Marbles client: floods `/ws` with `read_everything` and reads none of the
//! answers until the server lets go of it (issue 11, item 4).
//!
//! One file for every user: the end-to-end test (`hardening_ws`), the example
//! `cargo run --example ws_flood -- 127.0.0.1:PORT [COUNT]`, and benchmarks, which can
//! include it with `#[path = "../tests/e2e/ws_flood.rs"] mod ws_flood;`. It needs only
//! `tungstenite` (through `tokio-tungstenite`, a dev-dependency of the root package).

#![allow(
    dead_code,
    reason = "shared by the e2e test, an example and benchmarks; each uses a part"
)]

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use tokio_tungstenite::tungstenite::{self, Message};

/// The request sent over and over (what the issue's attacker sent).
pub const REQUEST: &str = r#"{"type":"read_everything","v":1}"#;

/// How a flood ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FloodEnd {
    /// The server sent a close frame.
    Closed {
        /// Its close code (1008: policy violation).
        code: u16,
        /// Its reason.
        reason: String,
    },
    /// The server dropped the connection without a close frame reaching the client (its
    /// socket buffers were full of unread answers).
    Dropped(String),
    /// The server was still answering when `patience` ran out: it never let go.
    StillOpen,
}

/// What the flooding client saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloodReport {
    /// Requests written before the server stopped taking them.
    pub sent: usize,
    /// Answers read afterwards, before the end.
    pub answers: usize,
    /// How the connection ended.
    pub end: FloodEnd,
}

impl FloodReport {
    /// Whether the server disconnected the client (with or without a close frame).
    pub fn disconnected(&self) -> bool {
        !matches!(self.end, FloodEnd::StillOpen)
    }
}

/// Connects to `ws://{host}/ws` with small socket buffers (so what the kernel absorbs
/// does not hide the server's behaviour), writes `count` requests without reading, then
/// reads until the server closes or drops the connection. A server that stops taking
/// requests leaves the client blocked in a write, not reading, until it lets go. Each
/// write and read waits at most `patience` (a server that never lets go shows as
/// [`FloodEnd::StillOpen`]). `on_sent` is called with the number of requests written
/// so far after each one, for callers that act meanwhile.
pub fn flood(
    host: &str,
    count: usize,
    patience: Duration,
    mut on_sent: impl FnMut(usize),
) -> FloodReport {
    let stream = connect_small(host);
    set_timeouts(&stream, patience);
    let (mut socket, _) =
        tungstenite::client(format!("ws://{host}/ws"), stream).expect("the websocket opens");
    let mut sent = 0;
    let mut write_failed = None;
    while sent < count {
        match socket.send(Message::Text(REQUEST.into())) {
            Ok(()) => {
                sent += 1;
                on_sent(sent);
            }
            Err(e) => {
                write_failed = Some(e.to_string());
                break;
            }
        }
    }
    let started = Instant::now();
    let mut answers = 0;
    let end = loop {
        if started.elapsed() > patience {
            break FloodEnd::StillOpen;
        }
        match socket.read() {
            Ok(Message::Text(_)) => answers += 1,
            Ok(Message::Close(frame)) => {
                break match frame {
                    Some(frame) => FloodEnd::Closed {
                        code: frame.code.into(),
                        reason: frame.reason.to_string(),
                    },
                    None => FloodEnd::Dropped("a close frame without a reason".into()),
                };
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break FloodEnd::StillOpen;
            }
            Err(e) => {
                let why = write_failed.take().unwrap_or_default();
                break FloodEnd::Dropped(format!("{e} (writing: {why})"));
            }
        }
    };
    FloodReport { sent, answers, end }
}

/// A TCP connection to `host` whose own buffers are as small as the kernel allows.
fn connect_small(host: &str) -> TcpStream {
    let address: SocketAddr = host
        .to_socket_addrs()
        .expect("a host:port")
        .next()
        .expect("an address for the host");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a runtime to connect");
    let stream = runtime
        .block_on(async {
            let socket = if address.is_ipv4() {
                tokio::net::TcpSocket::new_v4()?
            } else {
                tokio::net::TcpSocket::new_v6()?
            };
            socket.set_send_buffer_size(4096)?;
            socket.set_recv_buffer_size(4096)?;
            socket.connect(address).await?.into_std()
        })
        .expect("the server accepts the connection");
    stream.set_nonblocking(false).expect("a blocking socket");
    stream
}

fn set_timeouts(stream: &TcpStream, patience: Duration) {
    stream
        .set_read_timeout(Some(patience))
        .expect("a read timeout");
    stream
        .set_write_timeout(Some(patience))
        .expect("a write timeout");
}
