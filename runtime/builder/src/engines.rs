//! Language engines: the Node.js and Python components that run FC's own
//! handlers, built once per machine from pinned registry packages.
//!
//! Each engine's sources (`engines/<language>/`: a lockfile, the adapter
//! turning FC's handler API into `fclocal:function/engine-function`, and a
//! `build.sh`) and the WIT contracts are embedded in the binary, so an
//! installed `fclocal` needs no repository. The first run writes them to
//! the machine's cache (`~/.cache/fclocal/engines/`, or
//! `$FCLOCAL_ENGINE_CACHE`) and runs `build.sh`, which installs the pinned
//! toolchain (npm `componentize-js`, PyPI `componentize-py`) in a work
//! folder kept for the next build. The component is named after the digest
//! of the embedded sources: a new fclocal with changed sources builds anew,
//! and the engines of older sources are removed, so the cache stays bounded.
//!
//! Two processes (two `fclocal start`s, parallel tests) may ask at once; an
//! exclusive lock on the engine's work folder makes the second wait and then
//! find the component built.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use fclocal_template::Language;
use sha2::{Digest, Sha256};

use crate::error::BuildError;
use crate::reporter::BuildReporter;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/engine_sources.rs"));
}

/// Overrides the machine-wide engine cache (tests point it at `target/`).
pub const ENGINE_CACHE_ENV: &str = "FCLOCAL_ENGINE_CACHE";

/// The machine-wide cache of language engines: `$FCLOCAL_ENGINE_CACHE`,
/// else `$XDG_CACHE_HOME/fclocal`, else `~/.cache/fclocal`, else a folder
/// in the system's temporary directory.
pub fn default_engine_cache() -> PathBuf {
    if let Some(dir) = std::env::var_os(ENGINE_CACHE_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("fclocal");
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(home) => PathBuf::from(home).join(".cache/fclocal"),
        None => std::env::temp_dir().join("fclocal-cache"),
    }
}

/// The embedded sources of `language`'s engine.
fn sources(language: Language) -> &'static [(&'static str, &'static [u8])] {
    match language {
        Language::Node => embedded::NODE_ENGINE,
        Language::Python => embedded::PYTHON_ENGINE,
    }
}

/// The digest naming an engine build: its sources and the WIT contracts.
pub fn engine_digest(language: Language) -> String {
    let mut hasher = Sha256::new();
    for (group, files) in [("engine", sources(language)), ("wit", embedded::WIT)] {
        for (path, bytes) in files {
            hasher.update(group.as_bytes());
            hasher.update([0]);
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
    }
    hex::encode(hasher.finalize())[..16].to_owned()
}

/// Where the compiled code of the engine component at `component` is cached:
/// beside it, named by the same digest, so it is shared by every project on
/// the machine and removed with the engine when a newer one replaces it.
pub fn engine_compile_cache(component: &Path) -> PathBuf {
    component.with_extension("compiled")
}

/// The engine component for `language` under `cache_root`, building it
/// first if this machine has not yet. Progress goes to `reporter`.
pub fn ensure_engine(
    language: Language,
    cache_root: &Path,
    reporter: &dyn BuildReporter,
) -> Result<PathBuf, BuildError> {
    let name = language.engine_name();
    let digest = engine_digest(language);
    let dir = cache_root.join("engines");
    let component = dir.join(format!("{name}-{digest}.wasm"));
    if component.is_file() {
        return Ok(component);
    }
    let state = |path: &Path| {
        let path = path.to_owned();
        move |source| BuildError::State { path, source }
    };
    let work = dir.join(format!("{name}-work"));
    std::fs::create_dir_all(&work).map_err(state(&work))?;
    let lock_path = work.join(".lock");
    let lock = std::fs::File::create(&lock_path).map_err(state(&lock_path))?;
    lock.lock().map_err(state(&lock_path))?;
    // Another process may have built it while this one waited.
    if component.is_file() {
        return Ok(component);
    }
    let label = format!("{} engine", language.display_name());
    reporter.engine_started(&label);
    let started = Instant::now();
    let source = dir.join(format!("{name}-{digest}-src"));
    write_sources(&source, sources(language)).map_err(state(&source))?;
    let wit = source.join(".wit");
    write_sources(&wit, embedded::WIT).map_err(state(&wit))?;
    let partial = dir.join(format!("{name}-{digest}.wasm.partial"));
    run_build_script(language, &source, &wit, &work, &partial, &label, reporter)?;
    std::fs::rename(&partial, &component).map_err(state(&component))?;
    remove_stale(&dir, name, &digest);
    reporter.finished(&label, &component, started.elapsed());
    drop(lock);
    Ok(component)
}

fn write_sources(root: &Path, files: &[(&str, &[u8])]) -> std::io::Result<()> {
    if root.exists() {
        std::fs::remove_dir_all(root)?;
    }
    for (relative, bytes) in files {
        let path = root.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    Ok(())
}

/// Runs `build.sh OUT` in the work folder, passing its progress lines on and
/// keeping the tail of its output for the error.
fn run_build_script(
    language: Language,
    source: &Path,
    wit: &Path,
    work: &Path,
    out: &Path,
    label: &str,
    reporter: &dyn BuildReporter,
) -> Result<(), BuildError> {
    let mut child = Command::new("bash")
        .arg(source.join("build.sh"))
        .arg(out)
        .current_dir(work)
        .env("FCLOCAL_ENGINE_SRC", source)
        .env("FCLOCAL_WIT_DIR", wit)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| BuildError::Spawn {
            program: "bash".to_owned(),
            source,
        })?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let (sender, lines) = std::sync::mpsc::channel::<String>();
    let readers: Vec<_> = [
        stdout.map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        stderr.map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let sender = sender.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        })
    })
    .collect();
    drop(sender);
    let mut tail: Vec<String> = Vec::new();
    for line in lines {
        reporter.engine_progress(label, line.trim());
        tail.push(line);
        if tail.len() > 40 {
            tail.remove(0);
        }
    }
    for reader in readers {
        let _ = reader.join();
    }
    let status = child.wait().map_err(|source| BuildError::Spawn {
        program: "bash".to_owned(),
        source,
    })?;
    if status.success() && out.is_file() {
        return Ok(());
    }
    Err(BuildError::Engine {
        language: language.display_name(),
        script: source.join("build.sh"),
        output: tail.join("\n"),
    })
}

