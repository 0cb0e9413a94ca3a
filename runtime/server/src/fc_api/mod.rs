//! Function Compute's API in its three versions: 2016-08-15 (the fc2
//! SDKs, `fun`, `s`), 2021-04-06 (`alibabacloud-fc-open20210406`, the FC
//! Open API SDKs most FC 2.0 code uses) and 2023-03-30 (FC 3.0,
//! `alibabacloud-fc20230330`, functions without services).
//!
//! Each call is authenticated first (FC's signature or ACS3-HMAC-SHA256,
//! `auth`), then served: InvokeFunction by `invocations`, the read-only
//! management calls from the template by `management`. Calls that would
//! change resources are refused with a message pointing at `template.yml`,
//! and every error has the body of the version called.
//!
//! Management answers carry no CORS headers: a page on another site must
//! not read a function's environment variables through a user's browser
//! (with `--no-auth` nothing else would stop it).
//!
//! # Layout
//! - `route`: path → [`route::Call`]; `auth`: which signature, checked.
//! - `catalog`: the template sorted and named as the API reports it, FC 3.0
//!   names; `shapes`: the JSON of each version; `page`: `limit`/`nextToken`.
//! - `management`: the read calls.

pub mod auth;
pub mod catalog;
mod management;
mod page;
pub mod route;
mod shapes;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{Request, StatusCode};

use crate::fc_error::FcError;
use crate::headers;
use crate::invocations::{self, Invocation};
use crate::state::AppState;
use route::{ApiVersion, Call};
use shapes::Urls;

/// Serves a request under `/{version}/` (`rest` is the path after it).
pub async fn handle(
    state: &AppState,
    request: Request<Body>,
    version: ApiVersion,
    rest: &str,
    request_id: &str,
) -> Response {
    let shape = version.error_shape();
    let call = route::parse(version, request.method(), rest);
    let mut response = match serve(state, request, version, call, request_id).await {
        Ok(response) => response,
        Err(error) => error.render(shape, request_id),
    };
    headers::ensure_request_headers(response.headers_mut(), request_id);
    response
}

async fn serve(
    state: &AppState,
    request: Request<Body>,
    version: ApiVersion,
    call: Call,
    request_id: &str,
) -> Result<Response, FcError> {
    auth::authenticate(state, version, &request)?;
    let query = request.uri().query().map(str::to_owned);
    match call {
        Call::Invoke(target) => {
            let entry = management::resolve(&state.catalog, &target, query.as_deref())?;
            let (service, function) = (
                entry.service.name.to_string(),
                entry.function.name.to_string(),
            );
            let target = Invocation {
                service: &service,
                function: &function,
                shape: version.error_shape(),
            };
            Ok(invocations::handle(state, request, target, request_id).await)
        }
        Call::Write(action) => Err(FcError::new(
            StatusCode::BAD_REQUEST,
            "NotSupported",
            format!(
                "{action} is not supported: fclocal serves the services, functions and triggers of template.yml and never changes them through the API; edit template.yml and restart `fclocal start` instead"
            ),
        )),
        Call::NotServed => Err(FcError::new(
            StatusCode::NOT_FOUND,
            "PathNotSupported",
            format!(
                "{} {} is not served by fclocal; the {} API here has InvokeFunction and the read calls {}",
                request.method(),
                request.uri().path(),
                version.as_str(),
                read_calls(version)
            ),
        )),
        read => {
            let host = request
                .headers()
                .get(http::header::HOST)
                .and_then(|value| value.to_str().ok());
            let base = base_url(host, state.address);
            let settings = state.pools.host().settings();
            let urls = Urls {
                base,
                account_id: settings.account_id.clone(),
                region: settings.region.clone(),
            };
            let body = management::answer(state, version, &read, query.as_deref(), &urls)?;
            Ok(axum::Json(body).into_response())
        }
    }
}

/// The base of the URLs an answer reports (trigger URLs): the name the
/// client used, with the port the server listens on when the client's Host
/// leaves it out (@alicloud/fc2 does). The Host is parsed as an authority,
/// so the colons of an IPv6 literal (`[::1]`) are not taken for a port; a
/// Host that is no authority gives way to the listening address.
fn base_url(host: Option<&str>, address: std::net::SocketAddr) -> String {
    match host.and_then(|host| host.parse::<http::uri::Authority>().ok()) {
        Some(authority) if authority.port_u16().is_some() => format!("http://{authority}"),
        Some(authority) => format!("http://{}:{}", authority.host(), address.port()),
        None => format!("http://{address}"),
    }
}

/// The read calls `version` has, for messages and the banner.
pub fn read_calls(version: ApiVersion) -> &'static str {
    match version {
        ApiVersion::V2023 => "ListFunctions, GetFunction, ListTriggers, GetTrigger",
        _ => "ListServices, GetService, ListFunctions, GetFunction, ListTriggers, GetTrigger",
    }
}

#[cfg(test)]
mod tests {
    use super::base_url;

    #[test]
    fn the_base_url_keeps_the_clients_name_and_finds_the_port() {
        let address: std::net::SocketAddr = "127.0.0.1:8000".parse().unwrap();
        let v6: std::net::SocketAddr = "[::1]:8000".parse().unwrap();
        for (host, expected) in [
            (Some("localhost:9000"), "http://localhost:9000"),
            (Some("localhost"), "http://localhost:8000"),
            (Some("[::1]"), "http://[::1]:8000"),
            (Some("[::1]:9000"), "http://[::1]:9000"),
            (Some(""), "http://127.0.0.1:8000"),
            (Some("a b"), "http://127.0.0.1:8000"),
            (None, "http://127.0.0.1:8000"),
        ] {
            assert_eq!(base_url(host, address), expected, "{host:?}");
        }
        assert_eq!(base_url(None, v6), "http://[::1]:8000");
        assert_eq!(base_url(Some("[::1]"), v6), "http://[::1]:8000");
    }
}
