//! Starting, running and stopping the server.
//!
//! Shutdown is graceful: when the shutdown future resolves (Ctrl-C or
//! SIGTERM in the CLI), the listener stops accepting, in-flight requests and
//! background invocations get up to [`ServerOptions::shutdown_timeout`] to
//! finish, and the timers stop. The caller then closes the logstore, which
//! commits every line already printed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use fclocal_builder::Builder;
use fclocal_invoke::Pools;
use fclocal_template::{App, TriggerKind};
use fclocal_timers::{Clock, ManualClock, Scheduler, SystemClock, TimerSpec};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::banner::{BannerInput, SecretDisplay, banner};
use crate::console::Console;
use crate::cross_site::{self, SitePolicy};
use crate::dispatch::dispatch;
use crate::fc_api::catalog::Catalog;
use crate::function_root;
use crate::serve::{ConnectionLimits, serve};
use crate::signature::Credentials;
use crate::state::{AppState, RequestLimits, RouteTable};
use crate::timer_target::PoolTimerTarget;
use crate::{admin, reload};

/// How `fclocal start` runs.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The AccessKey pair signatures are checked against.
    pub credentials: Credentials,
    /// Whether the secret may be printed in the banner.
    pub secret: SecretDisplay,
    /// Whether to check signatures.
    pub verify_signatures: bool,
    /// Request-size limits.
    pub limits: RequestLimits,
    /// Run timers (and everything else that asks the server for the time) on
    /// this manual clock, moved by `POST /fclocal/clock/advance` (tests).
    pub test_clock: Option<Arc<ManualClock>>,
    /// Routes served beside FC's: the SLS API and the web pages. FC's URL
    /// space stays the fallback, so these must not overlap `/2016-08-15/`.
    pub extra_routes: Router,
    /// Housekeeping run with the clock's time: every
    /// [`HOUSEKEEPING_PERIOD`] on the system clock, and right after each
    /// test-clock advance (so a TTL test sees the sweep's effect at once).
    pub housekeeping: Option<Housekeeping>,
    /// Lines printed after the banner (and shown on `/`), for what
    /// `extra_routes` serve.
    pub banner_notes: Vec<String>,
    /// Watch function code and reload it when it changes.
    pub watch: bool,
    /// How long shutdown waits for in-flight work.
    pub shutdown_timeout: Duration,
    /// Serve the plain-text index (the banner) at `/` as well as at
    /// `/fclocal/`; false when `extra_routes` own `/` (the Marbles UI).
    pub index_at_root: bool,
    /// The connection cap and client timeouts.
    pub connections: ConnectionLimits,
    /// Host names accepted besides the built-in ones (`--allowed-host`):
    /// requests naming any other host are refused, against DNS rebinding.
    pub allowed_hosts: Vec<String>,
    /// Lines computed anew each time `/fclocal/` (and `/`) is read, after
    /// the banner: state that changes while the server runs (how far log
    /// forwarding got).
    pub live_notes: Vec<LiveNote>,
    /// The first port of FC 3.0 functions' own HTTP listeners (the next
    /// function gets the next port); 0 takes free ports.
    pub function_port_base: u16,
}

/// A line of [`ServerOptions::live_notes`]: computed when `/fclocal/` is read.
#[derive(Clone)]
pub struct LiveNote(Arc<dyn Fn() -> String + Send + Sync>);

impl LiveNote {
    /// A note that `render` writes.
    pub fn new(render: impl Fn() -> String + Send + Sync + 'static) -> LiveNote {
        LiveNote(Arc::new(render))
    }

    /// The line now.
    pub fn render(&self) -> String {
        (self.0)()
    }
}

impl std::fmt::Debug for LiveNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LiveNote")
    }
}

/// How often [`ServerOptions::housekeeping`] runs on the system clock.
pub const HOUSEKEEPING_PERIOD: Duration = Duration::from_secs(600);

/// A housekeeping job (the logstore's TTL sweep), given the clock's now.
#[derive(Clone)]
pub struct Housekeeping(pub Arc<dyn Fn(SystemTime) + Send + Sync>);

impl std::fmt::Debug for Housekeeping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Housekeeping(..)")
    }
}

