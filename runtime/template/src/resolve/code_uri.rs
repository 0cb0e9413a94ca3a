//! What code a function runs: `Runtime`, `Handler` and `CodeUri`, resolved to a
//! [`CodeLocation`].
//!
//! fclocal runs WebAssembly components, declared the way fun and Serverless Devs accept
//! them (`Runtime: custom`, `Handler: <component>.wasm`, `CodeUri: <crate dir or the
//! .wasm file / its directory>`), and Node.js and Python source as FC does
//! (`Runtime: nodejs20`, `Handler: index.handler`, `CodeUri: <folder>`). Everything
//! else gets an error that says how to port.

use std::path::{Component, Path, PathBuf};

use super::props::did_you_mean;
use crate::diagnostics::{Diags, Pos};
use crate::model::{CodeLocation, Language, Runtime};

/// Every runtime FC 2.0 / fun / s accept (fun `function.js`, FC's runtime list).
pub(crate) const RUNTIMES: [&str; 25] = [
    "nodejs6",
    "nodejs8",
    "nodejs10",
    "nodejs12",
    "nodejs14",
    "nodejs16",
    "nodejs18",
    "nodejs20",
    "python2.7",
    "python3",
    "python3.9",
    "python3.10",
    "python3.12",
    "java8",
    "java11",
    "go1",
    "php7.2",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet6",
    "custom",
    "custom.debian10",
    "custom.debian11",
    "custom.debian12",
    "custom-container",
];

/// The Node.js runtimes fclocal runs through its Node.js engine.
const NODE_RUNTIMES: [&str; 7] = [
    "nodejs8", "nodejs10", "nodejs12", "nodejs14", "nodejs16", "nodejs18", "nodejs20",
];

/// The Python runtimes fclocal runs through its Python engine.
const PYTHON_RUNTIMES: [&str; 4] = ["python3", "python3.9", "python3.10", "python3.12"];

/// What fclocal runs, for messages.
pub(crate) const RUNS: &str = "`custom` (a WebAssembly component), nodejs8 to nodejs20, and python3, python3.9, python3.10, python3.12";

/// How a project format spells the properties code messages name: fun's
/// `template.yml` (`Runtime`, `Handler`, `CodeUri`) or Serverless Devs'
/// `s.yaml` (`runtime`, `handler`, `code`), so each error names the key the
/// user wrote.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keys {
    pub runtime: &'static str,
    pub handler: &'static str,
    pub code: &'static str,
    /// The runtime a WebAssembly function declares.
    pub custom: &'static str,
}

impl Keys {
    /// `template.yml`.
    pub const FUN: Keys = Keys {
        runtime: "Runtime",
        handler: "Handler",
        code: "CodeUri",
        custom: "custom",
    };
    /// `s.yaml`, both editions.
    pub const S_YAML: Keys = Keys {
        runtime: "runtime",
        handler: "handler",
        code: "code",
        custom: "custom.debian10",
    };

    /// How a WebAssembly function declares its runtime, quoted: `` `Runtime: custom` ``.
    fn custom_runtime(&self) -> String {
        format!("`{}: {}`", self.runtime, self.custom)
    }
}

/// Checks `Runtime`; the runtime when fclocal can run it.
pub(crate) fn check_runtime(
    runtime: &str,
    pos: Pos,
    ctx: &str,
    keys: &Keys,
    d: &mut Diags,
) -> Option<Runtime> {
    let (k_handler, k_code, custom) = (keys.handler, keys.code, keys.custom_runtime());
    if runtime == "custom" {
        return Some(Runtime::Custom);
    }
    let language = if NODE_RUNTIMES.contains(&runtime) {
        Some(Language::Node)
    } else if PYTHON_RUNTIMES.contains(&runtime) {
        Some(Language::Python)
    } else {
        None
    };
    if let Some(language) = language {
        return Some(Runtime::Language {
            language,
            name: runtime.to_owned(),
        });
    }
    if RUNTIMES.contains(&runtime) {
        d.error(
            pos,
            format!(
                "{ctx}: runtime `{runtime}` cannot run locally: fclocal runs {RUNS}. \
                 To port it, rewrite the handler in Node.js or Python (FC's own handler APIs), or in Rust with \
                 fclocal-sdk (see functions/hello in the fclocal repository) built as a component and declared \
                 {custom}, `{k_handler}: <name>.wasm`, `{k_code}: <crate dir>`"
            ),
        );
    } else {
        d.error(
            pos,
            format!(
                "{ctx}: unknown runtime `{runtime}`; valid runtimes are {} (fclocal runs {RUNS}){}",
                RUNTIMES.join(", "),
                did_you_mean(runtime, &RUNTIMES)
            ),
        );
    }
    None
}

