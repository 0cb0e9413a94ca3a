//! `fclocal start`: builds stale functions, loads them, and serves FC's URLs
//! until Ctrl-C or SIGTERM, then drains in-flight work and flushes the logs.

use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::Args;
use fclocal_builder::Builder;
use fclocal_engine::{EngineConfig, PoolingMode, Runtime};
use fclocal_invoke::{
    FunctionHost, LoadedFunction, PoolConfig, Pools, all_specs, component_paths, ensure_log_targets,
};
use fclocal_logstore::LogStore;
use fclocal_server::{ConnectionLimits, Housekeeping, RequestLimits, SecretDisplay, ServerOptions};
use fclocal_timers::{Clock as _, ManualClock};

use crate::cli::credentials;
use crate::cli::host_args::HostArgs;
use crate::cli::marbles::MarblesArgs;
use crate::ledger::{NetworkArgs, PoolInvoker, chaincode_components, open_ledger};
use crate::output;
use crate::progress::TerminalReporter;
use crate::project::{Project, TemplateArgs};
use crate::sls::{self, LogRoutes};

mod forward;

/// Serve HTTP triggers and the InvokeFunction API, fire timers, reload code.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// Address to listen on. Loopback by default: nothing outside this
    /// machine can reach it.
    #[arg(
        long,
        value_name = "ADDRESS",
        default_value = "127.0.0.1",
        env = "FCLOCAL_HOST"
    )]
    host: IpAddr,
    /// Port to listen on; 0 takes a free one (the banner prints it).
    #[arg(
        long,
        value_name = "PORT",
        default_value_t = 8000,
        env = "FCLOCAL_PORT"
    )]
    port: u16,
    /// The most function instances alive at once, across all functions.
    #[arg(long, value_name = "N", default_value_t = 64)]
    max_instances: usize,
    /// Reclaim an instance after it has been idle this long.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    idle_timeout: Duration,
    /// At the instance cap, how long a request waits before it is throttled (429).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = humantime::parse_duration)]
    throttle_wait: Duration,
    /// The most client connections open at once. Past it a new connection
    /// replaces the oldest one that has not sent a request yet, or, when all
    /// are busy, gets a 503 "too many connections".
    #[arg(
        long,
        value_name = "N",
        default_value_t = ConnectionLimits::default().max_connections,
        env = "FCLOCAL_MAX_CONNECTIONS"
    )]
    max_connections: usize,
    /// How long a client may take to send a request's headers, leave a
    /// kept-alive connection idle, or pause while sending a body, before the
    /// connection is closed (against slowloris-style clients).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration, env = "FCLOCAL_CLIENT_TIMEOUT")]
    client_timeout: Duration,
    /// How many MiB of log lines one function may write per minute (a
    /// logstore takes five times that); lines past it are dropped and
    /// counted, and the invocation's log says so.
    #[arg(long, value_name = "MB", default_value_t = fclocal_invoke::DEFAULT_FUNCTION_MB_PER_MINUTE, env = "FCLOCAL_MAX_LOG_MB_PER_MINUTE")]
    max_log_mb_per_minute: u64,
    /// On shutdown, how long to wait for in-flight invocations.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
    shutdown_timeout: Duration,
    /// How long one log query (GetLogs, GetHistograms, the log pages' charts)
    /// may run before it is stopped with an error.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = humantime::parse_duration, env = "FCLOCAL_QUERY_TIMEOUT")]
    query_timeout: Duration,
    /// Also answer requests addressed to this host name (and its
    /// subdomains), e.g. a port-forwarding IDE's `xxx-8000.app.github.dev`.
    /// Other names are refused against DNS rebinding: on a loopback bind all
    /// but localhost and loopback addresses, on other binds all but IP
    /// addresses, localhost and this machine's name. Repeatable.
    #[arg(
        long = "allowed-host",
        value_name = "NAME",
        env = "FCLOCAL_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    allowed_hosts: Vec<String>,
    /// FC 3.0 (`s.yaml`, fc3) HTTP functions are served at their own root
    /// path, each on a port of its own: this one for the first, the next
    /// for the second, ... [default: --port + 1; free ports with --port 0].
    #[arg(long, value_name = "PORT")]
    function_port_base: Option<u16>,
    /// Do not check FC signatures on FUNCTION-auth triggers and the
    /// InvokeFunction API (handy with curl; never expose such a server).
    #[arg(long)]
    no_auth: bool,
    /// Do not watch function code for hot reload.
    #[arg(long)]
    no_watch: bool,
    /// Also verify SLS API requests' signatures (against the same local
    /// AccessKey pair). Without it, signed and unsigned requests are accepted.
    #[arg(long)]
    auth: bool,
    /// Run timers on a manual clock starting at this time, moved with
    /// `POST /fclocal/clock/advance?by=60s` (for tests).
    #[arg(long, value_name = "TIME", hide = true)]
    test_clock: Option<DateTime<Utc>>,
    #[command(flatten)]
    template: TemplateArgs,
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    marbles: MarblesArgs,
    #[command(flatten)]
    host_args: HostArgs,
    #[command(flatten)]
    forward: forward::ForwardArgs,
}

