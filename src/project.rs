//! The project a command works on: the template and the data directory
//! (`.fclocal/` beside the template) holding the logstore, the compile cache
//! and build records.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Args;
use fclocal_template::{App, Diagnostic, TemplateError};

/// Where the template is and where fclocal keeps its data.
#[derive(Debug, Clone, Args)]
pub struct TemplateArgs {
    /// The Function Compute template (`Transform: Aliyun::Serverless-2018-04-03`).
    #[arg(
        short = 't',
        long,
        value_name = "FILE",
        default_value = "template.yml",
        env = "FCLOCAL_TEMPLATE"
    )]
    pub template: PathBuf,
    /// Where fclocal keeps its logstore, compile cache and build records
    /// [default: `.fclocal` beside the template].
    #[arg(long, value_name = "DIR", env = "FCLOCAL_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

impl TemplateArgs {
    /// The template path, checked to exist, with a hint when it does not.
    pub fn template_path(&self) -> anyhow::Result<PathBuf> {
        if self.template.is_file() {
            return Ok(self.template.clone());
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        bail!(
            "no template at {} (looked in {}); pass the template with `-t path/to/template.yml`, or run fclocal in the directory that holds it",
            self.template.display(),
            cwd.display()
        )
    }

    /// The data directory, without reading the template.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| {
            self.template
                .parent()
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
