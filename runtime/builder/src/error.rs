//! Build errors. Each names the crate and says what to do.

use std::path::PathBuf;

/// Why a function crate could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The crate's `Cargo.toml` could not be read or has no package name.
    #[error("cannot read the package name from {}", manifest.display())]
    Manifest {
        /// The manifest.
        manifest: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The `wasm32-wasip2` target is not installed for the toolchain in use.
    #[error(
        "the Rust target wasm32-wasip2 is not installed; run `rustup target add wasm32-wasip2` (the repository's rust-toolchain.toml lists it, so rustup installs it with the pinned toolchain)"
    )]
    MissingTarget,
    /// cargo could not be started.
    #[error("cannot run `{program}`; is Rust installed (https://rustup.rs)?")]
    Spawn {
        /// The program tried.
        program: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// cargo ran and failed; its output explains why.
    #[error("cargo failed to build {crates}:\n{output}")]
    Cargo {
        /// The crates being built.
        crates: String,
        /// The tail of cargo's diagnostics.
        output: String,
    },
    /// The build succeeded but did not produce the component `Handler` names.
    #[error(
        "{crate_dir} built, but produced no {component} (it produced [{produced}]); set Handler to one of those, or make the crate a `cdylib` named after the Handler",
        crate_dir = crate_dir.display()
    )]
    MissingArtifact {
        /// The crate.
        crate_dir: PathBuf,
        /// The file `Handler` names.
        component: String,
        /// The `.wasm` files cargo did produce.
        produced: String,
    },
    /// A language engine's build script failed; its output says why (a
    /// missing Node.js/npm or Python, an unreachable registry).
    #[error(
        "cannot build fclocal's {language} engine ({script}):\n{output}",
        script = script.display()
    )]
    Engine {
        /// `Node.js` or `Python`.
        language: &'static str,
        /// The build script that failed.
        script: PathBuf,
        /// The tail of its output.
        output: String,
    },
    /// The build state under `.fclocal/build` could not be written.
    #[error("cannot write build state {}", path.display())]
    State {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}