/// Runs the server until a shutdown signal.
pub fn run(args: StartArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        !args.query_timeout.is_zero(),
        "--query-timeout (FCLOCAL_QUERY_TIMEOUT) must be longer than 0s, e.g. 30s"
    );
    anyhow::ensure!(
        args.allowed_hosts
            .iter()
            .all(|host| !host.trim().is_empty()),
        "--allowed-host (FCLOCAL_ALLOWED_HOSTS) takes a host name, e.g. --allowed-host my-box.example"
    );
    fclocal_logstore::set_query_time_budget(args.query_timeout);
    anyhow::ensure!(
        args.max_connections > 0,
        "--max-connections (FCLOCAL_MAX_CONNECTIONS) must be at least 1"
    );
    anyhow::ensure!(
        !args.client_timeout.is_zero(),
        "--client-timeout (FCLOCAL_CLIENT_TIMEOUT) must be longer than 0s, e.g. 10s"
    );
    let project = Project::load(&args.template)?;
    let forwarding = forward::prepare(&args.forward, &args.host_args, &project)?;
    for warning in &project.warnings {
        output::status(&warning.to_string());
    }
    project.create_data_dir()?;
    let specs = all_specs(&project.app);
    let builder = Builder::new(project.build_dir());
    let reporter = TerminalReporter::new(false);
    let paths = component_paths(&specs, &builder, false, &reporter)?;
    let network = args.network.load(&args.template.template_path()?)?;
    let chaincode = match &network {
        Some(network) => chaincode_components(network, &builder, &reporter)?,
        None => Vec::new(),
    };
    reporter.finish();

    let store = LogStore::open(&project.logs_db())
        .with_context(|| format!("cannot open the logstore in {}", project.data_dir.display()))?;
    ensure_log_targets(&project.app, &store)?;
    let (credentials, secret) = match credentials::from_args(&args.host_args) {
        Some(given) => (given, SecretDisplay::Hide),
        None => (credentials::local(&project.data_dir)?, SecretDisplay::Show),
    };
    let mut settings = args.host_args.settings();
    settings
        .credentials
        .access_key_id
        .clone_from(&credentials.access_key_id);
    settings
        .credentials
        .access_key_secret
        .clone_from(&credentials.access_key_secret);

    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let _entered = tokio.enter();
    let listener = tokio.block_on(fclocal_server::bind(args.host, args.port))?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    settings.local_endpoint = Some(format!("http://{address}"));
    settings.log_rate = fclocal_invoke::LogRateLimit::from_function_mb(args.max_log_mb_per_minute);
    let runtime = Runtime::new(EngineConfig {
        cache_dir: Some(project.cache_dir()),
        pooling: PoolingMode::Auto,
        max_instances: u32::try_from(args.max_instances).unwrap_or(u32::MAX).max(1),
        ..EngineConfig::default()
    })?;
    let host = Arc::new(FunctionHost::new(runtime, store.writer(), settings));
    let pools = Pools::new(
        host.clone(),
        PoolConfig {
            max_instances: args.max_instances.max(1),
            idle_timeout: args.idle_timeout,
            throttle_wait: args.throttle_wait,
        },
    )
    .context("cannot start the threads that run long invocations")?;
    for (spec, path) in specs.into_iter().zip(paths) {
        let label = spec.label();
        let function = LoadedFunction::load(host.runtime(), spec, &path)
            .with_context(|| format!("cannot load {label}"))?;
        pools.insert(function);
    }

    let ledger = match &network {
        Some(network) => {
            let invoker = Arc::new(PoolInvoker::new(pools.clone(), tokio.handle().clone()));
            Some(Arc::new(open_ledger(
                network,
                chaincode,
                &project.data_dir,
                invoker,
            )?))
        }
        None => None,
    };

    let test_clock = args.test_clock.map(|at| Arc::new(ManualClock::new(at)));
    let api_clock = match &test_clock {
        Some(manual) => {
            let manual = manual.clone();
            fclocal_sls_api::Clock::from_fn(move || manual.now().into())
        }
        None => fclocal_sls_api::Clock::system(),
    };
    let default_project = default_log_project(&project);
    let banner_notes = vec![
        String::new(),
        format!(
            "SLS API (PutLogs, GetLogs, PullLogs, ...) at endpoint http://{address}; project from Host, x-log-project or default {}; signatures {}",
            default_project.as_deref().unwrap_or("(none)"),
            if args.auth {
                "verified"
            } else {
                "accepted unverified (--auth verifies them)"
            }
        ),
    ];
    let mut banner_notes = banner_notes;
    banner_notes.extend(sls::client_endpoint_lines(
        address,
        &log_project_names(&project),
    ));
    banner_notes.extend([
        format!("Logs explorer: http://{address}/logs"),
        format!("Analytics: http://{address}/analytics"),
    ]);
    if let (Some(network), Some(ledger)) = (&network, &ledger) {
        banner_notes.push(String::new());
        banner_notes.push(format!(
            "Ledger: {} (from {}), height {}",
            network.summary(),
            network.path.display(),
            ledger.height()
        ));
        banner_notes.push(format!(
            "Ledger gateway API: http://{address}/ledger/v1 (evaluate, submit, transactions, blocks, events); `fclocal ledger --help` drives it"
        ));
    }
    let log_routes = sls::routes(
        &store,
        LogRoutes {
            default_project,
            verify_with: args.auth.then(|| {
                fclocal_sls_api::Credentials::new(
                    credentials.access_key_id.clone(),
                    credentials.access_key_secret.clone(),
                )
            }),
            clock: api_clock,
            summary_targets: log_targets(&project),
        },
    );
    // `--forward-logs`: every stored line also goes to the real Log Service.
    let forwarding = forward::start(forwarding, &project, &tokio, address)?;
    let log_routes = match &forwarding {
        Some(forwarding) => {
            banner_notes.push(forwarding.banner.clone());
            log_routes.merge(forwarding.routes.clone())
        }
        None => log_routes,
    };
    let log_routes = match &ledger {
        Some(ledger) => log_routes.merge(fclocal_ledger_api::router(ledger.clone())),
        None => log_routes,
    };
    // MNS topics: MNSTopic triggers, fed by the ledger's EventTopics and by hand.
    let topics = crate::cli::topics::Topics::start(
        &project.app,
        network.as_ref(),
        ledger.as_ref(),
        &pools,
        address,
    );
    banner_notes.extend(topics.banner.iter().cloned());
    let log_routes = log_routes.merge(topics.routes.clone());

    let marbles = ledger.as_ref().and_then(|ledger| {
        crate::cli::marbles::start(&args.marbles, ledger, &project.app, address)
    });
    let log_routes = match &marbles {
        Some(started) => {
            banner_notes.extend(started.notes.iter().cloned());
            log_routes.merge(started.routes.clone())
        }
        None => log_routes,
    };
    let sweeper = store.writer();
    let housekeeping = Housekeeping(Arc::new(move |now| match sweeper.sweep_expired(now) {
        Ok(0) => {}
        Ok(deleted) => tracing::info!("TTL sweep deleted {deleted} expired log line(s)"),
        Err(error) => tracing::error!("TTL sweep failed: {error}"),
    }));
    let options = ServerOptions {
        credentials,
        secret,
        verify_signatures: !args.no_auth,
        limits: RequestLimits::default(),
        test_clock,
        extra_routes: log_routes,
        housekeeping: Some(housekeeping),
        banner_notes,
        watch: !args.no_watch,
        shutdown_timeout: args.shutdown_timeout,
        index_at_root: marbles.is_none(),
        connections: ConnectionLimits {
            max_connections: args.max_connections,
            client_timeout: args.client_timeout,
        },
        allowed_hosts: args.allowed_hosts.clone(),
        live_notes: forwarding
            .as_ref()
            .map(|forwarding| vec![forwarding.live.clone()])
            .unwrap_or_default(),
        function_port_base: args.function_port_base.unwrap_or(if args.port == 0 {
            0
        } else {
            args.port.saturating_add(1)
        }),
    };
    tokio.block_on(fclocal_server::run(
        listener,
        &project.app,
        pools.clone(),
        builder,
        options,
        shutdown_signal(),
    ))?;
    // Queries still running (started while requests drained) must not keep the runtime,
    // which waits for its blocking threads, from shutting down.
    fclocal_logstore::cancel_running_queries();
    topics.stop(&tokio);
    if let Some(started) = marbles {
        tokio.block_on(started.marbles.stop());
    }
    if let Some(ledger) = ledger {
        close_ledger(&tokio, ledger);
    }
    drop(pools);
    drop(host);
    if let Some(forwarding) = forwarding {
        forwarding.stop(&tokio, &store);
    }
    store.close().context("cannot flush the logstore")?;
    output::status("Stopped; every log line is stored.");
    Ok(ExitCode::SUCCESS)
}

