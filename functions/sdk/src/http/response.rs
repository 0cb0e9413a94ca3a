//! [`Response`]: a buffered response built with chained calls.

use serde::Serialize;

/// An HTTP response, sent in one piece after the handler returns.
///
/// ```
/// use fclocal_sdk::http::Response;
///
/// let r = Response::new(201).header("location", "/marbles/m1").body("created");
/// assert_eq!(r.status(), 201);
/// assert_eq!(r.body_bytes(), b"created");
///
/// let r = Response::json(&serde_json::json!({"ok": true}));
/// assert_eq!(r.status(), 200);
/// assert_eq!(r.headers()[0], ("content-type".to_owned(), "application/json".to_owned()));
/// ```
///
/// Function Compute reserves the `x-fc-*` response headers and the hop-by-hop
/// ones (`connection`, `transfer-encoding`, ...): the platform removes them.
/// A header the wasi:http host refuses outright is skipped with an `[ERROR]`
/// log line. `content-length` is set from the body unless the handler sets
/// it (or the status is 1xx, 204 or 304).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    /// An empty response with this status code.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A 200 response with `value` as JSON and `content-type:
    /// application/json`. If `value` cannot be serialised (a map with
    /// non-string keys, a failing `Serialize` impl) the response is a 500
    /// with the error as text.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Response::new(200)
                .header("content-type", "application/json")
                .body(body),
            Err(e) => Response::new(500)
                .header("content-type", "text/plain; charset=utf-8")
                .body(format!("cannot serialise the response as JSON: {e}")),
        }
    }

    /// A 200 response with `text` and `content-type: text/plain; charset=utf-8`.
    pub fn text(text: impl Into<String>) -> Self {
        Response::new(200)
            .header("content-type", "text/plain; charset=utf-8")
            .body(text.into())
    }

    /// Sets the status code.
    pub fn status_code(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Adds a header; calling it again with the same name adds another value.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers, in the order they were added.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body.
    pub fn body_bytes(&self) -> &[u8] {
        &self.body
    }

    pub(crate) fn into_parts(self) -> (u16, Vec<(String, String)>, Vec<u8>) {
        (self.status, self.headers, self.body)
    }
}

impl Default for Response {
    /// An empty `200 OK`.
    fn default() -> Self {
        Response::new(200)
    }
}
