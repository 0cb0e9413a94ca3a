//! Outbound HTTP: blocking requests over `wasi:http/outgoing-handler`.
//!
//! fclocal denies outbound requests unless its policy allows the destination
//! (for example the local SLS API for a timer function that reads the
//! logstore); a denied request fails with the wasi:http error code
//! `HttpRequestDenied`.
//!
//! ```no_run
//! use fclocal_sdk::outbound;
//!
//! # fn main() -> Result<(), fclocal_sdk::FunctionError> {
//! let resp = outbound::get("http://127.0.0.1:8000/healthz")?;
//! fclocal_sdk::info!("status {}: {}", resp.status(), resp.text());
//!
//! let resp = outbound::send(
//!     "POST",
//!     "http://127.0.0.1:8000/api",
//!     &[("content-type", "application/json")],
//!     br#"{"type":"create"}"#,
//! )?;
//! assert!(resp.is_success());
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;
use std::fmt;

use serde::de::DeserializeOwned;
use wasi::http::outgoing_handler;
use wasi::http::types::{ErrorCode, Fields, OutgoingRequest, Scheme};

use crate::http::MultiMap;
use crate::http::wire;

/// A response to an outbound request, body fully read.
#[derive(Clone, Debug)]
pub struct OutboundResponse {
    status: u16,
    headers: MultiMap,
    body: Vec<u8>,
}

impl OutboundResponse {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The headers (names lower-case), FC style.
    pub fn headers(&self) -> &MultiMap {
        &self.headers
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase())
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Takes the body, leaving it empty.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The body as text; invalid UTF-8 is replaced with U+FFFD.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// Parses the body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, OutboundError> {
        serde_json::from_slice(&self.body).map_err(|e| OutboundError::Body(e.to_string()))
    }
}

/// Why an outbound request failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutboundError {
    /// The URL is not an absolute `http://` or `https://` URL.
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The host refused a request header (wasi:http `header-error`).
    InvalidHeader {
        /// The header name.
        name: String,
        /// The wasi:http `header-error`, e.g. `Forbidden`.
        reason: String,
    },
    /// The host or the network failed the request: the wasi:http
    /// `error-code` as text, e.g. `HttpRequestDenied` (fclocal's policy
    /// forbids the destination) or `ConnectionRefused`.
    Http(String),
    /// Sending the request body or reading the response body failed, or the
    /// body is not the JSON expected.
    Body(String),
}

impl OutboundError {
    /// The wasi:http `error-code` text for [`OutboundError::Http`], e.g.
    /// `HttpRequestDenied`.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            OutboundError::Http(code) => Some(code),
            _ => None,
        }
    }
}

impl fmt::Display for OutboundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutboundError::InvalidUrl { url, reason } => write!(f, "invalid URL `{url}`: {reason}"),
            OutboundError::InvalidHeader { name, reason } => {
                write!(f, "request header `{name}` refused: {reason}")
            }
            OutboundError::Http(code) => write!(f, "outbound HTTP request failed: {code}"),
            OutboundError::Body(e) => write!(f, "outbound HTTP body error: {e}"),
        }
    }
}

impl std::error::Error for OutboundError {}

/// `GET url`, blocking until the whole response has arrived.
pub fn get(url: &str) -> Result<OutboundResponse, OutboundError> {
    send("GET", url, &[], &[])
}

