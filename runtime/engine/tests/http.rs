//! HTTP functions: the request a guest sees (path, context headers, client
//! address; forged `x-fc-*` headers removed), and hostile HTTP guests.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{context, instance, load, runtime, sink};
use fclocal_engine::{HttpRequest, HttpResponse, InvocationError};
use http::{HeaderMap, Method, StatusCode};

const TIMEOUT: Duration = Duration::from_millis(400);
const MAX_BODY: usize = 64 * 1024;

fn get(path: &str) -> HttpRequest {
    HttpRequest {
        method: Method::GET,
        path_and_query: path.to_owned(),
        headers: HeaderMap::new(),
        body: Bytes::new(),
        client_ip: "10.1.2.3".into(),
        request_uri: String::new(),
    }
}

fn json(response: &HttpResponse) -> serde_json::Value {
    serde_json::from_slice(&response.body).expect("a JSON body")
}

#[tokio::test]
async fn process_event_sees_the_request_and_its_context() {
    let runtime = runtime();
    let component = load(&runtime, "echo-http");
    let mut guest = instance(&component, 64).await;
    let mut request = get("/marbles/a%20b?type=create&type=transfer&owner=amy");
    request.method = Method::POST;
    request.body = Bytes::from_static(b"{\"id\":1}");
    request.headers.insert("x-custom", "yes".parse().unwrap());
    request
        .headers
        .insert("x-fc-request-id", "forged".parse().unwrap());
    let answered = guest
        .invoke_http(request, &context("req-7"), TIMEOUT, MAX_BODY, sink())
        .await;
    let response = answered.result.expect("echo-http answers");
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.headers["content-type"], "application/json");
    let body = json(&response);
    assert_eq!(body["method"], "POST");
    assert_eq!(body["path"], "/marbles/a%20b");
    assert_eq!(
        body["queries"]["type"],
        serde_json::json!(["create", "transfer"])
    );
    assert_eq!(body["queries"]["owner"], "amy");
    assert_eq!(body["body"], "{\"id\":1}");
    assert_eq!(body["clientIP"], "10.1.2.3");
    assert_eq!(body["headers"]["x-custom"], "yes");
    assert!(
        body["headers"].get("x-fc-request-id").is_none(),
        "context headers are not request headers: {body}"
    );
}

#[tokio::test]
async fn forged_context_headers_never_reach_the_guest() {
    let runtime = runtime();
    let component = load(&runtime, "hostile-http");
    let mut guest = instance(&component, 64).await;
    let mut request = get("/context");
    request
        .headers
        .insert("x-fc-request-id", "forged".parse().unwrap());
    let answered = guest
        .invoke_http(request, &context("real-id"), TIMEOUT, MAX_BODY, sink())
        .await;
    let body = json(&answered.result.unwrap());
    assert_eq!(body["requestId"], "real-id");
}

#[tokio::test]
async fn status_codes_and_state_carry_across_requests() {
    let runtime = runtime();
    let component = load(&runtime, "hostile-http");
    let mut guest = instance(&component, 64).await;
    let teapot = guest
        .invoke_http(
            get("/status?code=418"),
            &context("r1"),
            TIMEOUT,
            MAX_BODY,
            sink(),
        )
        .await;
    assert_eq!(teapot.result.unwrap().status, StatusCode::IM_A_TEAPOT);
    for expected in ["1", "2"] {
        let counted = guest
            .invoke_http(get("/state"), &context("r"), TIMEOUT, MAX_BODY, sink())
            .await;
        assert_eq!(counted.result.unwrap().body, expected.as_bytes());
    }
}

#[tokio::test]
async fn a_panicking_handler_is_an_unhandled_trap() {
    let runtime = runtime();
    let component = load(&runtime, "hostile-http");
    let mut guest = instance(&component, 64).await;
    let answered = guest
        .invoke_http(get("/panic"), &context("r1"), TIMEOUT, MAX_BODY, sink())
        .await;
    assert!(
        matches!(&answered.result, Err(InvocationError::Trap { message, .. }) if message.contains("panicked")),
        "{:?}",
        answered.result
    );
    assert!(!guest.is_usable());
}

#[tokio::test]
async fn a_looping_handler_times_out() {
    let runtime = runtime();
    let component = load(&runtime, "hostile-http");
    let mut guest = instance(&component, 64).await;
    let answered = guest
        .invoke_http(get("/loop"), &context("r1"), TIMEOUT, MAX_BODY, sink())
        .await;
    assert_eq!(
        answered.result.unwrap_err(),
        InvocationError::Timeout { limit: TIMEOUT }
    );
}

#[tokio::test]
async fn a_response_over_the_limit_is_refused() {
    let runtime = runtime();
    let component = load(&runtime, "hostile-http");
    let mut guest = instance(&component, 64).await;
    let big = guest
        .invoke_http(
            get("/big?kb=256"),
            &context("r1"),
            Duration::from_secs(5),
            MAX_BODY,
            sink(),
        )
        .await;
    let Err(InvocationError::Host { message }) = big.result else {
        panic!("expected the size limit, got {:?}", big.result);
    };
    assert!(message.contains("exceeds the limit"), "{message}");

    let mut fresh = instance(&component, 64).await;
    let fits = fresh
        .invoke_http(
            get("/big?kb=32"),
            &context("r2"),
            Duration::from_secs(5),
            MAX_BODY,
            sink(),
        )
        .await;
    assert_eq!(fits.result.unwrap().body.len(), 32 * 1024);
}

#[tokio::test]
async fn an_event_function_refuses_an_http_request_and_vice_versa() {
    let runtime = runtime();
    let hello = load(&runtime, "hello");
    let mut event_fn = instance(&hello, 64).await;
    let answered = event_fn
        .invoke_http(get("/"), &context("r1"), TIMEOUT, MAX_BODY, sink())
        .await;
    assert!(matches!(answered.result, Err(InvocationError::Host { .. })));

    let process = load(&runtime, "echo-http");
    let mut http_fn = instance(&process, 64).await;
    let answered = http_fn
        .invoke_event(b"{}", &context("r2"), TIMEOUT, sink())
        .await;
    assert!(matches!(answered.result, Err(InvocationError::Host { .. })));
}
