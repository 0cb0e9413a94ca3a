//! `fclocal serve-function`: what a packaged function's `bootstrap` runs on
//! Function Compute. It serves one WebAssembly function on FC's
//! custom-runtime contract (`fclocal_custom_runtime`) at
//! `0.0.0.0:$FC_SERVER_PORT`, with the engine, limits and instance pools of
//! `fclocal start`. Off FC (no `FC_FUNC_CODE_PATH` or `FC_INSTANCE_ID`) it
//! listens on 127.0.0.1 unless `--host` says otherwise: the contract has no
//! authentication, and functions may get the developer's own credentials.
//!
//! Settings come from FC's environment variables (`FC_FUNCTION_NAME`,
//! `FC_FUNCTION_MEMORY_SIZE`, `FC_REGION`, ...) unless a flag says
//! otherwise, and each request's `x-fc-*` headers override them for that
//! request. stdout carries only FC's framing and log lines, because FC
//! collects it into the service's Logstore; fclocal's own status lines (the
//! listening address first) go to stderr.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use fclocal_custom_runtime::{FunctionConfig, RuntimeName, ServedFunction, StdoutEcho, serve};
use fclocal_engine::{Credentials, EngineConfig, PoolingMode, Runtime};
use fclocal_invoke::{FunctionHost, HostSettings, PoolConfig, Pools};

use crate::output;

mod process_env;

use process_env::{fc_marker, function_environment, listen_host, port_from_env, skipped_warning};

/// Serve one function on Function Compute's custom-runtime contract.
#[derive(Debug, Args)]
pub struct ServeFunctionArgs {
    /// The WebAssembly component: the function itself (`custom`), or the
    /// language engine for a Node.js or Python function.
    #[arg(long, value_name = "FILE")]
    component: PathBuf,
    /// The FC runtime the function was written for: `custom`, `nodejs*`
    /// or `python3*`.
    #[arg(long, value_name = "RUNTIME", default_value = "custom")]
    runtime: String,
    /// The code folder a language engine mounts at `/code`.
    #[arg(long, value_name = "DIR", default_value = ".")]
    code_dir: PathBuf,
    /// The address to listen on [default: 0.0.0.0 when FC's environment is
    /// present (FC_FUNC_CODE_PATH or FC_INSTANCE_ID set), since FC reaches
    /// only 0.0.0.0; else 127.0.0.1, since nothing authenticates callers].
    #[arg(long, value_name = "ADDRESS")]
    host: Option<IpAddr>,
    /// The port [default: $FC_SERVER_PORT, else $FC_CUSTOM_LISTEN_PORT,
    /// else 9000]; 0 takes a free port (the address is printed to stderr).
    #[arg(long, value_name = "PORT")]
    port: Option<u16>,
    /// The service name functions see when a request does not say.
    #[arg(
        long,
        value_name = "NAME",
        env = "FC_SERVICE_NAME",
        default_value = "fclocal"
    )]
    service: String,
    /// The function name [default: the component's file name without `.wasm`].
    #[arg(long, value_name = "NAME", env = "FC_FUNCTION_NAME")]
    function: Option<String>,
    /// The handler [default: the component's file name].
    #[arg(long, value_name = "HANDLER", env = "FC_FUNCTION_HANDLER")]
    handler: Option<String>,
    /// MemorySize in MB, until a request's `x-fc-function-memory` says otherwise.
    #[arg(
        long,
        value_name = "MB",
        env = "FC_FUNCTION_MEMORY_SIZE",
        default_value_t = 128
    )]
    memory_size: u32,
    /// Timeout in seconds, until a request's `x-fc-function-timeout` says otherwise.
    #[arg(long, value_name = "SECONDS", env = "FC_TIMEOUT", default_value_t = 3)]
    timeout: u32,
    /// The `Initializer`, until a request's `x-fc-function-initializer`
    /// names one (FC also calls `POST /initialize` when one is configured).
    #[arg(long, value_name = "HANDLER", env = "FC_INITIALIZER_HANDLER")]
    initializer: Option<String>,
    /// InitializationTimeout in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "FC_INITIALIZATION_TIMEOUT",
        default_value_t = 3
    )]
    initialization_timeout: u32,
    /// InstanceConcurrency: requests assigned to one instance before
    /// another starts (the template's value; FC does not tell the runtime).
    #[arg(
        long,
        value_name = "N",
        env = "FCLOCAL_INSTANCE_CONCURRENCY",
        default_value_t = 1
    )]
    instance_concurrency: u32,
    /// The most instances of the function alive at once in this process.
    #[arg(long, value_name = "N", default_value_t = 4)]
    max_instances: usize,
    /// Where compiled components are cached across starts [default: none,
    /// compile at every start].
    #[arg(long, value_name = "DIR", env = "FCLOCAL_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// The region functions see when a request does not say.
    #[arg(
        long,
        value_name = "REGION",
        env = "FC_REGION",
        default_value = "cn-hangzhou"
    )]
    region: String,
    /// The account id functions see when a request does not say.
    #[arg(long, value_name = "ID", env = "FC_ACCOUNT_ID", default_value = "")]
    account_id: String,
}