/// Removes the components and sources of other digests of this engine.
fn remove_stale(dir: &Path, name: &str, digest: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{name}-");
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        if rest.starts_with(digest) || rest == "work" {
            continue;
        }
        let path = entry.path();
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        if let Err(error) = removed {
            tracing::debug!("cannot remove stale engine {}: {error}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_engine_embeds_its_build_script_and_the_contract() {
        for language in [Language::Node, Language::Python] {
            let files: Vec<&str> = sources(language).iter().map(|(path, _)| *path).collect();
            assert!(files.contains(&"build.sh"), "{language:?}: {files:?}");
            assert!(
                !files
                    .iter()
                    .any(|f| f.contains("node_modules") || f.ends_with(".wasm")),
                "{files:?}"
            );
        }
        let wit: Vec<&str> = embedded::WIT.iter().map(|(path, _)| *path).collect();
        assert!(
            wit.contains(&"engine.wit") && wit.contains(&"function.wit"),
            "{wit:?}"
        );
    }

    #[test]
    fn digests_differ_per_engine_and_are_stable() {
        assert_eq!(engine_digest(Language::Node), engine_digest(Language::Node));
        assert_ne!(
            engine_digest(Language::Node),
            engine_digest(Language::Python)
        );
        assert_eq!(engine_digest(Language::Node).len(), 16);
    }

    #[test]
    fn stale_engines_are_removed_and_the_current_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        for file in ["node-aaaa.wasm", "node-bbbb.wasm", "python-aaaa.wasm"] {
            std::fs::write(dir.path().join(file), "").unwrap();
        }
        std::fs::create_dir_all(dir.path().join("node-aaaa-src")).unwrap();
        std::fs::create_dir_all(dir.path().join("node-work")).unwrap();
        remove_stale(dir.path(), "node", "bbbb");
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["node-bbbb.wasm", "node-work", "python-aaaa.wasm"]);
    }

    #[test]
    fn a_failing_build_script_names_the_engine_and_shows_its_output() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("src");
        write_sources(
            &source,
            &[(
                "build.sh",
                b"echo 'npm: command not found; apt-get install nodejs npm' >&2; exit 3",
            )],
        )
        .unwrap();
        let error = run_build_script(
            Language::Node,
            &source,
            dir.path(),
            dir.path(),
            &dir.path().join("out.wasm"),
            "Node.js engine",
            &crate::SilentReporter,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("Node.js engine"), "{error}");
        assert!(error.contains("apt-get install nodejs npm"), "{error}");
    }
}
