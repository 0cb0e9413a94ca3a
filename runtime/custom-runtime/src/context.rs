//! The invocation's context from FC's `x-fc-*` request headers, and the
//! function settings they carry (memory, timeout, initializer) that must
//! shape the instance itself.
//!
//! FC sends the same headers with every request of a function (FC doc
//! 425057, "common request headers"); a header that is missing falls back
//! to what the command line and FC's environment variables said, so a
//! request from curl works too. The credentials are the function role's
//! temporary ones, which FC rotates: they are taken from each request,
//! never cached.

use fclocal_engine::{Credentials, EventContext, FunctionInfo, ServiceInfo};
use fclocal_invoke::{FunctionSpec, HostSettings, QUALIFIER};
use http::HeaderMap;

use crate::error::BadRequest;

/// Settings of the function that FC repeats in every request's headers;
/// `None` where the request did not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecPatch {
    /// `x-fc-function-memory`: MemorySize in MB.
    pub memory_mb: Option<u32>,
    /// `x-fc-function-timeout`: Timeout in seconds.
    pub timeout_secs: Option<u32>,
    /// `x-fc-function-handler`.
    pub handler: Option<String>,
    /// `x-fc-function-initializer`, when not empty.
    pub initializer: Option<String>,
    /// `x-fc-initialization-timeout`: InitializationTimeout in seconds.
    pub initialization_timeout_secs: Option<u32>,
}

impl SpecPatch {
    /// The headers' settings of `headers`.
    pub fn from_headers(headers: &HeaderMap) -> Result<SpecPatch, BadRequest> {
        Ok(SpecPatch {
            memory_mb: number(headers, "x-fc-function-memory", 1, 32 * 1024, "MB")?,
            timeout_secs: number(headers, "x-fc-function-timeout", 1, 86_400, "seconds")?,
            handler: text(headers, "x-fc-function-handler")?.filter(|h| !h.is_empty()),
            initializer: text(headers, "x-fc-function-initializer")?.filter(|i| !i.is_empty()),
            initialization_timeout_secs: number(
                headers,
                "x-fc-initialization-timeout",
                1,
                86_400,
                "seconds",
            )?,
        })
    }

    /// `spec` with these settings, or `None` when nothing changes.
    pub fn applied_to(&self, spec: &FunctionSpec) -> Option<FunctionSpec> {
        let mut patched = spec.clone();
        if let Some(memory_mb) = self.memory_mb {
            patched.memory_mb = memory_mb;
        }
        if let Some(timeout_secs) = self.timeout_secs {
            patched.timeout_secs = timeout_secs;
        }
        if let Some(handler) = &self.handler {
            patched.handler.clone_from(handler);
        }
        if let Some(initializer) = &self.initializer {
            patched.initializer = Some(initializer.clone());
        }
        if let Some(timeout) = self.initialization_timeout_secs {
            patched.initialization_timeout_secs = timeout;
        }
        let changed = patched.memory_mb != spec.memory_mb
            || patched.timeout_secs != spec.timeout_secs
            || patched.handler != spec.handler
            || patched.initializer != spec.initializer
            || patched.initialization_timeout_secs != spec.initialization_timeout_secs;
        changed.then_some(patched)
    }
}

/// The context of one invocation of `spec` (already patched with the
/// request's settings): every field from its `x-fc-*` header, else from
/// `spec` and `settings`. A request without `x-fc-request-id` gets
/// `new_request_id()`.
pub fn event_context(
    headers: &HeaderMap,
    spec: &FunctionSpec,
    settings: &HostSettings,
    new_request_id: impl FnOnce() -> String,
) -> Result<EventContext, BadRequest> {
    let or = |name: &str, fallback: &str| -> Result<String, BadRequest> {
        Ok(text(headers, name)?.unwrap_or_else(|| fallback.to_owned()))
    };
    let (log_project, log_store) = spec
        .log_config
        .as_ref()
        .map(|target| (target.project.as_str(), target.logstore.as_str()))
        .unwrap_or_default();
    let request_id = match text(headers, "x-fc-request-id")?.filter(|id| !id.is_empty()) {
        Some(id) => id,
        None => new_request_id(),
    };
    let fallback = &settings.credentials;
    Ok(EventContext {
        request_id,
        credentials: Credentials {
            access_key_id: or("x-fc-access-key-id", &fallback.access_key_id)?,
            access_key_secret: or("x-fc-access-key-secret", &fallback.access_key_secret)?,
            security_token: or("x-fc-security-token", &fallback.security_token)?,
        },
        function: FunctionInfo {
            name: or("x-fc-function-name", &spec.function)?,
            handler: spec.handler.clone(),
            memory_mb: spec.memory_mb,
            timeout_secs: spec.timeout_secs,
            initializer: spec.initializer.clone().unwrap_or_default(),
            initialization_timeout_secs: spec.initialization_timeout_secs,
        },
        service: ServiceInfo {
            name: or("x-fc-service-name", &spec.service)?,
            log_project: or("x-fc-service-logproject", log_project)?,
            log_store: or("x-fc-service-logstore", log_store)?,
            qualifier: or("x-fc-qualifier", QUALIFIER)?,
            version_id: or("x-fc-version-id", "")?,
        },
        region: or("x-fc-region", &settings.region)?,
        account_id: or("x-fc-account-id", &settings.account_id)?,
    })
}

