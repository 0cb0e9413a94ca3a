//! The Python language engine (`runtime/builder/engines/python`): unmodified
//! FC Python handlers from a code folder mounted at `/code` — event handlers,
//! WSGI apps, initializers, the context, logging, imports, FC's error bodies,
//! and hostile handlers that must fail alone.
//!
//! The engine is built once per checkout by its own `build.sh` (about 20 s
//! the first time; later runs find it up to date).

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::{Lines, sink};
use fclocal_engine::{
    CaptureLimits, EngineConfig, EngineError, EventContext, FunctionInstance, FunctionKind,
    HttpRequest, HttpResponse, InstanceSettings, InvocationError, LineSource, PoolingMode,
    PreparedComponent, Runtime,
};
use fclocal_test_support::EngineLanguage;
use http::{HeaderMap, Method, StatusCode};
use serde_json::{Value, json};

use common::lang::{LangEngine, MAX_BODY, TIMEOUT, body_json, reported};

static PYTHON: LangEngine = LangEngine::new(EngineLanguage::Python, "python", "pysvc", "pyfn");

fn engine() -> &'static PreparedComponent {
    PYTHON.component()
}

fn settings(code: &str, memory_mb: u64) -> InstanceSettings {
    PYTHON.settings(code, memory_mb)
}

async fn instance(code: &str) -> FunctionInstance {
    PYTHON.instance_with(&settings(code, 128)).await
}

async fn instance_with(settings: &InstanceSettings) -> FunctionInstance {
    PYTHON.instance_with(settings).await
}

fn context(handler: &str) -> EventContext {
    PYTHON.context(handler)
}

async fn call(guest: &mut FunctionInstance, handler: &str, event: &[u8]) -> Vec<u8> {
    PYTHON.call(guest, handler, event).await
}

async fn call_json(guest: &mut FunctionInstance, handler: &str, event: &[u8]) -> Value {
    PYTHON.call_json(guest, handler, event).await
}

/// Calls a handler that must raise: an exception is always unhandled in
/// FC's Python runtime.
async fn failing(guest: &mut FunctionInstance, handler: &str) -> Value {
    PYTHON.failing(guest, handler, true).await
}

fn request(method: Method, path_and_query: &str) -> HttpRequest {
    PYTHON.request(method, path_and_query, HeaderMap::new(), b"")
}

async fn http(guest: &mut FunctionInstance, handler: &str, request: HttpRequest) -> HttpResponse {
    PYTHON.http(guest, handler, request).await
}

#[test]
fn the_engine_is_a_language_engine() {
    assert_eq!(engine().kind(), FunctionKind::Language);
}

