//! One function's packaged code folder: what FC mounts at `/code`.
//!
//! - A WebAssembly function (`Runtime: custom`) gets its component under
//!   its `Handler` name, a static `fclocal` and a `bootstrap` that runs
//!   `fclocal serve-function` on FC's custom-runtime contract.
//! - A Node.js or Python function gets its `CodeUri` folder as FC's own
//!   runtime runs it, with its dependencies (`node_modules`, or packages
//!   installed from `requirements.txt` for FC's Linux, as `fun install`
//!   does).

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};
use fclocal_template::Language;

/// Folders never copied into a package: fclocal's data, VCS metadata,
/// bytecode caches.
const SKIPPED: [&str; 4] = [".fclocal", ".git", "__pycache__", ".fun"];

/// Writes the code folder of a WebAssembly function into `dest`.
pub fn write_wasm_function(
    dest: &Path,
    component: &Path,
    handler: &str,
    fclocal: &Path,
    serving: Serving,
) -> anyhow::Result<()> {
    // The handler becomes a file name in the folder and a word of the
    // bootstrap script: nothing that leaves the folder or the quotes.
    if handler.is_empty() || handler.starts_with('.') || handler.contains(['/', '\\', '\'', '\n']) {
        bail!(
            "Handler `{handler}` cannot name a file in the packaged code folder; name the component file itself, e.g. `Handler: hello.wasm`"
        );
    }
    std::fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    copy_file(component, &dest.join(handler))?;
    copy_file(fclocal, &dest.join("fclocal"))?;
    make_executable(&dest.join("fclocal"))?;
    let bootstrap = dest.join("bootstrap");
    std::fs::write(&bootstrap, bootstrap_script(handler, serving))
        .with_context(|| format!("cannot write {}", bootstrap.display()))?;
    make_executable(&bootstrap)
}

/// What the bootstrap tells `serve-function` beyond FC's environment.
#[derive(Debug, Clone, Copy)]
pub struct Serving {
    /// The template's `CAPort` (FC's default 9000): the port when FC does
    /// not set `FC_SERVER_PORT`.
    pub port: u16,
    /// The template's `InstanceConcurrency`, which FC does not pass to a
    /// custom runtime.
    pub instance_concurrency: u32,
}

/// The `bootstrap` FC's custom runtime starts: fclocal serving the
/// component on `FC_SERVER_PORT` (FC sets it from `CAPort`).
pub fn bootstrap_script(handler: &str, serving: Serving) -> String {
    let Serving {
        port,
        instance_concurrency,
    } = serving;
    format!(
        "#!/bin/sh\n\
         # Written by `fclocal package`. FC's custom runtime starts this file in the\n\
         # function's code folder; fclocal serves the WebAssembly component on FC's\n\
         # custom-runtime HTTP contract (README: \"Deploying to Function Compute\").\n\
         cd \"$(dirname \"$0\")\" || exit 1\n\
         export FC_SERVER_PORT=\"${{FC_SERVER_PORT:-{port}}}\"\n\
         exec ./fclocal serve-function --component './{handler}' --instance-concurrency {instance_concurrency}\n"
    )
}

/// Writes the code folder of a Node.js or Python function into `dest`: a
/// copy of `source` and its dependencies.
///
/// `output_root` (the whole package, canonical) is never copied: with
/// `CodeUri: ./` it may sit inside `source`.
pub fn write_source_function(
    dest: &Path,
    source: &Path,
    language: Language,
    runtime: &str,
    output_root: &Path,
) -> anyhow::Result<()> {
    let root = source
        .canonicalize()
        .with_context(|| format!("cannot read the code folder {}", source.display()))?;
    let copy = TreeCopy {
        root: &root,
        exclude: output_root,
    };
    copy.copy(&root, dest)?;
    match language {
        Language::Node => install_node_dependencies(dest),
        Language::Python => install_python_dependencies(dest, runtime),
    }
}

