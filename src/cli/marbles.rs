//! The Marbles app inside `fclocal start`: started when the ledger runs the
//! `marbles` chaincode, its UI at `/`, its events sent to processEvent's HTTP
//! trigger (scenario 1) unless `--marbles-event-url` points elsewhere.

use std::net::SocketAddr;
use std::sync::Arc;

use clap::Args;
use fclocal_ledger::Ledger;
use fclocal_marbles::{Marbles, MarblesConfig, callout};
use fclocal_template::App;

/// Marbles flags of `fclocal start`.
#[derive(Debug, Args)]
pub struct MarblesArgs {
    /// Where the Marbles server sends every event (`GET URL?type=<event type>`).
    /// Default: this server's `marblesFC/processEvent` HTTP trigger, when the
    /// template has it; otherwise events are not sent.
    #[arg(long, value_name = "URL", env = "FCLOCAL_MARBLES_EVENT_URL")]
    pub marbles_event_url: Option<String>,
    /// Do not run the Marbles app (UI, websocket, demo owners and marbles) even
    /// when the ledger runs the `marbles` chaincode; `/` then lists what the
    /// server serves. For scripts and tests that want an untouched ledger.
    #[arg(long)]
    pub no_marbles: bool,
}

/// The running app, its routes and banner lines; `None` when the ledger does
/// not run the Marbles chaincode.
pub struct Started {
    /// The server (stop it before closing the ledger).
    pub marbles: Arc<Marbles>,
    /// `/`, `/ws`, `/marbles/...`.
    pub routes: axum::Router,
    /// What the banner says about it.
    pub notes: Vec<String>,
}

/// Starts the Marbles server on `ledger` (inside the tokio runtime).
pub fn start(
    args: &MarblesArgs,
    ledger: &Arc<Ledger>,
    app: &App,
    address: SocketAddr,
) -> Option<Started> {
    let runs_marbles = ledger
        .network()
        .chaincodes
        .iter()
        .any(|c| c.name == fclocal_marbles::CHAINCODE);
    if !runs_marbles || args.no_marbles {
        return None;
    }
    let base = format!("http://{address}");
    let url = args
        .marbles_event_url
        .clone()
        .or_else(|| callout::default_url(app, &base));
    let events = match &url {
        Some(url) => {
            format!("Marbles events: GET {url}?type=<event type> (counts at {base}/marbles/stats)")
        }
        None => format!(
            "Marbles events: off (no {}/{} HTTP trigger taking GET in the template; --marbles-event-url sets one)",
            callout::SERVICE,
            callout::FUNCTION
        ),
    };
    let config = MarblesConfig {
        points_logstore: callout::default_points_logstore(app),
        ..MarblesConfig::demo(ledger, url)
    };
    let marbles = Marbles::start(ledger.clone(), config);
    let routes = fclocal_marbles::router(marbles.clone());
    let notes = vec![
        format!("Marbles UI: {base}/ (websocket ws://{address}/ws)"),
        events,
    ];
    Some(Started {
        marbles,
        routes,
        notes,
    })
}
