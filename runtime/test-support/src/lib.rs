//! Test helpers shared by the engine's and the binary's tests.
//!
//! Guests are built from source by fclocal's own builder (the same code
//! `fclocal build` runs), once per test process, into the shared guest target
//! dir (`target/guests`). Nothing built is committed.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use fclocal_builder::{BuildTarget, Builder, SilentReporter};

/// The guest crates in `functions/` that tests use, by crate directory name.
pub const GUESTS: [&str; 5] = [
    "hello",
    "echo-http",
    "hostile",
    "hostile-http",
    "validate-transfer",
];

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("runtime/test-support sits two levels below the repository root")
        .to_owned()
}

/// The component built from `functions/<name>`; builds all test guests on
/// first use. Panics with cargo's output if the build fails: a test cannot
/// run without its guest.
pub fn guest(name: &str) -> PathBuf {
    static BUILT: OnceLock<Vec<(String, PathBuf)>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let root = repo_root();
        let targets: Vec<BuildTarget> = GUESTS
            .iter()
            .map(|guest| BuildTarget {
                label: (*guest).to_owned(),
                crate_dir: root.join("functions").join(guest),
                component_file: format!("{guest}.wasm"),
            })
            .collect();
        let builder = Builder::new(root.join("target/guests/fclocal-build-state"));
        match builder.build(&targets, false, &SilentReporter) {
            Ok(outcomes) => outcomes
                .into_iter()
                .map(|outcome| (outcome.label, outcome.artifact))
                .collect(),
            Err(error) => panic!("cannot build the test guests: {error}"),
        }
    });
    built
        .iter()
        .find(|(label, _)| label == name)
        .map(|(_, path)| path.clone())
        .unwrap_or_else(|| panic!("no test guest named {name}; known: {GUESTS:?}"))
}

/// The chaincode component `component` (e.g. `marbles.wasm`) built from
/// `chaincode/<name>`, built once per test process like [`guest`].
pub fn chaincode(name: &str, component: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<Vec<(String, PathBuf)>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, path)) = built.iter().find(|(label, _)| label == name) {
        return path.clone();
    }
    let root = repo_root();
    let target = BuildTarget {
        label: name.to_owned(),
        crate_dir: root.join("chaincode").join(name),
        component_file: component.to_owned(),
    };
    let builder = Builder::new(root.join("target/guests/fclocal-build-state"));
    let path = match builder.build(&[target], false, &SilentReporter) {
        Ok(mut outcomes) => outcomes.remove(0).artifact,
        Err(error) => panic!("cannot build the chaincode {name}: {error}"),
    };
    built.push((name.to_owned(), path.clone()));
    path
}

/// The languages fclocal runs through a language engine.
pub use fclocal_builder::engine_compile_cache;
pub use fclocal_template::Language as EngineLanguage;

/// Where tests keep the language engines: shared by every test binary and
/// by the `fclocal` processes the end-to-end tests spawn (through
/// [`fclocal_builder::ENGINE_CACHE_ENV`]), so each engine builds once per
/// checkout.
pub fn engine_cache() -> PathBuf {
    repo_root().join("target/lang-engines")
}

/// The language engine component for `language`, built by fclocal's own
/// builder (the code `fclocal start` runs) on first use. Panics with the
/// build script's output if it fails: a test cannot run without its engine.
pub fn language_engine(language: EngineLanguage) -> PathBuf {
    static NODE: OnceLock<PathBuf> = OnceLock::new();
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    let cell = match language {
        EngineLanguage::Node => &NODE,
        EngineLanguage::Python => &PYTHON,
    };
    cell.get_or_init(|| {
        match fclocal_builder::ensure_engine(language, &engine_cache(), &SilentReporter) {
            Ok(path) => path,
            Err(error) => panic!(
                "cannot build the {} engine: {error}",
                language.display_name()
            ),
        }
    })
    .clone()
}
