//! `fclocal build`: builds function crates into components (skipping
//! up-to-date ones), then loads each into the engine, which precompiles it
//! into the cache and checks it fits its triggers.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use fclocal_builder::Builder;
use fclocal_engine::{EngineConfig, PoolingMode, Runtime};
use fclocal_invoke::{FunctionSpec, LoadedFunction, all_specs, component_paths};
use fclocal_template::CodeLocation;

use crate::output;
use crate::progress::TerminalReporter;
use crate::project::{Project, TemplateArgs};

/// Build function components.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Functions to build (`service/function` or a function name); all when omitted.
    #[arg(value_name = "FUNCTION")]
    functions: Vec<String>,
    /// Rebuild even when up to date.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    template: TemplateArgs,
}

/// Builds and precompiles.
pub fn run(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(&args.template)?;
    for warning in &project.warnings {
        output::status(&warning.to_string());
    }
    project.create_data_dir()?;
    let specs: Vec<FunctionSpec> = if args.functions.is_empty() {
        all_specs(&project.app)
    } else {
        args.functions
            .iter()
            .map(|name| {
                let (service, function) = project.app.find_function(name)?;
                Ok(FunctionSpec::in_app(&project.app, service, function))
            })
            .collect::<anyhow::Result<_>>()?
    };
    let reporter = TerminalReporter::new(true);
    let paths = component_paths(
        &specs,
        &Builder::new(project.build_dir()),
        args.force,
        &reporter,
    )?;
    reporter.finish();

    let runtime = Runtime::new(EngineConfig {
        cache_dir: Some(project.cache_dir()),
        pooling: PoolingMode::Never,
        ..EngineConfig::default()
    })?;
    for (spec, path) in specs.into_iter().zip(paths) {
        let label = spec.label();
        let loaded = LoadedFunction::load(&runtime, spec, &path)
            .with_context(|| format!("cannot load {label}"))?;
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let what = match &loaded.spec.code {
            // The engine is shared; the function's code stays in its folder.
            CodeLocation::Source { dir, language } => format!(
                "{} {}, code in {}, run by the {} engine",
                language.display_name(),
                loaded.kind().describe(),
                dir.display(),
                language.display_name()
            ),
            _ => loaded.kind().describe().to_owned(),
        };
        output::stdout(&format!(
            "{label}: {what} ({}, {} KB)\n",
            path.display(),
            size.div_ceil(1024)
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