/// A header's text; `None` when absent.
pub(crate) fn text(headers: &HeaderMap, name: &str) -> Result<Option<String>, BadRequest> {
    headers
        .get(name)
        .map(|value| {
            value
                .to_str()
                .map(str::to_owned)
                .map_err(|_| BadRequest::invalid(format!("header {name} is not valid text")))
        })
        .transpose()
}

fn number(
    headers: &HeaderMap,
    name: &str,
    min: u32,
    max: u32,
    unit: &str,
) -> Result<Option<u32>, BadRequest> {
    let Some(value) = text(headers, name)? else {
        return Ok(None);
    };
    match value.trim().parse::<u32>() {
        Ok(number) if (min..=max).contains(&number) => Ok(Some(number)),
        _ => Err(BadRequest::invalid(format!(
            "header {name} must be a whole number of {unit} from {min} to {max}, got {value:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use fclocal_engine::OutboundAccess;
    use fclocal_invoke::{LogTarget, RequiredKind};
    use fclocal_template::CodeLocation;
    use http::HeaderValue;

    use super::*;

    fn spec() -> FunctionSpec {
        FunctionSpec {
            service: "svc".into(),
            function: "fn".into(),
            handler: "hello.wasm".into(),
            code: CodeLocation::Component {
                path: "hello.wasm".into(),
            },
            memory_mb: 128,
            timeout_secs: 3,
            initializer: None,
            initialization_timeout_secs: 3,
            environment: Vec::new(),
            instance_concurrency: 1,
            log_target: LogTarget {
                project: "p".into(),
                logstore: "s".into(),
            },
            log_config: None,
            outbound: OutboundAccess::Any,
            required_kind: RequiredKind::Any,
            log_topic: "svc".into(),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn every_context_field_comes_from_its_header() {
        let map = headers(&[
            ("x-fc-request-id", "rid-1"),
            ("x-fc-function-name", "fromHeader"),
            ("x-fc-service-name", "svcH"),
            ("x-fc-service-logproject", "proj"),
            ("x-fc-service-logstore", "store"),
            ("x-fc-qualifier", "prod"),
            ("x-fc-version-id", "3"),
            ("x-fc-region", "cn-shanghai"),
            ("x-fc-account-id", "42"),
            ("x-fc-access-key-id", "STS.id"),
            ("x-fc-access-key-secret", "secret"),
            ("x-fc-security-token", "token"),
        ]);
        let context =
            event_context(&map, &spec(), &HostSettings::default(), || unreachable!()).unwrap();
        assert_eq!(context.request_id, "rid-1");
        assert_eq!(context.function.name, "fromHeader");
        assert_eq!(context.service.name, "svcH");
        assert_eq!(context.service.log_project, "proj");
        assert_eq!(context.service.log_store, "store");
        assert_eq!(context.service.qualifier, "prod");
        assert_eq!(context.service.version_id, "3");
        assert_eq!(context.region, "cn-shanghai");
        assert_eq!(context.account_id, "42");
        assert_eq!(context.credentials.access_key_id, "STS.id");
        assert_eq!(context.credentials.access_key_secret, "secret");
        assert_eq!(context.credentials.security_token, "token");
    }

    #[test]
    fn missing_headers_fall_back_to_the_spec_and_settings() {
        let context = event_context(&HeaderMap::new(), &spec(), &HostSettings::default(), || {
            "generated".into()
        })
        .unwrap();
        assert_eq!(context.request_id, "generated");
        assert_eq!(context.function.name, "fn");
        assert_eq!(context.service.name, "svc");
        assert_eq!(context.service.qualifier, "LATEST");
        assert_eq!(context.region, "cn-hangzhou");
    }

    #[test]
    fn settings_headers_patch_the_spec_only_when_they_change_it() {
        let same = SpecPatch::from_headers(&headers(&[("x-fc-function-memory", "128")])).unwrap();
        assert_eq!(same.applied_to(&spec()).map(|s| s.memory_mb), None);
        let patch = SpecPatch::from_headers(&headers(&[
            ("x-fc-function-memory", "256"),
            ("x-fc-function-timeout", "9"),
            ("x-fc-function-initializer", "index.init"),
            ("x-fc-initialization-timeout", "5"),
        ]))
        .unwrap();
        let patched = patch.applied_to(&spec()).unwrap();
        assert_eq!(patched.memory_mb, 256);
        assert_eq!(patched.timeout_secs, 9);
        assert_eq!(patched.initializer.as_deref(), Some("index.init"));
        assert_eq!(patched.initialization_timeout_secs, 5);
        let empty = SpecPatch::from_headers(&headers(&[("x-fc-function-initializer", "")]));
        assert_eq!(empty.unwrap().initializer, None);
    }

    #[test]
    fn a_malformed_setting_is_refused_naming_the_header() {
        for (name, value) in [
            ("x-fc-function-memory", "lots"),
            ("x-fc-function-memory", "0"),
            ("x-fc-function-timeout", "-1"),
            ("x-fc-initialization-timeout", "99999999999"),
        ] {
            let error = SpecPatch::from_headers(&headers(&[(name, value)])).unwrap_err();
            assert_eq!(error.code, "InvalidArgument");
            assert!(error.message.contains(name), "{}", error.message);
        }
    }
}
