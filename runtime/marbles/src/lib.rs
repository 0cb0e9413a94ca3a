//! The Marbles app server inside `fclocal start`: the classic Marbles
//! websocket protocol (reference `fabric-marbles.md` §1.5) over fclocal's
//! in-process ledger, the demo's startup seeding, the browser UI, and the
//! walkthrough's scenario 1 call-out (every event → `GET <trigger>?type=`).
//!
//! ```no_run
//! # async fn demo(ledger: std::sync::Arc<fclocal_ledger::Ledger>, routes: axum::Router) {
//! let marbles = fclocal_marbles::Marbles::start(
//!     ledger.clone(),
//!     fclocal_marbles::MarblesConfig::demo(&ledger, None),
//! );
//! let routes = routes.merge(fclocal_marbles::router(marbles.clone()));
//! // ... serve, then on shutdown:
//! marbles.stop().await;
//! # }
//! ```
//!
//! # Layout
//! - this file: [`Marbles`] (shared state, broadcast hub) and [`MarblesConfig`];
//! - [`protocol`]: client message parsing and the server's messages;
//! - [`organize`]: `read_everything` → the `everything` message;
//! - [`gateway`]: queries and step-by-step invokes on the ledger;
//! - `startup`: `app_state` and the demo seeding; `follow`: committed blocks →
//!   `block` + `everything` broadcasts; `session`: one websocket (bounded work), its
//!   `outbox` (bounded queue) and `writer` (its writing half);
//! - [`callout`]: the bounded, non-blocking event call-out and its counters;
//! - `web`: the routes and the static UI (`assets/`).

pub mod callout;
mod follow;
pub mod gateway;
pub mod ids;
pub mod organize;
mod outbox;
pub mod protocol;
mod session;
mod startup;
mod web;
mod writer;

use std::sync::{Arc, Mutex, PoisonError};

use fclocal_ledger::Ledger;
use serde_json::Value;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use callout::Callout;
pub use gateway::{Company, Gateway};
pub use web::router;

/// The chaincode the demo runs.
pub const CHAINCODE: &str = "marbles";

/// What the Marbles server runs with.
#[derive(Debug, Clone)]
pub struct MarblesConfig {
    /// The chaincode name on the channel.
    pub chaincode: String,
    /// The companies; the first is the server's own (classic's `company`), the
    /// default the UI acts as.
    pub companies: Vec<Company>,
    /// Where events are sent (`GET <url>?type=`); `None` turns it off.
    pub event_url: Option<String>,
    /// The SLS project and logstore the UI reads reward points from (through
    /// the SLS GetLogs API); `None` shows no points.
    pub points_logstore: Option<(String, String)>,
}

impl MarblesConfig {
    /// The demo: `United Marbles` (amy, alice, ava) on the network's first
    /// organization, `Marble Inc` (barry, bob, bella) on the second (or the
    /// first again on a one-organization network).
    pub fn demo(ledger: &Ledger, event_url: Option<String>) -> MarblesConfig {
        let orgs: Vec<String> = ledger
            .network()
            .organizations
            .iter()
            .map(|o| o.msp_id.clone())
            .collect();
        let org = |i: usize| orgs.get(i).or(orgs.first()).cloned().unwrap_or_default();
        let company = |name: &str, msp_id: String, users: [&str; 3]| Company {
            name: name.into(),
            msp_id,
            usernames: users.iter().map(|u| (*u).to_owned()).collect(),
        };
        MarblesConfig {
            chaincode: CHAINCODE.into(),
            companies: vec![
                company("United Marbles", org(0), ["amy", "alice", "ava"]),
                company("Marble Inc", org(1), ["barry", "bob", "bella"]),
            ],
            event_url,
            points_logstore: None,
        }
    }
}

