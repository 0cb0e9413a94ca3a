//! Build records under `.fclocal/build/`: which artifact a crate produced and
//! when fclocal last asked cargo about it. A target is fresh when its artifact
//! exists and no input (every file in cargo's dep-info, plus manifests, lock
//! file and cargo config) changed since that moment — a check of a few dozen
//! file times, so `fclocal invoke` does not pay for running cargo.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::depinfo;
use crate::error::BuildError;
use crate::target::BuildTarget;

/// Whether a target needs building.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// Up to date: this component can be loaded as is.
    Fresh {
        /// The component file.
        artifact: PathBuf,
    },
    /// Needs a build, and why (for `--verbose` and progress output).
    Stale {
        /// A short reason, e.g. `src/lib.rs changed`.
        reason: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct BuildRecord {
    crate_dir: PathBuf,
    component_file: String,
    artifact: PathBuf,
    /// When the build that produced this record started, in ms since the epoch.
    checked_at_ms: u64,
    manifest_inputs: Vec<PathBuf>,
}

fn record_path(state_dir: &Path, target: &BuildTarget) -> PathBuf {
    let mut hasher = Sha256::new();
    hasher.update(target.crate_dir.to_string_lossy().as_bytes());
    hasher.update([0]);
    hasher.update(target.component_file.as_bytes());
    let key = hex::encode(hasher.finalize());
    state_dir.join(format!("{}.json", &key[..20]))
}

pub(crate) fn check(state_dir: &Path, target: &BuildTarget) -> Freshness {
    let stale = |reason: String| Freshness::Stale { reason };
    let Ok(text) = std::fs::read_to_string(record_path(state_dir, target)) else {
        return stale("not built yet".into());
    };
    let Ok(record) = serde_json::from_str::<BuildRecord>(&text) else {
        return stale("build record unreadable".into());
    };
    if !record.artifact.is_file() {
        return stale(format!("{} is missing", record.artifact.display()));
    }
    let dep_file = record.artifact.with_extension("d");
    let Ok(deps) = std::fs::read_to_string(&dep_file) else {
        return stale(format!("{} is missing", dep_file.display()));
    };
    let checked_at = UNIX_EPOCH + Duration::from_millis(record.checked_at_ms);
    let inputs = depinfo::parse(&deps);
    if inputs.is_empty() {
        return stale(format!("{} lists no inputs", dep_file.display()));
    }
    for input in inputs.iter().chain(&record.manifest_inputs) {
        match std::fs::metadata(input).and_then(|meta| meta.modified()) {
            Ok(modified) if modified > checked_at => {
                return stale(format!("{} changed", input.display()));
            }
            Ok(_) => {}
            Err(_) => return stale(format!("{} was removed", input.display())),
        }
    }
    Freshness::Fresh {
        artifact: record.artifact,
    }
}

pub(crate) fn write(
    state_dir: &Path,
    target: &BuildTarget,
    artifact: &Path,
    started: SystemTime,
    manifest_inputs: Vec<PathBuf>,
) -> Result<(), BuildError> {
    let record = BuildRecord {
        crate_dir: target.crate_dir.clone(),
        component_file: target.component_file.clone(),
        artifact: artifact.to_owned(),
        checked_at_ms: started
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_millis() as u64)
            .unwrap_or(0),
        manifest_inputs,
    };
    let path = record_path(state_dir, target);
    let state_error = |source| BuildError::State {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(state_dir).map_err(state_error)?;
    let text = serde_json::to_string_pretty(&record).map_err(|e| state_error(e.into()))?;
    std::fs::write(&path, text).map_err(state_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(dir: &Path) -> BuildTarget {
        BuildTarget {
            label: "svc/fn".into(),
            crate_dir: dir.to_owned(),
            component_file: "fn.wasm".into(),
        }
    }

    fn set_mtime(path: &Path, time: SystemTime) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(time)
            .unwrap();
    }

    #[test]
    fn fresh_until_an_input_changes() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let source = dir.path().join("lib.rs");
        let artifact = dir.path().join("fn.wasm");
        std::fs::write(&source, "fn main() {}").unwrap();
        std::fs::write(&artifact, "wasm").unwrap();
        std::fs::write(
            dir.path().join("fn.d"),
            format!("{}: {}\n", artifact.display(), source.display()),
        )
        .unwrap();
        let t = target(dir.path());
        assert!(matches!(check(&state, &t), Freshness::Stale { .. }));

        let started = SystemTime::now();
        set_mtime(&source, started - Duration::from_secs(10));
        write(&state, &t, &artifact, started, vec![]).unwrap();
        assert_eq!(
            check(&state, &t),
            Freshness::Fresh {
                artifact: artifact.clone()
            }
        );

        set_mtime(&source, started + Duration::from_secs(10));
        let Freshness::Stale { reason } = check(&state, &t) else {
            panic!("an edited source must make the target stale");
        };
        assert!(reason.contains("lib.rs changed"), "{reason}");
    }

    #[test]
    fn a_missing_artifact_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let t = target(dir.path());
        write(
            &state,
            &t,
            &dir.path().join("gone.wasm"),
            SystemTime::now(),
            vec![],
        )
        .unwrap();
        let Freshness::Stale { reason } = check(&state, &t) else {
            panic!("a missing artifact must be stale");
        };
        assert!(reason.contains("missing"), "{reason}");
    }
}
