//! `fclocal invoke [service/]function`: runs one function once, like
//! `fun local invoke`, but without Docker, with `Timeout` and `MemorySize`
//! enforced, and with every line stored in the local logstore.
//!
//! Output as FC frames it: the framing and log lines and the summary line go
//! to stderr; the result (or FC's error JSON) goes to stdout, so
//! `fclocal invoke hello -e '{}' | jq` works. A failed function exits 1.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use fclocal_builder::Builder;
use fclocal_engine::{EngineConfig, FunctionKind, PoolingMode, Runtime};
use fclocal_invoke::http_event::{HttpEvent, response_json};
use fclocal_invoke::{
    FunctionHost, FunctionSpec, Report, component_paths, ensure_log_targets, framing,
};
use fclocal_logstore::LogStore;

use crate::cli::host_args::HostArgs;
use crate::event_input::EventSource;
use crate::output;
use crate::progress::TerminalReporter;
use crate::project::{Project, TemplateArgs};

/// The address an HTTP function sees as the client of `fclocal invoke`.
const LOCAL_CLIENT: &str = "127.0.0.1";

/// Invoke a function once.
#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// The function: `service/function`, or a function name found in any
    /// service [default: the template's first function].
    #[arg(value_name = "[SERVICE/]FUNCTION")]
    name: Option<String>,
    /// The event, inline; a path to a file is accepted too, as fun does.
    /// For an HTTP function, an HTTP event (`fclocal events generate http`).
    #[arg(short = 'e', long, value_name = "EVENT")]
    event: Option<String>,
    /// Read the event from a file.
    #[arg(short = 'f', long = "event-file", value_name = "FILE")]
    event_file: Option<std::path::PathBuf>,
    /// Read the event from stdin.
    #[arg(short = 's', long = "event-stdin")]
    event_stdin: bool,
    #[command(flatten)]
    template: TemplateArgs,
    #[command(flatten)]
    host: HostArgs,
}

/// Builds the function if stale, runs it once, prints FC's framing.
pub fn run(args: InvokeArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(&args.template)?;
    let (service, function) = match &args.name {
        Some(name) => project.app.find_function(name)?,
        None => {
            let (service, function) = project
                .app
                .first_function()
                .context("the template declares no function to invoke")?;
            output::status(&format!(
                "Missing invokeName argument, fclocal will use the first function {}/{} as invokeName",
                service.name, function.name
            ));
            (service, function)
        }
    };
    let spec = FunctionSpec::in_app(&project.app, service, function);
    let event = EventSource {
        inline: args.event.clone(),
        file: args.event_file.clone(),
        stdin: args.event_stdin,
    }
    .read()?;

    project.create_data_dir()?;
    let reporter = TerminalReporter::new(false);
    let path = component_paths(
        std::slice::from_ref(&spec),
        &Builder::new(project.build_dir()),
        false,
        &reporter,
    )?
    .remove(0);
    reporter.finish();

    let store = LogStore::open(&project.logs_db())
        .with_context(|| format!("cannot open the logstore in {}", project.data_dir.display()))?;
    ensure_log_targets(&project.app, &store)?;
    // One instance, once: the pooling allocator would only cost start-up time.
    let runtime = Runtime::new(EngineConfig {
        cache_dir: Some(project.cache_dir()),
        pooling: PoolingMode::Never,
        ..EngineConfig::default()
    })?;
    let host = FunctionHost::new(runtime, store.writer(), args.host.settings());
    let label = spec.label();
    let loaded = host.load(spec, &path)?;
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;

    let succeeded = match loaded.kind() {
        // `kind()` resolves a language engine to the kind its triggers want.
        FunctionKind::Event { .. } | FunctionKind::Language => {
            let report = tokio.block_on(host.invoke_event_once(
                &loaded,
                &event,
                Some(output::stderr_echo()),
            ))?;
            print_report(&label, &report, |result| {
                let mut text = String::from_utf8_lossy(result).into_owned();
                text.push('\n');
                text
            })?
        }
        FunctionKind::Http => {
            let event = if event.iter().all(u8::is_ascii_whitespace) {
                b"{}".to_vec()
            } else {
                event
            };
            let request = HttpEvent::parse(&event)?.into_request(LOCAL_CLIENT)?;
            let report = tokio.block_on(host.invoke_http_once(
                &loaded,
                request,
                Some(output::stderr_echo()),
            ))?;
            print_report(&label, &report, |response| {
                let json = response_json(response);
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&json).unwrap_or_default()
                )
            })?
        }
    };
    store.close()?;
    Ok(if succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Prints the result (or FC's error body) to stdout and the summary line to
/// stderr. Returns whether the function succeeded.
fn print_report<T>(
    label: &str,
    report: &Report<T>,
    render: impl FnOnce(&T) -> String,
) -> anyhow::Result<bool> {
    match &report.result {
        Ok(value) => {
            output::stdout(&render(value))?;
            output::status(&format!("\n{}", report.summary_line()));
            Ok(true)
        }
        Err(error) => {
            let body = framing::error_body(error, report.memory_used_bytes);
            output::stdout(&format!("{body}\n"))?;
            output::status(&format!("\n{}", report.summary_line()));
            output::status(&format!(
                "{label} failed: {} ({error})",
                error.fc_error_type()
            ));
            Ok(false)
        }
    }
}
