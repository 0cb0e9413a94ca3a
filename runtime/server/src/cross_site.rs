//! Where a request comes from: web pages on other sites must not drive
//! fclocal through the user's browser.
//!
//! A page on `http://evil.example` can make the browser send a "simple"
//! request (a form post, a `text/plain` fetch) to `http://127.0.0.1:8000`
//! without any CORS preflight, and open a websocket to it; the browser then
//! carries out whatever the request does even though the page cannot read
//! the answer. So for every request that changes state (any method but
//! GET, HEAD and OPTIONS) and every websocket upgrade, this layer refuses:
//!
//! - `Sec-Fetch-Site: cross-site` (every current browser sends it);
//! - an `Origin` that is not the server's own (`http://<Host>`): browsers
//!   send `Origin` on every cross-origin POST and websocket, and CLIs and
//!   SDKs send none;
//!
//! and, when the server listens on loopback only, any request whose `Host`
//! is not a loopback name: a page whose DNS name is re-pointed at 127.0.0.1
//! ("DNS rebinding") is same-origin with itself, so only the name it uses
//! gives it away.
//!
//! FC's own URLs (`/2016-08-15/…`) are left alone: HTTP triggers are the
//! user's application, which browsers may legitimately call from other
//! origins (FC leaves CORS to the function), and the InvokeFunction API is
//! signed.

use std::net::IpAddr;

use axum::Json;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, StatusCode, header};
use serde_json::json;

/// FC's URL space, served to any origin.
const FC_PREFIX: &str = "/2016-08-15/";

/// What the layer checks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SitePolicy {
    /// The server listens on a loopback address: requests must name a
    /// loopback host.
    pub(crate) loopback_only: bool,
}

/// The layer: passes the request on, or answers 403 saying why.
pub(crate) async fn guard(
    State(policy): State<SitePolicy>,
    request: Request,
    next: Next,
) -> Response {
    match refusal(
        policy,
        request.method(),
        request.uri().path(),
        request.headers(),
    ) {
        Some(reason) => (StatusCode::FORBIDDEN, Json(json!({ "error": reason }))).into_response(),
        None => next.run(request).await,
    }
}

/// Why a request is refused, if it is.
fn refusal(policy: SitePolicy, method: &Method, path: &str, headers: &HeaderMap) -> Option<String> {
    if path.starts_with(FC_PREFIX) {
        return None;
    }
    let host = header_text(headers, header::HOST.as_str());
    if policy.loopback_only && !host.is_some_and(is_loopback_host) {
        return Some(format!(
            "fclocal listens on loopback and answers only requests addressed to localhost or a loopback address, not Host {:?} (a guard against DNS rebinding); open it as http://127.0.0.1:<port>/ or http://localhost:<port>/",
            host.unwrap_or("")
        ));
    }
    let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    let upgrade = header_text(headers, header::UPGRADE.as_str())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"));
    if !changes_state && !upgrade {
        return None;
    }
    let what = if upgrade {
        "websocket connections".to_owned()
    } else {
        format!("{method} requests")
    };
    if let Some(origin) = header_text(headers, header::ORIGIN.as_str())
        && !host.is_some_and(|host| is_own_origin(origin, host))
    {
        return Some(format!(
            "{what} from the page at Origin {origin:?} are refused: only fclocal's own pages (Origin http://{}) and tools that send no Origin (the fclocal CLI, the SDKs, curl) may change state",
            host.unwrap_or("<Host>")
        ));
    }
    header_text(headers, "sec-fetch-site")
        .is_some_and(|site| site.eq_ignore_ascii_case("cross-site"))
        .then(|| format!(
            "{what} from another site's page are refused (Sec-Fetch-Site: cross-site): fclocal's ledger, log and admin APIs take changes only from its own pages and from tools such as the fclocal CLI and the SDKs"
        ))
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// `origin` is `http://<host>` (or `https://`, behind a TLS proxy).
fn is_own_origin(origin: &str, host: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    ["http://", "https://"].iter().any(|scheme| {
        origin
            .get(..scheme.len())
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(scheme))
            && origin[scheme.len()..].eq_ignore_ascii_case(host)
    })
}

/// `localhost`, `*.localhost`, a loopback IP, or `<labels>.<loopback IPv4>`
/// (the SLS SDKs put the project in front of the endpoint's host:
/// `my-project.127.0.0.1:8000`); any port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    let loopback_ip = |text: &str| text.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    loopback_ip(&name)
        || name
            .match_indices('.')
            .any(|(at, _)| loopback_ip(&name[at + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        headers
    }

    const LOOPBACK: SitePolicy = SitePolicy {
        loopback_only: true,
    };

    #[test]
    fn loopback_names() {
        for host in [
            "127.0.0.1:8000",
            "localhost:8000",
            "LOCALHOST",
            "app.localhost:1",
            "[::1]:8000",
            "my-project.127.0.0.1:8000",
            "127.0.0.2",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example:8000",
            "127.0.0.1.evil.example",
            "192.0.2.1:8000",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn cross_site_writes_and_websockets_are_refused() {
        let post = Method::POST;
        let evil = headers(&[
            ("host", "127.0.0.1:8000"),
            ("origin", "http://evil.example"),
        ]);
        assert!(refusal(LOOPBACK, &post, "/ledger/v1/submit", &evil).is_some());
        let socket = headers(&[
            ("host", "127.0.0.1:8000"),
            ("origin", "http://evil.example"),
            ("upgrade", "websocket"),
        ]);
        assert!(refusal(LOOPBACK, &Method::GET, "/ws", &socket).is_some());
        let fetch_site = headers(&[("host", "127.0.0.1:8000"), ("sec-fetch-site", "cross-site")]);
        assert!(refusal(LOOPBACK, &post, "/logstores/x/shards/lb", &fetch_site).is_some());
        let null = headers(&[("host", "127.0.0.1:8000"), ("origin", "null")]);
        assert!(refusal(LOOPBACK, &post, "/ledger/v1/submit", &null).is_some());
    }

    #[test]
    fn own_pages_tools_and_fc_urls_pass() {
        let post = Method::POST;
        let own = headers(&[
            ("host", "127.0.0.1:8000"),
            ("origin", "http://127.0.0.1:8000"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(refusal(LOOPBACK, &post, "/ledger/v1/submit", &own).is_none());
        let cli = headers(&[("host", "127.0.0.1:8000")]);
        assert!(refusal(LOOPBACK, &post, "/ledger/v1/submit", &cli).is_none());
        let reads = headers(&[("host", "localhost:8000"), ("sec-fetch-site", "cross-site")]);
        assert!(refusal(LOOPBACK, &Method::GET, "/logs", &reads).is_none());
        let trigger = headers(&[("host", "evil.example"), ("origin", "http://evil.example")]);
        assert!(refusal(LOOPBACK, &post, "/2016-08-15/proxy/s/f/", &trigger).is_none());
    }

    #[test]
    fn rebinding_hosts_are_refused_on_loopback_only() {
        let rebound = headers(&[("host", "evil.example:8000")]);
        assert!(refusal(LOOPBACK, &Method::GET, "/fclocal/", &rebound).is_some());
        let open = SitePolicy {
            loopback_only: false,
        };
        assert!(refusal(open, &Method::GET, "/fclocal/", &rebound).is_none());
    }
}
