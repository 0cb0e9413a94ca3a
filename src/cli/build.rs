//! `fclocal build`: builds function crates into components (skipping
//! up-to-date ones), then loads each into the engine, which precompiles it
//! into the cache and checks it fits its triggers. With a ledger network
//! file (and no function named), the chaincode is built and precompiled
//! too, so `fclocal start` compiles nothing.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use fclocal_builder::Builder;
use fclocal_engine::chaincode::ChaincodeRuntime;
use fclocal_engine::{EngineConfig, PoolingMode, Runtime};
use fclocal_invoke::{FunctionSpec, LoadedFunction, all_specs, component_paths};
use fclocal_template::CodeLocation;

use crate::ledger::{NetworkArgs, NetworkFile, chaincode_components};
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
    #[command(flatten)]
    network: NetworkArgs,
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
    // The ledger's chaincode, when the whole app is built: `fclocal start`
    // would otherwise compile it with Cranelift on its first start.
    let network = if args.functions.is_empty() {
        args.network.load(&args.template.template_path()?)?
    } else {
        None
    };
    let builder = Builder::new(project.build_dir());
    let reporter = TerminalReporter::new(true);
    let paths = component_paths(&specs, &builder, args.force, &reporter)?;
    let chaincode = match &network {
        Some(network) => chaincode_components(network, &builder, &reporter)?,
        None => Vec::new(),
    };
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
    if let Some(network) = &network {
        precompile_chaincode(&project, network, &chaincode)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads each chaincode component into the chaincode engine (fuel-metered,
/// so its code differs from a function's), which stores the compiled code
/// in the cache `fclocal start` reads it from.
fn precompile_chaincode(
    project: &Project,
    network: &NetworkFile,
    components: &[std::path::PathBuf],
) -> anyhow::Result<()> {
    let runtime = ChaincodeRuntime::new(Some(&project.cache_dir()))
        .context("cannot start the chaincode engine")?;
    for (chaincode, path) in network.config.chaincodes.iter().zip(components) {
        runtime.load(path).with_context(|| {
            format!(
                "cannot load chaincode `{}` from {}",
                chaincode.name,
                path.display()
            )
        })?;
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        output::stdout(&format!(
            "chaincode/{}: chaincode ({}, {} KB)\n",
            chaincode.name,
            path.display(),
            size.div_ceil(1024)
        ))?;
    }
    Ok(())
}
