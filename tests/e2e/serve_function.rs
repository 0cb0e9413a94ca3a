//! `fclocal serve-function` against a harness that plays Function Compute's
//! front end, written from FC's custom-runtime specification (FC doc 425057
//! "Specifications", the event-handler and lifecycle-hook pages; see
//! reference/fc-runtimes.md §4):
//!
//! - the runtime starts from a clean folder holding only what a package
//!   holds (the component), with only FC's environment variables (an empty
//!   environment otherwise), `FC_SERVER_PORT` (0 here: the address is read
//!   from stderr) and that folder as its working directory;
//! - FC sends `POST /initialize` once, events as `POST /invoke`, an HTTP
//!   function's original requests on their own paths, and `GET /pre-stop`,
//!   each with the common `x-fc-*` headers and `x-fc-control-path`;
//! - success is status 200 and `x-fc-status: 200`, failure 404 and
//!   `x-fc-status: 404` with FC's error body;
//! - stdout holds FC's framing (`FC Initialize|Invoke Start|End
//!   RequestId: <id>`) and the function's lines (`<time> <id> [LEVEL] msg`),
//!   nothing else, checked line by line;
//! - requests that must overlap are held at a [`Gate`] by the hostile
//!   guest's `hold` action, never timed.

mod gate;
mod harness;

use gate::Gate;
use harness::{Answer, Runtime, assert_framed, assert_log_line, fc_headers};

