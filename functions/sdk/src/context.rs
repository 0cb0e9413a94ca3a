//! FC's `context` argument as plain Rust structs.
//!
//! Event functions receive it from the WIT `context` record; HTTP functions
//! get the same struct rebuilt from the `x-fc-*` request headers (see
//! [`crate::http::Request::context`]). Serialising it gives FC's JSON field
//! names (`requestId`, `accessKeyId`, `logProject`, ...), so a function can
//! return or log it as Node.js functions do with `JSON.stringify(context)`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::bindings::fclocal::function::types as wit;

/// The context of one invocation: FC's `context` object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    /// A fresh UUID per invocation; fclocal also prefixes every log line with it.
    pub request_id: String,
    /// The credentials fclocal was started with (empty strings locally by default).
    pub credentials: Credentials,
    /// The function being invoked.
    pub function: FunctionInfo,
    /// The service the function belongs to.
    pub service: ServiceInfo,
    /// `FC_REGION`, e.g. `cn-hangzhou`.
    pub region: String,
    /// `FC_ACCOUNT_ID`.
    pub account_id: String,
}

/// FC's `context.credentials`.
///
/// `Debug` prints the key id but hides the secret and the token, so a context
/// can be logged with `{:?}` without leaking them.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// The AccessKey ID.
    pub access_key_id: String,
    /// The AccessKey secret.
    pub access_key_secret: String,
    /// The STS security token, or an empty string for long-term keys.
    pub security_token: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn redacted(value: &str) -> &'static str {
            if value.is_empty() { "" } else { "<redacted>" }
        }
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &redacted(&self.access_key_secret))
            .field("security_token", &redacted(&self.security_token))
            .finish()
    }
}

/// FC's `context.function`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionInfo {
    /// The function's name in `template.yml`.
    pub name: String,
    /// The `Handler` property, e.g. `hello.wasm`.
    pub handler: String,
    /// `MemorySize` in MB.
    pub memory: u32,
    /// `Timeout` in seconds.
    pub timeout: u32,
    /// The `Initializer` property, or an empty string.
    pub initializer: String,
    /// `InitializationTimeout` in seconds.
    pub initialization_timeout: u32,
}

/// FC's `context.service`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceInfo {
    /// The service's name in `template.yml`.
    pub name: String,
    /// `LogConfig.Project`, or an empty string.
    pub log_project: String,
    /// `LogConfig.Logstore`, or an empty string.
    pub log_store: String,
    /// The qualifier invoked; `LATEST` locally.
    pub qualifier: String,
    /// The published version; empty for `LATEST`.
    pub version_id: String,
}

impl From<wit::Context> for Context {
    fn from(c: wit::Context) -> Self {
        Context {
            request_id: c.request_id,
            credentials: Credentials {
                access_key_id: c.credentials.access_key_id,
                access_key_secret: c.credentials.access_key_secret,
                security_token: c.credentials.security_token,
            },
            function: FunctionInfo {
                name: c.function.name,
                handler: c.function.handler,
                memory: c.function.memory,
                timeout: c.function.timeout,
                initializer: c.function.initializer,
                initialization_timeout: c.function.initialization_timeout,
            },
            service: ServiceInfo {
                name: c.service.name,
                log_project: c.service.log_project,
                log_store: c.service.log_store,
                qualifier: c.service.qualifier,
                version_id: c.service.version_id,
            },
            region: c.region,
            account_id: c.account_id,
        }
    }
}

/// The request headers that carry the context of an HTTP invocation, as
/// Function Compute sends them to a custom runtime. [`crate::http::Request`]
/// turns them into a [`Context`] and leaves them out of `headers()`.
pub const CONTEXT_HEADERS: [&str; 17] = [
    "x-fc-request-id",
    "x-fc-function-name",
    "x-fc-function-handler",
    "x-fc-function-memory",
    "x-fc-function-timeout",
    "x-fc-function-initializer",
    "x-fc-initialization-timeout",
    "x-fc-service-name",
    "x-fc-service-logproject",
    "x-fc-service-logstore",
    "x-fc-qualifier",
    "x-fc-version-id",
    "x-fc-region",
    "x-fc-account-id",
    "x-fc-access-key-id",
    "x-fc-access-key-secret",
    "x-fc-security-token",
];

impl Context {
    /// Builds a context from `x-fc-*` headers. `header` looks a lower-case
    /// name up; a missing header gives an empty string, and a missing or
    /// non-numeric number gives 0.
    pub(crate) fn from_headers<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Self {
        let text = |name: &str| header(name).unwrap_or_default().to_owned();
        let number = |name: &str| {
            header(name)
                .and_then(|v| v.trim().parse::<u32>().ok())
                .unwrap_or(0)
        };
        Context {
            request_id: text("x-fc-request-id"),
            credentials: Credentials {
                access_key_id: text("x-fc-access-key-id"),
                access_key_secret: text("x-fc-access-key-secret"),
                security_token: text("x-fc-security-token"),
            },
            function: FunctionInfo {
                name: text("x-fc-function-name"),
                handler: text("x-fc-function-handler"),
                memory: number("x-fc-function-memory"),
                timeout: number("x-fc-function-timeout"),
                initializer: text("x-fc-function-initializer"),
                initialization_timeout: number("x-fc-initialization-timeout"),
            },
            service: ServiceInfo {
                name: text("x-fc-service-name"),
                log_project: text("x-fc-service-logproject"),
                log_store: text("x-fc-service-logstore"),
                qualifier: text("x-fc-qualifier"),
                version_id: text("x-fc-version-id"),
            },
            region: text("x-fc-region"),
            account_id: text("x-fc-account-id"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_headers_fills_every_field_and_defaults_missing_ones() {
        let headers = [
            ("x-fc-request-id", "r-1"),
            ("x-fc-function-name", "fn"),
            ("x-fc-function-memory", "256"),
            ("x-fc-function-timeout", "oops"),
            ("x-fc-service-logproject", "proj"),
            ("x-fc-access-key-secret", "s3cret"),
        ];
        let ctx =
            Context::from_headers(|name| headers.iter().find(|(k, _)| *k == name).map(|(_, v)| *v));
        assert_eq!(ctx.request_id, "r-1");
        assert_eq!(ctx.function.name, "fn");
        assert_eq!(ctx.function.memory, 256);
        assert_eq!(ctx.function.timeout, 0);
        assert_eq!(ctx.service.log_project, "proj");
        assert_eq!(ctx.region, "");
        assert!(!format!("{ctx:?}").contains("s3cret"));
    }

    #[test]
    fn serialises_with_fc_field_names() {
        let json = serde_json::to_value(Context::default()).unwrap();
        assert!(json["credentials"].get("accessKeyId").is_some());
        assert!(json["function"].get("initializationTimeout").is_some());
        assert!(json["service"].get("logStore").is_some());
        assert!(json.get("requestId").is_some());
        assert!(json.get("accountId").is_some());
    }
}
