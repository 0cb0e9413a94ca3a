//! Parse and validate a Function Compute `template.yml` (`Transform:
//! 'Aliyun::Serverless-2018-04-03'`) into a typed, resolved [`App`].
//!
//! Loading either yields an [`App`] (plus warnings about what fclocal does not emulate)
//! or a [`TemplateError::Invalid`] listing *every* problem in the file, each with its
//! `file:line:column`, in file order:
//!
//! ```text
//! template.yml:12:7: error: function `marblesFC/processEvent`: unknown property `Timout`; did you mean `Timeout`?
//! template.yml:14:18: error: function `marblesFC/processEvent`: `MemorySize` must be a multiple of 64 (MB), found 200; try 192 or 256
//! ```
//!
//! The rules are fun's schemas (`src/lib/validate/schema/*.js`) and the FC spec, as
//! summarised in `reference/fc.md` §1: property names are case-sensitive, unknown
//! properties are errors (with a "did you mean" when one is close), required properties
//! and value ranges are enforced, defaults are applied (`Timeout` 3 s, `MemorySize`
//! 128 MB, …). On top of that, fclocal runs what it can run as WebAssembly: `Runtime:
//! custom` with a `Handler` naming the `.wasm` component and a `CodeUri` holding it or the
//! crate that builds it, and FC's Node.js (`nodejs8`…`nodejs20`) and Python (`python3`,
//! `python3.9`…`python3.12`) runtimes with their unmodified `file.export` handlers in a
//! `CodeUri` folder. Any other runtime is rejected with porting instructions.
//!
//! ```no_run
//! let loaded = fclocal_template::load(std::path::Path::new("template.yml"))?;
//! for warning in &loaded.warnings {
//!     eprintln!("{warning}");
//! }
//! let (service, function) = loaded.app.find_function("marblesFC/processEvent")?;
//! println!("{}/{} times out after {}s", service.name, function.name, function.timeout_secs);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Layout
//!
//! - `lib.rs`: [`load`] and [`parse_str`], the entry points.
//! - `yaml.rs`: YAML (serde-saphyr) → a tree whose nodes and keys carry line/column;
//!   syntax errors and duplicate keys become diagnostics.
//! - `diagnostics.rs`: [`Diagnostic`], [`Severity`], [`TemplateError`] and the collector
//!   every check reports into.
//! - `resolve/`: the tree → [`App`]. `mod.rs` checks the root and dispatches resources on
//!   `Type`; `service.rs`, `function.rs`, `triggers.rs`, `resources.rs` (Log, Logstore,
//!   MNSTopic, the not-emulated types) handle one resource kind each; `code_uri.rs`
//!   resolves `Runtime`/`Handler`/`CodeUri`; `env.rs` checks `EnvironmentVariables`;
//!   `props.rs` holds the typed property accessors and "did you mean" suggestions.
//! - `model.rs` and `trigger.rs`: the resolved types; `names.rs`: validated names;
//!   `cron/`: [`CronSchedule`] (`CronExpression` with FC's day-of-week numbering,
//!   `@every` and `CRON_TZ=`); `lookup.rs`: finding a function by `[service/]function`.

#![deny(missing_docs)]

mod cron;
mod diagnostics;
mod lookup;
mod model;
mod names;
mod resolve;
mod serverless_devs;
mod trigger;
mod yaml;

use std::path::{Path, PathBuf};

pub use crate::cron::{CronError, CronSchedule};
pub use crate::diagnostics::{Diagnostic, Severity, TemplateError};
pub use crate::lookup::LookupError;
pub use crate::model::{
    App, CodeLocation, Function, Language, LogConfig, LogProject, Logstore, MnsTopic, NasConfig,
    NasMountPoint, ProjectFormat, Runtime, Service, VpcConfig,
};
pub use crate::names::{FunctionName, NameError, ServiceName, TriggerName};
pub use crate::serverless_devs::variables::VariableSources;
pub use crate::trigger::{
    AuthType, HttpMethod, HttpTrigger, MnsTopicTrigger, NotifyContentFormat, TimerTrigger, Trigger,
    TriggerKind,
};

use crate::diagnostics::Diags;

/// A valid template and the warnings produced while loading it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The resolved app.
    pub app: App,
    /// Non-fatal problems, in file order: resources and triggers fclocal does not emulate,
    /// log destinations the template does not declare, properties accepted but ignored.
    pub warnings: Vec<Diagnostic>,
}

/// Reads and validates the project file at `path`: a fun `template.yml`, or a
/// Serverless Devs `s.yaml` (told apart by content: `edition:` marks `s.yaml`;
/// by file name when neither format's keys are there). Relative `CodeUri`s
/// (`code`) are resolved against the file's directory; diagnostics name the file
/// as `path` is written. `${env('X')}` in an `s.yaml` reads the process
/// environment and a `.env` file beside it ([`VariableSources::from_process`]).
pub fn load(path: &Path) -> Result<Loaded, TemplateError> {
    load_with(path, &VariableSources::from_process(&base_dir_of(path)))
}

/// [`load`], with the values `s.yaml` variables read given explicitly (tests, and
/// callers that must not read the process environment).
pub fn load_with(path: &Path, sources: &VariableSources) -> Result<Loaded, TemplateError> {
    let source = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str_with(&source, path, &base_dir_of(path), sources)
}

/// The directory relative paths in the file at `path` are resolved against.
fn base_dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Validates project text (`template.yml` or `s.yaml`, as [`load`] tells them apart).
/// `file` labels diagnostics and names the format when the content does not;
/// relative paths are resolved against `base_dir` (and must exist there). `s.yaml`
/// variables read the process environment only (no `.env`).
pub fn parse_str(source: &str, file: &Path, base_dir: &Path) -> Result<Loaded, TemplateError> {
    let sources = VariableSources::with_dotenv(std::env::vars().collect(), "");
    parse_str_with(source, file, base_dir, &sources)
}

/// [`parse_str`] with explicit values for `s.yaml` variables.
pub fn parse_str_with(
    source: &str,
    file: &Path,
    base_dir: &Path,
    sources: &VariableSources,
) -> Result<Loaded, TemplateError> {
    let mut diags = Diags::new(file);
    let root = yaml::parse(source, &mut diags);
    let app = if serverless_devs::is_serverless_devs(root.as_ref(), file) {
        root.map(|root| serverless_devs::resolve(&root, file, base_dir, sources, &mut diags))
    } else {
        root.map(|root| resolve::resolve(&root, file, base_dir, &mut diags))
    };
    let (errors, warnings) = diags.finish();
    match app {
        Some(app) if errors.is_empty() => Ok(Loaded { app, warnings }),
        _ => Err(TemplateError::Invalid {
            diagnostics: errors,
        }),
    }
}

/// Whether `path` names a Serverless Devs project file by its name alone (`s.yaml`,
/// `s.yml`, `s-prod.yaml`…), for callers choosing how to describe a file before
/// reading it.
pub fn is_serverless_devs_file_name(path: &Path) -> bool {
    serverless_devs::is_serverless_devs(None, path)
}
