//! The Node.js language engine (`runtime/builder/engines/node`): unmodified
//! FC Node.js handlers from a code folder mounted at `/code` — FC's HTTP
//! trigger walkthrough, event handlers with callbacks, promises and timers,
//! initializers, the context, logging, `require` and ES modules, FC's error
//! bodies, and hostile handlers that must fail alone.
//!
//! The engine is built once per checkout by its own `build.sh` (`npm ci`
//! and about 15 s the first time; later runs find it up to date).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Lines, sink};
use fclocal_engine::{
    CaptureLimits, EventContext, FunctionInstance, FunctionKind, HttpRequest, HttpResponse,
    InstanceSettings, InvocationError, LineSource, PreparedComponent,
};
use fclocal_test_support::EngineLanguage;
use http::{HeaderMap, Method, StatusCode};
use serde_json::{Value, json};

use common::lang::{LangEngine, MAX_BODY, TIMEOUT, body_json, reported};

static NODE: LangEngine = LangEngine::new(EngineLanguage::Node, "node", "nodesvc", "nodefn");

fn engine() -> &'static PreparedComponent {
    NODE.component()
}

fn settings(code: &str, memory_mb: u64) -> InstanceSettings {
    NODE.settings(code, memory_mb)
}

async fn instance(code: &str) -> FunctionInstance {
    NODE.instance_with(&settings(code, 128)).await
}

async fn instance_with(settings: &InstanceSettings) -> FunctionInstance {
    NODE.instance_with(settings).await
}

fn context(handler: &str) -> EventContext {
    NODE.context(handler)
}

async fn call(guest: &mut FunctionInstance, handler: &str, event: &[u8]) -> Vec<u8> {
    NODE.call(guest, handler, event).await
}

async fn call_json(guest: &mut FunctionInstance, handler: &str, event: &[u8]) -> Value {
    NODE.call_json(guest, handler, event).await
}

async fn failing(guest: &mut FunctionInstance, handler: &str, unhandled: bool) -> Value {
    NODE.failing(guest, handler, unhandled).await
}

fn request(method: Method, path_and_query: &str, body: &'static [u8]) -> HttpRequest {
    let mut headers = HeaderMap::new();
    headers.insert("host", "example.com".parse().unwrap());
    headers.insert("user-agent", "lang-node-test".parse().unwrap());
    NODE.request(method, path_and_query, headers, body)
}

async fn http(guest: &mut FunctionInstance, handler: &str, request: HttpRequest) -> HttpResponse {
    NODE.http(guest, handler, request).await
}

#[test]
fn the_engine_is_a_language_engine() {
    assert_eq!(engine().kind(), FunctionKind::Language);
}

#[tokio::test]
async fn fcs_http_trigger_walkthrough_runs_unchanged() {
    let mut guest = instance("walkthrough").await;
    let lines = sink();
    let mut get = request(Method::GET, "/a/b?x=1&x=2&y=z", b"");
    get.headers
        .insert("x-fc-request-id", "forged".parse().unwrap());
    let answered = guest
        .invoke_http(
            get,
            &context("httpTrigger.handler"),
            TIMEOUT,
            MAX_BODY,
            lines.clone(),
        )
        .await;
    let response = answered.result.expect("the walkthrough answers");
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.headers["content-type"], "application/json");
    assert_eq!(
        body_json(&response),
        json!({
            "path": "/a/b",
            "queries": {"x": ["1", "2"], "y": "z"},
            "headers": {"host": "example.com", "user-agent": "lang-node-test"},
            "method": "GET",
            "body": {"type": "Buffer", "data": []},
            "url": "/2016-08-15/proxy/nodesvc/nodefn/a/b?x=1&x=2&y=z",
            "clientIP": "10.1.2.3",
        })
    );
    assert_eq!(lines.texts(LineSource::Stdout), ["[INFO] hello world"]);

    let post = request(Method::POST, "/submit", b"hi!");
    let response = http(&mut guest, "httpTrigger.handler", post).await;
    let echoed = body_json(&response);
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["path"], "/submit");
    assert_eq!(echoed["queries"], json!({}));
    assert_eq!(
        echoed["body"],
        json!({"type": "Buffer", "data": [104, 105, 33]})
    );
}

