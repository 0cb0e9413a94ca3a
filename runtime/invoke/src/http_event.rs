//! The JSON form of an HTTP request and response, used by `fclocal invoke`
//! on an HTTP function (what `fclocal events generate http` prints):
//!
//! ```json
//! {"method": "GET", "path": "/", "queries": {"type": "create"},
//!  "headers": {"content-type": "text/plain"}, "body": "", "isBase64Encoded": false}
//! ```
//!
//! Query and header values are a string or, when repeated, an array of
//! strings, as FC hands them to functions.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use fclocal_engine::{HttpRequest, HttpResponse};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why an HTTP event could not be turned into a request.
#[derive(Debug, thiserror::Error)]
pub enum HttpEventError {
    /// Not JSON, or not the expected shape.
    #[error(
        "the event is not a valid HTTP event ({0}); expected JSON like `fclocal events generate http` prints: {{\"method\": \"GET\", \"path\": \"/\", \"queries\": {{}}, \"headers\": {{}}, \"body\": \"\"}}"
    )]
    Shape(#[source] serde_json::Error),
    /// A field has a value HTTP does not allow.
    #[error("the HTTP event's {field} is invalid: {reason}")]
    Field {
        /// Which field.
        field: String,
        /// What is wrong.
        reason: String,
    },
}

/// One value or several, as FC passes queries and headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single value.
    One(String),
    /// A repeated key.
    Many(Vec<String>),
}

impl OneOrMany {
    fn values(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(value) => vec![value.as_str()],
            OneOrMany::Many(values) => values.iter().map(String::as_str).collect(),
        }
    }
}

/// An HTTP request as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpEvent {
    /// Method; `GET` when absent.
    #[serde(default = "default_method")]
    pub method: String,
    /// Path as the function sees it; `/` when absent.
    #[serde(default = "default_path")]
    pub path: String,
    /// Query parameters.
    #[serde(default)]
    pub queries: BTreeMap<String, OneOrMany>,
    /// Headers.
    #[serde(default)]
    pub headers: BTreeMap<String, OneOrMany>,
    /// Body: text, or base64 when `isBase64Encoded`.
    #[serde(default)]
    pub body: String,
    /// Whether `body` is base64.
    #[serde(default)]
    pub is_base64_encoded: bool,
}

fn default_method() -> String {
    "GET".to_owned()
}

fn default_path() -> String {
    "/".to_owned()
}

impl HttpEvent {
    /// Parses the JSON form.
    pub fn parse(bytes: &[u8]) -> Result<HttpEvent, HttpEventError> {
        serde_json::from_slice(bytes).map_err(HttpEventError::Shape)
    }

    /// The request a function receives, from `client_ip`.
    pub fn into_request(self, client_ip: &str) -> Result<HttpRequest, HttpEventError> {
        let field = |field: &str, reason: String| HttpEventError::Field {
            field: field.to_owned(),
            reason,
        };
        let method = Method::from_bytes(self.method.to_ascii_uppercase().as_bytes())
            .map_err(|e| field("method", e.to_string()))?;
        if !self.path.starts_with('/') {
            return Err(field(
                "path",
                format!("{:?} must start with `/`", self.path),
            ));
        }
        let mut path_and_query = self.path;
        if !self.queries.is_empty() {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (key, values) in &self.queries {
                for value in values.values() {
                    query.append_pair(key, value);
                }
            }
            path_and_query.push('?');
            path_and_query.push_str(&query.finish());
        }
        let mut headers = HeaderMap::new();
        for (name, values) in &self.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| field(&format!("header name {name:?}"), e.to_string()))?;
            for value in values.values() {
                let value = HeaderValue::from_str(value)
                    .map_err(|e| field(&format!("header {name}"), e.to_string()))?;
                headers.append(header.clone(), value);
            }
        }
        let body = if self.is_base64_encoded {
            BASE64
                .decode(&self.body)
                .map_err(|e| field("body", format!("isBase64Encoded is true but {e}")))?
        } else {
            self.body.into_bytes()
        };
        Ok(HttpRequest {
            method,
            request_uri: path_and_query.clone(),
            path_and_query,
            headers,
            body: Bytes::from(body),
            client_ip: client_ip.to_owned(),
        })
    }
}

/// An HTTP response as JSON: `statusCode`, `headers`, `body` (text, or
/// base64 with `isBase64Encoded: true` when it is not UTF-8).
pub fn response_json(response: &HttpResponse) -> Value {
    let mut headers: BTreeMap<String, OneOrMany> = BTreeMap::new();
    for (name, value) in &response.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|existing| match existing {
                OneOrMany::One(first) => {
                    *existing = OneOrMany::Many(vec![first.clone(), value.clone()])
                }
                OneOrMany::Many(values) => values.push(value.clone()),
            })
            .or_insert(OneOrMany::One(value));
    }
    let (body, is_base64_encoded) = match std::str::from_utf8(&response.body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (BASE64.encode(&response.body), true),
    };
    serde_json::json!({
        "statusCode": response.status.as_u16(),
        "headers": headers,
        "body": body,
        "isBase64Encoded": is_base64_encoded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_request_with_queries_and_repeated_headers() {
        let event = HttpEvent::parse(
            br#"{"method":"post","path":"/a b","queries":{"type":"create","x":["1","2"]},
                "headers":{"accept":["a","b"]},"body":"hi"}"#,
        )
        .unwrap();
        let request = event.into_request("10.0.0.1").unwrap();
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.path_and_query, "/a b?type=create&x=1&x=2");
        assert_eq!(request.headers.get_all("accept").iter().count(), 2);
        assert_eq!(&request.body[..], b"hi");
        assert_eq!(request.client_ip, "10.0.0.1");
    }

    #[test]
    fn defaults_to_get_slash() {
        let request = HttpEvent::parse(b"{}")
            .unwrap()
            .into_request("127.0.0.1")
            .unwrap();
        assert_eq!(request.method, Method::GET);
        assert_eq!(request.path_and_query, "/");
    }

    #[test]
    fn rejects_unknown_fields_and_bad_values_clearly() {
        let error = HttpEvent::parse(br#"{"verb":"GET"}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `verb`"), "{error}");
        let error = HttpEvent::parse(br#"{"path":"x"}"#)
            .unwrap()
            .into_request("127.0.0.1")
            .unwrap_err()
            .to_string();
        assert!(error.contains("must start with `/`"), "{error}");
        let error = HttpEvent::parse(b"not json").unwrap_err().to_string();
        assert!(error.contains("expected JSON like"), "{error}");
    }

    #[test]
    fn binary_bodies_round_trip_as_base64() {
        let response = HttpResponse {
            status: http::StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(&[0xff, 0x00]),
        };
        let json = response_json(&response);
        assert_eq!(json["isBase64Encoded"], true);
        assert_eq!(json["body"], "/wA=");
    }
}
