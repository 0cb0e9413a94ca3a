//! Routes Function Compute's URLs to their handlers: HTTP triggers under
//! `/2016-08-15/proxy/`, the InvokeFunction API under `/2016-08-15/services/`.
//! Anything else gets FC's 404.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use fclocal_invoke::new_request_id;
use http::{Request, StatusCode};

use crate::fc_error::FcError;
use crate::headers;
use crate::state::AppState;
use crate::{invocations, proxy};

const SERVICES: &str = "/2016-08-15/services/";

/// The fallback handler for everything the admin routes do not take.
pub async fn dispatch(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request<Body>,
) -> Response {
    let request_id = new_request_id();
    let path = request.uri().path().to_owned();
    if let Some(rest) = path.strip_prefix(proxy::PREFIX) {
        return proxy::handle(&state, peer, request, rest, &request_id).await;
    }
    if let Some((service, function)) = invocation_target(&path) {
        return invocations::handle(&state, request, service, function, &request_id).await;
    }
    let mut response = FcError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!(
            "no route for {path}; HTTP triggers live under /2016-08-15/proxy/{{service}}/{{function}}/ and the InvokeFunction API at /2016-08-15/services/{{service}}/functions/{{function}}/invocations"
        ),
    )
    .into_response();
    headers::ensure_request_headers(response.headers_mut(), &request_id);
    response
}

/// `(service, function)` of `/2016-08-15/services/{s}/functions/{f}/invocations[/]`.
fn invocation_target(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix(SERVICES)?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut parts = rest.split('/');
    let service = parts.next()?;
    (parts.next()? == "functions").then_some(())?;
    let function = parts.next()?;
    (parts.next()? == "invocations" && parts.next().is_none()).then_some((service, function))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocation_paths_parse_with_or_without_a_trailing_slash() {
        assert_eq!(
            invocation_target("/2016-08-15/services/s/functions/f/invocations"),
            Some(("s", "f"))
        );
        assert_eq!(
            invocation_target("/2016-08-15/services/s.LATEST/functions/f/invocations/"),
            Some(("s.LATEST", "f"))
        );
        assert_eq!(
            invocation_target("/2016-08-15/services/s/functions/f"),
            None
        );
        assert_eq!(
            invocation_target("/2016-08-15/services/s/functions/f/invocations/x"),
            None
        );
    }
}
