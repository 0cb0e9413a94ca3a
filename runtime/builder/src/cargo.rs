//! Running `cargo build --release --target wasm32-wasip2` with machine-readable
//! output, reporting progress as it goes.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::error::BuildError;
use crate::reporter::BuildReporter;

/// The Rust target every guest is built for; it produces components.
pub const GUEST_TARGET: &str = "wasm32-wasip2";

/// How many lines of cargo's stderr to keep for an error message.
const STDERR_TAIL: usize = 40;

#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    filenames: Vec<PathBuf>,
    #[serde(default)]
    fresh: bool,
    target: Option<MessageTarget>,
    message: Option<Diagnostic>,
}

#[derive(Deserialize)]
struct MessageTarget {
    name: String,
}

#[derive(Deserialize)]
struct Diagnostic {
    rendered: Option<String>,
}

fn cargo_program() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Fails with [`BuildError::MissingTarget`] unless the toolchain cargo will
/// use in `dir` has the `wasm32-wasip2` standard library.
pub(crate) fn ensure_target_installed(dir: &Path) -> Result<(), BuildError> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", GUEST_TARGET])
        .current_dir(dir)
        .stderr(Stdio::null())
        .output()
        .map_err(|source| BuildError::Spawn {
            program: rustc.clone(),
            source,
        })?;
    let libdir = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() || libdir.is_empty() || !Path::new(&libdir).is_dir() {
        return Err(BuildError::MissingTarget);
    }
    Ok(())
}

/// Builds `packages` of the workspace at `workspace_root` and returns every
/// `.wasm` file cargo reported.
pub(crate) fn build(
    workspace_root: &Path,
    packages: &[String],
    reporter: &dyn BuildReporter,
) -> Result<Vec<PathBuf>, BuildError> {
    let program = cargo_program();
    let mut command = Command::new(&program);
    command
        .args(["build", "--release", "--target", GUEST_TARGET])
        .arg("--message-format=json-diagnostic-rendered-ansi")
        .current_dir(workspace_root)
        // Set by an outer cargo for build scripts; it would leak host flags
        // into the guest build.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for package in packages {
        command.args(["-p", package]);
    }
    let mut child = command.spawn().map_err(|source| BuildError::Spawn {
        program: program.clone(),
        source,
    })?;
    let stderr = child.stderr.take();
    let stderr_reader = std::thread::spawn(move || {
        let mut tail: Vec<String> = Vec::new();
        let Some(stderr) = stderr else { return tail };
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tail.len() == STDERR_TAIL {
                tail.remove(0);
            }
            tail.push(line);
        }
        tail
    });

    let mut wasm_files = Vec::new();
    let mut diagnostics = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let Ok(message) = serde_json::from_str::<Message>(&line) else {
                continue;
            };
            match message.reason.as_str() {
                "compiler-artifact" => {
                    if let Some(target) = &message.target {
                        reporter.compiled(&target.name, message.fresh);
                    }
                    wasm_files.extend(
                        message
                            .filenames
                            .into_iter()
                            .filter(|file| file.extension().is_some_and(|ext| ext == "wasm")),
                    );
                }
                "compiler-message" => {
                    if let Some(rendered) = message.message.and_then(|m| m.rendered) {
                        reporter.diagnostic(&rendered);
                        diagnostics.push(rendered);
                    }
                }
                _ => {}
            }
        }
    }
    let status = child.wait().map_err(|source| BuildError::Spawn {
        program: program.clone(),
        source,
    })?;
    let stderr_tail = stderr_reader.join().unwrap_or_default();
    if !status.success() {
        if stderr_tail
            .iter()
            .any(|line| line.contains("target may not be installed"))
        {
            return Err(BuildError::MissingTarget);
        }
        let mut output = diagnostics.join("\n");
        if !output.is_empty() {
            output.push('\n');
        }
        output.push_str(&stderr_tail.join("\n"));
        return Err(BuildError::Cargo {
            crates: packages.join(", "),
            output,
        });
    }
    Ok(wasm_files)
}