impl Housekeeping {
    /// Runs the job on Tokio's blocking pool (it touches SQLite) and waits.
    pub(crate) async fn run(&self, now: SystemTime) {
        let job = self.0.clone();
        if let Err(error) = tokio::task::spawn_blocking(move || job(now)).await {
            tracing::error!("housekeeping failed: {error}");
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address is taken or not ours.
    #[error("cannot listen on {address}; pick another with --port (0 takes a free one) or --host")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file watcher could not start.
    #[error("cannot watch function code for hot reload (run with --no-watch to skip it)")]
    Watch(#[source] notify::Error),
    /// Serving failed.
    #[error("the HTTP server failed")]
    Serve(#[source] std::io::Error),
    /// An FC 3.0 function's own listener could not start.
    #[error(transparent)]
    FunctionBind(#[from] function_root::FunctionBindError),
}

/// The timers of `app`.
pub fn timer_specs(app: &App) -> Vec<TimerSpec> {
    app.functions()
        .flat_map(|(service, function)| {
            function
                .triggers
                .iter()
                .filter_map(move |trigger| match &trigger.kind {
                    TriggerKind::Timer(timer) => Some(TimerSpec {
                        service: service.name.to_string(),
                        function: function.name.to_string(),
                        trigger: trigger.name.to_string(),
                        schedule: timer.schedule.clone(),
                        payload: timer.payload.clone(),
                        enabled: timer.enabled,
                    }),
                    _ => None,
                })
        })
        .collect()
}

/// Binds the listener first, so the address (with `--port 0`, the port the
/// system picked) is known before functions are loaded: their environment
/// names it (`FCLOCAL_SLS_ENDPOINT`).
pub async fn bind(host: IpAddr, port: u16) -> Result<TcpListener, ServerError> {
    let address = SocketAddr::new(host, port);
    TcpListener::bind(address)
        .await
        .map_err(|source| ServerError::Bind { address, source })
}

/// Serves `app` on `pools` until `shutdown` resolves, then drains.
pub async fn run(
    listener: TcpListener,
    app: &App,
    pools: Arc<Pools>,
    builder: Builder,
    options: ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let console = Console;
    let bound = listener.local_addr().map_err(ServerError::Serve)?;

    let routes = RouteTable::new(app);
    let specs: Vec<_> = routes.functions().map(|route| route.spec.clone()).collect();
    let test_clock = options.test_clock.clone();
    let clock: Arc<dyn Clock> = match &test_clock {
        Some(manual) => manual.clone(),
        None => Arc::new(SystemClock),
    };
    let target = PoolTimerTarget::new(pools.clone(), console, specs.clone());
    let scheduler = Scheduler::new(clock, timer_specs(app), target);
    let state = Arc::new(AppState {
        pools: pools.clone(),
        routes,
        catalog: Catalog::new(app),
        address: bound,
        credentials: options.credentials.clone(),
        verify_signatures: options.verify_signatures,
        nonces: crate::nonces::SeenNonces::default(),
        limits: options.limits,
        scheduler: scheduler.clone(),
        test_clock,
        housekeeping: options.housekeeping.clone(),
        background: TaskTracker::new(),
        fc3: app.source.is_fc3(),
        live_notes: options.live_notes.clone(),
        banner: std::sync::OnceLock::new(),
        remote_banner: std::sync::OnceLock::new(),
    });

    let _reloader = if options.watch {
        Some(reload::start(pools.clone(), specs, builder, console).map_err(ServerError::Watch)?)
    } else {
        None
    };
    let stop = CancellationToken::new();
    let timers = tokio::spawn({
        let scheduler = scheduler.clone();
        let stop = stop.clone();
        async move { scheduler.run(stop.cancelled_owned()).await }
    });
    let reaper = tokio::spawn(reap_idle_instances(pools.clone(), stop.clone()));
    let housekeeper = tokio::spawn(housekeeping_loop(
        options.housekeeping.clone(),
        state.test_clock.is_none(),
        stop.clone(),
    ));

    // FC 3.0 serves each HTTP function at its own root (a domain per
    // function); locally, a port per function.
    let function_listeners = if app.source.is_fc3() {
        function_root::bind(&state.routes, bound.ip(), options.function_port_base).await?
    } else {
        Vec::new()
    };
    let schedule = scheduler.schedule();
    let banner_with = |secret| {
        let mut lines = banner(&BannerInput {
            address: bound,
            routes: &state.routes,
            catalog: &state.catalog,
            pools: &pools,
            timers: &schedule,
            credentials: &options.credentials,
            secret,
            verify_signatures: options.verify_signatures,
        });
        lines.extend(function_root::banner_lines(&function_listeners));
        lines.extend(options.banner_notes.iter().cloned());
        lines
    };
    let lines = banner_with(options.secret);
    for line in &lines {
        console.line(line);
    }
    let _ = state.banner.set(lines.join("\n"));
    // What other machines see at `/fclocal/`: never the secret.
    let _ = state
        .remote_banner
        .set(banner_with(options.secret.withheld()).join("\n"));

    let router = Router::new().route("/fclocal/", get(admin::index));
    let router = if options.index_at_root {
        router.route("/", get(admin::index))
    } else {
        router
    };
    let router = router
        .route("/fclocal/health", get(admin::health))
        .route("/fclocal/instances", get(admin::instances))
        .route("/fclocal/usage", get(admin::usage))
        .route(
            "/fclocal/timers/{service}/{function}/{trigger}/fire",
            post(admin::fire_timer),
        )
        .route("/fclocal/clock/advance", post(admin::advance_clock))
        .fallback(dispatch)
        .with_state(state.clone())
        .merge(options.extra_routes.clone())
        .layer(middleware::from_fn_with_state(
            SitePolicy::new(bound.ip().is_loopback(), &options.allowed_hosts),
            cross_site::guard,
        ));
    let draining = CancellationToken::new();
    let server = tokio::spawn(serve(
        listener,
        router,
        options.connections,
        draining.clone().cancelled_owned(),
    ));
    let function_servers: Vec<_> = function_listeners
        .into_iter()
        .map(|bound| {
            tokio::spawn(serve(
                bound.listener,
                function_root::router(state.clone(), &bound.label),
                options.connections,
                draining.clone().cancelled_owned(),
            ))
        })
        .collect();

    shutdown.await;
    let in_flight = pools.in_flight();
    console.line(&format!(
        "Shutting down: no new requests; waiting up to {}s for {in_flight} in-flight invocation(s)",
        options.shutdown_timeout.as_secs()
    ));
    draining.cancel();
    let deadline = tokio::time::Instant::now() + options.shutdown_timeout;
    let served = tokio::time::timeout_at(deadline, server).await;
    for function_server in function_servers {
        // Their errors are the main server's too; what matters is that
        // they drained.
        let _ = tokio::time::timeout_at(deadline, function_server).await;
    }
    state.background.close();
    let drained = tokio::time::timeout_at(deadline, state.background.wait()).await;
    stop.cancel();
    let _ = timers.await;
    let _ = reaper.await;
    let _ = housekeeper.await;
    match (served, drained) {
        (Ok(Err(error)), _) => {
            return Err(ServerError::Serve(std::io::Error::other(error)));
        }
        (Err(_), _) | (_, Err(_)) => console.line(&format!(
            "Stopped waiting after {}s; {} invocation(s) were cut short",
            options.shutdown_timeout.as_secs(),
            pools.in_flight()
        )),
        _ => {}
    }
    Ok(())
}

/// Runs housekeeping every [`HOUSEKEEPING_PERIOD`] on the system clock, the
/// first time right away. With a test clock it only runs on clock advances.
async fn housekeeping_loop(job: Option<Housekeeping>, system_clock: bool, stop: CancellationToken) {
    let Some(job) = job.filter(|_| system_clock) else {
        return;
    };
    let mut ticks = tokio::time::interval(HOUSEKEEPING_PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticks.tick() => job.run(SystemTime::now()).await,
        }
    }
}

/// Reclaims idle instances every quarter of the idle timeout (within 1–60 s).
async fn reap_idle_instances(pools: Arc<Pools>, stop: CancellationToken) {
    let period =
        (pools.config().idle_timeout / 4).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticks.tick() => {
                let reaped = pools.reap_idle();
                if reaped > 0 {
                    tracing::debug!("reclaimed {reaped} idle instance(s)");
                }
            }
        }
    }
}