/// Checks a Node.js or Python `Handler`: FC's `file.export` /
/// `module.function`, split at the last dot.
pub(crate) fn check_source_handler(
    handler: &str,
    language: Language,
    pos: Pos,
    ctx: &str,
    keys: &Keys,
    d: &mut Diags,
) -> bool {
    let k_handler = keys.handler;
    let example = match language {
        Language::Node => format!("`{k_handler}: index.handler` (exports.handler in index.js)"),
        Language::Python => format!("`{k_handler}: index.handler` (def handler in index.py)"),
    };
    let valid = handler.rsplit_once('.').is_some_and(|(file, export)| {
        !file.is_empty() && !export.is_empty() && !file.ends_with('/')
    });
    if !valid {
        d.error(
            pos,
            format!(
                "{ctx}: {k_handler} `{handler}` must name a file and what it exports, separated by a dot, e.g. {example}"
            ),
        );
    }
    valid
}

/// Resolves `CodeUri` for a Node.js or Python function: the folder FC
/// mounts at `/code`.
pub(crate) fn resolve_source(
    code_uri: &str,
    pos: Pos,
    language: Language,
    base_dir: &Path,
    ctx: &str,
    keys: &Keys,
    d: &mut Diags,
) -> Option<CodeLocation> {
    let k_code = keys.code;
    let lower = code_uri.to_ascii_lowercase();
    if lower.starts_with("oss://") || lower.ends_with(".zip") {
        d.error(
            pos,
            format!(
                "{ctx}: {k_code} `{code_uri}` is {}; fclocal runs local {} code: point {k_code} at the folder holding it",
                if lower.ends_with(".zip") { "a zip archive" } else { "in OSS" },
                language.display_name()
            ),
        );
        return None;
    }
    if code_uri.trim().is_empty() {
        d.error(pos, format!("{ctx}: {k_code} is empty"));
        return None;
    }
    let path = normalize(&base_dir.join(code_uri));
    let shown_base = display_dir(base_dir);
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => Some(CodeLocation::Source {
            dir: path,
            language,
        }),
        Ok(_) => {
            d.error(
                pos,
                format!(
                    "{ctx}: {k_code} `{code_uri}` is a file; point it at the folder holding it (FC mounts that folder at /code)"
                ),
            );
            None
        }
        Err(_) => {
            d.error(
                pos,
                format!("{ctx}: {k_code} `{code_uri}` does not exist (relative to {shown_base})"),
            );
            None
        }
    }
}

/// Checks that `Handler` names a component file; true when it does.
pub(crate) fn check_handler(
    handler: &str,
    pos: Pos,
    ctx: &str,
    keys: &Keys,
    d: &mut Diags,
) -> bool {
    let (k_handler, k_code, custom) = (keys.handler, keys.code, keys.custom_runtime());
    let stem = handler.strip_suffix(".wasm");
    if stem.is_none_or(str::is_empty) {
        d.error(
            pos,
            format!(
                "{ctx}: {k_handler} `{handler}` is not a WebAssembly component: with {custom}, fclocal expects \
                 the {k_handler} to name the component file, e.g. `{k_handler}: process-event.wasm`, built from the crate \
                 in {k_code} or found in the {k_code} directory"
            ),
        );
        return false;
    }
    if handler.contains(['/', '\\']) {
        d.error(
            pos,
            format!(
                "{ctx}: {k_handler} `{handler}` must be a file name such as `process-event.wasm`; put the directory in {k_code}"
            ),
        );
        return false;
    }
    true
}

