//! Outbound HTTP policy: deny by default.
//!
//! On the cloud a service reaches the internet unless `InternetAccess` is
//! `false`. Locally fclocal is stricter: a function may make outbound HTTP
//! requests only when its service sets `InternetAccess: true`, or to the SLS
//! API on fclocal's own endpoint (what FC gives every function: somewhere to
//! put and read its logs). Nothing else on that port is reachable: the admin
//! API, the ledger, the web pages and the FC API belong to the developer,
//! not to the code under test. A denied request fails in the guest with
//! `wasi:http`'s `HTTP-request-denied` error, and a line in the invocation's
//! log says why and how to allow it.

use std::sync::Arc;

use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use crate::logs::LogCapture;

/// Which outbound HTTP requests a function may make.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OutboundAccess {
    /// None at all (the local default).
    #[default]
    Deny,
    /// Only the SLS API (paths under [`SLS_API_PATH`]) on these `host:port`
    /// authorities (fclocal's own endpoints).
    Hosts(Vec<String>),
    /// Any destination (`InternetAccess: true`).
    Any,
}

/// Where the SLS API lives on fclocal's endpoint: every operation it serves
/// is under `/logstores`.
pub const SLS_API_PATH: &str = "/logstores";

impl OutboundAccess {
    /// Whether a request to `authority` (`host[:port]`) and `path` is allowed.
    pub fn allows(&self, authority: &str, path: &str) -> bool {
        match self {
            OutboundAccess::Deny => false,
            OutboundAccess::Any => true,
            OutboundAccess::Hosts(hosts) => {
                hosts.iter().any(|host| host == authority) && is_sls_api_path(path)
            }
        }
    }
}

/// `/logstores` or below it, with no dot segments that could climb out.
fn is_sls_api_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix(SLS_API_PATH) else {
        return false;
    };
    (rest.is_empty() || rest.starts_with('/'))
        && !path.split('/').any(|segment| {
            let lower = segment.to_ascii_lowercase();
            matches!(
                lower.as_str(),
                "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."
            ) || lower.contains("%2f")
        })
}

/// The `wasi:http` hooks of one instance.
pub(crate) struct OutboundPolicy {
    access: OutboundAccess,
    /// Where to explain a denial, so the user sees it next to the guest's error.
    capture: Arc<LogCapture>,
}

impl OutboundPolicy {
    pub(crate) fn new(access: OutboundAccess, capture: Arc<LogCapture>) -> Self {
        OutboundPolicy { access, capture }
    }
}

type SendResult = Result<
    (
        http::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ),
    HttpError,
>;

impl WasiHttpHooks for OutboundPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        let authority = request
            .uri()
            .authority()
            .map(|authority| authority.to_string())
            .unwrap_or_default();
        if !self.access.allows(&authority, request.uri().path()) {
            let line = match &self.access {
                OutboundAccess::Hosts(hosts) if hosts.contains(&authority) => format!(
                    "fclocal: outbound HTTP request to {} denied: without `InternetAccess: true` a function may call only the SLS API ({SLS_API_PATH}/…) on fclocal's endpoint",
                    request.uri()
                ),
                _ => format!(
                    "fclocal: outbound HTTP request to {} denied: set `InternetAccess: true` on the service in template.yml to allow outbound requests",
                    request.uri()
                ),
            };
            self.capture.host_line(line);
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_allows_nothing_and_any_allows_everything() {
        assert!(!OutboundAccess::Deny.allows("example.com", "/"));
        assert!(OutboundAccess::Any.allows("example.com", "/fclocal/instances"));
    }

    #[test]
    fn hosts_match_the_whole_authority() {
        let access = OutboundAccess::Hosts(vec!["127.0.0.1:8000".into()]);
        assert!(access.allows("127.0.0.1:8000", "/logstores/ls/shards/lb"));
        assert!(!access.allows("127.0.0.1:8001", "/logstores/ls/shards/lb"));
        assert!(!access.allows("127.0.0.1", "/logstores/ls/shards/lb"));
    }

    #[test]
    fn fclocals_endpoint_serves_guests_only_the_sls_api() {
        let access = OutboundAccess::Hosts(vec!["127.0.0.1:8000".into()]);
        for path in [
            "/logstores",
            "/logstores/events",
            "/logstores/events/shards/0",
        ] {
            assert!(access.allows("127.0.0.1:8000", path), "{path}");
        }
        for path in [
            "/",
            "/fclocal/instances",
            "/ledger/v1/submit",
            "/2016-08-15/services/s/functions/f/invocations",
            "/logstoresx",
            "/logstores/../fclocal/instances",
            "/logstores/%2e%2e/fclocal/instances",
            "/logstores/a%2Fb",
        ] {
            assert!(!access.allows("127.0.0.1:8000", path), "{path}");
        }
    }
}
