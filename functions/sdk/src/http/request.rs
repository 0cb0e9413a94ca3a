//! [`Request`]: a fully read incoming request.

use std::borrow::Cow;

use super::MultiMap;
use crate::Context;
use crate::context::CONTEXT_HEADERS;

/// An incoming HTTP request with its body already read, FC style.
///
/// fclocal strips the trigger prefix (`/2016-08-15/proxy/<service>/<function>`)
/// before the function sees the request, so [`path`](Request::path) is the
/// part after it, as in FC's `req.path`.
#[derive(Clone, Debug)]
pub struct Request {
    method: String,
    path: String,
    query_string: String,
    queries: MultiMap,
    headers: MultiMap,
    body: Vec<u8>,
    context: Context,
}

impl Request {
    /// Builds a request from its parts; `path_with_query` is split at the
    /// first `?`, header names are lower-cased and the [context
    /// headers](crate::context::CONTEXT_HEADERS) become the
    /// [`context`](Request::context). The export glue uses this; it is public
    /// so handlers can be unit-tested without a host.
    ///
    /// ```
    /// use fclocal_sdk::http::Request;
    ///
    /// let req = Request::new(
    ///     "GET",
    ///     "/marbles?type=create&tag=a&tag=b",
    ///     [("X-Fc-Request-Id", "r-1"), ("Accept", "*/*")],
    ///     Vec::new(),
    /// );
    /// assert_eq!(req.path(), "/marbles");
    /// assert_eq!(req.queries().get_all("tag"), ["a", "b"]);
    /// assert_eq!(req.header("accept"), Some("*/*"));
    /// assert_eq!(req.header("x-fc-request-id"), None);
    /// assert_eq!(req.context().request_id, "r-1");
    /// ```
    pub fn new<K, V>(
        method: impl Into<String>,
        path_with_query: &str,
        headers: impl IntoIterator<Item = (K, V)>,
        body: Vec<u8>,
    ) -> Self
    where
        K: AsRef<str>,
        V: Into<String>,
    {
        let (path, query_string) = match path_with_query.split_once('?') {
            Some((path, query)) => (path, query),
            None => (path_with_query, ""),
        };
        let mut all = MultiMap::new();
        for (name, value) in headers {
            all.append(name.as_ref().to_ascii_lowercase(), value);
        }
        let context = Context::from_headers(|name| all.get(name));
        let headers = all
            .iter()
            .filter(|(name, _)| !CONTEXT_HEADERS.contains(name))
            .flat_map(|(name, values)| values.iter().map(move |v| (name, v.as_str())))
            .collect();
        Request {
            method: method.into(),
            path: if path.is_empty() { "/" } else { path }.to_owned(),
            query_string: query_string.to_owned(),
            queries: parse_query(query_string),
            headers,
            body,
            context,
        }
    }

    /// The method, upper-case as sent: `GET`, `POST`, ...
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path as received, without the query string, e.g. `/marbles/m1`.
    /// Percent-escapes are left as they are.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The raw query string without the `?`; empty if there is none.
    pub fn query_string(&self) -> &str {
        &self.query_string
    }

    /// FC's `req.queries`: the decoded query parameters (`+` and `%XX`
    /// decoded), one value or, for repeated keys, all of them.
    pub fn queries(&self) -> &MultiMap {
        &self.queries
    }

    /// The first value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.queries.get(name)
    }

    /// FC's `req.headers`: names lower-case, without the `x-fc-*` context
    /// headers (those are in [`context`](Request::context)).
    pub fn headers(&self) -> &MultiMap {
        &self.headers
    }

    /// The first value of header `name` (any case); `None` for the context
    /// headers, as for [`headers`](Request::headers).
    pub fn header(&self, name: &str) -> Option<&str> {
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            self.headers.get(&name.to_ascii_lowercase())
        } else {
            self.headers.get(name)
        }
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text; invalid UTF-8 is replaced with U+FFFD.
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// Takes the body out of the request, leaving it empty.
    pub fn take_body(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.body)
    }

    /// FC's `req.url`: the path plus `?query` when there is one.
    pub fn url(&self) -> String {
        if self.query_string.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query_string)
        }
    }

    /// FC's `req.clientIP`: the first entry of `x-forwarded-for`, which
    /// fclocal sets to the peer address.
    pub fn client_ip(&self) -> Option<&str> {
        let first = self.header("x-forwarded-for")?.split(',').next()?.trim();
        (!first.is_empty()).then_some(first)
    }

    /// The invocation context, built from the `x-fc-*` headers (missing ones
    /// are empty strings or 0).
    pub fn context(&self) -> &Context {
        &self.context
    }
}

/// Parses `a=1&b=x+y&a=2` into a [`MultiMap`], decoding `+` and `%XX`
/// (invalid UTF-8 is replaced); a key without `=` gets an empty value.
fn parse_query(query: &str) -> MultiMap {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(key), decode_component(value))
        })
        .collect()
}

/// Decodes one `application/x-www-form-urlencoded` component.
fn decode_component(s: &str) -> String {
    if !s.contains(['%', '+']) {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    let h = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(h, 16).ok()
                });
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_and_keep_order() {
        let q = parse_query("type=create&name=a+b%21&type=transfer&flag&&x=%zz&y=%E4%BD%A0");
        assert_eq!(
            serde_json::to_string(&q).unwrap(),
            r#"{"type":["create","transfer"],"name":"a b!","flag":"","x":"%zz","y":"你"}"#
        );
    }

    #[test]
    fn request_parts() {
        let req = Request::new(
            "POST",
            "/a/b?x=1",
            [
                ("Content-Type", "text/plain"),
                ("x-forwarded-for", " 10.0.0.1 , 127.0.0.1"),
                ("x-fc-function-memory", "128"),
                ("x-fc-other", "kept"),
                ("accept", "a"),
                ("Accept", "b"),
            ],
            b"hi \xff".to_vec(),
        );
        assert_eq!(req.method(), "POST");
        assert_eq!(req.url(), "/a/b?x=1");
        assert_eq!(req.query("x"), Some("1"));
        assert_eq!(req.client_ip(), Some("10.0.0.1"));
        assert_eq!(req.header("Content-Type"), Some("text/plain"));
        assert_eq!(req.header("x-fc-other"), Some("kept"));
        assert_eq!(req.headers().get_all("accept"), ["a", "b"]);
        assert!(!req.headers().contains_key("x-fc-function-memory"));
        assert_eq!(req.context().function.memory, 128);
        assert_eq!(req.body_text(), "hi \u{fffd}");

        let root = Request::new("GET", "", Vec::<(&str, &str)>::new(), Vec::new());
        assert_eq!(root.path(), "/");
        assert_eq!(root.url(), "/");
        assert_eq!(root.client_ip(), None);
    }
}
