//! Moving requests, responses and bodies across `wasi:http`.
//!
//! wasi:http resources have parent/child rules: a body stream must be dropped
//! before its body is finished, and a `fields` handle obtained from a request
//! or response must be dropped before its parent. The functions here keep
//! those handles in short scopes.

use std::io::{Read as _, Write as _};

use wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

use super::{Request, Response};

/// Reads the whole request, body included.
pub(crate) fn read_request(request: IncomingRequest) -> Result<Request, String> {
    let method = method_name(&request.method());
    let path_with_query = request.path_with_query().unwrap_or_default();
    let headers = header_entries(&request.headers());
    let body = match request.consume() {
        Ok(body) => read_body(body)?,
        Err(()) => Vec::new(),
    };
    Ok(Request::new(method, &path_with_query, headers, body))
}

/// Sends `response` through `out`: status, headers, then the whole body.
pub(crate) fn send_response(out: ResponseOutparam, response: Response) {
    let (status, headers, body) = response.into_parts();
    let fields = Fields::new();
    for (name, value) in &headers {
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        if let Err(e) = fields.append(name, value.as_bytes()) {
            eprintln!("fclocal-sdk: response header `{name}` skipped: the host refused it ({e:?})");
        }
    }
    if !matches!(status, 100..=199 | 204 | 304) {
        let _ = fields.append("content-length", body.len().to_string().as_bytes());
    }
    let response = OutgoingResponse::new(fields);
    if response.set_status_code(status).is_err() {
        eprintln!("fclocal-sdk: invalid status code {status}; sending 500");
        let _ = response.set_status_code(500);
    }
    let Ok(outgoing_body) = response.body() else {
        ResponseOutparam::set(out, Err(internal_error("response body already taken")));
        return;
    };
    ResponseOutparam::set(out, Ok(response));
    if let Err(e) = write_body(outgoing_body, &body) {
        eprintln!("fclocal-sdk: writing the response body failed: {e}");
    }
}

/// The header entries of a request or response, values as (lossy) UTF-8.
/// Takes the `fields` handle by reference so the caller drops it promptly.
pub(crate) fn header_entries(fields: &Fields) -> Vec<(String, String)> {
    fields
        .entries()
        .into_iter()
        .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
        .collect()
}

/// Reads a whole incoming body, then finishes it (trailers are ignored).
pub(crate) fn read_body(body: IncomingBody) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    {
        let mut stream = body
            .stream()
            .map_err(|()| "body stream already taken".to_owned())?;
        stream
            .read_to_end(&mut bytes)
            .map_err(|e| format!("reading the body: {e}"))?;
    }
    drop(IncomingBody::finish(body));
    Ok(bytes)
}

/// Writes `bytes` to an outgoing body and finishes it.
pub(crate) fn write_body(body: OutgoingBody, bytes: &[u8]) -> Result<(), String> {
    if !bytes.is_empty() {
        let mut stream = body
            .write()
            .map_err(|()| "body stream already taken".to_owned())?;
        // `io::Write` for `OutputStream` waits for write permits, so large
        // bodies are fine; `flush` (the `io::Write` one) blocks until sent.
        stream
            .write_all(bytes)
            .and_then(|()| std::io::Write::flush(&mut stream))
            .map_err(|e| format!("writing the body: {e}"))?;
    }
    OutgoingBody::finish(body, None).map_err(|code| format!("finishing the body: {code:?}"))
}

/// `GET`, `POST`, ... for a wasi:http method.
pub(crate) fn method_name(method: &Method) -> String {
    let name = match method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
        Method::Connect => "CONNECT",
        Method::Options => "OPTIONS",
        Method::Trace => "TRACE",
        Method::Patch => "PATCH",
        Method::Other(other) => other.as_str(),
    };
    name.to_owned()
}

/// The wasi:http method for `GET`, `post`, ... (case-insensitive for the
/// standard ones; anything else is sent as given).
pub(crate) fn method_from_name(name: &str) -> Method {
    match name.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "CONNECT" => Method::Connect,
        "OPTIONS" => Method::Options,
        "TRACE" => Method::Trace,
        "PATCH" => Method::Patch,
        _ => Method::Other(name.to_owned()),
    }
}

fn internal_error(message: &str) -> wasi::http::types::ErrorCode {
    wasi::http::types::ErrorCode::InternalError(Some(message.to_owned()))
}
