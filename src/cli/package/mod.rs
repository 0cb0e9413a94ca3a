//! `fclocal package`: a deployable copy of the project for Function Compute.
//!
//! The output folder holds a `template.yml` that fun and `s` deploy as-is
//! and one code folder per function (`{service}/{function}/`): WebAssembly
//! functions as FC custom-runtime code (component + static `fclocal` +
//! `bootstrap`), Node.js and Python functions as FC's own runtimes run them.

mod code_folder;
mod static_binary;
mod template_rewrite;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;
use fclocal_builder::Builder;
use fclocal_invoke::{FunctionSpec, component_paths};
use fclocal_template::{CodeLocation, ProjectFormat};

use crate::output;
use crate::progress::TerminalReporter;
use crate::project::{Project, TemplateArgs};

/// FC's default custom-runtime port when a function sets no `CAPort`.
const DEFAULT_CA_PORT: u16 = 9000;
/// Marks a folder `fclocal package` wrote, so a second run may replace it.
const MARKER: &str = ".fclocal-package";

/// Write a deployable copy of the project.
#[derive(Debug, Args)]
pub struct PackageArgs {
    /// The folder to write [default: `.fclocal/package` beside the template].
    /// An existing folder is replaced only if `fclocal package` wrote it.
    #[arg(short = 'o', long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// The statically linked fclocal to put beside each WebAssembly function
    /// [default: this executable if static, else
    /// `target/x86_64-unknown-linux-musl/release/fclocal`].
    #[arg(long, value_name = "FILE")]
    fclocal_binary: Option<PathBuf>,
    #[command(flatten)]
    template: TemplateArgs,
}

/// Packages the project.
pub fn run(args: PackageArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(&args.template)?;
    let template_path = args.template.template_path()?;
    if project.app.source != ProjectFormat::FunTemplate {
        bail!(
            "{} is a Serverless Devs project: `fclocal package` writes fun's template.yml and does not rewrite s.yaml yet; deploy it with `s deploy` (Node.js and Python functions deploy as they are), or package a template.yml version of the project",
            template_path.display()
        );
    }
    let output_dir = args
        .output
        .clone()
        .unwrap_or_else(|| project.data_dir.join("package"));
    let functions: Vec<Packaged> = project
        .app
        .functions()
        .map(|(service, function)| Packaged {
            spec: FunctionSpec::in_app(&project.app, service, function),
            runtime: function.runtime.name().to_owned(),
            ca_port: function.ca_port,
        })
        .collect();
    let specs: Vec<&FunctionSpec> = functions.iter().map(|f| &f.spec).collect();
    let wasm_specs: Vec<FunctionSpec> = specs
        .iter()
        .filter(|spec| !matches!(spec.code, CodeLocation::Source { .. }))
        .map(|spec| (*spec).clone())
        .collect();
    let fclocal = if wasm_specs.is_empty() {
        None
    } else {
        Some(static_binary::packaged_fclocal(
            args.fclocal_binary.as_deref(),
        )?)
    };

    project.create_data_dir()?;
    let reporter = TerminalReporter::new(true);
    let components = component_paths(
        &wasm_specs,
        &Builder::new(project.build_dir()),
        false,
        &reporter,
    )?;
    reporter.finish();

    check_output_location(&output_dir, &template_path, &functions)?;
    prepare_output(&output_dir)?;
    let output_root = output_dir
        .canonicalize()
        .with_context(|| format!("cannot read {}", output_dir.display()))?;
    let mut wasm = wasm_specs.iter().zip(&components);
    for Packaged {
        spec,
        runtime,
        ca_port,
    } in &functions
    {
        let dest = output_dir.join(&spec.service).join(&spec.function);
        let label = spec.label();
        match &spec.code {
            CodeLocation::Source { dir, language } => {
                code_folder::write_source_function(&dest, dir, *language, runtime, &output_root)
                    .with_context(|| format!("cannot package {label}"))?;
                output::stdout(&format!(
                    "{label}: {} code from {} ({runtime})\n",
                    language.display_name(),
                    dir.display()
                ))?;
            }
            CodeLocation::Crate { .. } | CodeLocation::Component { .. } => {
                let Some((_, component)) = wasm.next() else {
                    bail!("{label}: no component was built");
                };
                let fclocal = fclocal
                    .as_deref()
                    .expect("found above for WebAssembly functions");
                let port = ca_port.unwrap_or(DEFAULT_CA_PORT);
                let serving = code_folder::Serving {
                    port,
                    instance_concurrency: spec.instance_concurrency,
                };
                code_folder::write_wasm_function(&dest, component, &spec.handler, fclocal, serving)
                    .with_context(|| format!("cannot package {label}"))?;
                output::stdout(&format!(
                    "{label}: component {} + bootstrap + static fclocal (custom runtime, port {port})\n",
                    spec.handler
                ))?;
            }
        }
    }

    let template = std::fs::read_to_string(&template_path)
        .with_context(|| format!("cannot read {}", template_path.display()))?;
    let packaged = template_rewrite::rewrite_code_uris(&template, |service, function| {
        format!("./{service}/{function}")
    })?;
    let packaged_path = output_dir.join("template.yml");
    std::fs::write(&packaged_path, packaged)
        .with_context(|| format!("cannot write {}", packaged_path.display()))?;
    output::stdout(&format!(
        "Packaged {} functions into {}; deploy with `fun deploy -t {}` (or `s`)\n",
        functions.len(),
        output_dir.display(),
        packaged_path.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// A function of the template, with what its packaging needs beyond the spec.
struct Packaged {
    spec: FunctionSpec,
    /// FC's runtime name as written (`custom`, `nodejs12`, `python3.10`).
    runtime: String,
    /// `CAPort`: where FC expects a custom runtime to listen.
    ca_port: Option<u16>,
}

/// Refuses an output folder that holds the project or a function's code:
/// replacing it would delete them.
fn check_output_location(
    output: &Path,
    template: &Path,
    functions: &[Packaged],
) -> anyhow::Result<()> {
    let output = resolved(output);
    let project = resolved(
        template
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    );
    if project.starts_with(&output) {
        bail!(
            "the output folder {} holds the project ({}); package into a folder of its own, e.g. `-o dist`",
            output.display(),
            template.display()
        );
    }
    for Packaged { spec, .. } in functions {
        let code = match &spec.code {
            CodeLocation::Source { dir, .. } | CodeLocation::Crate { dir, .. } => dir.clone(),
            CodeLocation::Component { path } => path.parent().unwrap_or(Path::new(".")).to_owned(),
        };
        if resolved(&code).starts_with(&output) {
            bail!(
                "the output folder {} holds the code of {} ({}); package into a folder of its own",
                output.display(),
                spec.label(),
                code.display()
            );
        }
    }
    Ok(())
}

/// `path` made absolute with links and `..` resolved, as far as it exists
/// (the rest appended as written).
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |acc, part| acc.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// Empties `dir` for a new package: creates it, or replaces a folder an
/// earlier `fclocal package` wrote; refuses any other non-empty folder.
fn prepare_output(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_none();
        if !empty && !dir.join(MARKER).is_file() {
            bail!(
                "{} exists and was not written by `fclocal package`; choose another folder with -o, or remove it",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("cannot replace the old package in {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(
        dir.join(MARKER),
        "Written by `fclocal package`; the next run replaces this folder.\n",
    )
    .with_context(|| format!("cannot write into {}", dir.display()))
}
