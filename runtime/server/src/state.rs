//! What every request handler shares: the pools, the route table built from
//! the template, the credentials, the limits and the scheduler.

use std::collections::BTreeMap;
use std::sync::Arc;

use fclocal_invoke::{FunctionSpec, Pools};
use fclocal_template::{App, AuthType, HttpMethod, TriggerKind};
use fclocal_timers::{ManualClock, Scheduler};
use tokio_util::task::TaskTracker;

use crate::fc_api::catalog::Catalog;
use crate::signature::Credentials;

/// FC's request-size limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Body of an HTTP-trigger request or a synchronous invocation (6 MB).
    pub sync_body_bytes: usize,
    /// Body of an asynchronous invocation (128 KB).
    pub async_body_bytes: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            sync_body_bytes: 6 * 1024 * 1024,
            async_body_bytes: 128 * 1024,
        }
    }
}

/// A function's HTTP trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    /// The trigger's name.
    pub trigger: String,
    /// `AuthType`.
    pub auth: AuthType,
    /// `Methods`.
    pub methods: Vec<HttpMethod>,
}

impl HttpRoute {
    /// Methods as fun prints them: `GET,POST,PUT`.
    pub fn methods_text(&self) -> String {
        self.methods
            .iter()
            .map(|method| method.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Whether the trigger accepts `method`.
    pub fn allows(&self, method: &http::Method) -> bool {
        self.methods.iter().any(|m| m.as_str() == method.as_str())
    }
}

/// One function as the server routes to it.
#[derive(Debug, Clone)]
pub struct FunctionRoute {
    /// `service/function`, the pool key.
    pub label: String,
    /// Its HTTP trigger, if it has one.
    pub http: Option<HttpRoute>,
    /// Its settings.
    pub spec: FunctionSpec,
}

/// Services → functions → routes.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    services: BTreeMap<String, BTreeMap<String, FunctionRoute>>,
}

/// A lookup that failed, naming what was missing.
pub enum Lookup<'a> {
    /// Found.
    Found(&'a FunctionRoute),
    /// No such service.
    NoService,
    /// The service exists, the function does not.
    NoFunction,
}

impl RouteTable {
    /// Every function of `app`.
    pub fn new(app: &App) -> RouteTable {
        let mut services: BTreeMap<String, BTreeMap<String, FunctionRoute>> = BTreeMap::new();
        for service in &app.services {
            let functions = services.entry(service.name.to_string()).or_default();
            for function in &service.functions {
                let http = function
                    .triggers
                    .iter()
                    .find_map(|trigger| match &trigger.kind {
                        TriggerKind::Http(http) => Some(HttpRoute {
                            trigger: trigger.name.to_string(),
                            auth: http.auth_type,
                            methods: http.methods.clone(),
                        }),
                        _ => None,
                    });
                let spec = FunctionSpec::in_app(app, service, function);
                functions.insert(
                    function.name.to_string(),
                    FunctionRoute {
                        label: spec.label(),
                        http,
                        spec,
                    },
                );
            }
        }
        RouteTable { services }
    }

    /// Finds `service/function`.
    pub fn lookup(&self, service: &str, function: &str) -> Lookup<'_> {
        match self.services.get(service) {
            None => Lookup::NoService,
            Some(functions) => match functions.get(function) {
                Some(route) => Lookup::Found(route),
                None => Lookup::NoFunction,
            },
        }
    }

    /// Every function, in service then function order.
    pub fn functions(&self) -> impl Iterator<Item = &FunctionRoute> {
        self.services
            .values()
            .flat_map(|functions| functions.values())
    }
}

/// Shared by every handler.
pub struct AppState {
    /// Instances of every function.
    pub pools: Arc<Pools>,
    /// What the template declares.
    pub routes: RouteTable,
    /// The same, as FC's management API reports it.
    pub catalog: Catalog,
    /// The address the server listens on.
    pub address: std::net::SocketAddr,
    /// The AccessKey pair signatures are checked against.
    pub credentials: Credentials,
    /// Whether signatures are checked (`--no-auth` turns it off).
    pub verify_signatures: bool,
    /// The nonces of ACS3-signed requests already accepted (replays are refused).
    pub nonces: crate::nonces::SeenNonces,
    /// Request-size limits.
    pub limits: RequestLimits,
    /// The timer scheduler.
    pub scheduler: Scheduler,
    /// The manual clock, when started with `--test-clock`.
    pub test_clock: Option<Arc<ManualClock>>,
    /// Housekeeping to run after a test-clock advance.
    pub housekeeping: Option<crate::server::Housekeeping>,
    /// Background work (asynchronous invocations), drained on shutdown.
    pub background: TaskTracker,
    /// Lines `/fclocal/` computes anew on each read.
    pub live_notes: Vec<crate::server::LiveNote>,
    /// Whether the app is an FC 3.0 project: built-in runtimes' HTTP
    /// triggers then run as events ([`crate::fc3_event`]).
    pub fc3: bool,
    /// The banner, also served at `/` to clients on this machine.
    pub banner: std::sync::OnceLock<String>,
    /// The banner without the secret, for clients on other machines.
    pub remote_banner: std::sync::OnceLock<String>,
}
