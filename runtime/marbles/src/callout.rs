//! Scenario 1 of the walkthrough: every Marbles event is sent to an HTTP
//! trigger as `GET <url>?type=<event type>`.
//!
//! The websocket only ever does a non-blocking `try_send` into a bounded queue
//! ([`QUEUE`]); a worker drains it and sends up to [`IN_FLIGHT`] requests at a
//! time. When the queue is full the event is dropped and counted, so a slow or
//! dead endpoint can never slow the websocket down. Outcomes are counted
//! ([`Stats`], served at `GET /marbles/stats`) and failures logged with
//! `tracing::warn!`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use fclocal_template::App;
use fclocal_template::{HttpMethod, LogConfig, TriggerKind};
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc, watch};

/// Events that may wait for the worker.
pub const QUEUE: usize = 1024;
/// Requests in flight at once.
pub const IN_FLIGHT: usize = 16;
/// How long one request may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The service and function of the walkthrough's event handler.
pub const SERVICE: &str = "marblesFC";
/// See [`SERVICE`].
pub const FUNCTION: &str = "processEvent";

/// The default call-out URL: fclocal's own `processEvent` HTTP trigger when the
/// template has one that takes GET, else `None` (the call-out is off).
pub fn default_url(app: &App, base: &str) -> Option<String> {
    let service = app.services.iter().find(|s| s.name.as_str() == SERVICE)?;
    let function = service.function(FUNCTION)?;
    function
        .triggers
        .iter()
        .any(|t| matches!(&t.kind, TriggerKind::Http(h) if h.methods.contains(&HttpMethod::Get)))
        .then(|| format!("{base}/2016-08-15/proxy/{SERVICE}/{FUNCTION}/"))
}

/// Where reward points are read from: the `marblesFC` service's `LogConfig`
/// project and logstore (where its functions, the rewards function among them,
/// write `reward {"owner","points"}` lines). `None` without one.
pub fn default_points_logstore(app: &App) -> Option<(String, String)> {
    let service = app.services.iter().find(|s| s.name.as_str() == SERVICE)?;
    match service.log_config.as_ref()? {
        LogConfig::Store {
            project, logstore, ..
        } => Some((project.clone(), logstore.clone())),
        LogConfig::Auto => None,
    }
}

/// `url` with `type=<kind>` appended to its query.
pub fn event_url(url: &str, kind: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}type={kind}")
}

/// The call-out's counters.
#[derive(Debug)]
pub struct Stats {
    /// Answered with a 2xx status.
    pub sent: AtomicU64,
    /// Failed: connection errors, timeouts, non-2xx answers, bad URLs.
    pub failed: AtomicU64,
    /// Refused because the queue was full.
    pub dropped: AtomicU64,
    last_error: Mutex<Option<String>>,
    /// Bumped after every outcome (sent or failed), so waiters need no polling.
    outcomes: watch::Sender<u64>,
}

impl Default for Stats {
    fn default() -> Stats {
        Stats {
            sent: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            last_error: Mutex::new(None),
            outcomes: watch::channel(0).0,
        }
    }
}

impl Stats {
    fn succeed(&self) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.outcomes.send_modify(|n| *n += 1);
    }

    fn fail(&self, error: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        tracing::warn!("Marbles event call-out failed: {error}");
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(error);
        self.outcomes.send_modify(|n| *n += 1);
    }
}

/// The sending half of the call-out, shared by every websocket.
#[derive(Debug, Clone)]
pub struct Callout {
    url: Option<String>,
    queue: Option<mpsc::Sender<&'static str>>,
    stats: Arc<Stats>,
}

impl Callout {
    /// Starts the worker for `url` (on the current tokio runtime); `None` turns
    /// the call-out off.
    pub fn start(url: Option<String>) -> Callout {
        let stats = Arc::new(Stats::default());
        let queue = url.clone().map(|url| {
            let (sender, receiver) = mpsc::channel(QUEUE);
            tokio::spawn(worker(url, receiver, stats.clone()));
            sender
        });
        Callout { url, queue, stats }
    }

    /// Queues event `kind` without waiting; a full queue drops it (counted).
    pub fn send(&self, kind: &'static str) {
        let Some(queue) = &self.queue else { return };
        if queue.try_send(kind).is_err() {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("Marbles event call-out queue is full; dropped a '{kind}' event");
        }
    }

    /// A receiver of the number of finished requests (sent + failed).
    pub fn outcomes(&self) -> watch::Receiver<u64> {
        self.stats.outcomes.subscribe()
    }

    /// The counters as `GET /marbles/stats` shows them.
    pub fn stats_json(&self) -> Value {
        let stats = &self.stats;
        json!({
            "url": self.url,
            "enabled": self.url.is_some(),
            "sent": stats.sent.load(Ordering::Relaxed),
            "failed": stats.failed.load(Ordering::Relaxed),
            "dropped": stats.dropped.load(Ordering::Relaxed),
            "lastError": *stats.last_error.lock().unwrap_or_else(PoisonError::into_inner),
        })
    }
}

async fn worker(url: String, mut receiver: mpsc::Receiver<&'static str>, stats: Arc<Stats>) {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<HttpConnector, Empty<Bytes>> =
        Client::builder(TokioExecutor::new()).build(connector);
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    while let Some(kind) = receiver.recv().await {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let client = client.clone();
        let stats = stats.clone();
        let target = event_url(&url, kind);
        tokio::spawn(async move {
            match tokio::time::timeout(TIMEOUT, get(&client, &target)).await {
                Ok(Ok(())) => stats.succeed(),
                Ok(Err(error)) => stats.fail(format!("GET {target}: {error}")),
                Err(_) => stats.fail(format!("GET {target}: no answer within {TIMEOUT:?}")),
            }
            drop(permit);
        });
    }
}

async fn get(client: &Client<HttpConnector, Empty<Bytes>>, target: &str) -> Result<(), String> {
    let uri: http::Uri = target
        .parse()
        .map_err(|e| format!("not a valid URL ({e})"))?;
    let response = client.get(uri).await.map_err(|e| {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        text
    })?;
    let status = response.status();
    // Read the body so the connection can be reused.
    let _ = response.into_body().collect().await;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_is_appended_to_the_query() {
        assert_eq!(
            event_url("http://h/p/", "create"),
            "http://h/p/?type=create"
        );
        assert_eq!(
            event_url("http://h/p/?a=1", "audit"),
            "http://h/p/?a=1&type=audit"
        );
    }

    #[tokio::test]
    async fn an_unreachable_url_only_shows_in_the_counts() {
        // Bind then drop a listener: nothing listens on that port.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let callout = Callout::start(Some(format!("http://127.0.0.1:{port}/x/")));
        let mut outcomes = callout.outcomes();
        callout.send("create");
        tokio::time::timeout(Duration::from_secs(15), outcomes.wait_for(|n| *n >= 1))
            .await
            .expect("the request ends within the deadline")
            .expect("the worker is alive");
        let stats = callout.stats_json();
        assert_eq!(stats["sent"], 0);
        assert_eq!(stats["failed"], 1);
        assert!(
            stats["lastError"].as_str().unwrap().contains("type=create"),
            "{stats}"
        );
    }

    #[test]
    fn without_a_url_nothing_is_sent_or_counted() {
        let callout = Callout {
            url: None,
            queue: None,
            stats: Arc::new(Stats::default()),
        };
        callout.send("create");
        assert_eq!(callout.stats_json()["dropped"], 0);
        assert_eq!(callout.stats_json()["enabled"], false);
    }
}