/// `npm install --omit=dev` when `package.json` lists dependencies and the
/// folder has no `node_modules` (FC's Node.js runtime loads them from the
/// code folder; it installs nothing).
fn install_node_dependencies(dest: &Path) -> anyhow::Result<()> {
    let manifest = dest.join("package.json");
    if !manifest.is_file() || dest.join("node_modules").is_dir() {
        return Ok(());
    }
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("cannot read {}", manifest.display()))?;
    let parsed: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", manifest.display()))?;
    let has_dependencies = parsed
        .get("dependencies")
        .and_then(serde_json::Value::as_object)
        .is_some_and(|dependencies| !dependencies.is_empty());
    if !has_dependencies {
        return Ok(());
    }
    run(
        Command::new("npm")
            .args(["install", "--omit=dev", "--no-audit", "--no-fund"])
            .current_dir(dest),
        "npm install --omit=dev",
        "apt-get install nodejs npm",
    )
}

/// `pip install -r requirements.txt --target .` for FC's Linux and the
/// runtime's Python version (manylinux wheels only), as `fun install` does.
fn install_python_dependencies(dest: &Path, runtime: &str) -> anyhow::Result<()> {
    if !dest.join("requirements.txt").is_file() {
        return Ok(());
    }
    let version = python_version(runtime);
    run(
        Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
            ])
            .args(["--only-binary=:all:", "--platform", "manylinux2014_x86_64"])
            .args(["--implementation", "cp", "--python-version", version])
            .args(["--target", ".", "-r", "requirements.txt"])
            .current_dir(dest),
        "pip install -r requirements.txt",
        "apt-get install python3-pip",
    )
}

/// The Python version of an FC runtime name (`python3` is FC's 3.6).
fn python_version(runtime: &str) -> &str {
    match runtime.strip_prefix("python") {
        Some("3") | None => "3.6",
        Some(version) => version,
    }
}

fn run(command: &mut Command, what: &str, install_hint: &str) -> anyhow::Result<()> {
    let output = command.output().with_context(|| {
        format!("cannot run `{what}` to package the function's dependencies ({install_hint})")
    })?;
    if !output.status.success() {
        bail!(
            "`{what}` failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    Ok(())
}

fn copy_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::copy(from, to)
        .map(drop)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))
}

fn make_executable(path: &Path) -> anyhow::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

/// A recursive copy of one code folder.
struct TreeCopy<'a> {
    /// The code folder, canonical: links must stay inside it.
    root: &'a Path,
    /// A folder never copied (the package being written).
    exclude: &'a Path,
}

