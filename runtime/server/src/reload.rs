//! Hot reload: when a function's code changes — a source file of its crate,
//! or the prebuilt `.wasm` it names — the crate is rebuilt, the component
//! compiled, and the pool switched to it without a restart. Invocations
//! already assigned finish on the old component. A failed build keeps the
//! old component serving and says why.
//!
//! A Node.js or Python function needs no build: its engine loads the code
//! from `/code` when an instance starts, so a change to its `CodeUri`
//! folder only retires the function's instances, and the next invocation
//! starts a fresh one that reads the new files.
//!
//! File events are debounced (editors write several times per save; a copy
//! arrives in pieces), and a rebuild that yields the same component bytes
//! changes nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fclocal_builder::{Builder, SilentReporter};
use fclocal_invoke::{FunctionSpec, InvokeError, LoadedFunction, Pools, component_paths};
use fclocal_template::CodeLocation;
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::console::Console;

/// How long the watcher waits for more events before acting on a change.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// Watches every function's code until dropped.
pub struct Reloader {
    _watcher: RecommendedWatcher,
    task: JoinHandle<()>,
}

impl Drop for Reloader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What to watch for one function, with canonical paths.
struct Watched {
    spec: FunctionSpec,
    /// The crate directory, the component file, or the source folder.
    root: PathBuf,
    kind: CodeKind,
}

/// How a function's code reaches its instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodeKind {
    /// A crate fclocal builds.
    Crate,
    /// A prebuilt component file.
    Component,
    /// Node.js or Python source, read by the engine at instance start.
    Source,
}

impl Watched {
    fn is_affected_by(&self, path: &Path) -> bool {
        let inside = |root: &Path| {
            path.starts_with(root)
                && !path
                    .components()
                    .any(|c| c.as_os_str() == ".fclocal" || c.as_os_str() == "__pycache__")
        };
        match self.kind {
            CodeKind::Crate => inside(&self.root) && !path.starts_with(self.root.join("target")),
            CodeKind::Source => inside(&self.root),
            CodeKind::Component => path == self.root,
        }
    }
}

/// Starts watching `specs`' code.
pub fn start(
    pools: Arc<Pools>,
    specs: Vec<FunctionSpec>,
    builder: Builder,
    console: Console,
) -> notify::Result<Reloader> {
    let (events, mut changed) = mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
        ) {
            for path in event.paths {
                let _ = events.send(path);
            }
        }
    })?;
    let mut watched = Vec::new();
    let mut directories = BTreeSet::new();
    for spec in specs {
        let (root, kind, directory, mode) = match &spec.code {
            CodeLocation::Crate { dir, .. } => {
                let dir = canonical(dir);
                (dir.clone(), CodeKind::Crate, dir, RecursiveMode::Recursive)
            }
            CodeLocation::Source { dir, .. } => {
                let dir = canonical(dir);
                (dir.clone(), CodeKind::Source, dir, RecursiveMode::Recursive)
            }
            CodeLocation::Component { path } => {
                let path = canonical(path);
                let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
                (
                    path,
                    CodeKind::Component,
                    parent,
                    RecursiveMode::NonRecursive,
                )
            }
        };
        if directories.insert(directory.clone()) {
            watcher.watch(&directory, mode)?;
        }
        watched.push(Watched { spec, root, kind });
    }
    let task = tokio::spawn(async move {
        while let Some(first) = changed.recv().await {
            let mut paths = vec![first];
            while let Ok(Some(path)) = tokio::time::timeout(DEBOUNCE, changed.recv()).await {
                paths.push(path);
            }
            for function in &watched {
                if !paths.iter().any(|path| function.is_affected_by(path)) {
                    continue;
                }
                match function.kind {
                    CodeKind::Source => restart(&pools, &function.spec, console),
                    CodeKind::Crate | CodeKind::Component => {
                        reload(&pools, &function.spec, &builder, console).await
                    }
                }
            }
        }
    });
    Ok(Reloader {
        _watcher: watcher,
        task,
    })
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// A Node.js or Python function's code changed: its instances are retired
/// (busy ones finish first), so the next invocation loads the new files.
fn restart(pools: &Arc<Pools>, spec: &FunctionSpec, console: Console) {
    let label = spec.label();
    if let Some(function) = pools.function(&label) {
        pools.insert(function);
        console.line(&format!(
            "Reloaded {label}: its code changed; new instances load it (in-flight invocations finish on the previous instances)"
        ));
    }
}

async fn reload(pools: &Arc<Pools>, spec: &FunctionSpec, builder: &Builder, console: Console) {
    let label = spec.label();
    let previous = pools
        .function(&label)
        .map(|f| f.component.digest().to_owned());
    let started = Instant::now();
    let (pools_for_build, spec_for_build, builder) = (pools.clone(), spec.clone(), builder.clone());
    let loaded = tokio::task::spawn_blocking(move || -> Result<LoadedFunction, InvokeError> {
        let mut paths = component_paths(
            std::slice::from_ref(&spec_for_build),
            &builder,
            false,
            &SilentReporter,
        )?;
        let path = paths.remove(0);
        LoadedFunction::load(pools_for_build.host().runtime(), spec_for_build, &path)
    })
    .await;
    match loaded {
        Ok(Ok(function)) => {
            let digest = function.component.digest().to_owned();
            if previous.as_deref() == Some(digest.as_str()) {
                return;
            }
            pools.insert(function);
            console.line(&format!(
                "Reloaded {label}: component sha256:{} (was {}) in {:.1}s; in-flight invocations finish on the previous one",
                &digest[..12],
                previous.as_deref().map(|d| &d[..12]).unwrap_or("none"),
                started.elapsed().as_secs_f64()
            ));
        }
        Ok(Err(error)) => console.line(&format!(
            "Reload of {label} failed; still serving the previous component: {}",
            error_chain(&error)
        )),
        Err(panic) => console.line(&format!("Reload of {label} failed: {panic}")),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
