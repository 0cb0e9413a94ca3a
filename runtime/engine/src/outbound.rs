//! Outbound HTTP policy: deny by default.
//!
//! On the cloud a service reaches the internet unless `InternetAccess` is
//! `false`. Locally fclocal is stricter: a function may make outbound HTTP
//! requests only when its service sets `InternetAccess: true`, or to hosts
//! fclocal itself allows (its own local APIs). A denied request fails in the
//! guest with `wasi:http`'s `HTTP-request-denied` error, and a line in the
//! invocation's log says why and how to allow it.

use std::sync::Arc;

use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use crate::logs::LogCapture;

/// Which outbound HTTP requests a function may make.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OutboundAccess {
    /// None at all (the local default).
    #[default]
    Deny,
    /// Only to these `host:port` authorities (fclocal's own endpoints).
    Hosts(Vec<String>),
    /// Any destination (`InternetAccess: true`).
    Any,
}

impl OutboundAccess {
    /// Whether a request to `authority` (`host[:port]`) is allowed.
    pub fn allows(&self, authority: &str) -> bool {
        match self {
            OutboundAccess::Deny => false,
            OutboundAccess::Any => true,
            OutboundAccess::Hosts(hosts) => hosts.iter().any(|host| host == authority),
        }
    }
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
        if !self.access.allows(&authority) {
            self.capture.host_line(format!(
                "fclocal: outbound HTTP request to {} denied: set `InternetAccess: true` on the service in template.yml to allow outbound requests",
                request.uri()
            ));
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
        assert!(!OutboundAccess::Deny.allows("example.com"));
        assert!(OutboundAccess::Any.allows("example.com"));
    }

    #[test]
    fn hosts_match_the_whole_authority() {
        let access = OutboundAccess::Hosts(vec!["127.0.0.1:8000".into()]);
        assert!(access.allows("127.0.0.1:8000"));
        assert!(!access.allows("127.0.0.1:8001"));
        assert!(!access.allows("127.0.0.1"));
    }
}