#[test]
fn an_event_function_initializes_once_invokes_fails_and_stops_as_fc_expects() {
    let runtime = Runtime::start("hello", "hello.wasm", &[]);

    runtime
        .send(
            "POST",
            "/initialize",
            &fc_headers("init-1", "/initialize", &[]),
            b"",
        )
        .expect_success();
    let answer = runtime.invoke("req-1", r#"{"name": "fc"}"#, &[]);
    answer.expect_success();
    assert_eq!(answer.text(), "Hello, fc!");
    let failed = runtime.invoke("req-2", "not json", &[]).expect_failure();
    assert_eq!(failed["errorType"], "InvalidEvent", "{failed}");
    assert!(
        failed["errorMessage"]
            .as_str()
            .is_some_and(|m| m.starts_with("invalid event JSON")),
        "{failed}"
    );
    // A second initialize on the same instance runs nothing.
    runtime
        .send(
            "POST",
            "/initialize",
            &fc_headers("init-2", "/initialize", &[]),
            b"",
        )
        .expect_success();
    runtime
        .send(
            "GET",
            "/pre-stop",
            &fc_headers("stop-1", "/pre-stop", &[]),
            b"",
        )
        .expect_success();

    let lines = runtime.stdout_lines(7);
    assert_eq!(lines[0], "FC Initialize Start RequestId: init-1");
    assert_eq!(lines[1], "FC Initialize End RequestId: init-1");
    assert_eq!(lines[2], "FC Invoke Start RequestId: req-1");
    assert_log_line(&lines[3], "req-1", "INFO", "greeting fc");
    assert_eq!(lines[4], "FC Invoke End RequestId: req-1");
    assert_eq!(lines[5], "FC Invoke Start RequestId: req-2");
    assert_eq!(lines[6], "FC Invoke End RequestId: req-2");

    let (code, rest) = runtime.stop();
    assert_eq!(code, Some(0), "SIGTERM drains and exits cleanly");
    assert!(rest.is_empty(), "stdout holds only FC's lines: {rest:?}");
}

#[test]
fn the_context_comes_from_fcs_headers_and_the_environment_from_fcs_variables() {
    let runtime = Runtime::start("hostile", "hostile.wasm", &[("GREETING", "hi")]);
    let context = runtime
        .invoke(
            "ctx-1",
            r#"{"action": "context"}"#,
            &[("x-fc-function-memory", "256")],
        )
        .expect_success()
        .json();
    assert_eq!(context["requestId"], "ctx-1");
    assert_eq!(context["credentials"]["accessKeyId"], "STS.header-id");
    assert_eq!(context["credentials"]["accessKeySecret"], "header-secret");
    assert_eq!(context["credentials"]["securityToken"], "header-token");
    assert_eq!(context["function"]["name"], "fn");
    assert_eq!(context["function"]["handler"], "index.handler");
    assert_eq!(context["function"]["memory"], 256);
    assert_eq!(context["function"]["timeout"], 3);
    assert_eq!(context["function"]["initializer"], "index.initializer");
    assert_eq!(context["function"]["initializationTimeout"], 3);
    assert_eq!(context["service"]["name"], "demo");
    assert_eq!(context["service"]["logProject"], "demo-project");
    assert_eq!(context["service"]["logStore"], "demo-store");
    assert_eq!(context["service"]["qualifier"], "prod");
    assert_eq!(context["service"]["versionId"], "7");
    assert_eq!(context["region"], "cn-shanghai");
    assert_eq!(context["accountId"], "1986114430573743");

    let env = runtime
        .invoke(
            "env-1",
            r#"{"action": "env"}"#,
            &[("x-fc-function-memory", "256")],
        )
        .expect_success()
        .json();
    assert_eq!(
        env["GREETING"], "hi",
        "the function's variables pass: {env}"
    );
    assert_eq!(env["FC_FUNCTION_NAME"], "fn");
    assert_eq!(
        env["FC_FUNCTION_MEMORY_SIZE"], "256",
        "MemorySize from the header"
    );
    assert_eq!(env["FC_REGION"], "cn-shanghai");
    assert_eq!(env["ALIBABA_CLOUD_ACCESS_KEY_ID"], "STS.env-id");

    // The initializer header asked for an initializer: it ran once, on the
    // instance's first request, framed; the second request reused the instance.
    let lines = runtime.stdout_lines(6);
    assert_eq!(
        lines,
        [
            "FC Initialize Start RequestId: ctx-1",
            "FC Initialize End RequestId: ctx-1",
            "FC Invoke Start RequestId: ctx-1",
            "FC Invoke End RequestId: ctx-1",
            "FC Invoke Start RequestId: env-1",
            "FC Invoke End RequestId: env-1",
        ]
    );
}

#[test]
fn handled_errors_traps_and_timeouts_answer_404_and_the_runtime_keeps_serving() {
    let runtime = Runtime::start("hostile", "hostile.wasm", &[]);
    let no_init = [("x-fc-function-initializer", "")];

    let handled = runtime
        .invoke("err-1", r#"{"action": "error"}"#, &no_init)
        .expect_failure();
    assert_eq!(handled["errorType"], "HostileError");
    assert_eq!(handled["errorMessage"], "hostile error on purpose");

    assert_eq!(
        runtime
            .invoke("st-1", r#"{"action": "state"}"#, &no_init)
            .text(),
        "1"
    );
    let trap = runtime
        .invoke("trap-1", r#"{"action": "panic"}"#, &no_init)
        .expect_failure();
    assert_eq!(trap["errorType"], "FunctionUnhandledError", "{trap}");
    // The trapped instance is gone: a fresh one counts from 1 again.
    assert_eq!(
        runtime
            .invoke("st-2", r#"{"action": "state"}"#, &no_init)
            .text(),
        "1"
    );

    let timeout = [
        ("x-fc-function-initializer", ""),
        ("x-fc-function-timeout", "1"),
    ];
    let timed_out = runtime
        .invoke("loop-1", r#"{"action": "loop"}"#, &timeout)
        .expect_failure();
    assert_eq!(
        timed_out["errorType"], "FunctionTimeoutError",
        "{timed_out}"
    );
    assert!(
        timed_out["errorMessage"]
            .as_str()
            .is_some_and(|m| m.starts_with("Function timed out after 1 seconds (maxMemoryUsage: ")),
        "{timed_out}"
    );
    runtime
        .invoke("ok-1", r#"{"action": "ok"}"#, &timeout)
        .expect_success();

    let lines = runtime.stdout_lines(13);
    assert_eq!(lines[0], "FC Invoke Start RequestId: err-1");
    assert_eq!(lines[1], "FC Invoke End RequestId: err-1");
    assert_eq!(lines[2], "FC Invoke Start RequestId: st-1");
    assert_eq!(lines[3], "FC Invoke End RequestId: st-1");
    assert_eq!(lines[4], "FC Invoke Start RequestId: trap-1");
    let (panic_line, _) = lines[5]
        .split_once(" [ERROR] ")
        .expect("the panic is an ERROR line");
    assert!(panic_line.ends_with(" trap-1"), "{}", lines[5]);
    assert!(
        lines[5].contains("hostile guest panicked on purpose"),
        "{}",
        lines[5]
    );
    assert_eq!(lines[6], "FC Invoke End RequestId: trap-1");
    assert_eq!(lines[7], "FC Invoke Start RequestId: st-2");
    assert_eq!(lines[8], "FC Invoke End RequestId: st-2");
    assert_eq!(lines[9], "FC Invoke Start RequestId: loop-1");
    assert_eq!(lines[10], "FC Invoke End RequestId: loop-1");
    assert_eq!(lines[11], "FC Invoke Start RequestId: ok-1");
    assert_eq!(lines[12], "FC Invoke End RequestId: ok-1");
}

#[test]
fn a_failing_initializer_answers_404_and_the_next_instance_initializes_again() {
    let runtime = Runtime::start("hostile", "hostile.wasm", &[("HOSTILE_INIT", "fail")]);
    let failed = runtime
        .send(
            "POST",
            "/initialize",
            &fc_headers("init-1", "/initialize", &[]),
            b"",
        )
        .expect_failure();
    assert_eq!(failed["errorType"], "HostileInitError", "{failed}");
    let again = runtime
        .invoke("req-1", r#"{"action": "ok"}"#, &[])
        .expect_failure();
    assert_eq!(again["errorType"], "HostileInitError", "{again}");
    let lines = runtime.stdout_lines(4);
    assert_eq!(
        lines,
        [
            "FC Initialize Start RequestId: init-1",
            "FC Initialize End RequestId: init-1",
            "FC Initialize Start RequestId: req-1",
            "FC Initialize End RequestId: req-1",
        ]
    );
}

#[test]
fn an_http_function_gets_the_original_request_and_its_answer_goes_back() {
    let runtime = Runtime::start("hostile-http", "hostile_http.wasm", &[]);
    let base = "/2016-08-15/proxy/demo/web/";
    let http = |request_id: &str, extra: &[(&str, &str)]| {
        let mut extra = extra.to_vec();
        extra.push(("x-fc-base-path", base));
        extra.push(("x-forwarded-for", "203.0.113.7"));
        extra.push(("content-type", "text/plain"));
        fc_headers(request_id, "/http-invoke", &extra)
    };

    let echo = runtime.send(
        "POST",
        "/2016-08-15/proxy/demo/web/echo?type=create&tag=a&tag=b",
        &http("http-1", &[("x-custom", "yes")]),
        b"hello body",
    );
    echo.expect_success();
    let echo = echo.json();
    assert_eq!(echo["path"], "/echo");
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body"], "hello body");
    assert_eq!(echo["queries"]["type"], "create");
    assert_eq!(echo["queries"]["tag"], serde_json::json!(["a", "b"]));
    assert_eq!(echo["headers"]["x-custom"], "yes");
    assert_eq!(echo["clientIP"], "203.0.113.7");

    let context = runtime
        .send(
            "GET",
            "/2016-08-15/proxy/demo/web/context",
            &http("http-2", &[]),
            b"",
        )
        .json();
    assert_eq!(context["requestId"], "http-2");
    assert_eq!(context["credentials"]["accessKeyId"], "STS.header-id");
    assert_eq!(context["service"]["qualifier"], "prod");

    let teapot = runtime.send(
        "GET",
        "/2016-08-15/proxy/demo/web/status?code=418",
        &http("http-3", &[]),
        b"",
    );
    assert_eq!(
        (teapot.status, teapot.header("x-fc-status")),
        (418, Some("200"))
    );
    assert_eq!(teapot.text(), "status 418");

    let reserved = runtime.send(
        "GET",
        "/2016-08-15/proxy/demo/web/reserved-headers",
        &http("http-4", &[]),
        b"",
    );
    reserved.expect_success();
    assert_eq!(reserved.header("x-custom"), Some("ok"));
    assert_eq!(
        reserved.header("x-fc-foo"),
        None,
        "x-fc-* set by the function are dropped"
    );

    let trap = runtime
        .send(
            "GET",
            "/2016-08-15/proxy/demo/web/panic",
            &http("http-5", &[]),
            b"",
        )
        .expect_failure();
    assert_eq!(trap["errorType"], "FunctionUnhandledError", "{trap}");
    // Still serving after the trap.
    runtime
        .send(
            "GET",
            "/2016-08-15/proxy/demo/web/state",
            &http("http-6", &[]),
            b"",
        )
        .expect_success();

    let lines = runtime.stdout_until("FC Invoke End RequestId: http-6");
    let framed = assert_framed(&lines);
    let ids: Vec<String> = (1..=6).map(|i| format!("http-{i}")).collect();
    assert_eq!(framed, ids, "{lines:#?}");
    assert!(
        lines.iter().any(|line| line.contains(" http-5 [ERROR] ")
            && line.contains("hostile guest panicked on purpose")),
        "the trap's message is logged: {lines:#?}"
    );
}

/// Sends `requests` `hold` invocations to a runtime with
/// `FCLOCAL_INSTANCE_CONCURRENCY=concurrency`: the first, then — once it
/// waits at the gate, holding its instance — the rest at once. The gate
/// opens only when two wait at it at once, that is when a second instance
/// exists. Returns the counts they answered, sorted.
fn held_counts(concurrency: &str, requests: usize) -> Vec<String> {
    let gate = Gate::opening_at(2);
    let runtime = Runtime::start(
        "hostile",
        "hostile.wasm",
        &[("FCLOCAL_INSTANCE_CONCURRENCY", concurrency)],
    );
    let event = format!(r#"{{"action": "hold", "url": "{}"}}"#, gate.url());
    // The gate, not a deadline, ends the calls: the timeout is only a bound.
    let headers = [
        ("x-fc-function-initializer", ""),
        ("x-fc-function-timeout", "120"),
    ];
    let invoke = |i: usize| {
        let answer = runtime.invoke(&format!("c-{i}"), &event, &headers);
        answer.expect_success();
        answer.text()
    };
    let mut counts: Vec<String> = std::thread::scope(|scope| {
        let first = scope.spawn(|| invoke(0));
        gate.wait_arrived(1);
        let rest: Vec<_> = (1..requests)
            .map(|i| {
                let invoke = &invoke;
                scope.spawn(move || invoke(i))
            })
            .collect();
        std::iter::once(first)
            .chain(rest)
            .map(|call| call.join().unwrap())
            .collect()
    });
    assert_eq!(gate.arrived(), requests, "every call held at the gate");
    counts.sort();

    // Each invocation's frames pair up, whatever the order of arrival.
    let mut lines: Vec<String> = Vec::new();
    let ends = |lines: &[String]| {
        (0..requests).all(|i| lines.contains(&format!("FC Invoke End RequestId: c-{i}")))
    };
    while !ends(&lines) {
        lines.extend(runtime.stdout_lines(1));
    }
    for i in 0..requests {
        let start = lines
            .iter()
            .position(|line| *line == format!("FC Invoke Start RequestId: c-{i}"));
        let end = lines
            .iter()
            .position(|line| *line == format!("FC Invoke End RequestId: c-{i}"));
        assert!(
            matches!((start, end), (Some(start), Some(end)) if start < end),
            "{lines:?}"
        );
    }
    counts
}

#[test]
fn concurrent_requests_share_one_instance_up_to_instance_concurrency() {
    // InstanceConcurrency 4: while the first call holds its instance, four
    // more arrive; three queue on it and fill it, so only the fifth starts
    // a second instance, reaches the gate and lets everyone go. The first
    // instance counts to 4, the second to 1.
    assert_eq!(held_counts("4", 5), ["1", "1", "2", "3", "4"]);
}

#[test]
fn with_instance_concurrency_1_overlapping_requests_take_separate_instances() {
    // The control: the same overlap with InstanceConcurrency 1 puts the
    // second call on an instance of its own (a queue on the first would
    // never reach the gate).
    assert_eq!(held_counts("1", 2), ["1", "1"]);
}

#[test]
fn without_fcs_environment_it_listens_on_this_machine_only() {
    let runtime = Runtime::start_configured(
        "hello",
        "hello.wasm",
        |command| {
            command
                .env_remove("FC_FUNC_CODE_PATH")
                .env_remove("FC_INSTANCE_ID");
        },
        "127.0.0.1",
    );
    let listening = runtime.startup.last().expect("the listening line");
    assert!(
        listening.contains("no FC environment") && listening.contains("--host 0.0.0.0"),
        "the status line says why: {listening}"
    );
    runtime
        .invoke("local-1", r#"{"name": "local"}"#, &[])
        .expect_success();
}

#[test]
fn variables_that_are_not_utf8_are_skipped_with_a_warning_and_serving_goes_on() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt as _;

    let runtime = Runtime::start_configured(
        "hostile",
        "hostile.wasm",
        |command| {
            command
                .env(OsStr::from_bytes(b"BAD_\xffNAME"), "x")
                .env("BAD_VALUE", OsStr::from_bytes(b"caf\xe9"))
                .env("GREETING", "hi");
        },
        "0.0.0.0",
    );
    for name in ["BAD_\u{fffd}NAME", "BAD_VALUE"] {
        assert!(
            runtime.startup.iter().any(|line| line.contains(&format!(
                "warning: environment variable {name} is not valid UTF-8"
            ))),
            "{name} is named: {:#?}",
            runtime.startup
        );
    }
    let env = runtime
        .invoke(
            "env-1",
            r#"{"action": "env"}"#,
            &[("x-fc-function-initializer", "")],
        )
        .expect_success()
        .json();
    assert_eq!(env["GREETING"], "hi", "{env}");
    assert!(env.get("BAD_VALUE").is_none(), "{env}");
}

#[test]
fn malformed_requests_get_fcs_error_shape_and_serving_goes_on() {
    let event = Runtime::start("hello", "hello.wasm", &[]);
    let refused = |answer: Answer, code: &str, needle: &str| {
        assert_eq!(
            answer.header("x-fc-status"),
            Some("404"),
            "{}",
            answer.text()
        );
        assert_eq!(answer.status, 400, "{}", answer.text());
        let body = answer.json();
        assert_eq!(body["errorCode"], code, "{body}");
        assert!(
            body["errorMessage"]
                .as_str()
                .is_some_and(|m| m.contains(needle)),
            "{body}"
        );
    };
    refused(
        event.invoke("bad-1", "{}", &[("x-fc-function-memory", "lots")]),
        "InvalidArgument",
        "x-fc-function-memory",
    );
    refused(
        event.invoke("bad-2", "{}", &[("x-fc-control-path", "/invok")]),
        "InvalidArgument",
        "/invok",
    );
    refused(
        event.send(
            "GET",
            "/somewhere",
            &fc_headers("bad-3", "/http-invoke", &[]),
            b"",
        ),
        "InvalidArgument",
        "event function",
    );
    refused(
        event.invoke("bad-4", &"x".repeat(6 * 1024 * 1024 + 1), &[]),
        "EntityTooLarge",
        "6291456",
    );
    let fine = event.invoke("good-1", r#"{"name": "again"}"#, &[]);
    fine.expect_success();
    assert_eq!(fine.text(), "Hello, again!");

    let web = Runtime::start("echo-http", "echo_http.wasm", &[]);
    refused(
        web.invoke("bad-5", "{}", &[]),
        "InvalidArgument",
        "HTTP function",
    );
    web.send(
        "GET",
        "/after?x=1",
        &fc_headers("good-2", "/http-invoke", &[]),
        b"",
    )
    .expect_success();
}

/// The template `fclocal package` packages for the bootstrap test.
const PACKAGED_TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    fn:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hello.wasm
        Runtime: custom
        CodeUri: {functions}/hello
        InstanceConcurrency: 2
"#;

#[test]
fn a_packaged_functions_bootstrap_serves_it_from_a_clean_copy_of_its_folder() {
    let sandbox = crate::common::Sandbox::with_template(PACKAGED_TEMPLATE);
    let fclocal = env!("CARGO_BIN_EXE_fclocal");
    let packaged = sandbox.run(&["package", "-o", "out", "--fclocal-binary", fclocal]);
    assert_eq!(packaged.code, Some(0), "{}", packaged.stderr);

    // Only the function's folder, as FC mounts it at /code; its bootstrap
    // starts fclocal with FC's environment.
    let runtime = Runtime::start_packaged(
        &sandbox.path().join("out/demo/fn"),
        &[("FC_FUNCTION_HANDLER", "hello.wasm")],
    );
    runtime
        .send(
            "POST",
            "/initialize",
            &fc_headers("init-1", "/initialize", &[]),
            b"",
        )
        .expect_success();
    let answer = runtime.invoke("req-1", r#"{"name": "cloud"}"#, &[]);
    answer.expect_success();
    assert_eq!(answer.text(), "Hello, cloud!");
    let failed = runtime.invoke("req-2", "[1]", &[]).expect_failure();
    assert_eq!(failed["errorType"], "InvalidEvent", "{failed}");

    let lines = runtime.stdout_lines(6);
    assert_eq!(lines[0], "FC Initialize Start RequestId: init-1");
    assert_eq!(lines[1], "FC Initialize End RequestId: init-1");
    assert_eq!(lines[2], "FC Invoke Start RequestId: req-1");
    assert_log_line(&lines[3], "req-1", "INFO", "greeting cloud");
    assert_eq!(lines[4], "FC Invoke End RequestId: req-1");
    assert_eq!(lines[5], "FC Invoke Start RequestId: req-2");
    let (code, _) = runtime.stop();
    assert_eq!(code, Some(0));
}