impl TreeCopy<'_> {
    /// Copies `from` into `to`; symbolic links that stay inside the code
    /// folder are copied as links (`node_modules/.bin`), [`SKIPPED`] folders
    /// and the package itself are left out. A link that leads out of the
    /// code folder (or nowhere) is an error: deployed, it would break, or
    /// ship a file from outside the project.
    fn copy(&self, from: &Path, to: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
        let entries =
            std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot read {}", from.display()))?;
            let name = entry.file_name();
            let source = entry.path();
            if SKIPPED.iter().any(|skipped| name == *skipped) || source == self.exclude {
                continue;
            }
            let target = to.join(&name);
            let kind = entry
                .file_type()
                .with_context(|| format!("cannot read {}", source.display()))?;
            if kind.is_symlink() {
                self.copy_link(&source, &target)?;
            } else if kind.is_dir() {
                self.copy(&source, &target)?;
            } else {
                copy_file(&source, &target)?;
            }
        }
        Ok(())
    }

    fn copy_link(&self, source: &Path, target: &Path) -> anyhow::Result<()> {
        let link = std::fs::read_link(source)
            .with_context(|| format!("cannot read the link {}", source.display()))?;
        let inside = !link.is_absolute()
            && source
                .canonicalize()
                .is_ok_and(|resolved| resolved.starts_with(self.root));
        if !inside {
            bail!(
                "the link {} -> {} leads out of the code folder {} (or to nothing); FC gets only the folder: copy the file into it instead",
                source.display(),
                link.display(),
                self.root.display()
            );
        }
        std::os::unix::fs::symlink(&link, target)
            .with_context(|| format!("cannot create the link {}", target.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handler_that_is_not_a_plain_file_name_is_refused() {
        let dest = tempfile::tempdir().unwrap();
        let serving = Serving {
            port: 9000,
            instance_concurrency: 1,
        };
        for handler in ["../x.wasm", "a/b.wasm", "it's.wasm", ".hidden.wasm", ""] {
            let error = write_wasm_function(
                dest.path(),
                Path::new("/nonexistent"),
                handler,
                Path::new("/nonexistent"),
                serving,
            )
            .unwrap_err();
            assert!(
                error.to_string().contains("cannot name a file"),
                "{handler}: {error}"
            );
        }
    }

    #[test]
    fn links_out_of_the_code_folder_are_refused() {
        let from = tempfile::tempdir().unwrap();
        let root = from.path().join("code");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(from.path().join("secret"), "x").unwrap();
        let root = root.canonicalize().unwrap();
        let copy = TreeCopy {
            root: &root,
            exclude: Path::new("/nonexistent"),
        };
        for link in ["../secret", "/etc/hostname", "missing"] {
            let _ = std::fs::remove_file(root.join("link"));
            std::os::unix::fs::symlink(link, root.join("link")).unwrap();
            let to = tempfile::tempdir().unwrap();
            let error = copy.copy(&root, &to.path().join("out")).unwrap_err();
            assert!(
                error.to_string().contains("leads out of the code folder"),
                "{link}: {error}"
            );
        }
    }

    #[test]
    fn fcs_python_runtimes_map_to_their_versions() {
        assert_eq!(python_version("python3"), "3.6");
        assert_eq!(python_version("python3.9"), "3.9");
        assert_eq!(python_version("python3.10"), "3.10");
    }

    #[test]
    fn the_bootstrap_serves_the_component_on_fcs_port() {
        let script = bootstrap_script(
            "hello.wasm",
            Serving {
                port: 9000,
                instance_concurrency: 3,
            },
        );
        assert!(script.starts_with("#!/bin/sh\n"));
        assert!(script.contains("FC_SERVER_PORT=\"${FC_SERVER_PORT:-9000}\""));
        assert!(script.ends_with(
            "exec ./fclocal serve-function --component './hello.wasm' --instance-concurrency 3\n"
        ));
    }

    #[test]
    fn copying_skips_data_and_keeps_links() {
        let from = tempfile::tempdir().unwrap();
        std::fs::write(from.path().join("index.js"), "x").unwrap();
        std::fs::create_dir_all(from.path().join(".fclocal")).unwrap();
        std::fs::create_dir_all(from.path().join("node_modules/a")).unwrap();
        std::fs::write(from.path().join("node_modules/a/i.js"), "y").unwrap();
        std::os::unix::fs::symlink("../a/i.js", from.path().join("node_modules/a/link")).unwrap();
        let to = tempfile::tempdir().unwrap();
        let root = from.path().canonicalize().unwrap();
        let copy = TreeCopy {
            root: &root,
            exclude: &root.join("package"),
        };
        std::fs::create_dir_all(root.join("package/demo")).unwrap();
        copy.copy(&root, &to.path().join("out")).unwrap();
        let out = to.path().join("out");
        assert!(
            !out.join("package").exists(),
            "the package is not copied into itself"
        );
        assert!(out.join("index.js").is_file());
        assert!(!out.join(".fclocal").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("node_modules/a/i.js")).unwrap(),
            "y"
        );
        assert_eq!(
            std::fs::read_link(out.join("node_modules/a/link")).unwrap(),
            Path::new("../a/i.js")
        );
    }
}
