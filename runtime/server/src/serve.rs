//! Serving a router on a listener until shutdown, with the limits a server
//! on a developer's machine needs against slow or idle clients: a header-read
//! timeout (which hyper also applies between requests on a kept-alive
//! connection, so it is the idle timeout too), a deadline between body
//! chunks, and a cap on open connections (see `slots`). Accept errors such
//! as EMFILE (out of file descriptors) are survived with a back-off.
//!
//! `axum::serve` offers none of these knobs, so this is the small accept
//! loop it would be, on hyper-util's connection builder and graceful
//! shutdown. HTTP/1.1 only, like the rest of fclocal (and without the
//! HTTP/2 preface sniffing, which has no timeout of its own).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

use crate::idle_body::IdleBody;
use crate::slots::Slots;

/// How many connections the server keeps open and how long it waits on a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open connections at once (websockets included, for as long as they
    /// are open); past it, a newcomer evicts the oldest connection that has
    /// not sent a request, or is refused with a 503. An evicted connection
    /// whose request head had just arrived is still served, on one of 16
    /// late permits beyond the cap.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, keep an idle
    /// connection open, or pause while sending a body.
    pub client_timeout: Duration,
}

impl Default for ConnectionLimits {
    /// 512 connections: far above what browsers and SDKs open to one
    /// server (a browser opens at most six per host), and well under the
    /// common 1,024 file-descriptor limit, so logs, SQLite and functions'
    /// own files always have descriptors left. 10 s: a local client sends
    /// its headers in milliseconds.
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 512,
            client_timeout: Duration::from_secs(10),
        }
    }
}

/// Connections past the cap being told so at once; beyond this a connection
/// is closed without an answer, so a flood cannot turn refusals into a new
/// way to run out of descriptors.
const MAX_REFUSING: usize = 64;

/// How long a refused client gets to read the refusal.
const REFUSAL_GRACE: Duration = Duration::from_secs(1);

/// Longest pause between retries after an accept error (EMFILE and friends).
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` until `shutdown` resolves, then stops
/// accepting and returns once every open connection has finished its
/// requests. Handlers can extract `ConnectInfo<SocketAddr>`; websocket
/// upgrades work.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
) {
    let slots = Slots::new(limits.max_connections);
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.client_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut backoff = Duration::from_millis(10);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    backoff = Duration::from_millis(10);
                    accepted
                }
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    tracing::error!(
                        "cannot accept a connection: {error}; retrying in {} ms (too many open files? raise `ulimit -n` or lower --max-connections)",
                        backoff.as_millis()
                    );
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_ACCEPT_BACKOFF);
                    continue;
                }
            },
        };
        // Small responses must not wait for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        let connection = Connection {
            builder: builder.clone(),
            router: router.clone(),
            limits,
        };
        match slots.take() {
            Some(slot) => {
                tokio::spawn(connection.run(stream, peer, slot, graceful.watcher()));
            }
            None => match refusing.clone().try_acquire_owned() {
                Ok(ticket) => {
                    tokio::spawn(async move {
                        refuse(stream, limits.max_connections).await;
                        drop(ticket);
                    });
                }
                Err(_) => drop(stream),
            },
        }
    }
    drop(listener);
    graceful.shutdown().await;
}

/// What serving one connection needs.
struct Connection {
    builder: auto::Builder<TokioExecutor>,
    router: Router,
    limits: ConnectionLimits,
}

impl Connection {
    async fn run(
        self,
        stream: TcpStream,
        peer: SocketAddr,
        slot: crate::slots::Slot,
        watcher: hyper_util::server::graceful::Watcher,
    ) {
        let slot = Arc::new(slot);
        let evicted = slot.evicted.clone();
        let router = self.router;
        let timeout = self.limits.client_timeout;
        // The socket owns the slot: after a websocket upgrade hyper hands the
        // socket on (inside `Upgraded`) and this connection task ends, but
        // the slot must stay taken for as long as the socket is open.
        let stream = SlotStream {
            stream,
            _slot: slot.clone(),
        };
        let held = slot.clone();
        let service = tower::service_fn(move |request: http::Request<Incoming>| {
            slot.started_request();
            let mut request = request.map(|body| Body::new(IdleBody::new(body, timeout)));
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = self
            .builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let mut connection = std::pin::pin!(watcher.watch(connection));
        let result = tokio::select! {
            result = &mut connection => result,
            () = evicted.cancelled() => {
                // One last look: a request head already in the socket, unread
                // only because this task had not run since it arrived, is
                // served (on a late permit) rather than cut.
                match std::future::poll_fn(|cx| Poll::Ready(connection.as_mut().poll(cx))).await {
                    Poll::Ready(result) => result,
                    Poll::Pending if held.is_busy() => connection.await,
                    Poll::Pending => {
                        tracing::debug!("closed a connection from {peer} that sent no request, to make room");
                        return;
                    }
                }
            }
        };
        if let Err(error) = result {
            tracing::debug!("connection from {peer} ended: {error}");
        }
    }
}

/// A client's socket with the connection slot it holds: the slot is freed
/// when the socket is closed, wherever it went (a websocket session keeps it
/// long after the HTTP connection task has ended).
struct SlotStream {
    stream: TcpStream,
    _slot: Arc<crate::slots::Slot>,
}

impl AsyncRead for SlotStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for SlotStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Tells a client past the cap, in plain HTTP, then closes. The request is
/// read briefly first: closing with unread bytes would reset the connection
/// and could destroy the answer before the client reads it.
async fn refuse(mut stream: TcpStream, max: usize) {
    let body = format!(
        "fclocal: too many connections ({max} open, all busy with requests); retry shortly, or raise the cap with `fclocal start --max-connections`\n"
    );
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(REFUSAL_GRACE, async {
        if stream.write_all(answer.as_bytes()).await.is_ok() {
            let _ = stream.shutdown().await;
            let mut sink = [0u8; 4096];
            let mut left: usize = 64 * 1024;
            while left > 0 {
                match stream.read(&mut sink).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => left = left.saturating_sub(n),
                }
            }
        }
    })
    .await;
}

/// Errors that concern one connection only, not the listener.
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
