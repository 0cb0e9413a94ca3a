//! Where forwarded lines go: an SLS endpoint as users write it
//! (`cn-hangzhou.log.aliyuncs.com`, `https://cn-hangzhou.log.aliyuncs.com`,
//! `127.0.0.1:8000`), and the SDKs' addressing on top of it.
//!
//! The SDKs send a project's requests to `{project}.{endpoint}`. fclocal
//! connects to the endpoint's own address and sends `Host: {project}.{endpoint}`
//! (and, over TLS, that name as SNI and as the certificate name): SLS routes
//! on the `Host` header, its certificates cover `*.{endpoint}`, and a local
//! fclocal standing in for SLS at `127.0.0.1:PORT` works although
//! `{project}.127.0.0.1` resolves nowhere.
//!
//! Without a scheme, a DNS name gets `https` (log lines may be sensitive) and
//! an IP address or `localhost` gets `http` (a local stand-in rarely has a
//! certificate). Say `http://` or `https://` to choose.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS.
    Https,
}

impl Scheme {
    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A parsed `--forward-logs` endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `http` or `https`.
    pub scheme: Scheme,
    /// Host name or IP address, without brackets or port.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Why an endpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--forward-logs {given:?} is not an SLS endpoint: {reason} (expected e.g. cn-hangzhou.log.aliyuncs.com, https://cn-hangzhou.log.aliyuncs.com or 127.0.0.1:8000)"
)]
pub struct EndpointError {
    /// What the user gave.
    pub given: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl FromStr for Endpoint {
    type Err = EndpointError;

    fn from_str(given: &str) -> Result<Endpoint, EndpointError> {
        let fail = |reason| EndpointError {
            given: given.to_owned(),
            reason,
        };
        let text = given.trim();
        let (scheme, rest) = if let Some(rest) = text.strip_prefix("https://") {
            (Some(Scheme::Https), rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            (Some(Scheme::Http), rest)
        } else if text.contains("://") {
            return Err(fail("only http:// and https:// are supported"));
        } else {
            (None, text)
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') || rest.contains('?') || rest.contains('@') {
            return Err(fail("give only the host (and port), without a path"));
        }
        if rest.starts_with('[') {
            return Err(fail(
                "IPv6 addresses cannot carry SLS's {project}. host prefix; use a host name",
            ));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => {
                let port = port
                    .parse::<u16>()
                    .ok()
                    .filter(|port| *port != 0)
                    .ok_or_else(|| fail("the port must be a number from 1 to 65535"))?;
                (host, Some(port))
            }
            None => (rest, None),
        };
        if host.is_empty() {
            return Err(fail("the host is empty"));
        }
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(fail("the host may hold only letters, digits, '-' and '.'"));
        }
        let local = host.parse::<IpAddr>().is_ok() || host.eq_ignore_ascii_case("localhost");
        let scheme = scheme.unwrap_or(if local { Scheme::Http } else { Scheme::Https });
        Ok(Endpoint {
            scheme,
            host: host.to_ascii_lowercase(),
            port: port.unwrap_or(scheme.default_port()),
        })
    }
}

impl Endpoint {
    /// `{project}.{host}`: the name the SDKs address a project by.
    pub fn project_host(&self, project: &str) -> String {
        format!("{project}.{}", self.host)
    }

    /// The `Host` header of `project`'s requests (with the port when it is
    /// not the scheme's default).
    pub fn host_header(&self, project: &str) -> String {
        if self.port == self.scheme.default_port() {
            self.project_host(project)
        } else {
            format!("{}:{}", self.project_host(project), self.port)
        }
    }
}

impl fmt::Display for Endpoint {
    /// `scheme://host[:port]`, as the banner and the status show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.name(), self.host)?;
        if self.port != self.scheme.default_port() {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Endpoint {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn cloud_names_default_to_https_and_local_addresses_to_http() {
        let cloud = parse("cn-hangzhou.log.aliyuncs.com");
        assert_eq!(
            (cloud.scheme, cloud.port),
            (Scheme::Https, 443),
            "{cloud:?}"
        );
        assert_eq!(cloud.to_string(), "https://cn-hangzhou.log.aliyuncs.com");
        assert_eq!(
            cloud.host_header("my-proj"),
            "my-proj.cn-hangzhou.log.aliyuncs.com"
        );
        let local = parse("127.0.0.1:8000");
        assert_eq!((local.scheme, local.port), (Scheme::Http, 8000));
        assert_eq!(local.host_header("p"), "p.127.0.0.1:8000");
        assert_eq!(local.to_string(), "http://127.0.0.1:8000");
        assert_eq!(parse("localhost").scheme, Scheme::Http);
        assert_eq!(parse("http://cn-hangzhou.log.aliyuncs.com/").port, 80);
        assert_eq!(parse("https://127.0.0.1:9443").scheme, Scheme::Https);
    }

    #[test]
    fn paths_ports_and_odd_schemes_are_refused_with_an_example() {
        for bad in [
            "",
            "ftp://x",
            "x.com/logstores",
            "x.com:0",
            "x.com:http",
            "[::1]:80",
            "a b",
        ] {
            let error = bad.parse::<Endpoint>().unwrap_err().to_string();
            assert!(error.contains("cn-hangzhou.log.aliyuncs.com"), "{error}");
        }
    }
}