/// Commits what the orderer still holds and closes the ledger's database.
fn close_ledger(tokio: &tokio::runtime::Runtime, ledger: Arc<fclocal_ledger::Ledger>) {
    match Arc::try_unwrap(ledger) {
        Ok(ledger) => tokio.block_on(ledger.close()),
        // An event stream still holds it; dropping the last handle stops the
        // orderer, whose pending blocks still commit.
        Err(_) => tracing::warn!("the ledger is still in use at shutdown; closing it on drop"),
    }
}

/// The SLS project of API requests that name none: the first service's
/// LogConfig project, else where functions without LogConfig log.
/// The project of the first function's log target; without functions, the
/// first declared `Aliyun::Serverless::Log` project. Clients that name no
/// project (curl, npm `aliyun-sdk` given an IP endpoint) get this one.
fn default_log_project(project: &Project) -> Option<String> {
    let targets = log_targets(project);
    targets
        .first()
        .map(|(project, _)| project.clone())
        .or_else(|| project.app.log_projects.first().map(|log| log.name.clone()))
}

/// Every SLS project of the template: its functions' log projects, then
/// the declared `Aliyun::Serverless::Log` resources, without repeats.
fn log_project_names(project: &Project) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let declared = project.app.log_projects.iter().map(|log| log.name.clone());
    for name in log_targets(project)
        .into_iter()
        .map(|(name, _)| name)
        .chain(declared)
    {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Every function's log target, deduplicated, in template order.
fn log_targets(project: &Project) -> Vec<(String, String)> {
    let mut targets: Vec<(String, String)> = Vec::new();
    for spec in all_specs(&project.app) {
        let target = (spec.log_target.project, spec.log_target.logstore);
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    targets
}

/// Resolves on the first Ctrl-C or SIGTERM; a second Ctrl-C exits at once.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        () = terminate => {}
    }
    // A long log query holds a blocking thread; stop it so the drain does not wait on it.
    fclocal_logstore::cancel_running_queries();
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            output::status("Second interrupt: exiting without waiting.");
            std::process::exit(130);
        }
    });
}
