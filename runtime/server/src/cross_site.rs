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
//! and any request whose `Host` is not a name the server answers to: a
//! page whose DNS name is re-pointed at the server ("DNS rebinding") is
//! same-origin with itself, so only the name it uses gives it away. On a
//! loopback bind those names are `localhost` and loopback addresses; on any
//! other bind, IP addresses, `localhost` and this machine's host name. Names
//! given with `--allowed-host` (a port-forwarding IDE's, such as
//! `xxx-8000.app.github.dev`) are accepted on both, with their subdomains
//! (an SLS SDK puts the project in front of the endpoint's host).
//!
//! HTTP triggers (`/2016-08-15/proxy/…`) are left alone: they are the user's
//! application, which browsers may legitimately call from other origins (FC
//! leaves CORS to the function). The InvokeFunction API is not exempt: with
//! `--no-auth` it is unsigned, and SDKs send no `Origin` anyway.

use std::net::IpAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, StatusCode, header};
use serde_json::json;

/// FC's HTTP triggers, served to any origin.
const TRIGGER_PREFIX: &str = "/2016-08-15/proxy/";

/// What the layer checks.
#[derive(Debug, Clone)]
pub(crate) struct SitePolicy {
    /// The server listens on a loopback address: requests must name a
    /// loopback host (or an allowed one).
    pub(crate) loopback_only: bool,
    /// Names accepted in `Host` besides the built-in ones, with their
    /// subdomains: lowercase, without port or trailing dot.
    pub(crate) allowed_hosts: Arc<[String]>,
    /// This machine's host names (`name`, `name.local`), accepted when the
    /// server listens beyond loopback.
    pub(crate) machine_names: Arc<[String]>,
}

impl SitePolicy {
    /// The policy of a server bound to a loopback address or not, accepting
    /// `allowed_hosts` (`--allowed-host`) too.
    pub(crate) fn new(loopback_only: bool, allowed_hosts: &[String]) -> SitePolicy {
        let machine_names = if loopback_only {
            Vec::new()
        } else {
            machine_host_name()
                .map(|name| vec![format!("{name}.local"), name])
                .unwrap_or_default()
        };
        SitePolicy {
            loopback_only,
            allowed_hosts: allowed_hosts
                .iter()
                .map(|host| host_name(host))
                .filter(|host| !host.is_empty())
                .collect(),
            machine_names: machine_names.into(),
        }
    }

    /// `host` (a `Host` header) names this server.
    fn accepts(&self, host: &str) -> bool {
        let name = host_name(host);
        let allowed = |names: &[String]| {
            names.iter().any(|allowed| {
                name == *allowed
                    || name
                        .strip_suffix(allowed.as_str())
                        .is_some_and(|front| front.ends_with('.'))
            })
        };
        if is_loopback_name(&name) || allowed(&self.allowed_hosts) {
            return true;
        }
        !self.loopback_only && (is_ip_name(&name, |_| true) || self.machine_names.contains(&name))
    }
}

/// This machine's host name, lowercase, if it can be read cheaply.
fn machine_host_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())?;
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    (!name.is_empty()).then_some(name)
}

/// The layer: passes the request on, or answers 403 saying why.
pub(crate) async fn guard(
    State(policy): State<SitePolicy>,
    request: Request,
    next: Next,
) -> Response {
    match refusal(
        &policy,
        request.method(),
        request.uri().path(),
        request.headers(),
    ) {
        Some(reason) => (StatusCode::FORBIDDEN, Json(json!({ "error": reason }))).into_response(),
        None => next.run(request).await,
    }
}