/// Sends a request and blocks until the whole response has arrived.
///
/// `method` is `GET`, `POST`, ... (any case); `url` an absolute `http://` or
/// `https://` URL; `content-length` is set from `body` when it is not empty.
pub fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<OutboundResponse, OutboundError> {
    let target = Target::parse(url)?;

    let fields = Fields::new();
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        fields
            .append(name, value.as_bytes())
            .map_err(|e| OutboundError::InvalidHeader {
                name: (*name).to_owned(),
                reason: format!("{e:?}"),
            })?;
    }
    if !body.is_empty() {
        let _ = fields.append("content-length", body.len().to_string().as_bytes());
    }

    let request = OutgoingRequest::new(fields);
    let invalid = |what: &str| OutboundError::InvalidUrl {
        url: url.to_owned(),
        reason: format!("the host refused the {what}"),
    };
    request
        .set_method(&wire::method_from_name(method))
        .map_err(|()| invalid("method"))?;
    request
        .set_scheme(Some(&target.scheme))
        .map_err(|()| invalid("scheme"))?;
    request
        .set_authority(Some(&target.authority))
        .map_err(|()| invalid("authority"))?;
    request
        .set_path_with_query(Some(&target.path_with_query))
        .map_err(|()| invalid("path"))?;

    // Take the body before sending: wasmtime only drains the body stream once
    // the request is on its way, so it is written after `handle`.
    let outgoing_body = request
        .body()
        .map_err(|()| OutboundError::Body("request body already taken".to_owned()))?;
    let future = outgoing_handler::handle(request, None)
        .map_err(|code| OutboundError::Http(code_text(&code)))?;
    // A refused request (policy, connection) closes the body stream, so a
    // write error is reported only when the response says nothing better.
    let written = wire::write_body(outgoing_body, body);
    let response = loop {
        match future.get() {
            Some(Ok(Ok(response))) => break response,
            Some(Ok(Err(code))) => return Err(OutboundError::Http(code_text(&code))),
            Some(Err(())) => {
                return Err(OutboundError::Http("response already taken".to_owned()));
            }
            None => future.subscribe().block(),
        }
    };
    drop(future);
    written.map_err(OutboundError::Body)?;

    let status = response.status();
    let headers = wire::header_entries(&response.headers())
        .into_iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value))
        .collect();
    let body = match response.consume() {
        Ok(body) => wire::read_body(body).map_err(OutboundError::Body)?,
        Err(()) => Vec::new(),
    };
    Ok(OutboundResponse {
        status,
        headers,
        body,
    })
}

/// The wasi:http error code as text: `HttpRequestDenied`,
/// `DnsError(DnsErrorPayload { .. })`, ... (its `Debug` form without the
/// `ErrorCode::` prefix).
fn code_text(code: &ErrorCode) -> String {
    let text = format!("{code:?}");
    match text.strip_prefix("ErrorCode::") {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// The parts of an absolute URL that wasi:http needs.
#[derive(Debug)]
struct Target {
    scheme: Scheme,
    authority: String,
    path_with_query: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target, OutboundError> {
        let invalid = |reason: &str| OutboundError::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| invalid("expected an absolute URL such as http://host/path"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(invalid("only http and https are supported")),
        };
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_with_query) = rest.split_at(split);
        if authority.is_empty() {
            return Err(invalid("the host is missing"));
        }
        if authority.contains('@') {
            return Err(invalid("credentials in the URL are not supported"));
        }
        let path_with_query = match path_with_query.chars().next() {
            None => "/".to_owned(),
            Some('?') => format!("/{path_with_query}"),
            Some(_) => path_with_query.to_owned(),
        };
        Ok(Target {
            scheme,
            authority: authority.to_owned(),
            path_with_query,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> (bool, String, String) {
        let t = Target::parse(url).unwrap();
        (
            matches!(t.scheme, Scheme::Https),
            t.authority,
            t.path_with_query,
        )
    }

    #[test]
    fn parses_urls() {
        assert_eq!(
            target("http://127.0.0.1:8000/logstores/x?query=*#frag"),
            (
                false,
                "127.0.0.1:8000".into(),
                "/logstores/x?query=*".into()
            )
        );
        assert_eq!(
            target("HTTPS://example.com"),
            (true, "example.com".into(), "/".into())
        );
        assert_eq!(target("http://h?x=1"), (false, "h".into(), "/?x=1".into()));
        for bad in ["ftp://h/", "h/path", "http:///path", "http://u:p@h/"] {
            assert!(
                matches!(Target::parse(bad), Err(OutboundError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn error_codes_lose_the_enum_prefix() {
        assert_eq!(
            code_text(&ErrorCode::HttpRequestDenied),
            "HttpRequestDenied"
        );
        assert_eq!(
            code_text(&ErrorCode::InternalError(Some("x".into()))),
            r#"InternalError(Some("x"))"#
        );
    }

    #[test]
    fn errors_carry_the_wasi_code() {
        let e = OutboundError::Http("HttpRequestDenied".into());
        assert_eq!(e.error_code(), Some("HttpRequestDenied"));
        assert!(e.to_string().contains("HttpRequestDenied"));
    }
}