#[tokio::test]
async fn the_walkthrough_fits_in_128_mb_and_its_instance_starts_small() {
    let mut guest = instance("walkthrough").await;
    let started = guest.memory_used_bytes();
    assert!(started < 48 << 20, "a fresh instance uses {started} bytes");
    for _ in 0..20 {
        let post = request(Method::POST, "/", b"x");
        http(&mut guest, "httpTrigger.handler", post).await;
    }
    assert!(guest.memory_used_bytes() <= 128 << 20);
}

#[tokio::test]
async fn event_handlers_take_a_buffer_and_results_are_converted_as_fc_does() {
    let mut guest = instance("events").await;
    assert_eq!(call(&mut guest, "index.echo", b"abc").await, b"got abc");
    assert_eq!(
        call(&mut guest, "index.bytes", b"\x01").await,
        b"\xff\x00\x01"
    );
    assert_eq!(
        call_json(&mut guest, "index.json", br#"{"a": [1, 2]}"#).await,
        json!({"event": {"a": [1, 2]}, "isBuffer": true, "length": 13})
    );
    assert_eq!(
        call(&mut guest, "index.asyncEcho", b"xyz").await,
        b"async xyz"
    );
    assert_eq!(call(&mut guest, "index.nothing", b"x").await, b"");
    assert_eq!(
        call(&mut guest, "index.firstCompletionWins", b"").await,
        b"first"
    );
}

#[tokio::test]
async fn timers_ticks_immediates_and_promises_run_within_the_call() {
    let mut guest = instance("events").await;
    let result = call_json(&mut guest, "index.timers", b"").await;
    let order: Vec<&str> = result["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step.as_str().unwrap())
        .collect();
    assert_eq!(order[..4], ["sync", "tick", "promise", "immediate"]);
    assert!(order.contains(&"timeout 5") && order.contains(&"interval x2"));
    assert!(!order.contains(&"cancelled"));
    assert_eq!(order.last(), Some(&"timeout 30"));
    assert_eq!(result["waited"], true);
    assert_eq!(
        call(&mut guest, "index.sleepThenResolve", b"20").await,
        b"slept"
    );
}

#[tokio::test]
async fn module_state_persists_within_an_instance_and_not_across_instances() {
    let mut first = instance("events").await;
    for expected in ["1", "2", "3"] {
        assert_eq!(
            call(&mut first, "index.count", b"").await,
            expected.as_bytes()
        );
    }
    let mut second = instance("events").await;
    assert_eq!(call(&mut second, "index.count", b"").await, b"1");
}

#[tokio::test]
async fn the_context_carries_every_fc_field() {
    let mut guest = instance("events").await;
    let mut ctx = context("index.contextFields");
    ctx.request_id = "req-ctx".into();
    ctx.function.initializer = "index.initializer".into();
    let invoked = guest.invoke_event(b"", &ctx, TIMEOUT, sink()).await;
    let fields: Value = serde_json::from_slice(&invoked.result.unwrap()).unwrap();
    assert_eq!(
        fields,
        json!({
            "requestId": "req-ctx",
            "credentials": {
                "accessKeyId": "AKID",
                "accessKeySecret": "SECRET",
                "securityToken": "TOKEN",
            },
            "function": {
                "name": "nodefn",
                "handler": "index.contextFields",
                "memory": 128,
                "timeout": 3,
                "initializer": "index.initializer",
                "initializationTimeout": 3,
            },
            "service": {
                "name": "nodesvc",
                "logProject": "proj",
                "logStore": "store",
                "qualifier": "LATEST",
                "versionId": "",
            },
            "region": "cn-hangzhou",
            "accountId": "1234567890",
            "logger": true,
        })
    );
}

#[tokio::test]
async fn process_env_is_the_instance_environment() {
    let mut guest = instance("events").await;
    assert_eq!(
        call_json(&mut guest, "index.environment", b"").await,
        json!({
            "GREETING": "hi",
            "FC_REGION": "cn-hangzhou",
            "PATH_LIKE": "/a:/b",
            "cwd": "/code",
            "platform": "linux",
        })
    );
}

#[tokio::test]
async fn require_finds_local_files_packages_and_node_builtins() {
    let mut guest = instance("events").await;
    let loaded = call_json(&mut guest, "index.imports", b"").await;
    assert_eq!(loaded["helper"], "hello, fc");
    assert_eq!(loaded["helperFile"], "/code/lib/helper.js");
    assert_eq!(loaded["helperLoads"], 1, "a module is loaded once");
    assert_eq!(loaded["leftPad"], "007");
    assert_eq!(loaded["json"], "hello");
    assert_eq!(loaded["directory"], "directory main");
    assert_eq!(loaded["exportsRequire"], "require");
    assert_eq!(
        loaded["exportsSubpath"],
        json!({"feature": true, "dir": "/code/node_modules/@fc/exported/dist"})
    );
    assert_eq!(loaded["resolved"], "/code/node_modules/left-pad/index.js");
    assert_eq!(
        loaded["builtins"],
        json!({
            "path": "/b/c.js",
            "nodePrefix": true,
            "url": "q=1",
            "qs": "a=1&a=2&b=c%20d",
            "util": "n=42 {\"x\":1}",
            "events": "function",
            "stream": "function",
            "decoder": "é",
            "assert": "ERR_ASSERTION",
            "os": "linux",
            "asyncHooks": "function",
            "md5": "e05fe30750d3ea262a610d17ebc07019",
            "hmac": "Ks0/e7ilf04U107kcONwUvONg8+hYsdqi4mzonw7pvM=",
            "uuid": true,
            "gzip": "zipped",
            "fs": "{ \"greeting\": \"hello\" }",
            "tmp": "scratch",
            "readdir": ["helper.js"],
            "dirents": ["dir/", "helper.js"],
            "readdirMissing": "ENOENT",
            "readOnlyCode": "EROFS",
        })
    );
    assert_eq!(
        loaded["globals"],
        json!({"buffer": "old style", "url": "c", "textEncoder": 2, "global": true})
    );
}

#[tokio::test]
async fn an_es_module_handler_imports_modules_and_commonjs() {
    let mut guest = instance("esm").await;
    let mut results = Vec::new();
    for event in [&b"hey"[..], b"again"] {
        results.push(call_json(&mut guest, "handler.handler", event).await);
    }
    assert_eq!(
        results[0],
        json!({
            "shout": "HEY!",
            "cjs": "commonjs",
            "url": "file:///code/handler.mjs",
            "dir": "code",
            "required": "commonjs",
            "calls": 1,
            "topLevelAwait": true,
        })
    );
    assert_eq!(results[1]["shout"], "AGAIN!");
    assert_eq!(results[1]["calls"], 2);
    // `.js` under a package.json with "type": "module".
    assert_eq!(
        call(&mut guest, "pkg/index.handler", b"").await,
        b"module scope req-1"
    );
}

#[tokio::test]
async fn console_lines_carry_level_tags_and_stdout_writes_are_verbatim() {
    let mut guest = instance("events").await;
    let lines = sink();
    let invoked = guest
        .invoke_event(b"", &context("index.logs"), TIMEOUT, lines.clone())
        .await;
    assert_eq!(invoked.result, Ok(b"logged".to_vec()));
    assert_eq!(
        lines.texts(LineSource::Stdout),
        [
            "[INFO] plain text and 42",
            "[INFO] { a: 1 }",
            "[DEBUG] debugging",
            "[INFO] from the logger",
            "partial line",
            "no newline at the end",
        ]
    );
    assert_eq!(
        lines.texts(LineSource::Stderr),
        [
            "[WARN] first line",
            "[WARN] second line",
            "[ERROR] shown with its stack",
            "to stderr",
        ]
    );
}

#[tokio::test]
async fn the_initializer_runs_with_the_context_before_the_handler() {
    let mut guest = instance("events").await;
    let mut ctx = context("index.initialized");
    ctx.request_id = "req-init".into();
    ctx.function.initializer = "index.initializer".into();
    let lines = sink();
    let initialized = guest.initialize(&ctx, TIMEOUT, lines.clone()).await;
    assert_eq!(initialized.result, Ok(()));
    assert_eq!(lines.texts(LineSource::Stdout), ["[INFO] initializing"]);
    assert!(guest.is_initialized());
    assert_eq!(
        call(&mut guest, "index.initialized", b"").await,
        b"req-init"
    );

    let mut promised = instance("events").await;
    ctx.function.initializer = "index.asyncInitializer".into();
    let initialized = promised.initialize(&ctx, TIMEOUT, sink()).await;
    assert_eq!(initialized.result, Ok(()));
    assert_eq!(
        call(&mut promised, "index.initialized", b"").await,
        b"async req-init"
    );
}

#[tokio::test]
async fn a_failing_or_missing_initializer_is_reported() {
    let mut guest = instance("events").await;
    let mut ctx = context("index.initialized");
    ctx.function.initializer = "index.failingInitializer".into();
    let initialized = guest.initialize(&ctx, TIMEOUT, sink()).await;
    let (body, unhandled) = reported(&initialized.result);
    assert!(!unhandled);
    assert_eq!(body["errorMessage"], "cannot connect");
    assert_eq!(body["errorType"], "Error");
    assert!(!guest.is_initialized());

    ctx.function.initializer = "nosuch.initializer".into();
    let initialized = guest.initialize(&ctx, TIMEOUT, sink()).await;
    let (body, unhandled) = reported(&initialized.result);
    assert!(unhandled);
    assert_eq!(
        body,
        json!({"errorMessage": "Cannot find module '/code/nosuch.js'"})
    );
    assert!(guest.is_usable());
}

#[tokio::test]
async fn callback_errors_have_fcs_error_bodies() {
    let mut guest = instance("events").await;
    let oops = failing(&mut guest, "index.callbackError", false).await;
    assert_eq!(oops["errorMessage"], "oops");
    assert_eq!(oops["errorType"], "Error");
    let frames = oops["stackTrace"].as_array().unwrap();
    assert_eq!(frames[0], "Error: oops");
    assert!(
        frames[1]
            .as_str()
            .unwrap()
            .starts_with("    at exports.callbackError (/code/index.js:"),
        "{oops}"
    );
    let text = failing(&mut guest, "index.callbackString", false).await;
    assert_eq!(text, json!({"errorMessage": "something is wrong"}));
}

#[tokio::test]
async fn errors_name_what_is_wrong_and_the_instance_survives_them() {
    let mut guest = instance("events").await;
    let thrown = failing(&mut guest, "index.throws", true).await;
    assert_eq!(thrown["errorType"], "TypeError");
    assert_eq!(thrown["errorMessage"], "thrown");
    assert_eq!(thrown["stackTrace"][0], "TypeError: thrown");

    let rejected = failing(&mut guest, "index.rejects", true).await;
    assert_eq!(rejected["errorType"], "RangeError");
    assert_eq!(rejected["errorMessage"], "rejected");

    let in_timer = failing(&mut guest, "index.throwsLater", true).await;
    assert_eq!(in_timer["errorMessage"], "thrown in a timer");

    let missing_file = failing(&mut guest, "nosuch.handler", true).await;
    assert_eq!(
        missing_file,
        json!({"errorMessage": "Cannot find module '/code/nosuch.js'"})
    );
    let missing_export = failing(&mut guest, "index.nosuch", true).await;
    assert_eq!(
        missing_export,
        json!({"errorMessage": "Handler 'nosuch' missing on module 'index'"})
    );
    let not_a_function = failing(&mut guest, "index.notAFunction", true).await;
    assert_eq!(
        not_a_function["errorMessage"],
        "Handler 'notAFunction' missing on module 'index'"
    );

    let package = failing(&mut guest, "index.missingPackage", true).await;
    assert!(
        package["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("Cannot find module 'no-such-package'"),
        "{package}"
    );
    assert!(
        !package["errorMessage"]
            .as_str()
            .unwrap()
            .contains("preinstalled"),
        "{package}"
    );
    let preinstalled = failing(&mut guest, "index.preinstalledOnFc", true).await;
    let message = preinstalled["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("Cannot find module 'ali-oss'")
            && message.contains("'ali-oss' is preinstalled on FC's Node.js runtimes")
            && message.contains("npm install"),
        "{preinstalled}"
    );

    for handler in ["index.native", "index.gypNative"] {
        let native = failing(&mut guest, handler, true).await;
        let message = native["errorMessage"].as_str().unwrap();
        let package = if handler == "index.native" {
            "fake-native"
        } else {
            "gyp-native"
        };
        assert!(
            message.contains("native addon")
                && message.contains(&format!("'{package}'"))
                && message.contains("cannot run in fclocal's WebAssembly Node.js engine")
                && message.contains("use a pure-JS package"),
            "{message}"
        );
    }

    let syntax = failing(&mut guest, "broken.handler", true).await;
    assert_eq!(syntax["errorType"], "SyntaxError");
    assert!(
        syntax["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("/code/broken.js:2: "),
        "{syntax}"
    );

    let at_load = failing(&mut guest, "loadFails.handler", true).await;
    assert_eq!(at_load["errorMessage"], "configuration missing");
    assert_eq!(at_load["stackTrace"][1], "    at /code/loadFails.js:1:7");

    let exited = failing(&mut guest, "index.exits", true).await;
    assert!(
        exited["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("Process exited unexpectedly before completing request"),
        "{exited}"
    );

    // After all of that, the same instance still serves, state intact.
    assert_eq!(call(&mut guest, "index.count", b"").await, b"1");
    assert_eq!(call(&mut guest, "index.echo", b"ok").await, b"got ok");
}

#[tokio::test]
async fn a_line_logged_before_an_exception_reaches_the_log_of_that_call() {
    let mut guest = instance("events").await;
    let lines = sink();
    let invoked = guest
        .invoke_event(b"", &context("index.logThenThrow"), TIMEOUT, lines.clone())
        .await;
    let (body, _) = reported(&invoked.result);
    assert_eq!(body["errorMessage"], "after the log");
    assert_eq!(
        lines.texts(LineSource::Stdout),
        ["[INFO] before the exception"]
    );
}

#[tokio::test]
async fn http_handlers_read_the_body_set_status_and_headers() {
    let mut guest = instance("http").await;
    let echo = http(
        &mut guest,
        "index.handler",
        request(Method::POST, "/echo", b"\x00binary body\xff"),
    )
    .await;
    assert_eq!(echo.status, StatusCode::CREATED);
    assert_eq!(echo.body, &b"\x00binary body\xff"[..]);
    assert_eq!(echo.headers["content-type"], "application/octet-stream");
    let echoes: Vec<_> = echo.headers.get_all("x-echo").iter().collect();
    assert_eq!(echoes, ["yes", "twice"]);
    assert!(echo.headers.get("x-removed").is_none());

    let mut get = request(Method::GET, "/request?a=1&a=2&b=two%20words", b"");
    get.headers.append("accept", "text/plain".parse().unwrap());
    get.headers.append("accept", "text/html".parse().unwrap());
    let seen = http(&mut guest, "index.handler", get).await;
    assert_eq!(
        body_json(&seen),
        json!({
            "constructor": "EventEmitter",
            "isEmitter": true,
            "method": "GET",
            "path": "/request",
            "url": "/2016-08-15/proxy/nodesvc/nodefn/request?a=1&a=2&b=two%20words",
            "queries": {"a": ["1", "2"], "b": "two words"},
            "headers": {
                "host": "example.com",
                "user-agent": "lang-node-test",
                "accept": "text/plain, text/html",
            },
            "clientIP": "10.1.2.3",
            "body": "",
        })
    );

    let streamed = http(
        &mut guest,
        "index.handler",
        request(Method::GET, "/stream", b""),
    )
    .await;
    assert_eq!(streamed.body, &b"streamed in parts"[..]);

    let teapot = http(
        &mut guest,
        "index.handler",
        request(Method::GET, "/async", b""),
    )
    .await;
    assert_eq!(teapot.status, StatusCode::IM_A_TEAPOT);
    assert_eq!(teapot.body, &b"short and stout"[..]);

    let ignored = http(
        &mut guest,
        "index.handler",
        request(Method::GET, "/ignored", b""),
    )
    .await;
    assert_eq!(ignored.headers["x-kept"], "yes");
    assert!(ignored.headers.get("connection").is_none());
    assert!(ignored.headers.get("x-fc-forged").is_none());

    let text = http(
        &mut guest,
        "index.handler",
        request(Method::POST, "/text", b"plain words"),
    )
    .await;
    assert_eq!(text.body, &b"text: plain words"[..]);
    let sum = http(
        &mut guest,
        "index.handler",
        request(Method::POST, "/json", br#"{"a": 1, "b": 2}"#),
    )
    .await;
    assert_eq!(sum.body, &b"sum: 3"[..]);
}

#[tokio::test]
async fn http_failures_are_unhandled_errors_and_the_instance_survives() {
    let mut guest = instance("http").await;
    for (path, error_type, message) in [
        ("/throw", "Error", "the handler failed"),
        ("/reject", "SyntaxError", "async failure"),
        (
            "/bad-body",
            "TypeError",
            "response.send(body): body must be a Buffer, a string or a stream.Readable, got object",
        ),
    ] {
        let answered = guest
            .invoke_http(
                request(Method::GET, path, b""),
                &context("index.handler"),
                TIMEOUT,
                MAX_BODY,
                sink(),
            )
            .await;
        let (body, unhandled) = reported(&answered.result);
        assert!(unhandled, "{path}: {body}");
        assert_eq!(body["errorType"], error_type, "{path}: {body}");
        assert_eq!(body["errorMessage"], message, "{path}");
        assert!(guest.is_usable(), "{path}");
    }
    let missing = http(
        &mut guest,
        "index.handler",
        request(Method::GET, "/nope", b""),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_infinite_loop_times_out_after_its_line_was_logged() {
    let mut guest = instance("events").await;
    let lines = sink();
    let limit = Duration::from_millis(500);
    let invoked = guest
        .invoke_event(b"", &context("hostile.loop"), limit, lines.clone())
        .await;
    assert_eq!(invoked.result, Err(InvocationError::Timeout { limit }));
    assert_eq!(lines.texts(LineSource::Stdout), ["[INFO] looping now"]);
    assert!(!guest.is_usable());
}

#[tokio::test]
async fn a_handler_that_never_completes_times_out() {
    let mut guest = instance("events").await;
    let limit = Duration::from_millis(300);
    let invoked = guest
        .invoke_event(b"", &context("hostile.hang"), limit, sink())
        .await;
    assert_eq!(invoked.result, Err(InvocationError::Timeout { limit }));
}

#[tokio::test]
async fn a_memory_bomb_runs_out_of_memory_under_memory_size() {
    let mut guest = instance_with(&settings("events", 128)).await;
    let invoked = guest
        .invoke_event(b"", &context("hostile.bomb"), TIMEOUT, sink())
        .await;
    let Err(InvocationError::OutOfMemory {
        limit_bytes,
        requested_bytes,
    }) = invoked.result
    else {
        panic!("expected out of memory, got {:?}", invoked.result);
    };
    assert_eq!(limit_bytes, 128 << 20);
    assert!(requested_bytes > limit_bytes);
    assert!(invoked.memory_used_bytes <= 128 << 20);
    assert!(!guest.is_usable());
    let mut fresh = instance("events").await;
    assert_eq!(call(&mut fresh, "index.echo", b"ok").await, b"got ok");
}

#[tokio::test]
async fn a_log_flood_is_capped() {
    let budget = 64 * 1024;
    let mut settings = settings("events", 128);
    settings.capture = CaptureLimits {
        max_line_bytes: 1024,
        max_bytes_per_invocation: budget,
    };
    let mut guest = instance_with(&settings).await;
    let lines: Arc<Lines> = sink();
    let limit = Duration::from_millis(500);
    let invoked = guest
        .invoke_event(b"", &context("hostile.flood"), limit, lines.clone())
        .await;
    assert_eq!(invoked.result, Err(InvocationError::Timeout { limit }));
    assert!(invoked.log.dropped_bytes > 0);
    assert!(
        lines.total_bytes() <= budget,
        "kept {}",
        lines.total_bytes()
    );
}

/// Garbage is collected on a reused instance: after warm-up, 450 calls that
/// each allocate ~20 KB (200 objects with 64-byte Buffers, a timer, a log
/// line), ~9 MB in all, grow linear memory by a small part of that, and the
/// module state survives them. (SpiderMonkey collects late and
/// componentize-js instances grow by 1-3 KB per call, so memory is not flat
/// forever: fclocal's pool recycles an instance near its MemorySize, tested
/// end to end.)
#[tokio::test]
async fn reused_invocations_collect_their_garbage() {
    let mut guest = instance("events").await;
    let mut after_warm_up = 0;
    for n in 0..500 {
        let event = n.to_string().into_bytes();
        let invoked = guest
            .invoke_event(&event, &context("hostile.churn"), TIMEOUT, sink())
            .await;
        if n % 10 == 9 {
            let (body, unhandled) = reported(&invoked.result);
            assert!(!unhandled && body["errorMessage"] == "every tenth call fails");
        } else {
            let value: Value = match &invoked.result {
                Ok(bytes) => serde_json::from_slice(bytes).unwrap(),
                Err(error) => panic!("call {n} failed: {error:?}"),
            };
            assert_eq!(value["n"], n);
            assert_eq!(value["kept"], n + 1, "the module state survived");
        }
        if n == 49 {
            after_warm_up = invoked.memory_used_bytes;
        }
    }
    let end = guest.memory_used_bytes();
    assert!(after_warm_up > 0);
    let allocated: u64 = 450 * 200 * (64 + 40);
    assert!(
        end - after_warm_up < allocated / 3,
        "linear memory grew from {after_warm_up} to {end} bytes over 450 calls that allocated {allocated}"
    );
    assert!(guest.is_usable());
}

#[tokio::test]
async fn memory_growth_is_measured_from_the_end_of_the_first_call() {
    let mut guest = instance("events").await;
    assert_eq!(guest.memory_growth_bytes(), 0, "no call yet");
    call(&mut guest, "index.echo", b"x").await;
    assert_eq!(guest.memory_growth_bytes(), 0);
    // hostile.bomb-like growth without failing: keep 16 MB in module state.
    call(&mut guest, "hostile.keep", b"").await;
    assert!(
        guest.memory_growth_bytes() >= 16 << 20,
        "{}",
        guest.memory_growth_bytes()
    );
}
