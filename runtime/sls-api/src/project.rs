//! Which project a request is for.
//!
//! The SLS SDKs put the project in the host name: they talk to endpoint `E`
//! by sending `Host: {project}.{E}` (go-sdk `parseEndpoint`, py-sdk `_send`,
//! rs-sdk `build_host`), and the path starts at `/logstores`. Locally that
//! works as long as the name resolves (`my-project.localhost` does not with
//! glibc's default `hosts: files dns`; py-sdk talks to a bare IPv4 endpoint
//! and still sends `Host: {project}.{ip}`). Clients that address the server
//! plainly (curl, a WebAssembly function calling `127.0.0.1`) name the
//! project another way. The order:
//!
//! 1. the first DNS label of `Host`, when the rest is a host of its own
//!    (`proj.127.0.0.1:9000`, `proj.localhost`, `proj.cn-hangzhou.log.aliyuncs.com`);
//!    a bare IP address, `localhost` or single-label host names no project;
//! 2. the `x-log-project` header;
//! 3. the `project` query parameter;
//! 4. [`ApiConfig::default_project`](crate::ApiConfig);
//! 5. otherwise `ProjectNotExist`, saying how to name one.

use std::net::IpAddr;

use http::HeaderMap;

use crate::error::ApiError;

/// `x-log-project`: the project, for clients that cannot set `Host`.
pub const PROJECT_HEADER: &str = "x-log-project";
/// The `project` query parameter.
pub const PROJECT_PARAM: &str = "project";

/// The project of a request (see the module docs for the order). `authority`
/// is the request URI's, used when there is no `Host` header (HTTP/2).
pub fn resolve(
    headers: &HeaderMap,
    authority: Option<&str>,
    query_project: Option<&str>,
    default_project: Option<&str>,
) -> Result<String, ApiError> {
    let host = headers
        .get(http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .or(authority);
    if let Some(project) = host.and_then(project_of_host) {
        return Ok(project);
    }
    let header = headers
        .get(PROJECT_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim);
    [header, query_project, default_project]
        .into_iter()
        .flatten()
        .find(|project| !project.is_empty())
        .map(str::to_owned)
        .ok_or(ApiError::NoProject)
}

/// The project label of a `Host` value, if it has one.
pub fn project_of_host(host: &str) -> Option<String> {
    let host = strip_port(host.trim());
    if host.is_empty() || host.starts_with('[') || host.parse::<IpAddr>().is_ok() {
        return None;
    }
    let (label, rest) = host.split_once('.')?;
    let rest = rest.trim_end_matches('.');
    (!label.is_empty() && !rest.is_empty()).then(|| label.to_ascii_lowercase())
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // [::1]:9000 stays bracketed; it is never a project.
        return host;
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn the_host_label_names_the_project() {
        for (host, project) in [
            ("proj.127.0.0.1:9000", Some("proj")),
            ("proj.localhost", Some("proj")),
            ("Proj.cn-hangzhou.log.aliyuncs.com", Some("proj")),
            ("proj.fclocal:80", Some("proj")),
            ("127.0.0.1:9000", None),
            ("127.0.0.1", None),
            ("localhost:9000", None),
            ("[::1]:9000", None),
            ("fclocal", None),
            ("", None),
        ] {
            assert_eq!(project_of_host(host).as_deref(), project, "{host}");
        }
    }

    #[test]
    fn fallbacks_apply_in_order() {
        let bare = headers(&[("host", "127.0.0.1:9000")]);
        let with_header = headers(&[("host", "127.0.0.1:9000"), (PROJECT_HEADER, "from-header")]);
        let named = headers(&[
            ("host", "from-host.127.0.0.1:9000"),
            (PROJECT_HEADER, "from-header"),
        ]);
        assert_eq!(
            resolve(&named, None, Some("q"), Some("d")).unwrap(),
            "from-host"
        );
        assert_eq!(
            resolve(&with_header, None, Some("q"), Some("d")).unwrap(),
            "from-header"
        );
        assert_eq!(resolve(&bare, None, Some("q"), Some("d")).unwrap(), "q");
        assert_eq!(resolve(&bare, None, None, Some("d")).unwrap(), "d");
        assert_eq!(
            resolve(&bare, None, Some(""), None).unwrap_err(),
            ApiError::NoProject
        );
        assert_eq!(
            resolve(&HeaderMap::new(), Some("p.localhost:1"), None, None).unwrap(),
            "p"
        );
    }
}
