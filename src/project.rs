//! The project a command works on: the project file (fun's `template.yml` or
//! Serverless Devs' `s.yaml`) and the data directory (`.fclocal/` beside it)
//! holding the logstore, the compile cache and build records.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;
use fclocal_template::{App, Diagnostic, TemplateError};

/// The project files fclocal looks for, in order, when `-t` is not given:
/// fun's template first (fclocal's own format), then Serverless Devs' (`s.yaml`
/// beats `s.yml`, as in `s`).
pub const PROJECT_FILES: [&str; 3] = ["template.yml", "s.yaml", "s.yml"];

/// Where the project file is and where fclocal keeps its data.
#[derive(Debug, Clone, Args)]
pub struct TemplateArgs {
    /// The project file: a Function Compute `template.yml` (`Transform:
    /// Aliyun::Serverless-2018-04-03`) or a Serverless Devs `s.yaml` (edition 3.0.0
    /// with `component: fc3`, or 1.0.0 with `component: fc`)
    /// [default: the first of template.yml, s.yaml, s.yml in the current directory].
    #[arg(short = 't', long, value_name = "FILE", env = "FCLOCAL_TEMPLATE")]
    pub template: Option<PathBuf>,
    /// Where fclocal keeps its logstore, compile cache and build records
    /// [default: `.fclocal` beside the template].
    #[arg(long, value_name = "DIR", env = "FCLOCAL_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

impl TemplateArgs {
    /// The project file: `-t`'s, checked to exist, or the first of
    /// [`PROJECT_FILES`] in the current directory; with a hint when there is none.
    pub fn template_path(&self) -> anyhow::Result<PathBuf> {
        let cwd = std::env::current_dir().unwrap_or_default();
        match &self.template {
            Some(template) if template.is_file() => Ok(template.clone()),
            Some(template) => bail!(
                "no template at {} (looked in {}); pass the project file with `-t path/to/template.yml` \
                 (or `-t path/to/s.yaml`), or run fclocal in the directory that holds it",
                template.display(),
                cwd.display()
            ),
            None => match PROJECT_FILES
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
            {
                Some(found) => Ok(found),
                None => bail!(
                    "no template here: looked for {} in {}; pass the project file with `-t path/to/template.yml` \
                     (or `-t path/to/s.yaml`), or run fclocal in the directory that holds it",
                    PROJECT_FILES.join(", "),
                    cwd.display()
                ),
            },
        }
    }

    /// The data directory, without reading the template: beside `-t`'s file, or
    /// `.fclocal` in the current directory (where a found project file is).
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| {
            self.template
                .as_deref()
                .and_then(Path::parent)
                .filter(|dir| !dir.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .join(".fclocal")
        })
    }
}

/// A loaded, valid template and its data directory.
pub struct Project {
    /// The resolved app.
    pub app: App,
    /// What the template uses that fclocal does not emulate.
    pub warnings: Vec<Diagnostic>,
    /// `.fclocal/`.
    pub data_dir: PathBuf,
}

impl Project {
    /// Loads and validates the template.
    pub fn load(args: &TemplateArgs) -> anyhow::Result<Project> {
        let template_path = args.template_path()?;
        let loaded = fclocal_template::load(&template_path).map_err(|error| match error {
            TemplateError::Invalid { diagnostics } => anyhow::anyhow!(
                "{} is invalid; `fclocal validate` lists the same problems:\n{}",
                template_path.display(),
                diagnostics
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            other => anyhow::Error::new(other),
        })?;
        Ok(Project {
            app: loaded.app,
            warnings: loaded.warnings,
            data_dir: args.data_dir(),
        })
    }

    /// The logstore database.
    pub fn logs_db(&self) -> PathBuf {
        logs_db(&self.data_dir)
    }

    /// The compile cache.
    pub fn cache_dir(&self) -> PathBuf {
        self.data_dir.join("cache")
    }

    /// Build records.
    pub fn build_dir(&self) -> PathBuf {
        self.data_dir.join("build")
    }

    /// Creates the data directory (so its first use does not fail on it).
    pub fn create_data_dir(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                self.data_dir.display()
            )
        })
    }
}

/// The logstore database in a data directory.
pub fn logs_db(data_dir: &Path) -> PathBuf {
    data_dir.join("logs.db")
}
