//! `echo-http`: the walkthrough's HTTP handler (`functions/process-event`,
//! Node.js) written in Rust as a `wasi:http/proxy` component: the example of
//! an HTTP function in Rust, and the tests' HTTP guest.
//!
//! It logs the query parameters as one JSON line (e.g. `{"type":"create"}`)
//! and answers 200 with `content-type: application/json` and the request
//! described as `{"path", "queries", "headers", "method", "body", "url",
//! "clientIP"}`, as the walkthrough's Node.js function does.

use fclocal_sdk::http::{HttpFunction, MultiMap, Request, Response};
use serde::Serialize;

/// The response body: the request as FC's Node.js runtime describes it.
#[derive(Serialize)]
struct Described<'a> {
    path: &'a str,
    queries: &'a MultiMap,
    headers: &'a MultiMap,
    method: &'a str,
    body: String,
    url: String,
    #[serde(rename = "clientIP")]
    client_ip: &'a str,
}

/// The exported function.
pub struct ProcessEvent;

impl HttpFunction for ProcessEvent {
    fn handle(req: Request) -> Response {
        match serde_json::to_string(req.queries()) {
            Ok(queries) => fclocal_sdk::info!("{queries}"),
            Err(e) => fclocal_sdk::error!("cannot log the queries: {e}"),
        }
        Response::json(&Described {
            path: req.path(),
            queries: req.queries(),
            headers: req.headers(),
            method: req.method(),
            body: req.body_text().into_owned(),
            url: req.url(),
            client_ip: req.client_ip().unwrap_or_default(),
        })
    }
}

fclocal_sdk::export_http_function!(ProcessEvent);
