//! [`HttpRemote`]: PutLogs over HTTP/1.1 with hyper, plain or TLS (rustls
//! with the webpki roots, the stack wasmtime-wasi-http already builds).
//!
//! It connects to the endpoint's address and names the project host
//! (`{project}.{endpoint}`) in `Host` and, over TLS, as SNI and certificate
//! name (see [`crate::endpoint`]). One kept-alive connection per project
//! host is reused until it fails; each attempt is bounded by the request
//! timeout.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::endpoint::{Endpoint, Scheme};
use crate::remote::{Remote, RemoteError, classify};
use crate::request::PutRequest;

/// Most bytes of an answer read (SLS's are small JSON documents).
const MAX_ANSWER: usize = 64 * 1024;

/// The real remote.
pub struct HttpRemote {
    endpoint: Endpoint,
    tls: Option<TlsConnector>,
    timeout: Duration,
    /// Open connections by project host.
    connections: tokio::sync::Mutex<HashMap<String, SendRequest<Full<Bytes>>>>,
}

impl HttpRemote {
    /// A remote for `endpoint`, each request bounded by `timeout`.
    pub fn new(endpoint: Endpoint, timeout: Duration) -> HttpRemote {
        let tls = (endpoint.scheme == Scheme::Https).then(|| {
            let roots = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let config = ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth();
            TlsConnector::from(Arc::new(config))
        });
        HttpRemote {
            endpoint,
            tls,
            timeout,
            connections: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    async fn connect(&self, project_host: &str) -> Result<SendRequest<Full<Bytes>>, RemoteError> {
        let address = format!("{}:{}", self.endpoint.host, self.endpoint.port);
        let tcp = TcpStream::connect(&address).await.map_err(|error| {
            RemoteError::connection(format!(
                "cannot connect to {} ({address}): {error}",
                self.endpoint
            ))
        })?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => self.handshake(tcp).await,
            Some(tls) => {
                let name = ServerName::try_from(project_host.to_owned()).map_err(|error| {
                    RemoteError::connection(format!(
                        "{project_host} is not a valid TLS server name: {error}"
                    ))
                })?;
                let stream = tls.connect(name, tcp).await.map_err(|error| {
                    RemoteError::connection(format!(
                        "TLS with {} as {project_host} failed: {error}",
                        self.endpoint
                    ))
                })?;
                self.handshake(stream).await
            }
        }
    }

    async fn handshake<S>(&self, stream: S) -> Result<SendRequest<Full<Bytes>>, RemoteError>
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let (sender, connection) =
            http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|error| {
                    RemoteError::connection(format!(
                        "HTTP handshake with {} failed: {error}",
                        self.endpoint
                    ))
                })?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!("log forwarding connection closed: {error}");
            }
        });
        Ok(sender)
    }

    async fn attempt(&self, request: PutRequest) -> Result<(), RemoteError> {
        let project_host = self.endpoint.project_host(&request.project);
        let cached = self.connections.lock().await.remove(&project_host);
        let mut sender = match cached {
            Some(sender) if !sender.is_closed() => sender,
            _ => self.connect(&project_host).await?,
        };
        sender.ready().await.map_err(|error| {
            RemoteError::connection(format!(
                "the connection to {} broke: {error}",
                self.endpoint
            ))
        })?;
        let mut builder = http::Request::post(&request.path);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let http_request = builder
            .body(Full::new(request.body.clone()))
            .map_err(|error| RemoteError::connection(format!("invalid request: {error}")))?;
        let response = sender.send_request(http_request).await.map_err(|error| {
            RemoteError::connection(format!(
                "sending PutLogs to {} failed: {error}",
                self.endpoint
            ))
        })?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map(|collected| collected.to_bytes());
        if (200..300).contains(&status) {
            // SLS took the lines: a body that breaks off or runs long
            // changes nothing (resending would duplicate them), but the
            // connection is not reused.
            if body.is_ok() {
                self.connections.lock().await.insert(project_host, sender);
            }
            return Ok(());
        }
        let body = body.map_err(|error| {
            RemoteError::connection(format!(
                "reading the {status} answer of {} failed: {error}",
                self.endpoint
            ))
        })?;
        self.connections.lock().await.insert(project_host, sender);
        Err(classify(
            &self.endpoint.to_string(),
            &request.project,
            &request.logstore,
            status,
            &body,
        ))
    }
}

impl Remote for HttpRemote {
    async fn put(&self, request: PutRequest) -> Result<(), RemoteError> {
        match tokio::time::timeout(self.timeout, self.attempt(request)).await {
            Ok(result) => result,
            Err(_) => Err(RemoteError::connection(format!(
                "{} did not answer PutLogs within {:?}",
                self.endpoint, self.timeout
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpListener;

    use super::*;
    use crate::ForwardCredentials;
    use crate::plan::Outgoing;

    /// A server answering one request with `answer`, then closing.
    async fn answering(answer: &'static [u8]) -> Endpoint {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            // Headers, then the body the Content-Length names.
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buffer).await.unwrap();
                request.extend_from_slice(&buffer[..n]);
            }
            stream.write_all(answer).await.unwrap();
            stream.shutdown().await.unwrap();
        });
        format!("http://127.0.0.1:{port}").parse().unwrap()
    }

    fn request(endpoint: &Endpoint) -> PutRequest {
        let outgoing = Outgoing {
            project: "p".into(),
            logstore: "ls".into(),
            group: fclocal_sls_api::LogGroup::default(),
            ids: vec![],
        };
        let credentials = ForwardCredentials {
            pair: fclocal_sls_api::Credentials::new("id", "secret"),
            security_token: None,
        };
        crate::request::put_logs(
            endpoint,
            &credentials,
            &outgoing,
            std::time::SystemTime::now(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn a_2xx_is_a_success_even_when_its_body_breaks_off_or_runs_long() {
        let cut_short = answering(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}").await;
        let remote = HttpRemote::new(cut_short.clone(), Duration::from_secs(30));
        remote.put(request(&cut_short)).await.unwrap();

        let long: &'static [u8] = {
            let mut answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
                MAX_ANSWER + 1
            )
            .into_bytes();
            answer.resize(answer.len() + MAX_ANSWER + 1, b' ');
            answer.leak()
        };
        let too_long = answering(long).await;
        let remote = HttpRemote::new(too_long.clone(), Duration::from_secs(30));
        remote.put(request(&too_long)).await.unwrap();

        let failed =
            answering(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100\r\n\r\n{}").await;
        let remote = HttpRemote::new(failed.clone(), Duration::from_secs(30));
        let error = remote.put(request(&failed)).await.unwrap_err();
        assert!(error.message.contains("reading the 500 answer"), "{error}");
    }
}
