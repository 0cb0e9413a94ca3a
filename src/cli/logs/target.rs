//! Which logstores `fclocal logs` reads.
//!
//! `--project`/`--logstore` name one. Otherwise `--service` picks the
//! service's LogConfig logstore (when the template loads), and without it
//! every logstore in the database is searched. An SQL query needs exactly
//! one logstore; if several qualify, the error lists them.

use anyhow::bail;
use fclocal_invoke::all_specs;
use fclocal_logstore::LogReader;

use super::LogsArgs;
use crate::project::Project;

/// One logstore to search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// SLS project.
    pub project: String,
    /// Logstore.
    pub logstore: String,
}

/// The logstores to search; exactly one when `analytic`.
pub fn resolve(args: &LogsArgs, reader: &LogReader, analytic: bool) -> anyhow::Result<Vec<Target>> {
    let mut all = Vec::new();
    for project in reader.projects()? {
        for logstore in reader.logstores(&project.name)? {
            all.push(Target {
                project: project.name.clone(),
                logstore: logstore.name,
            });
        }
    }
    let mut chosen: Vec<Target> = all
        .iter()
        .filter(|t| args.project.as_ref().is_none_or(|p| *p == t.project))
        .filter(|t| args.logstore.as_ref().is_none_or(|l| *l == t.logstore))
        .cloned()
        .collect();
    if args.project.is_none()
        && args.logstore.is_none()
        && let Some(service) = &args.service
        && let Some(own) = service_target(args, service)
    {
        chosen.retain(|t| *t == own);
    }
    let listing = || {
        all.iter()
            .map(|t| format!("--project {} --logstore {}", t.project, t.logstore))
            .collect::<Vec<_>>()
            .join("\n  ")
    };
    if chosen.is_empty() {
        if all.is_empty() {
            bail!(
                "the logstore database has no logstores yet; run `fclocal invoke` or `fclocal start` first"
            );
        }
        bail!(
            "no logstore matches --project/--logstore; the database has:\n  {}",
            listing()
        );
    }
    if analytic && chosen.len() > 1 {
        bail!(
            "an SQL query (the part after `|`) reads one logstore, and {} qualify; add one of:\n  {}",
            chosen.len(),
            listing()
        );
    }
    Ok(chosen)
}

/// The service's LogConfig logstore, if the template loads and has it.
fn service_target(args: &LogsArgs, service: &str) -> Option<Target> {
    let project = Project::load(&args.template).ok()?;
    all_specs(&project.app)
        .into_iter()
        .find(|spec| spec.service == service)
        .map(|spec| Target {
            project: spec.log_target.project,
            logstore: spec.log_target.logstore,
        })
}