/// Serves until SIGTERM or Ctrl-C, then answers the requests in flight and exits.
pub fn run(args: ServeFunctionArgs) -> anyhow::Result<ExitCode> {
    let component_name = args
        .component
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let config = FunctionConfig {
        runtime: args.runtime.parse::<RuntimeName>()?,
        code_dir: args.code_dir.clone(),
        service: args.service.clone(),
        function: args.function.clone().unwrap_or_else(|| {
            component_name
                .strip_suffix(".wasm")
                .unwrap_or(&component_name)
                .to_owned()
        }),
        handler: args.handler.clone().unwrap_or(component_name),
        memory_mb: args.memory_size,
        timeout_secs: args.timeout,
        initializer: args.initializer.clone().filter(|name| !name.is_empty()),
        initialization_timeout_secs: args.initialization_timeout,
        instance_concurrency: args.instance_concurrency,
        // The process's environment is the function's on FC: its
        // EnvironmentVariables and FC's own (FC_* are then set over them).
        environment: function_environment(std::env::vars_os(), |name| {
            output::status(&skipped_warning(name));
        }),
        component: args.component.clone(),
    };
    let spec = config.spec()?;
    let host = listen_host(args.host, fc_marker());
    let port = match args.port {
        Some(port) => port,
        None => port_from_env()?,
    };
    let runtime = Runtime::new(EngineConfig {
        cache_dir: args.cache_dir.clone(),
        // A handful of instances: the pooling allocator's reservation is not worth it.
        pooling: PoolingMode::Never,
        ..EngineConfig::default()
    })?;
    let settings = HostSettings {
        region: args.region.clone(),
        account_id: args.account_id.clone(),
        credentials: Credentials {
            access_key_id: env_or_empty("ALIBABA_CLOUD_ACCESS_KEY_ID"),
            access_key_secret: env_or_empty("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
            security_token: env_or_empty("ALIBABA_CLOUD_SECURITY_TOKEN"),
        },
        log_source: host.address.to_string(),
        ..HostSettings::default()
    };
    let echo = StdoutEcho::start().context("cannot start the stdout writer")?;
    let function_host = Arc::new(FunctionHost::echoing(
        runtime,
        Arc::new(echo.clone()),
        settings,
    ));
    let pools = Pools::new(
        function_host,
        PoolConfig {
            max_instances: args.max_instances.max(1),
            // FC freezes and stops the whole process; nothing to reclaim.
            idle_timeout: Duration::MAX,
            // FC never sends more than InstanceConcurrency at once, so a
            // wait here is an instance being replaced: wait, do not refuse.
            throttle_wait: Duration::from_secs(60),
        },
    )
    .context("cannot start the invocation lanes")?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    tokio.block_on(async move {
        let function = ServedFunction::load(pools, spec, &args.component)
            .with_context(|| format!("cannot load {}", args.component.display()))?;
        let listener = tokio::net::TcpListener::bind((host.address, port))
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {}:{port}; is another runtime using the port? (FC sets FC_SERVER_PORT)",
                    host.address
                )
            })?;
        let address = listener.local_addr().context("cannot read the listening address")?;
        // The address ends the line: scripts read everything after
        // `listening on `.
        output::status(&format!(
            "fclocal serve-function: {} ({}) on {}; listening on {address}",
            function.label(),
            function.kind().describe(),
            host.why
        ));
        serve(listener, Arc::new(function), shutdown_signal()).await;
        // Every line of the last invocations reaches FC before the exit.
        echo.flush();
        output::status("fclocal serve-function: stopped");
        Ok(ExitCode::SUCCESS)
    })
}

fn env_or_empty(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// Resolves on the first SIGTERM (FC stopping the instance) or Ctrl-C.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}
