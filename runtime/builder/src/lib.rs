//! Builds function crates (`CodeUri` pointing at a Cargo crate) into
//! WebAssembly components with `cargo build --release --target wasm32-wasip2`,
//! skipping the ones that are up to date, and the language engines that run
//! Node.js and Python functions (see `engines`).
//!
//! Freshness is decided without running cargo (see `record`), so a warm
//! `fclocal invoke` costs a few file-time checks. Stale crates of one cargo
//! workspace are built by a single cargo invocation, so shared dependencies
//! compile once; cargo runs inside the workspace so its `.cargo/config.toml`
//! (target, shared target dir) applies.
//!
//! # Layout
//! - `target`: [`BuildTarget`], package and workspace discovery.
//! - `record`: build records and [`Freshness`].
//! - `depinfo`: cargo's `.d` files.
//! - `cargo`: running cargo, parsing its JSON messages.
//! - `engines`: the Node.js and Python engines, built once per machine.
//! - `reporter`: [`BuildReporter`] for progress.
//! - `error`: [`BuildError`].

mod cargo;
mod depinfo;
mod engines;
mod error;
mod record;
mod reporter;
mod target;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

pub use cargo::GUEST_TARGET;
pub use engines::{
    ENGINE_CACHE_ENV, default_engine_cache, engine_compile_cache, engine_digest, ensure_engine,
};
pub use error::BuildError;
pub use record::Freshness;
pub use reporter::{BuildReporter, SilentReporter};
pub use target::BuildTarget;

/// A built (or already fresh) component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOutcome {
    /// The target's label.
    pub label: String,
    /// The component file.
    pub artifact: PathBuf,
    /// Whether cargo ran for it this time.
    pub rebuilt: bool,
}

/// Builds function crates, remembering results under a state directory
/// (`.fclocal/build`).
#[derive(Debug, Clone)]
pub struct Builder {
    state_dir: PathBuf,
    engine_cache: PathBuf,
}

impl Builder {
    /// A builder keeping its records in `state_dir`.
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        Builder {
            state_dir: state_dir.into(),
            engine_cache: default_engine_cache(),
        }
    }

    /// The machine-wide folder where language engines are built and kept
    /// (default: [`default_engine_cache`]).
    pub fn engine_cache(&self) -> &Path {
        &self.engine_cache
    }

    /// The language engine that runs `language`'s functions, built on first
    /// use (see [`ensure_engine`]).
    pub fn language_engine(
        &self,
        language: fclocal_template::Language,
        reporter: &dyn BuildReporter,
    ) -> Result<PathBuf, BuildError> {
        ensure_engine(language, &self.engine_cache, reporter)
    }

    /// Whether `target` needs a build, without running cargo.
    pub fn freshness(&self, target: &BuildTarget) -> Freshness {
        record::check(&self.state_dir, target)
    }

    /// Builds the stale targets (all of them with `force`) and returns every
    /// target's component, in the order given.
    pub fn build(
        &self,
        targets: &[BuildTarget],
        force: bool,
        reporter: &dyn BuildReporter,
    ) -> Result<Vec<BuildOutcome>, BuildError> {
        let mut outcomes: Vec<Option<BuildOutcome>> = vec![None; targets.len()];
        let mut stale: Vec<usize> = Vec::new();
        for (index, target) in targets.iter().enumerate() {
            match self.freshness(target) {
                Freshness::Fresh { artifact } if !force => {
                    reporter.up_to_date(&target.label, &artifact);
                    outcomes[index] = Some(BuildOutcome {
                        label: target.label.clone(),
                        artifact,
                        rebuilt: false,
                    });
                }
                _ => stale.push(index),
            }
        }
        // One cargo run per workspace, in a stable order.
        let mut groups: BTreeMap<PathBuf, Vec<(usize, target::CrateInfo)>> = BTreeMap::new();
        for index in stale {
            let info = target::inspect(&targets[index].crate_dir)?;
            groups
                .entry(info.workspace_root.clone())
                .or_default()
                .push((index, info));
        }
        for (workspace_root, members) in groups {
            for (index, outcome) in
                self.build_group(&workspace_root, &members, targets, reporter)?
            {
                outcomes[index] = Some(outcome);
            }
        }
        Ok(outcomes.into_iter().flatten().collect())
    }

    fn build_group(
        &self,
        workspace_root: &Path,
        members: &[(usize, target::CrateInfo)],
        targets: &[BuildTarget],
        reporter: &dyn BuildReporter,
    ) -> Result<Vec<(usize, BuildOutcome)>, BuildError> {
        cargo::ensure_target_installed(workspace_root)?;
        let labels: Vec<String> = members
            .iter()
            .map(|(index, _)| targets[*index].label.clone())
            .collect();
        let mut packages: Vec<String> = members
            .iter()
            .map(|(_, info)| info.package.clone())
            .collect();
        packages.sort();
        packages.dedup();
        reporter.started(&labels);
        let started_at = SystemTime::now();
        let started = Instant::now();
        let produced = cargo::build(workspace_root, &packages, reporter)?;
        let mut built = Vec::new();
        for (index, info) in members {
            let target = &targets[*index];
            let artifact = produced
                .iter()
                .find(|file| target.matches_artifact(file))
                // cargo reports paths through a relative target-dir (`functions/../target`).
                .map(|file| std::fs::canonicalize(file).unwrap_or_else(|_| file.clone()))
                .ok_or_else(|| BuildError::MissingArtifact {
                    crate_dir: target.crate_dir.clone(),
                    component: target.component_file.clone(),
                    produced: produced
                        .iter()
                        .filter_map(|file| file.file_name())
                        .map(|name| name.to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            record::write(
                &self.state_dir,
                target,
                &artifact,
                started_at,
                info.manifest_inputs.clone(),
            )?;
            reporter.finished(&target.label, &artifact, started.elapsed());
            built.push((
                *index,
                BuildOutcome {
                    label: target.label.clone(),
                    artifact,
                    rebuilt: true,
                },
            ));
        }
        Ok(built)
    }
}