/// The running Marbles server, shared by every websocket and background task.
pub struct Marbles {
    gateway: Gateway,
    companies: Vec<Company>,
    callout: Callout,
    /// Messages for every browser, serialized once.
    hub: broadcast::Sender<Arc<str>>,
    /// The `app_state` message.
    state: watch::Sender<Value>,
    /// The last `everything` broadcast, to send it only when it changed.
    last_everything: Mutex<String>,
    /// The orderer's batch timeout, sent as classic's `block_delay`.
    block_delay_ms: u64,
    stop: CancellationToken,
    tasks: TaskTracker,
}

impl std::fmt::Debug for Marbles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Marbles")
            .field("companies", &self.companies)
            .field("callout", &self.callout)
            .finish_non_exhaustive()
    }
}

impl Marbles {
    /// Starts the server's background work (seeding, block follower, call-out)
    /// on the current tokio runtime.
    pub fn start(ledger: Arc<Ledger>, config: MarblesConfig) -> Arc<Marbles> {
        let block_delay_ms =
            u64::try_from(ledger.network().orderer.batch_timeout.as_millis()).unwrap_or(u64::MAX);
        // Subscribe before anything is submitted, so no block is missed.
        let blocks = ledger.subscribe().blocks;
        let marbles = Arc::new(Marbles {
            gateway: Gateway::new(ledger, config.chaincode),
            state: watch::channel(startup::initial_state(
                &config.companies,
                config.points_logstore.as_ref(),
            ))
            .0,
            companies: config.companies,
            callout: Callout::start(config.event_url),
            hub: broadcast::channel(256).0,
            last_everything: Mutex::new(String::new()),
            block_delay_ms,
            stop: CancellationToken::new(),
            tasks: TaskTracker::new(),
        });
        marbles.tasks.spawn(follow::follow(
            Arc::downgrade(&marbles),
            blocks,
            marbles.stop.clone(),
        ));
        let seeding = marbles.clone();
        marbles.tasks.spawn(async move {
            let stop = seeding.stop.clone();
            tokio::select! {
                () = startup::run(&seeding) => {}
                () = stop.cancelled() => {}
            }
        });
        marbles
    }

    /// Ends every websocket and background task and waits for them, so the
    /// ledger can be closed afterwards.
    pub async fn stop(&self) {
        self.stop.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }

    /// The event call-out (its counters are at `GET /marbles/stats`).
    pub fn callout(&self) -> &Callout {
        &self.callout
    }

    /// The current `app_state` message.
    pub fn app_state(&self) -> Value {
        self.state.borrow().clone()
    }

    /// The server's own company (the first).
    pub fn own_company(&self) -> &Company {
        &self.companies[0]
    }

    /// The company named `name`, else the server's own when `None`.
    pub fn company(&self, name: Option<&str>) -> Result<&Company, String> {
        match name {
            None => Ok(self.own_company()),
            Some(name) => self
                .companies
                .iter()
                .find(|c| c.name == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = self.companies.iter().map(|c| c.name.as_str()).collect();
                    format!(
                        "unknown company '{name}'; this server acts for {}",
                        known.join(", ")
                    )
                }),
        }
    }

    /// Sends `message` to every browser.
    fn broadcast(&self, message: &Value) {
        // No receivers is fine: nobody is looking.
        let _ = self.hub.send(Arc::from(message.to_string()));
    }

    /// `read_everything`, organized, as the `everything` payload.
    async fn everything(&self) -> Result<Value, String> {
        let own = self.own_company();
        let raw = self.gateway.read_everything(&own.msp_id).await?;
        Ok(organize::organize(&raw, &own.name))
    }

    /// Reads everything and broadcasts it if it changed since the last time.
    async fn refresh_everything(&self) {
        match self.everything().await {
            Ok(everything) => {
                let text = everything.to_string();
                let changed = {
                    let mut last = self
                        .last_everything
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    let changed = *last != text;
                    if changed {
                        *last = text;
                    }
                    changed
                };
                if changed {
                    self.broadcast(&protocol::everything(&everything));
                }
            }
            Err(e) => {
                tracing::warn!("Marbles: read_everything failed: {e}");
                self.broadcast(&protocol::error(&format!("read_everything failed: {e}")));
            }
        }
    }
}
