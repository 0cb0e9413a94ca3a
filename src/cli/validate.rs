//! `fclocal validate`: every problem in the project file (`template.yml` or
//! `s.yaml`), with file:line:column, or a summary of what it declares; then the
//! same for the ledger's network file, when there is one.

use std::process::ExitCode;

use clap::Args;
use fclocal_template::{App, ProjectFormat, TemplateError, TriggerKind};

use crate::ledger::{NetworkArgs, check_chaincode_code};
use crate::output;
use crate::project::TemplateArgs;

/// Check the project file (template.yml or s.yaml) and the ledger's network file.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    template: TemplateArgs,
    #[command(flatten)]
    network: NetworkArgs,
}

/// Prints the diagnostics (exit 1) or a summary (exit 0) of each file.
/// Warnings about what fclocal does not emulate are printed either way.
pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let path = args.template.template_path()?;
    let template = validate_template(&path)?;
    let network = validate_network(&args.network, &path)?;
    if template && network {
        warn_undeclared_topics(&args.network, &path)?;
    }
    Ok(if template && network {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Warns (without failing) about MNSTopic triggers whose topic neither file declares.
fn warn_undeclared_topics(args: &NetworkArgs, template: &std::path::Path) -> anyhow::Result<()> {
    let app = fclocal_template::load(template)?.app;
    let network = args.load(template)?;
    let declared = crate::cli::topics::declared_topics(&app, network.as_ref());
    for warning in fclocal_topics::undeclared_warnings(&app, &declared) {
        output::status(&warning);
    }
    Ok(())
}

/// The network file's problem (it stops at the first), or its summary.
fn validate_network(args: &NetworkArgs, template: &std::path::Path) -> anyhow::Result<bool> {
    let network = match args.load(template) {
        Ok(Some(network)) => network,
        Ok(None) => return Ok(true),
        Err(error) => {
            output::status(&format!("{error:#}"));
            return Ok(false);
        }
    };
    for chaincode in &network.config.chaincodes {
        if let Err(error) = check_chaincode_code(&network, chaincode) {
            output::status(&format!("{error:#}"));
            return Ok(false);
        }
    }
    output::stdout(&format!(
        "{} is valid: {}\n",
        network.path.display(),
        network.summary()
    ))?;
    Ok(true)
}

/// Whether the template is valid, printing its diagnostics or summary.
fn validate_template(path: &std::path::Path) -> anyhow::Result<bool> {
    match fclocal_template::load(path) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                output::status(&warning.to_string());
            }
            output::stdout(&format!(
                "{} is valid: {}\n",
                path.display(),
                summary(&loaded.app)
            ))?;
            Ok(true)
        }
        Err(TemplateError::Invalid { diagnostics }) => {
            for diagnostic in &diagnostics {
                output::status(&diagnostic.to_string());
            }
            let count = diagnostics.len();
            output::status(&format!(
                "{} is invalid: {count} problem{}",
                path.display(),
                if count == 1 { "" } else { "s" }
            ));
            Ok(false)
        }
        Err(other) => Err(other.into()),
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// `1 service, 3 functions (2 HTTP triggers, 1 timer trigger), 1 log project (1 logstore)`;
/// an FC 3.0 `s.yaml` has no services to count: `FC 3.0, 3 functions (…)`.
fn summary(app: &App) -> String {
    let functions = app.functions().count();
    let mut http = 0;
    let mut timers = 0;
    let mut topics = 0;
    let mut other = 0;
    for (_, function) in app.functions() {
        for trigger in &function.triggers {
            match trigger.kind {
                TriggerKind::Http(_) => http += 1,
                TriggerKind::Timer(_) => timers += 1,
                TriggerKind::MnsTopic(_) => topics += 1,
                TriggerKind::NotEmulated { .. } => other += 1,
            }
        }
    }
    let mut triggers = vec![
        plural(http, "HTTP trigger", "HTTP triggers"),
        plural(timers, "timer trigger", "timer triggers"),
    ];
    if topics > 0 {
        triggers.push(plural(topics, "MNS topic trigger", "MNS topic triggers"));
    }
    if other > 0 {
        triggers.push(plural(
            other,
            "trigger not emulated",
            "triggers not emulated",
        ));
    }
    let logstores: usize = app.log_projects.iter().map(|p| p.logstores.len()).sum();
    let functions = format!(
        "{} ({})",
        plural(functions, "function", "functions"),
        triggers.join(", ")
    );
    match app.source {
        ProjectFormat::ServerlessDevs3 => format!("FC 3.0, {functions}"),
        ProjectFormat::ServerlessDevs1 => format!(
            "FC 2.0, {}, {functions}",
            plural(app.services.len(), "service", "services")
        ),
        ProjectFormat::FunTemplate => format!(
            "{}, {functions}, {} ({})",
            plural(app.services.len(), "service", "services"),
            plural(app.log_projects.len(), "log project", "log projects"),
            plural(logstores, "logstore", "logstores"),
        ),
    }
}