/// Why a request is refused, if it is.
fn refusal(
    policy: &SitePolicy,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Option<String> {
    if path.starts_with(TRIGGER_PREFIX) {
        return None;
    }
    let host = header_text(headers, header::HOST.as_str());
    if policy.loopback_only && !host.is_some_and(|host| policy.accepts(host)) {
        return Some(format!(
            "fclocal listens on loopback and answers only requests addressed to localhost or a loopback address, not Host {:?} (a guard against DNS rebinding); open it as http://127.0.0.1:<port>/ or http://localhost:<port>/, or accept this name with `fclocal start --allowed-host NAME` (e.g. a port-forwarding IDE's host name)",
            host.unwrap_or("")
        ));
    }
    // A request without Host comes from no browser.
    if let Some(host) = host
        && !policy.accepts(host)
    {
        return Some(format!(
            "fclocal answers only requests addressed to an IP address, localhost or this machine's host name, not Host {host:?} (a guard against DNS rebinding); to use this name, start fclocal with `--allowed-host NAME` (or FCLOCAL_ALLOWED_HOSTS=NAME,...)"
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

/// The name in a `Host` header: lowercase, without port or trailing dot
/// (IPv6 without brackets).
fn host_name(host: &str) -> String {
    let name = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// `localhost`, `*.localhost`, a loopback IP, or `<labels>.<loopback IPv4>`
/// (the SLS SDKs put the project in front of the endpoint's host:
/// `my-project.127.0.0.1:8000`); any port.
#[cfg(test)]
fn is_loopback_host(host: &str) -> bool {
    is_loopback_name(&host_name(host))
}

/// [`is_loopback_host`] of a [`host_name`].
fn is_loopback_name(name: &str) -> bool {
    name == "localhost" || name.ends_with(".localhost") || is_ip_name(name, IpAddr::is_loopback)
}

/// An IP address for which `wanted` holds, or `<labels>.<such an IPv4>`:
/// no DNS name ends in an IPv4 address (top-level domains are not numeric),
/// so a page cannot rebind such a name.
fn is_ip_name(name: &str, wanted: impl Fn(&IpAddr) -> bool) -> bool {
    let ip = |text: &str| text.parse::<IpAddr>().is_ok_and(|ip| wanted(&ip));
    ip(name) || name.match_indices('.').any(|(at, _)| ip(&name[at + 1..]))
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

    fn policy(loopback_only: bool, allowed: &[&str]) -> SitePolicy {
        SitePolicy {
            loopback_only,
            allowed_hosts: allowed.iter().map(|host| host_name(host)).collect(),
            machine_names: vec!["devbox".to_owned(), "devbox.local".to_owned()].into(),
        }
    }

    fn loopback() -> SitePolicy {
        policy(true, &[])
    }

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
        assert!(refusal(&loopback(), &post, "/ledger/v1/submit", &evil).is_some());
        let socket = headers(&[
            ("host", "127.0.0.1:8000"),
            ("origin", "http://evil.example"),
            ("upgrade", "websocket"),
        ]);
        assert!(refusal(&loopback(), &Method::GET, "/ws", &socket).is_some());
        let fetch_site = headers(&[("host", "127.0.0.1:8000"), ("sec-fetch-site", "cross-site")]);
        assert!(refusal(&loopback(), &post, "/logstores/x/shards/lb", &fetch_site).is_some());
        let null = headers(&[("host", "127.0.0.1:8000"), ("origin", "null")]);
        assert!(refusal(&loopback(), &post, "/ledger/v1/submit", &null).is_some());
    }

    #[test]
    fn own_pages_tools_and_fc_urls_pass() {
        let post = Method::POST;
        let own = headers(&[
            ("host", "127.0.0.1:8000"),
            ("origin", "http://127.0.0.1:8000"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(refusal(&loopback(), &post, "/ledger/v1/submit", &own).is_none());
        let cli = headers(&[("host", "127.0.0.1:8000")]);
        assert!(refusal(&loopback(), &post, "/ledger/v1/submit", &cli).is_none());
        let reads = headers(&[("host", "localhost:8000"), ("sec-fetch-site", "cross-site")]);
        assert!(refusal(&loopback(), &Method::GET, "/logs", &reads).is_none());
        let trigger = headers(&[("host", "evil.example"), ("origin", "http://evil.example")]);
        assert!(refusal(&loopback(), &post, "/2016-08-15/proxy/s/f/", &trigger).is_none());
    }

    #[test]
    fn rebinding_hosts_are_refused_on_loopback_only() {
        let rebound = headers(&[("host", "evil.example:8000")]);
        assert!(refusal(&loopback(), &Method::GET, "/fclocal/", &rebound).is_some());
        let message = refusal(&loopback(), &Method::GET, "/fclocal/", &rebound).unwrap();
        assert!(message.contains("--allowed-host"), "{message}");
    }

    #[test]
    fn rebinding_hosts_are_refused_beyond_loopback_too() {
        let open = policy(false, &[]);
        let get = Method::GET;
        let rebound = headers(&[("host", "evil.example:8000")]);
        let message = refusal(&open, &get, "/fclocal/", &rebound).expect("refused");
        assert!(message.contains("--allowed-host"), "{message}");
        let rebound_write = headers(&[
            ("host", "evil.example:8000"),
            ("origin", "http://evil.example:8000"),
        ]);
        assert!(refusal(&open, &Method::POST, "/ledger/v1/submit", &rebound_write).is_some());
        for host in [
            "192.0.2.1:8000",
            "[2001:db8::1]:8000",
            "my-project.192.0.2.1:8000",
            "localhost:8000",
            "127.0.0.1",
            "devbox:8000",
            "DevBox.local",
        ] {
            let own = headers(&[("host", host), ("origin", &format!("http://{host}"))]);
            assert!(
                refusal(&open, &Method::POST, "/ledger/v1/submit", &own).is_none(),
                "{host}"
            );
        }
        // Triggers stay open to any origin and name.
        assert!(
            refusal(
                &open,
                &Method::POST,
                "/2016-08-15/proxy/s/f/",
                &rebound_write
            )
            .is_none()
        );
    }

    #[test]
    fn allowed_hosts_extend_the_accepted_names() {
        let forwarded = "xxx-8000.app.github.dev";
        for open in [false, true] {
            let policy = policy(open, &[forwarded, "Other.Example:443"]);
            for host in [
                forwarded,
                "XXX-8000.app.github.dev:443",
                "my-project.xxx-8000.app.github.dev",
                "other.example",
            ] {
                let own = headers(&[("host", host), ("origin", &format!("https://{host}"))]);
                assert!(
                    refusal(&policy, &Method::POST, "/ledger/v1/submit", &own).is_none(),
                    "{host}"
                );
            }
            for host in [
                "evil-xxx-8000.app.github.dev",
                "app.github.dev",
                "evil.example",
            ] {
                let other = headers(&[("host", host)]);
                assert!(
                    refusal(&policy, &Method::GET, "/fclocal/", &other).is_some(),
                    "{host}"
                );
            }
        }
    }

    #[test]
    fn the_invoke_function_api_is_guarded_like_the_rest() {
        let invoke = "/2016-08-15/services/s/functions/f/invocations";
        let evil = headers(&[
            ("host", "127.0.0.1:8000"),
            ("origin", "http://evil.example"),
            ("content-type", "text/plain"),
        ]);
        assert!(refusal(&loopback(), &Method::POST, invoke, &evil).is_some());
        let sdk = headers(&[("host", "127.0.0.1:8000")]);
        assert!(refusal(&loopback(), &Method::POST, invoke, &sdk).is_none());
    }
}