#[tokio::test]
async fn event_handlers_take_bytes_and_return_str_bytes_json_or_nothing() {
    let mut guest = instance("events").await;
    assert_eq!(call(&mut guest, "index.echo_str", b"abc").await, b"got abc");
    assert_eq!(
        call(&mut guest, "index.echo_bytes", b"\x01").await,
        b"\xff\x00\x01"
    );
    assert_eq!(
        call_json(&mut guest, "index.as_dict", br#"{"a": [1, 2]}"#).await,
        json!({"event": {"a": [1, 2]}, "type": "bytes", "ok": true})
    );
    assert_eq!(
        call(&mut guest, "index.as_list", b"").await,
        br#"[1,"two",null]"#
    );
    assert_eq!(call(&mut guest, "index.nothing", b"x").await, b"");
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
    let mut ctx = context("index.context_fields");
    ctx.request_id = "req-ctx".into();
    ctx.function.initializer = "index.init".into();
    let invoked = guest.invoke_event(b"", &ctx, TIMEOUT, sink()).await;
    let fields: Value = serde_json::from_slice(&invoked.result.unwrap()).unwrap();
    assert_eq!(
        fields,
        json!({
            "request_id": "req-ctx",
            "credentials": ["AKID", "SECRET", "TOKEN"],
            "function": ["pyfn", "index.context_fields", 128, 3, "index.init"],
            "service": ["pysvc", "proj", "store", "LATEST", ""],
            "region": "cn-hangzhou",
            "account_id": "1234567890",
            "logger": true,
        })
    );
}

#[tokio::test]
async fn os_environ_holds_the_instance_environment_and_cwd_is_code() {
    let mut guest = instance("events").await;
    assert_eq!(
        call_json(&mut guest, "index.environment", b"").await,
        json!({
            "GREETING": "hi",
            "FC_REGION": "cn-hangzhou",
            "PATH_LIKE": "/a:/b",
            "cwd": "/code",
            "sys_path_0": "/code",
        })
    );
}

#[tokio::test]
async fn local_modules_packages_and_pip_installed_packages_import_from_code() {
    let mut guest = instance("events").await;
    assert_eq!(
        call_json(&mut guest, "index.imports", b"").await,
        json!({
            "helper": "hello, fc",
            "helper_file": "/code/helper.py",
            "sub": "mypkg.sub",
            "tinypkg": "HI!",
            "tinypkg_version": "1.2.3",
        })
    );
}

#[tokio::test]
async fn a_standard_library_module_not_imported_at_build_time_still_imports() {
    let mut guest = instance("events").await;
    let loaded = call_json(&mut guest, "index.lazy_stdlib", b"").await;
    assert_eq!(loaded["preloaded"], false, "{loaded}");
    assert_eq!(loaded["hls"], json!([0.0, 0.5, 1.0]));
    assert_eq!(loaded["koi8_r"], "d0d2c9d7c5d4");
    assert_eq!(loaded["idna"], "xn--bcher-kva.example");
    assert_eq!(loaded["audio"], "MIMEAudio");
}

#[tokio::test]
async fn print_and_logging_lines_carry_their_level_tags() {
    let mut guest = instance("events").await;
    let lines = sink();
    let invoked = guest
        .invoke_event(b"", &context("index.logs"), TIMEOUT, lines.clone())
        .await;
    assert_eq!(invoked.result, Ok(b"logged".to_vec()));
    assert_eq!(
        lines.texts(LineSource::Stdout),
        [
            "plain print",
            "[INFO] root info",
            "[WARN] module-level warning",
            "[ERROR] first line",
            "[ERROR] second line",
            "[INFO] child info",
            "no newline at the end",
        ]
    );
    assert_eq!(lines.texts(LineSource::Stderr), ["to stderr"]);
}

#[tokio::test]
async fn the_initializer_runs_with_the_context_before_the_handler() {
    let mut guest = instance("events").await;
    let mut ctx = context("index.initialized");
    ctx.request_id = "req-init".into();
    ctx.function.initializer = "index.init".into();
    let lines = sink();
    let initialized = guest.initialize(&ctx, TIMEOUT, lines.clone()).await;
    assert_eq!(initialized.result, Ok(()));
    assert_eq!(lines.texts(LineSource::Stdout), ["initializing"]);
    assert!(guest.is_initialized());
    assert_eq!(
        call(&mut guest, "index.initialized", b"").await,
        b"req-init"
    );
}

#[tokio::test]
async fn a_failing_initializer_is_an_unhandled_error() {
    let mut guest = instance("events").await;
    let mut ctx = context("index.initialized");
    ctx.function.initializer = "index.init_fails".into();
    let initialized = guest.initialize(&ctx, TIMEOUT, sink()).await;
    let Err(InvocationError::Reported {
        body, unhandled, ..
    }) = initialized.result
    else {
        panic!("expected a reported error, got {:?}", initialized.result);
    };
    assert!(unhandled);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["errorType"], "RuntimeError");
    assert_eq!(body["errorMessage"], "cannot connect");
    assert!(!guest.is_initialized());
}

#[tokio::test]
async fn initialize_imports_the_handlers_module_too() {
    let mut guest = instance("events").await;
    let mut ctx = context("nosuch.handler");
    ctx.function.initializer = "index.init".into();
    let initialized = guest.initialize(&ctx, TIMEOUT, sink()).await;
    let Err(InvocationError::Reported {
        body, unhandled, ..
    }) = initialized.result
    else {
        panic!("expected a reported error, got {:?}", initialized.result);
    };
    assert!(unhandled);
    assert!(
        body.contains("Unable to import module 'nosuch' for handler 'nosuch.handler'"),
        "{body}"
    );
    assert!(guest.is_usable());
}

