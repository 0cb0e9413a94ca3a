//! What to build: a function crate (`CodeUri`) and the component file its
//! `Handler` names, plus the facts cargo needs (package name, workspace).

use std::path::{Path, PathBuf};

use crate::error::BuildError;

/// A function crate to build into a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildTarget {
    /// Who needs it, for messages: `service/function`.
    pub label: String,
    /// The crate directory (`CodeUri`).
    pub crate_dir: PathBuf,
    /// The component file `Handler` names, e.g. `process-event.wasm`.
    pub component_file: String,
}

impl BuildTarget {
    /// Whether `path` is this target's component. A `cdylib` named
    /// `process-event` is written as `process_event.wasm`, so `-` and `_`
    /// are treated alike.
    pub(crate) fn matches_artifact(&self, path: &Path) -> bool {
        let normalize = |name: &str| name.replace('-', "_");
        path.file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| normalize(name) == normalize(&self.component_file))
    }
}

/// A crate's package name and the workspace cargo builds it in.
#[derive(Debug, Clone)]
pub(crate) struct CrateInfo {
    pub(crate) package: String,
    pub(crate) workspace_root: PathBuf,
    /// Files that change the build but are not in cargo's dep-info:
    /// manifests, the lock file, cargo configuration.
    pub(crate) manifest_inputs: Vec<PathBuf>,
}

pub(crate) fn inspect(crate_dir: &Path) -> Result<CrateInfo, BuildError> {
    let manifest = crate_dir.join("Cargo.toml");
    let table = read_manifest(&manifest)?;
    let package = table
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(|name| name.as_str())
        .ok_or_else(|| BuildError::Manifest {
            manifest: manifest.clone(),
            source: "it has no [package] name".into(),
        })?
        .to_owned();
    let workspace_root = find_workspace_root(crate_dir, &table);
    let mut manifest_inputs = vec![manifest];
    for dir in [&workspace_root.clone(), &crate_dir.to_owned()] {
        for name in ["Cargo.toml", "Cargo.lock", ".cargo/config.toml"] {
            let path = dir.join(name);
            if path.exists() && !manifest_inputs.contains(&path) {
                manifest_inputs.push(path);
            }
        }
    }
    Ok(CrateInfo {
        package,
        workspace_root,
        manifest_inputs,
    })
}

fn read_manifest(manifest: &Path) -> Result<toml::Table, BuildError> {
    let text = std::fs::read_to_string(manifest).map_err(|source| BuildError::Manifest {
        manifest: manifest.to_owned(),
        source: Box::new(source),
    })?;
    text.parse::<toml::Table>()
        .map_err(|source| BuildError::Manifest {
            manifest: manifest.to_owned(),
            source: Box::new(source),
        })
}

/// The nearest directory at or above the crate whose `Cargo.toml` has a
/// `[workspace]` table; the crate itself when there is none.
fn find_workspace_root(crate_dir: &Path, own: &toml::Table) -> PathBuf {
    if own.contains_key("workspace") {
        return crate_dir.to_owned();
    }
    for dir in crate_dir.ancestors().skip(1) {
        let manifest = dir.join("Cargo.toml");
        if read_manifest(&manifest).is_ok_and(|table| table.contains_key("workspace")) {
            return dir.to_owned();
        }
    }
    crate_dir.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_names_match_across_dash_and_underscore() {
        let target = BuildTarget {
            label: "svc/fn".into(),
            crate_dir: PathBuf::from("/x"),
            component_file: "process-event.wasm".into(),
        };
        assert!(target.matches_artifact(Path::new("/t/process_event.wasm")));
        assert!(target.matches_artifact(Path::new("/t/process-event.wasm")));
        assert!(!target.matches_artifact(Path::new("/t/process.wasm")));
    }

    #[test]
    fn finds_the_enclosing_workspace_and_package_name() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(
            root.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"a\"]\n",
        )
        .unwrap();
        std::fs::create_dir(root.path().join("a")).unwrap();
        std::fs::write(
            root.path().join("a/Cargo.toml"),
            "[package]\nname = \"alpha\"\n",
        )
        .unwrap();
        let info = inspect(&root.path().join("a")).unwrap();
        assert_eq!(info.package, "alpha");
        assert_eq!(info.workspace_root, root.path());
        assert!(
            info.manifest_inputs
                .contains(&root.path().join("Cargo.toml"))
        );
    }

    #[test]
    fn a_manifest_without_package_is_a_clear_error() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("Cargo.toml"), "[workspace]\n").unwrap();
        let error = inspect(root.path()).unwrap_err().to_string();
        assert!(error.contains("package name"), "{error}");
    }
}
