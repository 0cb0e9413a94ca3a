//! `fclocal invoke`: event sources, FC's framing, errors, limits.

use crate::common::Sandbox;

/// `<ISO-8601 UTC ms>Z <id> [LEVEL] <message>`.
fn is_fc_line(line: &str, request_id: &str, level: &str, message: &str) -> bool {
    let Some((time, rest)) = line.split_once(' ') else {
        return false;
    };
    time.len() == 24
        && time.ends_with('Z')
        && chrono::DateTime::parse_from_rfc3339(time).is_ok()
        && rest == format!("{request_id} [{level}] {message}")
}

#[test]
fn invoke_with_inline_event_prints_fc_framing_and_the_result() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .run(&["invoke", "demo/hello", "-e", r#"{"name":"fclocal"}"#])
        .expect_code(0);
    assert_eq!(run.stdout, "Hello, fclocal!\n");
    let id = run.request_id();
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .skip_while(|line| !line.starts_with("FC Invoke Start"))
        .collect();
    assert_eq!(lines[0], format!("FC Invoke Start RequestId: {id}"));
    assert!(
        is_fc_line(lines[1], &id, "INFO", "greeting fclocal"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], format!("FC Invoke End RequestId: {id}"));
    assert_eq!(lines[3], "");
    let summary = lines[4];
    assert!(
        summary.starts_with(&format!("RequestId: {id} \t Billed Duration: ")),
        "{summary}"
    );
    assert!(
        summary.contains(" \t Memory Size: 128 MB \t Max Memory Used: "),
        "{summary}"
    );
    assert!(summary.ends_with(" MB"), "{summary}");
}

#[test]
fn invoke_reads_the_event_from_a_file_stdin_or_an_e_path() {
    let sandbox = Sandbox::new();
    let file = sandbox.file("event.json", br#"{"name":"file"}"#);
    let file = file.to_str().unwrap();
    let from_file = sandbox.run(&["invoke", "hello", "-f", file]).expect_code(0);
    assert_eq!(from_file.stdout, "Hello, file!\n");

    let from_stdin = sandbox
        .run_with_stdin(&["invoke", "hello", "-s"], br#"{"name":"stdin"}"#)
        .expect_code(0);
    assert_eq!(from_stdin.stdout, "Hello, stdin!\n");

    // A piped stdin is the event when no option is given, as in fun.
    let piped = sandbox
        .run_with_stdin(&["invoke", "hello"], br#"{"name":"pipe"}"#)
        .expect_code(0);
    assert_eq!(piped.stdout, "Hello, pipe!\n");

    let e_path = sandbox.run(&["invoke", "hello", "-e", file]).expect_code(0);
    assert_eq!(e_path.stdout, "Hello, file!\n");
}

#[test]
fn invoke_without_a_name_takes_the_first_function() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["invoke", "-e", "{}"]).expect_code(0);
    assert!(
        run.stderr.contains(
            "Missing invokeName argument, fclocal will use the first function demo/hello as invokeName"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "Hello, world!\n");
}

#[test]
fn an_unknown_function_lists_the_known_ones() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["invoke", "nope"]).expect_code(1);
    assert!(run.stderr.contains("no function `nope`"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("demo/hello, demo/processEvent, demo/hostile"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("backtrace"), "{}", run.stderr);
}

#[test]
fn a_returned_error_is_a_handled_error_with_fcs_body() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .run(&["invoke", "hostile", "-e", r#"{"action":"error"}"#])
        .expect_code(1);
    let body: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"errorMessage": "hostile error on purpose", "errorType": "HostileError"})
    );
    assert!(
        run.stderr
            .contains("demo/hostile failed: HandledInvocationError"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("\nRequestId: "),
        "the summary line is printed: {}",
        run.stderr
    );
}

#[test]
fn invalid_event_json_is_the_functions_handled_error() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .run(&["invoke", "hello", "-e", "{not json"])
        .expect_code(1);
    let body: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(body["errorType"], "InvalidEvent");
}

#[test]
fn a_panic_is_an_unhandled_error_carrying_the_panic_message() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .run(&["invoke", "hostile", "-e", r#"{"action":"panic"}"#])
        .expect_code(1);
    let body: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(body["errorType"], "FunctionUnhandledError");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("hostile guest panicked on purpose"),
        "{message}"
    );
    assert!(
        body["stackTrace"]
            .as_array()
            .is_some_and(|trace| !trace.is_empty())
    );
    assert!(
        run.stderr.contains("UnhandledInvocationError"),
        "{}",
        run.stderr
    );
    // The panic line is logged as an ERROR line of the invocation.
    assert!(run.stderr.contains("[ERROR] panicked at"), "{}", run.stderr);
}

#[test]
fn an_infinite_loop_times_out_with_fcs_message() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .run(&["invoke", "hostile", "-e", r#"{"action":"loop"}"#])
        .expect_code(1);
    let body: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("Function timed out after 1 seconds (maxMemoryUsage: "),
        "{message}"
    );
    assert!(message.ends_with(" MB)"), "{message}");
}

#[test]
fn allocating_past_memory_size_fails_and_reports_a_peak_under_the_cap() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .run(&["invoke", "hostile", "-e", r#"{"action":"alloc","mb":300}"#])
        .expect_code(1);
    let body: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(body["errorType"], "FunctionOOMError");
    let summary = run
        .stderr
        .lines()
        .find(|line| line.starts_with("RequestId: "))
        .unwrap();
    let used: f64 = summary
        .rsplit("Max Memory Used: ")
        .next()
        .and_then(|rest| rest.strip_suffix(" MB"))
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no memory figure in {summary}"));
    assert!(used <= 128.0 && used > 64.0, "peak {used} MB in {summary}");
}

#[test]
fn functions_see_their_environment_and_fcs_variables() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .run(&[
            "invoke",
            "hostile",
            "-e",
            r#"{"action":"env"}"#,
            "--region",
            "cn-shanghai",
        ])
        .expect_code(0);
    let env: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(env["GREETING"], "hi");
    assert_eq!(env["FC_FUNCTION_NAME"], "hostile");
    assert_eq!(env["FC_SERVICE_NAME"], "demo");
    assert_eq!(env["FC_MEMORY_SIZE"], "128");
    assert_eq!(env["FC_TIMEOUT"], "1");
    assert_eq!(env["FC_REGION"], "cn-shanghai");
    assert_eq!(env["FC_QUALIFIER"], "LATEST");
    assert_eq!(env["FC_SERVICE_LOG_PROJECT"], "test-log-project");
    assert!(
        env["FC_INSTANCE_ID"]
            .as_str()
            .is_some_and(|id| id.starts_with("c-"))
    );
}

#[test]
fn an_http_function_takes_an_http_event_and_prints_the_response() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .run(&[
            "invoke",
            "processEvent",
            "-e",
            r#"{"method":"POST","path":"/marbles","queries":{"type":"create"},"body":"hi"}"#,
        ])
        .expect_code(0);
    let response: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(response["statusCode"], 200);
    assert_eq!(response["headers"]["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["method"], "POST");
    assert_eq!(body["path"], "/marbles");
    assert_eq!(body["queries"]["type"], "create");
    assert_eq!(body["body"], "hi");
    assert_eq!(body["url"], "/marbles?type=create");
    assert_eq!(body["clientIP"], "127.0.0.1");
    // echo-http logs the queries as JSON.
    assert!(
        run.stderr.contains(r#"[INFO] {"type":"create"}"#),
        "{}",
        run.stderr
    );
}

#[test]
fn an_invalid_http_event_says_what_shape_is_expected() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .run(&["invoke", "processEvent", "-e", r#"{"verb":"GET"}"#])
        .expect_code(1);
    assert!(
        run.stderr.contains("not a valid HTTP event"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("fclocal events generate http"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_that_is_not_a_component_is_a_clear_error() {
    let sandbox = Sandbox::with_template(
        r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  svc:
    Type: 'Aliyun::Serverless::Service'
    broken:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: broken.wasm
        Runtime: custom
        CodeUri: ./dist
"#,
    );
    std::fs::create_dir(sandbox.path().join("dist")).unwrap();
    sandbox.file("dist/broken.wasm", b"this is not wasm");
    let run = sandbox.run(&["invoke", "broken"]).expect_code(1);
    assert!(
        run.stderr.contains("is not a WebAssembly component"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_event_function_behind_an_http_trigger_is_refused_with_the_fix() {
    let sandbox = Sandbox::with_template(
        r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  svc:
    Type: 'Aliyun::Serverless::Service'
    greeter:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hello.wasm
        Runtime: custom
        CodeUri: {functions}/hello
      Events:
        web:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET']
"#,
    );
    let run = sandbox
        .run(&["invoke", "greeter", "-e", "{}"])
        .expect_code(1);
    assert!(
        run.stderr.contains("has HTTP trigger `web`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("export_http_function!"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_invalid_template_stops_invoke_with_every_problem() {
    let sandbox = Sandbox::with_template(
        r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  svc:
    Type: 'Aliyun::Serverless::Service'
    fn:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: example.App::handleRequest
        Runtime: java8
        CodeUri: ./
        Timout: 3
"#,
    );
    let run = sandbox.run(&["invoke", "fn"]).expect_code(1);
    assert!(
        run.stderr.contains("template.yml:11:18: error"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("runtime `java8` cannot run locally"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("unknown property `Timout`"),
        "{}",
        run.stderr
    );
}