#[tokio::test]
async fn an_uncaught_exception_has_fcs_exact_error_body() {
    let mut guest = instance("errors").await;
    let invoked = guest
        .invoke_event(b"", &context("index.my_handler"), TIMEOUT, sink())
        .await;
    let Err(InvocationError::Reported {
        body, unhandled, ..
    }) = &invoked.result
    else {
        panic!("expected a reported error, got {:?}", invoked.result);
    };
    assert!(unhandled);
    // FC's documented body (D-422185), byte for byte.
    assert_eq!(
        body,
        r#"{"errorMessage":"something is wrong","errorType":"Exception","stackTrace":[["File \"/code/index.py\"","line 2","in my_handler","raise Exception('something is wrong')"]]}"#
    );
    assert!(guest.is_usable());
}

#[tokio::test]
async fn errors_name_what_is_wrong_and_the_instance_survives_them() {
    let mut guest = instance("events").await;

    let missing_module = failing(&mut guest, "nosuch.handler").await;
    assert_eq!(missing_module["errorType"], "ModuleNotFoundError");
    let message = missing_module["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("Unable to import module 'nosuch'")
            && message.contains("No module named 'nosuch'"),
        "{message}"
    );

    let missing_function = failing(&mut guest, "index.nosuch").await;
    assert_eq!(missing_function["errorType"], "HandlerNotFound");
    let message = missing_function["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("'nosuch'") && message.contains("/code/index.py"),
        "{message}"
    );

    let native = failing(&mut guest, "native.handler").await;
    let message = native["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("compiled extension module 'fastext'")
            && message.contains("fastext.cpython-310-x86_64-linux-gnu.so")
            && message.contains("use a pure-Python package"),
        "{message}"
    );

    let syntax = failing(&mut guest, "broken.handler").await;
    assert_eq!(syntax["errorType"], "SyntaxError");
    let frames = syntax["stackTrace"].as_array().unwrap();
    assert_eq!(
        frames.last().unwrap(),
        &json!([
            "File \"/code/broken.py\"",
            "line 1",
            "in <module>",
            "def handler(event, context)"
        ])
    );

    let at_import = failing(&mut guest, "import_fails.handler").await;
    assert_eq!(at_import["errorType"], "RuntimeError");
    assert!(
        at_import["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("configuration missing"),
        "{at_import}"
    );

    // A frame in a lazily imported standard-library module keeps its line.
    let stdlib = failing(&mut guest, "index.stdlib_error").await;
    let frames = stdlib["stackTrace"].as_array().unwrap();
    let last = frames.last().unwrap();
    assert!(
        last[0].as_str().unwrap().ends_with("colorsys.py\"")
            && !last[3].as_str().unwrap().is_empty(),
        "{stdlib}"
    );

    // The function's own modules win over the standard library's (as /code
    // is first on FC's sys.path), except the ones FC's runtime has imported.
    assert_eq!(
        call(&mut guest, "calendar.handler", b"").await,
        b"the function's own calendar.py"
    );
    assert_eq!(
        call(&mut guest, "index.own_calendar", b"").await,
        b"the function's own calendar.py"
    );
    let shadowed = failing(&mut guest, "json.handler").await;
    assert_eq!(shadowed["errorType"], "ImportModuleError");
    let message = shadowed["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("/code/json.py") && message.contains("rename"),
        "{message}"
    );

    let exited = failing(&mut guest, "index.system_exit").await;
    assert_eq!(
        exited,
        json!({"errorMessage": "Process exited unexpectedly before completing request (exit code 3)"})
    );

    // After all of that, the same instance still serves.
    assert_eq!(call(&mut guest, "index.count", b"").await, b"1");
    // An optional speedup module that is a compiled extension falls back.
    assert_eq!(
        call(&mut guest, "fallback.handler", b"<b>").await,
        b"&lt;b>"
    );
}

#[tokio::test]
async fn a_line_printed_before_an_exception_reaches_the_log_of_that_call() {
    let mut guest = instance("events").await;
    let lines = sink();
    let invoked = guest
        .invoke_event(
            b"",
            &context("index.print_then_raise"),
            TIMEOUT,
            lines.clone(),
        )
        .await;
    let (body, _) = reported(&invoked.result);
    assert_eq!(body["errorType"], "ValueError");
    assert_eq!(lines.texts(LineSource::Stdout), ["before the exception"]);
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
    assert_eq!(lines.texts(LineSource::Stdout), ["looping now"]);
    assert!(!guest.is_usable());
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
    // A fresh instance of the same engine is fine.
    let mut fresh = instance("events").await;
    assert_eq!(call(&mut fresh, "index.echo_str", b"ok").await, b"got ok");
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

#[tokio::test]
async fn five_hundred_reused_invocations_keep_memory_flat() {
    let mut guest = instance("events").await;
    let mut after_warm_up = 0;
    for n in 0..500 {
        let event = n.to_string().into_bytes();
        let invoked = guest
            .invoke_event(&event, &context("hostile.churn"), TIMEOUT, sink())
            .await;
        if n % 10 == 9 {
            let (body, unhandled) = reported(&invoked.result);
            assert!(unhandled && body["errorType"] == "ValueError", "{body}");
        } else {
            let value: Value = serde_json::from_slice(&invoked.result.unwrap()).unwrap();
            assert_eq!(value["n"], n);
        }
        if n == 49 {
            after_warm_up = invoked.memory_used_bytes;
        }
    }
    let end = guest.memory_used_bytes();
    assert!(after_warm_up > 0);
    assert_eq!(
        end, after_warm_up,
        "linear memory grew from {after_warm_up} to {end} bytes over 450 calls"
    );
    assert!(guest.is_usable());
}

#[tokio::test]
async fn a_wsgi_app_sees_fcs_environ() {
    let mut guest = instance("wsgi").await;
    let mut get = request(Method::GET, "/env?a=1&b=two%20words");
    get.headers
        .insert("host", "example.com:8000".parse().unwrap());
    get.headers
        .insert("user-agent", "test-agent".parse().unwrap());
    get.headers.append("x-multi", "one".parse().unwrap());
    get.headers.append("x-multi", "two".parse().unwrap());
    get.headers
        .insert("x-fc-request-id", "forged".parse().unwrap());
    get.headers
        .insert("connection", "keep-alive".parse().unwrap());
    let response = http(&mut guest, "index.handler", get).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.headers["content-type"], "application/json");
    let environ = body_json(&response);
    assert_eq!(
        environ,
        json!({
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/env",
            "QUERY_STRING": "a=1&b=two%20words",
            // No Content-Type: wsgiref's default, as FC shows.
            "CONTENT_TYPE": "text/plain",
            "CONTENT_LENGTH": "0",
            "REMOTE_ADDR": "10.1.2.3",
            "SERVER_NAME": "example.com",
            "SERVER_PORT": "9000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SCRIPT_NAME": "",
            "fc.request_uri": "/2016-08-15/proxy/pysvc/pyfn/env?a=1&b=two%20words",
            "wsgi.url_scheme": "http",
            "wsgi.multithread": true,
            "wsgi.multiprocess": false,
            "wsgi.run_once": false,
            "wsgi.version": [1, 0],
            // The process environment is copied in, as wsgiref does.
            "FC_REGION": "cn-hangzhou",
            "headers": {
                "HTTP_HOST": "example.com:8000",
                "HTTP_USER_AGENT": "test-agent",
                "HTTP_X_MULTI": "one,two",
            },
            "input": "",
            "errors": true,
            "request_id": "req-1",
            "function": "pyfn",
        })
    );
}

#[tokio::test]
async fn a_wsgi_app_reads_the_body_and_sets_status_and_headers() {
    let mut guest = instance("wsgi").await;
    let mut post = request(Method::POST, "/echo");
    post.headers
        .insert("content-type", "application/octet-stream".parse().unwrap());
    post.body = Bytes::from_static(b"\x00binary body\xff");
    let response = http(&mut guest, "index.handler", post).await;
    assert_eq!(response.status, StatusCode::CREATED);
    assert_eq!(response.body, &b"\x00binary body\xff"[..]);
    assert_eq!(response.headers["content-type"], "application/octet-stream");
    let echoes: Vec<_> = response.headers.get_all("x-echo").iter().collect();
    assert_eq!(echoes, ["yes", "twice"]);

    let teapot = http(&mut guest, "index.handler", request(Method::GET, "/teapot")).await;
    assert_eq!(teapot.status, StatusCode::IM_A_TEAPOT);

    let unicode = http(
        &mut guest,
        "index.handler",
        request(Method::GET, "/caf%C3%A9"),
    )
    .await;
    assert_eq!(body_json(&unicode), json!({"path": "/café"}));
}

#[tokio::test]
async fn wsgi_write_generators_close_and_exc_info_work() {
    let mut guest = instance("wsgi").await;
    let written = http(&mut guest, "index.handler", request(Method::GET, "/write")).await;
    assert_eq!(written.body, &b"written, then returned"[..]);

    let lazy = http(
        &mut guest,
        "index.handler",
        request(Method::GET, "/generator"),
    )
    .await;
    assert_eq!(lazy.status, StatusCode::ACCEPTED);
    assert_eq!(lazy.headers["x-lazy"], "1");
    assert_eq!(lazy.body, &b"lazy body"[..]);

    let closing = http(
        &mut guest,
        "index.handler",
        request(Method::GET, "/closing"),
    )
    .await;
    assert_eq!(closing.body, &b"ab"[..]);
    let closed = http(&mut guest, "index.handler", request(Method::GET, "/closed")).await;
    assert_eq!(body_json(&closed), json!({"closed": 1}));

    let error_page = http(
        &mut guest,
        "index.handler",
        request(Method::GET, "/error-page"),
    )
    .await;
    assert_eq!(error_page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(error_page.headers.get("x-first").is_none());
    assert_eq!(error_page.body, &b"error page"[..]);
}

#[tokio::test]
async fn a_callable_object_is_a_wsgi_handler_like_a_flask_app() {
    let mut guest = instance("wsgi").await;
    for expected in ["object call 1", "object call 2"] {
        let response = http(&mut guest, "index.application", request(Method::GET, "/")).await;
        assert_eq!(response.body, expected.as_bytes());
    }
}

#[tokio::test]
async fn wsgi_failures_are_unhandled_errors_and_the_instance_survives() {
    let mut guest = instance("wsgi").await;
    for (path, error_type, needle) in [
        ("/raise", "RuntimeError", "the app failed"),
        ("/none", "TypeError", "returned None"),
        ("/no-start", "AssertionError", "start_response"),
        ("/str", "TypeError", "not bytes"),
    ] {
        let answered = guest
            .invoke_http(
                request(Method::GET, path),
                &context("index.handler"),
                TIMEOUT,
                MAX_BODY,
                sink(),
            )
            .await;
        let Err(InvocationError::Reported {
            body, unhandled, ..
        }) = &answered.result
        else {
            panic!(
                "{path}: expected a reported error, got {:?}",
                answered.result
            );
        };
        assert!(unhandled, "{path}");
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["errorType"], error_type, "{path}: {body}");
        assert!(
            body["errorMessage"].as_str().unwrap().contains(needle),
            "{path}: {body}"
        );
        assert!(guest.is_usable(), "{path}");
    }
    let fine = http(&mut guest, "index.handler", request(Method::GET, "/teapot")).await;
    assert_eq!(fine.status, StatusCode::IM_A_TEAPOT);
}

/// A componentize-py component holds many core instances, memories and
/// tables; the pool is sized so `max_instances` of them fit, and one more is
/// a capacity refusal (a 429 in fclocal start), not an instantiation error.
#[tokio::test]
async fn the_instance_pool_fits_max_instances_python_engines_and_then_refuses() {
    let path = fclocal_test_support::language_engine(EngineLanguage::Python);
    let runtime = Runtime::new(EngineConfig {
        pooling: PoolingMode::Always,
        max_instances: 3,
        ..EngineConfig::default()
    })
    .expect("the pooling allocator is available");
    let component = runtime
        .load_shared(&path, &fclocal_test_support::engine_compile_cache(&path))
        .expect("the Python engine loads");
    let settings = settings("events", 128);
    let mut alive = Vec::new();
    for _ in 0..3 {
        let mut guest = component
            .instantiate(&settings)
            .await
            .expect("a slot is free");
        assert_eq!(call(&mut guest, "index.count", b"").await, b"1");
        alive.push(guest);
    }
    let refused = component.instantiate(&settings).await;
    assert!(
        matches!(refused, Err(EngineError::PoolFull { .. })),
        "{:?}",
        refused.err()
    );
    alive.pop();
    let mut again = component
        .instantiate(&settings)
        .await
        .expect("a slot was freed");
    assert_eq!(call(&mut again, "index.count", b"").await, b"1");
}
