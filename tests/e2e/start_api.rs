//! `fclocal start`, the InvokeFunction API: signed sync and async calls,
//! log tails, function errors as 200s, and FC's answers for the rest.

use std::time::SystemTime;

use base64::Engine as _;

use crate::common::Sandbox;
use crate::server::Server;
use crate::start_http::TEMPLATE;

const HOSTILE: &str = "/2016-08-15/services/demo/functions/hostile/invocations";

fn invoke(
    server: &Server,
    path: &str,
    headers: Vec<(&'static str, String)>,
    event: &[u8],
) -> crate::server::Answer {
    let headers = server.signed("POST", path, None, headers, SystemTime::now());
    server.send("POST", path, &headers, event)
}

#[test]
fn a_signed_sync_invocation_returns_the_result_with_fcs_headers() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    let answer = invoke(&server, HOSTILE, vec![], br#"{"action":"echo","n":1}"#);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.text(), r#"{"action":"echo","n":1}"#);
    assert!(answer.headers.get("x-fc-error-type").is_none());
    for header in [
        "x-fc-request-id",
        "x-fc-invocation-duration",
        "x-fc-max-memory-usage",
    ] {
        assert!(answer.headers.contains_key(header), "{header}");
    }
    // The service may carry the LATEST qualifier, as the SDKs send it.
    let qualified = "/2016-08-15/services/demo.LATEST/functions/hostile/invocations";
    assert_eq!(
        invoke(&server, qualified, vec![], br#"{"action":"ok"}"#).text(),
        "ok"
    );
}

#[test]
fn log_type_tail_returns_the_end_of_the_log_in_base64() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    let answer = invoke(
        &server,
        HOSTILE,
        vec![("x-fc-log-type", "Tail".to_owned())],
        br#"{"action":"stderr"}"#,
    );
    assert_eq!(answer.status, 200);
    let id = answer.header("x-fc-request-id").to_owned();
    let log = base64::engine::general_purpose::STANDARD
        .decode(answer.header("x-fc-log-result"))
        .unwrap();
    let log = String::from_utf8(log).unwrap();
    assert!(
        log.contains(&format!("FC Invoke Start RequestId: {id}")),
        "{log}"
    );
    assert!(log.contains("[ERROR] hostile stderr line 1"), "{log}");
    assert!(
        log.contains(&format!("FC Invoke End RequestId: {id}")),
        "{log}"
    );
    assert!(
        log.contains("Duration: ") && log.contains("Max Memory Used: "),
        "{log}"
    );
    assert!(log.len() <= 4096);
}

#[test]
fn function_errors_answer_200_with_the_error_type() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    let handled = invoke(&server, HOSTILE, vec![], br#"{"action":"error"}"#);
    assert_eq!(handled.status, 200);
    assert_eq!(handled.header("x-fc-error-type"), "HandledInvocationError");
    assert_eq!(handled.json()["errorType"], "HostileError");
    let trapped = invoke(&server, HOSTILE, vec![], br#"{"action":"panic"}"#);
    assert_eq!(trapped.status, 200);
    assert_eq!(
        trapped.header("x-fc-error-type"),
        "UnhandledInvocationError"
    );
    let timed_out = invoke(&server, HOSTILE, vec![], br#"{"action":"loop"}"#);
    assert_eq!(
        timed_out.header("x-fc-error-type"),
        "UnhandledInvocationError"
    );
    assert!(
        timed_out.json()["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("Function timed out after 1 seconds")
    );
}

#[test]
fn an_async_invocation_answers_202_and_runs_in_the_background() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    let answer = invoke(
        &server,
        HOSTILE,
        vec![("x-fc-invocation-type", "Async".to_owned())],
        br#"{"action":"sleep","ms":200}"#,
    );
    assert_eq!(answer.status, 202);
    assert!(answer.body.is_empty());
    let id = answer.header("x-fc-request-id").to_owned();
    let done = server.wait_for(&format!("Async invocation {id} of demo/hostile"));
    assert!(done.ends_with("succeeded"), "{done}");
}

#[test]
fn unsigned_calls_are_refused_unless_auth_is_off() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    let unsigned = server.send("POST", HOSTILE, &[], br#"{"action":"ok"}"#);
    assert_eq!(unsigned.status, 400);
    assert_eq!(unsigned.json()["ErrorCode"], "MissingRequiredHeader");
    drop(server);

    let open = Server::start(&sandbox, &["--no-watch", "--no-auth"]);
    let answer = open.send("POST", HOSTILE, &[], br#"{"action":"ok"}"#);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text(), "ok");
}

#[test]
fn an_http_function_is_not_invoked_through_the_api() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    let path = "/2016-08-15/services/demo/functions/processEvent/invocations";
    let answer = invoke(&server, path, vec![], b"{}");
    assert_eq!(answer.status, 400);
    assert!(
        answer.json()["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("/2016-08-15/proxy/demo/processEvent/")
    );
}
