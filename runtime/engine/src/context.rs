//! FC's invocation context, and the two ways it reaches a guest: the WIT
//! `context` record for event functions and the `x-fc-*` request headers for
//! HTTP functions (as Function Compute sends them to custom runtimes).

use crate::bindings::wit;

/// FC's `context` object for one invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventContext {
    /// A fresh UUID per invocation.
    pub request_id: String,
    /// Credentials passed to the function.
    pub credentials: Credentials,
    /// `context.function`.
    pub function: FunctionInfo,
    /// `context.service`.
    pub service: ServiceInfo,
    /// `FC_REGION`.
    pub region: String,
    /// `FC_ACCOUNT_ID`.
    pub account_id: String,
}

/// `context.credentials`. Its `Debug` never prints the secret or the
/// token, so a logged setting or error cannot leak them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// AccessKey ID.
    pub access_key_id: String,
    /// AccessKey secret.
    pub access_key_secret: String,
    /// STS token, empty for long-term keys.
    pub security_token: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |value: &str| if value.is_empty() { "" } else { "<redacted>" };
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &redacted(&self.access_key_secret))
            .field("security_token", &redacted(&self.security_token))
            .finish()
    }
}

/// `context.function`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionInfo {
    /// Function name.
    pub name: String,
    /// `Handler`.
    pub handler: String,
    /// `MemorySize` in MB.
    pub memory_mb: u32,
    /// `Timeout` in seconds.
    pub timeout_secs: u32,
    /// `Initializer`, or empty.
    pub initializer: String,
    /// `InitializationTimeout` in seconds.
    pub initialization_timeout_secs: u32,
}

/// `context.service`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceInfo {
    /// Service name.
    pub name: String,
    /// `LogConfig.Project`, or empty.
    pub log_project: String,
    /// `LogConfig.Logstore`, or empty.
    pub log_store: String,
    /// The qualifier invoked (`LATEST`).
    pub qualifier: String,
    /// The version, empty for `LATEST`.
    pub version_id: String,
}

impl EventContext {
    pub(crate) fn to_wit(&self) -> wit::Context {
        wit::Context {
            request_id: self.request_id.clone(),
            credentials: wit::Credentials {
                access_key_id: self.credentials.access_key_id.clone(),
                access_key_secret: self.credentials.access_key_secret.clone(),
                security_token: self.credentials.security_token.clone(),
            },
            function: wit::FunctionInfo {
                name: self.function.name.clone(),
                handler: self.function.handler.clone(),
                memory: self.function.memory_mb,
                timeout: self.function.timeout_secs,
                initializer: self.function.initializer.clone(),
                initialization_timeout: self.function.initialization_timeout_secs,
            },
            service: wit::ServiceInfo {
                name: self.service.name.clone(),
                log_project: self.service.log_project.clone(),
                log_store: self.service.log_store.clone(),
                qualifier: self.service.qualifier.clone(),
                version_id: self.service.version_id.clone(),
            },
            region: self.region.clone(),
            account_id: self.account_id.clone(),
        }
    }

    /// The `x-fc-*` headers Function Compute sends a custom runtime with each
    /// HTTP request (fc.md §4, "host → runtime").
    pub fn fc_headers(&self) -> Vec<(&'static str, String)> {
        let function = &self.function;
        let service = &self.service;
        let credentials = &self.credentials;
        vec![
            ("x-fc-request-id", self.request_id.clone()),
            ("x-fc-function-name", function.name.clone()),
            ("x-fc-function-handler", function.handler.clone()),
            ("x-fc-function-memory", function.memory_mb.to_string()),
            ("x-fc-function-timeout", function.timeout_secs.to_string()),
            ("x-fc-function-initializer", function.initializer.clone()),
            (
                "x-fc-initialization-timeout",
                function.initialization_timeout_secs.to_string(),
            ),
            ("x-fc-service-name", service.name.clone()),
            ("x-fc-service-logproject", service.log_project.clone()),
            ("x-fc-service-logstore", service.log_store.clone()),
            ("x-fc-qualifier", service.qualifier.clone()),
            ("x-fc-version-id", service.version_id.clone()),
            ("x-fc-region", self.region.clone()),
            ("x-fc-account-id", self.account_id.clone()),
            ("x-fc-access-key-id", credentials.access_key_id.clone()),
            (
                "x-fc-access-key-secret",
                credentials.access_key_secret.clone(),
            ),
            ("x-fc-security-token", credentials.security_token.clone()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_secret_or_the_token() {
        let credentials = Credentials {
            access_key_id: "STS.fclocal".to_owned(),
            access_key_secret: "s3cr3t-value".to_owned(),
            security_token: "t0ken-value".to_owned(),
        };
        let printed = format!("{credentials:?}");
        assert!(printed.contains("STS.fclocal"), "{printed}");
        assert!(
            !printed.contains("s3cr3t") && !printed.contains("t0ken"),
            "{printed}"
        );
    }
}
