//! What to give each official SLS SDK as its endpoint, for the banner.
//!
//! The SDKs put the project in the host name (`{project}.{endpoint}`), which
//! does not resolve for a local endpoint on a stock machine (glibc's `hosts:
//! files dns` has no `*.localhost` rule). Each SDK gets the route that works
//! for it without code changes (README, "SLS SDKs"):
//! - Python and Go honour `HTTP_PROXY`: with fclocal as the proxy they send
//!   `GET http://{project}.localhost:PORT/…`, which fclocal serves itself;
//! - npm `aliyun-sdk` talks to an IP endpoint as given (the project comes
//!   from `Host` or fclocal's default project);
//! - npm `@alicloud/log` and Java connect to `{project}.localhost` and need
//!   one hosts line per project (Java also refuses a port in the endpoint:
//!   it goes through `ClientConfiguration.setProxyHost/Port` instead).

use std::net::SocketAddr;

/// The banner lines telling users how to point each SLS SDK at `address`,
/// with the hosts line for `projects`.
pub fn client_endpoint_lines(address: SocketAddr, projects: &[String]) -> Vec<String> {
    let port = address.port();
    let mut lines = vec![format!(
        "SLS SDKs: Python/Go endpoint localhost:{port} with HTTP_PROXY=http://{address}; npm aliyun-sdk endpoint http://{address}"
    )];
    if !projects.is_empty() {
        let names: Vec<String> = projects
            .iter()
            .map(|project| format!("{project}.localhost"))
            .collect();
        lines.push(format!(
            "SLS SDKs: npm @alicloud/log endpoint localhost:{port}, Java via setProxyHost/Port; both need /etc/hosts: 127.0.0.1 {}",
            names.join(" ")
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sdk_gets_an_endpoint_and_the_hosts_line_lists_every_project() {
        let address: SocketAddr = "127.0.0.1:8000".parse().unwrap();
        let lines = client_endpoint_lines(address, &["a".to_owned(), "b-logs".to_owned()]);
        assert_eq!(
            lines,
            [
                "SLS SDKs: Python/Go endpoint localhost:8000 with HTTP_PROXY=http://127.0.0.1:8000; npm aliyun-sdk endpoint http://127.0.0.1:8000",
                "SLS SDKs: npm @alicloud/log endpoint localhost:8000, Java via setProxyHost/Port; both need /etc/hosts: 127.0.0.1 a.localhost b-logs.localhost",
            ]
        );
    }

    #[test]
    fn without_projects_there_is_no_hosts_line() {
        let address: SocketAddr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(client_endpoint_lines(address, &[]).len(), 1);
    }
}
