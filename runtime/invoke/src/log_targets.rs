//! Creates the logstores an app writes to: every `Aliyun::Serverless::Log`
//! project and logstore of the template (with its TTL and shard count), and
//! any target a function logs to that the template does not declare (with
//! SLS's defaults), so no line is ever refused.

use fclocal_logstore::{LogStore, LogStoreError, LogstoreConfig};
use fclocal_template::App;

use crate::spec::all_specs;

/// TTL (days) for a logstore the template does not declare: SLS's default.
pub const DEFAULT_TTL_DAYS: u32 = 30;
/// Shard count for a logstore the template does not declare: SLS's default.
pub const DEFAULT_SHARD_COUNT: u32 = 2;

/// Makes sure every logstore `app` uses exists in `store`.
pub fn ensure_log_targets(app: &App, store: &LogStore) -> Result<(), LogStoreError> {
    for project in &app.log_projects {
        store.ensure_project(&project.name, &project.description)?;
        for logstore in &project.logstores {
            store.ensure_logstore(
                &project.name,
                &logstore.name,
                LogstoreConfig {
                    ttl_days: logstore.ttl_days,
                    shard_count: logstore.shard_count,
                },
            )?;
        }
    }
    for spec in all_specs(app) {
        let target = &spec.log_target;
        let declared = app.log_projects.iter().any(|project| {
            project.name == target.project
                && project
                    .logstores
                    .iter()
                    .any(|ls| ls.name == target.logstore)
        });
        if !declared {
            store.ensure_logstore(
                &target.project,
                &target.logstore,
                LogstoreConfig {
                    ttl_days: DEFAULT_TTL_DAYS,
                    shard_count: DEFAULT_SHARD_COUNT,
                },
            )?;
        }
    }
    Ok(())
}
