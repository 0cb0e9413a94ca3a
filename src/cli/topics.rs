//! The emulated MNS topics inside `fclocal start` (and their check in `validate`):
//! one place that builds the hub from the template and the network file, feeds it
//! from the ledger, mounts its admin routes and stops it, so `start.rs` only calls in.

use std::sync::Arc;

use fclocal_invoke::Pools;
use fclocal_ledger::Ledger;
use fclocal_server::Console;
use fclocal_template::App;
use fclocal_topics::{
    DEFAULT_QUEUE_CAPACITY, DeclaredTopic, HubConfig, PoolDelivery, Subscription, TopicHub,
    ledger_feed, template_topics,
};
use tokio::task::JoinHandle;

use crate::ledger::NetworkFile;

/// Topics declared by the template's MNSTopic resources and the network's EventTopics.
pub fn declared_topics(app: &App, network: Option<&NetworkFile>) -> Vec<DeclaredTopic> {
    let mut declared = template_topics(app);
    if let Some(network) = network {
        declared.extend(ledger_feed::declared(&network.config.event_topics));
    }
    declared
}

/// The running topics: routes to mount, banner lines, and the ledger feed to stop.
pub struct Topics {
    /// `GET /fclocal/topics`, `POST /fclocal/topics/{topic}/messages`.
    pub routes: axum::Router,
    /// What the banner says about topics (nothing when there are none).
    pub banner: Vec<String>,
    feed: Option<JoinHandle<()>>,
}

impl Topics {
    /// Starts the hub (on the current Tokio runtime) and, with a ledger, its feed.
    pub fn start(
        app: &App,
        network: Option<&NetworkFile>,
        ledger: Option<&Arc<Ledger>>,
        pools: &Arc<Pools>,
        address: std::net::SocketAddr,
    ) -> Topics {
        let declared = declared_topics(app, network);
        for warning in fclocal_topics::undeclared_warnings(app, &declared) {
            crate::output::status(&warning);
        }
        let subscriptions = Subscription::all(app);
        let mut banner = Vec::new();
        if !declared.is_empty() || !subscriptions.is_empty() {
            banner.push(String::new());
            for subscription in &subscriptions {
                banner.push(format!(
                    "MNSTopic {} of {} was registered\n\ttopic: {}\n\tnotifyContentFormat: {}{}",
                    subscription.trigger,
                    subscription.label(),
                    subscription.topic,
                    subscription.format,
                    subscription
                        .filter_tag
                        .as_ref()
                        .map(|tag| format!("\n\tfilterTag: {tag}"))
                        .unwrap_or_default()
                ));
            }
            banner.push(format!(
                "MNS topics: publish with POST http://{address}/fclocal/topics/{{topic}}/messages (x-mns-message-tag for FilterTags); counts at GET http://{address}/fclocal/topics"
            ));
        }
        let hub = Arc::new(TopicHub::start(
            &declared,
            subscriptions,
            PoolDelivery::new(pools.clone()),
            HubConfig {
                account_id: pools.host().settings().account_id.clone(),
                queue_capacity: DEFAULT_QUEUE_CAPACITY,
                status: Arc::new(|line: &str| Console.line(line)),
            },
        ));
        let feed = match (network, ledger) {
            (Some(network), Some(ledger)) if !network.config.event_topics.is_empty() => {
                Some(ledger_feed::spawn(
                    ledger.clone(),
                    network.config.event_topics.clone(),
                    hub.clone(),
                ))
            }
            _ => None,
        };
        Topics {
            routes: fclocal_topics::router(hub),
            banner,
            feed,
        }
    }

    /// Stops following the ledger, so the ledger can close cleanly.
    pub fn stop(self, tokio: &tokio::runtime::Runtime) {
        if let Some(feed) = self.feed {
            feed.abort();
            let _ = tokio.block_on(feed);
        }
    }
}