/// Resolves `CodeUri` (relative to `base_dir`) for a component named `handler`.
pub(crate) fn resolve(
    code_uri: &str,
    pos: Pos,
    handler: &str,
    base_dir: &Path,
    ctx: &str,
    keys: &Keys,
    d: &mut Diags,
) -> Option<CodeLocation> {
    let Keys {
        handler: k_handler,
        code: k_code,
        ..
    } = *keys;
    let lower = code_uri.to_ascii_lowercase();
    if lower.starts_with("oss://") {
        d.error(
            pos,
            format!(
                "{ctx}: {k_code} `{code_uri}` is in OSS; fclocal runs local code only: point {k_code} at the crate \
                 that builds the component, or at the directory or `.wasm` file that holds it"
            ),
        );
        return None;
    }
    if let Some(ext) = [".zip", ".jar", ".war"]
        .iter()
        .find(|e| lower.ends_with(*e))
    {
        d.error(
            pos,
            format!(
                "{ctx}: {k_code} `{code_uri}` is a `{ext}` archive, which fclocal cannot run: it runs WebAssembly \
                 components; point {k_code} at the crate that builds `{handler}`, or at the directory or `.wasm` file that holds it"
            ),
        );
        return None;
    }
    if code_uri.trim().is_empty() {
        d.error(pos, format!("{ctx}: {k_code} is empty"));
        return None;
    }
    let path = normalize(&base_dir.join(code_uri));
    let shown_base = display_dir(base_dir);
    let Ok(meta) = std::fs::metadata(&path) else {
        d.error(
            pos,
            format!("{ctx}: {k_code} `{code_uri}` does not exist (relative to {shown_base})"),
        );
        return None;
    };
    if meta.is_file() {
        if path.extension().is_some_and(|e| e == "wasm") {
            return Some(CodeLocation::Component { path });
        }
        d.error(
            pos,
            format!(
                "{ctx}: {k_code} `{code_uri}` is a file but not a `.wasm` component; point it at the component, \
                 the directory holding `{handler}`, or the crate that builds it"
            ),
        );
        return None;
    }
    if path.join("Cargo.toml").is_file() {
        return Some(CodeLocation::Crate {
            dir: path,
            component_file: handler.to_owned(),
        });
    }
    let component = path.join(handler);
    if component.is_file() {
        return Some(CodeLocation::Component { path: component });
    }
    d.error(
        pos,
        format!(
            "{ctx}: {k_code} `{code_uri}` holds neither a Cargo.toml (a crate fclocal builds) nor the component \
             `{handler}` named by {k_handler} (relative to {shown_base})"
        ),
    );
    None
}

/// `a/./b` → `a/b`, keeping `..` (resolving it lexically could cross a symlink wrongly).
fn normalize(path: &Path) -> PathBuf {
    let normalized: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if normalized.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        normalized
    }
}

fn display_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        "`.`".to_owned()
    } else {
        format!("`{}`", dir.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_drops_dots_only() {
        assert_eq!(normalize(Path::new("a/./b")), PathBuf::from("a/b"));
        assert_eq!(normalize(Path::new("./a/../b")), PathBuf::from("a/../b"));
        assert_eq!(normalize(Path::new(".")), PathBuf::from("."));
    }

    #[test]
    fn code_uri_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::create_dir_all(base.join("crate")).unwrap();
        std::fs::write(base.join("crate/Cargo.toml"), "[package]\n").unwrap();
        std::fs::create_dir_all(base.join("built")).unwrap();
        std::fs::write(base.join("built/hello.wasm"), "").unwrap();
        std::fs::create_dir_all(base.join("empty")).unwrap();
        std::fs::write(base.join("notes.txt"), "").unwrap();

        let mut d = Diags::new(Path::new("t.yml"));
        let run = |uri: &str, d: &mut Diags| {
            resolve(uri, Pos::START, "hello.wasm", base, "f", &Keys::FUN, d)
        };
        assert_eq!(
            run("./crate", &mut d),
            Some(CodeLocation::Crate {
                dir: base.join("crate"),
                component_file: "hello.wasm".into()
            })
        );
        assert_eq!(
            run("built", &mut d),
            Some(CodeLocation::Component {
                path: base.join("built/hello.wasm")
            })
        );
        assert_eq!(
            run("./built/hello.wasm", &mut d),
            Some(CodeLocation::Component {
                path: base.join("built/hello.wasm")
            })
        );
        for uri in [
            "empty",
            "missing",
            "notes.txt",
            "oss://b/k",
            "code.ZIP",
            "x.jar",
            " ",
        ] {
            assert_eq!(run(uri, &mut d), None, "{uri}");
        }
        let (errors, _) = d.finish();
        assert_eq!(errors.len(), 7, "{errors:#?}");
    }
}
