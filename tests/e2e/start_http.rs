//! `fclocal start`, HTTP triggers: what the function sees, and every row of
//! FC's HTTP-trigger table that applies locally.

use std::time::{Duration, SystemTime};

use crate::common::Sandbox;
use crate::server::Server;

/// Functions behind HTTP triggers, and an event function.
pub const TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      LogConfig:
        Project: test-log-project
        Logstore: test-log-store
    processEvent:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: echo-http.wasm
        Runtime: custom
        CodeUri: {functions}/echo-http
      Events:
        http-test:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET', 'POST', 'PUT']
    web:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile-http.wasm
        Runtime: custom
        CodeUri: {functions}/hostile-http
        Timeout: 1
        MemorySize: 128
      Events:
        web:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET', 'POST']
    secure:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile-http.wasm
        Runtime: custom
        CodeUri: {functions}/hostile-http
      Events:
        signed:
          Type: HTTP
          Properties:
            AuthType: FUNCTION
            Methods: ['GET', 'POST']
    solo:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile-http.wasm
        Runtime: custom
        CodeUri: {functions}/hostile-http
        Timeout: 10
      Events:
        web:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET']
    crowd:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile-http.wasm
        Runtime: custom
        CodeUri: {functions}/hostile-http
        InstanceConcurrency: 4
        Timeout: 10
      Events:
        web:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET']
    hostile:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile.wasm
        Runtime: custom
        CodeUri: {functions}/hostile
        Timeout: 1
    starter:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile.wasm
        Runtime: custom
        CodeUri: {functions}/hostile
        Initializer: init
  test-log-project:
    Type: 'Aliyun::Serverless::Log'
    Properties:
      Description: test logs
    test-log-store:
      Type: 'Aliyun::Serverless::Log::Logstore'
      Properties:
        TTL: 10
        ShardCount: 1
"#;

fn started() -> (Sandbox, Server) {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    (sandbox, server)
}

#[test]
fn the_banner_lists_triggers_apis_and_credentials_like_fun() {
    let (_sandbox, server) = started();
    let base = server.base.clone();
    let printed = server.printed().join("\n");
    assert!(
        printed.contains("HttpTrigger http-test of demo/processEvent was registered"),
        "{printed}"
    );
    assert!(printed.contains(&format!(
        "\turl: {base}/2016-08-15/proxy/demo/processEvent/"
    )));
    assert!(printed.contains("\tmethods: GET,POST,PUT"));
    assert!(printed.contains("\tauthType: ANONYMOUS"));
    assert!(printed.contains("\tauthType: FUNCTION"));
    assert!(printed.contains("API demo/hostile was registered"));
    assert!(printed.contains(&format!(
        "\turl: {base}/2016-08-15/services/demo/functions/hostile/invocations/"
    )));
    let index = server.get("/");
    assert_eq!(index.status, 200);
    assert!(
        index
            .text()
            .contains("HttpTrigger http-test of demo/processEvent was registered")
    );
    assert!(server.credentials.access_key_id.starts_with("LTAI"));
    assert!(!server.credentials.access_key_secret.is_empty());
}

#[test]
fn the_function_sees_the_path_queries_headers_method_body_and_client_ip() {
    let (_sandbox, server) = started();
    let answer = server.send(
        "PUT",
        "/2016-08-15/proxy/demo/processEvent/marbles/m1?type=transfer&to=amy",
        &[
            ("x-custom", "yes".to_owned()),
            ("x-fc-request-id", "forged".to_owned()),
        ],
        b"{\"id\":\"m1\"}",
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    let seen = answer.json();
    assert_eq!(seen["path"], "/marbles/m1");
    assert_eq!(seen["method"], "PUT");
    assert_eq!(
        seen["queries"],
        serde_json::json!({"type": "transfer", "to": "amy"})
    );
    assert_eq!(seen["body"], "{\"id\":\"m1\"}");
    assert_eq!(seen["clientIP"], "127.0.0.1");
    assert_eq!(seen["url"], "/marbles/m1?type=transfer&to=amy");
    assert_eq!(seen["headers"]["x-custom"], "yes");
    for header in [
        "x-fc-request-id",
        "x-fc-invocation-duration",
        "x-fc-max-memory-usage",
    ] {
        assert!(answer.headers.contains_key(header), "{header} missing");
    }
    assert_ne!(answer.header("x-fc-request-id"), "forged");
    assert!(
        answer
            .header("x-fc-max-memory-usage")
            .parse::<f64>()
            .unwrap()
            > 0.0
    );
}

#[test]
fn unknown_services_and_functions_and_missing_triggers_get_404() {
    let (_sandbox, server) = started();
    for (path, code) in [
        ("/2016-08-15/proxy/nope/processEvent/", "ServiceNotFound"),
        ("/2016-08-15/proxy/demo/nope/", "FunctionNotFound"),
        ("/2016-08-15/proxy/demo/hostile/", "FunctionNotFound"),
    ] {
        let answer = server.get(path);
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.header("x-fc-error-type"), "FcCommonError");
        assert_eq!(answer.json()["ErrorCode"], code, "{path}");
        assert!(answer.headers.contains_key("x-fc-request-id"));
    }
}

