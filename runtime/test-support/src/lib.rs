//! Test helpers shared by the engine's and the binary's tests.
//!
//! Guests are built from source by fclocal's own builder (the same code
//! `fclocal build` runs), once per test process, into the shared guest target
//! dir (`target/guests`). Nothing built is committed.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use fclocal_builder::{BuildTarget, Builder, SilentReporter};

/// The guest crates in `functions/` that tests use, by crate directory name.
pub const GUESTS: [&str; 6] = [
    "hello",
    "process-event",
    "hostile",
    "hostile-http",
    "validate-transfer",
    "rewards",
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

/// A language engine fclocal builds from `runtime/builder/engines/<language>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineLanguage {
    /// `runtime/builder/engines/node`: FC's Node.js runtimes.
    Node,
    /// `runtime/builder/engines/python`: FC's Python runtimes.
    Python,
}

impl EngineLanguage {
    fn dir_name(self) -> &'static str {
        match self {
            EngineLanguage::Node => "node",
            EngineLanguage::Python => "python",
        }
    }
}

/// The language engine component for `language`, built once per checkout
/// into `target/lang-engines/` by the engine's own `build.sh` (the same
/// script `fclocal` runs). Panics with the script's output if it fails.
pub fn language_engine(language: EngineLanguage) -> PathBuf {
    static NODE: OnceLock<PathBuf> = OnceLock::new();
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    let cell = match language {
        EngineLanguage::Node => &NODE,
        EngineLanguage::Python => &PYTHON,
    };
    cell.get_or_init(|| build_language_engine(language)).clone()
}

fn build_language_engine(language: EngineLanguage) -> PathBuf {
    let root = repo_root();
    let source = root
        .join("runtime/builder/engines")
        .join(language.dir_name());
    let work = root.join("target/lang-engines").join(language.dir_name());
    let out = root
        .join("target/lang-engines")
        .join(format!("{}.wasm", language.dir_name()));
    std::fs::create_dir_all(&work).expect("target/lang-engines can be created");
    let status = std::process::Command::new("bash")
        .arg(source.join("build.sh"))
        .arg(&out)
        .current_dir(&work)
        .env("FCLOCAL_ENGINE_SRC", &source)
        .env("FCLOCAL_WIT_DIR", root.join("runtime/wit"))
        .status()
        .expect("bash runs");
    assert!(
        status.success(),
        "building the {} engine failed ({status})",
        language.dir_name()
    );
    out
}
