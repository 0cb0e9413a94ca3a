//! The environment of an instance: the function's `EnvironmentVariables`,
//! then FC's system variables, which win on a clash (as in fun's
//! `generateDockerEnvs` and on the cloud, where `FC_*` is reserved).
//!
//! The credentials in it (`ALIBABA_CLOUD_ACCESS_KEY_*`, `FC_ACCESS_KEY_*`,
//! and `context.credentials`) are the function's own: under `fclocal start`
//! an STS-like triple scoped to the function's logstore
//! ([`function_credentials`]), as FC hands a function its role's STS token
//! and never the account's AccessKey.

use fclocal_engine::Credentials;
use fclocal_sls_api::sts::{self, Scope};

use crate::settings::HostSettings;
use crate::spec::{FunctionSpec, QUALIFIER};

/// The credentials `spec` sees. With a server running (`local_endpoint`),
/// STS-like credentials that its SLS API accepts for the function's
/// logstore only, derived from the server's secret, which the guest never
/// sees. Without one (`fclocal invoke`), the pair the user passed, if any.
pub fn function_credentials(spec: &FunctionSpec, settings: &HostSettings) -> Credentials {
    let server = &settings.credentials;
    if settings.local_endpoint.is_none() || server.access_key_secret.is_empty() {
        return server.clone();
    }
    let scoped = sts::mint(
        &server.access_key_secret,
        &Scope {
            project: spec.log_target.project.clone(),
            logstore: spec.log_target.logstore.clone(),
            service: spec.service.clone(),
            function: spec.function.clone(),
        },
    );
    Credentials {
        access_key_id: scoped.access_key_id,
        access_key_secret: scoped.access_key_secret,
        security_token: scoped.security_token,
    }
}

/// Builds the environment for one instance of `spec`.
pub fn instance_environment(
    spec: &FunctionSpec,
    settings: &HostSettings,
    instance_id: &str,
) -> Vec<(String, String)> {
    let credentials = &function_credentials(spec, settings);
    let (log_project, log_store) = spec
        .log_config
        .as_ref()
        .map(|target| (target.project.clone(), target.logstore.clone()))
        .unwrap_or_default();
    let system = [
        ("local", "true".to_owned()),
        ("FC_FUNCTION_NAME", spec.function.clone()),
        ("FC_SERVICE_NAME", spec.service.clone()),
        ("FC_HANDLER", spec.handler.clone()),
        ("FC_FUNCTION_HANDLER", spec.handler.clone()),
        ("FC_MEMORY_SIZE", spec.memory_mb.to_string()),
        ("FC_FUNCTION_MEMORY_SIZE", spec.memory_mb.to_string()),
        ("FC_TIMEOUT", spec.timeout_secs.to_string()),
        (
            "FC_INITIALIZER",
            spec.initializer.clone().unwrap_or_default(),
        ),
        (
            "FC_INITIALIZATION_TIMEOUT",
            spec.initialization_timeout_secs.to_string(),
        ),
        ("FC_REGION", settings.region.clone()),
        ("FC_ACCOUNT_ID", settings.account_id.clone()),
        ("FC_QUALIFIER", QUALIFIER.to_owned()),
        ("FC_INSTANCE_ID", instance_id.to_owned()),
        ("FC_SERVICE_LOG_PROJECT", log_project),
        ("FC_SERVICE_LOG_STORE", log_store),
        ("FC_ACCESS_KEY_ID", credentials.access_key_id.clone()),
        (
            "FC_ACCESS_KEY_SECRET",
            credentials.access_key_secret.clone(),
        ),
        ("FC_SECURITY_TOKEN", credentials.security_token.clone()),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            credentials.access_key_id.clone(),
        ),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            credentials.access_key_secret.clone(),
        ),
        (
            "ALIBABA_CLOUD_SECURITY_TOKEN",
            credentials.security_token.clone(),
        ),
    ];
    let mut environment: Vec<(String, String)> = spec
        .environment
        .iter()
        .filter(|(key, _)| !system.iter().any(|(name, _)| name == key))
        .cloned()
        .collect();
    environment.extend(
        system
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value)),
    );
    if spec.code_dir().is_some() {
        // Where FC mounts the code, and where fclocal mounts `CodeUri`.
        environment.push(("FC_FUNC_CODE_PATH".to_owned(), "/code/".to_owned()));
    }
    if let Some(endpoint) = &settings.local_endpoint {
        environment.push(("FCLOCAL_SLS_ENDPOINT".to_owned(), endpoint.clone()));
    }
    environment
}