#[test]
fn a_method_the_trigger_does_not_list_gets_403() {
    let (_sandbox, server) = started();
    let answer = server.send("DELETE", "/2016-08-15/proxy/demo/processEvent/", &[], b"");
    assert_eq!(answer.status, 403);
    assert_eq!(answer.header("x-fc-error-type"), "FcCommonError");
    assert_eq!(answer.json()["ErrorCode"], "MethodNotAllowed");
}

#[test]
fn function_auth_accepts_valid_signatures_and_refuses_missing_wrong_and_expired_ones() {
    let (_sandbox, server) = started();
    let path = "/2016-08-15/proxy/demo/secure/echo?a=1&b=two";
    let queries = vec![
        ("a".to_owned(), "1".to_owned()),
        ("b".to_owned(), "two".to_owned()),
    ];
    let valid = server.signed("GET", path, Some(&queries), vec![], SystemTime::now());
    let ok = server.send("GET", path, &valid, b"");
    assert_eq!(ok.status, 200, "{}", ok.text());

    let missing = server.send("GET", path, &[], b"");
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json()["ErrorCode"], "MissingRequiredHeader");
    assert_eq!(missing.header("x-fc-error-type"), "FcCommonError");

    // Signed for other query parameters: the signature no longer matches.
    let other = vec![("a".to_owned(), "2".to_owned())];
    let wrong = server.signed("GET", path, Some(&other), vec![], SystemTime::now());
    let refused = server.send("GET", path, &wrong, b"");
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json()["ErrorCode"], "SignatureNotMatch");

    let stale = SystemTime::now() - Duration::from_secs(20 * 60);
    let expired = server.signed("GET", path, Some(&queries), vec![], stale);
    let refused = server.send("GET", path, &expired, b"");
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json()["ErrorCode"], "RequestTimeTooSkewed");
}

#[test]
fn traps_and_timeouts_get_502_unhandled_with_fcs_body() {
    let (_sandbox, server) = started();
    let panicked = server.get("/2016-08-15/proxy/demo/web/panic");
    assert_eq!(panicked.status, 502);
    assert_eq!(
        panicked.header("x-fc-error-type"),
        "UnhandledInvocationError"
    );
    let body = panicked.json();
    assert!(
        body["errorMessage"].as_str().unwrap().contains("panicked"),
        "{body}"
    );

    let looped = server.get("/2016-08-15/proxy/demo/web/loop");
    assert_eq!(looped.status, 502);
    assert_eq!(looped.header("x-fc-error-type"), "UnhandledInvocationError");
    let message = looped.json()["errorMessage"].as_str().unwrap().to_owned();
    assert!(
        message.starts_with("Function timed out after 1 seconds (maxMemoryUsage: "),
        "{message}"
    );
}

#[test]
fn a_body_over_fcs_limit_is_refused_before_the_function_runs() {
    let (_sandbox, server) = started();
    let big = vec![b'x'; 6 * 1024 * 1024 + 1];
    let answer = server.send("POST", "/2016-08-15/proxy/demo/web/state", &[], &big);
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["ErrorCode"], "EntityTooLarge");
    // The function never ran: its first invocation still counts 1.
    assert_eq!(server.get("/2016-08-15/proxy/demo/web/state").text(), "1");
}

#[test]
fn reserved_response_headers_set_by_a_function_are_dropped() {
    let (_sandbox, server) = started();
    let answer = server.get("/2016-08-15/proxy/demo/web/reserved-headers");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-custom"), "ok");
    assert!(answer.headers.get("x-fc-foo").is_none());
    assert_ne!(answer.header("x-fc-request-id"), "spoofed");
}

#[test]
fn cors_echoes_the_origin_and_answers_preflights_as_fun_does() {
    let (_sandbox, server) = started();
    let origin = ("origin", "http://ui.local".to_owned());
    let answer = server.send(
        "GET",
        "/2016-08-15/proxy/demo/processEvent/",
        std::slice::from_ref(&origin),
        b"",
    );
    assert_eq!(
        answer.header("access-control-allow-origin"),
        "http://ui.local"
    );
    assert!(
        answer
            .header("access-control-expose-headers")
            .contains("X-Fc-Request-Id")
    );
    let preflight = server.send(
        "OPTIONS",
        "/2016-08-15/proxy/demo/processEvent/",
        &[origin, ("access-control-request-method", "PUT".to_owned())],
        b"",
    );
    assert_eq!(preflight.status, 200);
    assert_eq!(preflight.header("access-control-max-age"), "3600");
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        "GET,POST,PUT"
    );
}

#[test]
fn websocket_upgrades_are_refused_as_fun_does() {
    let (_sandbox, server) = started();
    let answer = server.send(
        "GET",
        "/2016-08-15/proxy/demo/processEvent/",
        &[
            ("upgrade", "websocket".to_owned()),
            ("connection", "upgrade".to_owned()),
        ],
        b"",
    );
    assert_eq!(answer.status, 403);
    assert_eq!(answer.text(), "websocket not support");
}
