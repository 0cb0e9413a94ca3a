//! The official Function Compute SDKs (PyPI `aliyun-fc2`,
//! `alibabacloud-fc-open20210406`, `alibabacloud-fc20230330`; npm
//! `@alicloud/fc2`, `@alicloud/fc-open20210406`, `@alicloud/fc20230330`)
//! against `fclocal start`, each given the endpoint the README gives it and
//! the banner's AccessKey pair. Each script (`tests/sdk/fc/`) invokes sync,
//! async and with a log tail, provokes a function error, pages through the
//! listings, reads functions and triggers, tries a write and a wrong secret,
//! and prints what it got; the tests assert on that and on the server's own
//! account of the asynchronous invocation.

use serde_json::{Value, json};

use crate::common::Sandbox;
use crate::sdk;
use crate::server::Server;

/// Two services, so FC 3.0 names show both forms: `hostile` is in both
/// (`demo$hostile`, `other$hostile`), the rest have their bare names.
const TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      Description: the SDK tests' service
      LogConfig:
        Project: test-log-project
        Logstore: test-log-store
    hostile:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile.wasm
        Runtime: custom
        CodeUri: {functions}/hostile
        MemorySize: 256
        Timeout: 5
        EnvironmentVariables:
          GREETING: hi
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
    web:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile-http.wasm
        Runtime: custom
        CodeUri: {functions}/hostile-http
      Events:
        open:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET']
    ticker:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile.wasm
        Runtime: custom
        CodeUri: {functions}/hostile
      Events:
        tick:
          Type: Timer
          Properties:
            CronExpression: '0 0 8 * * *'
            Enable: false
            Payload: '{"action":"ok"}'
  other:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      LogConfig:
        Project: test-log-project
        Logstore: test-log-store
    hostile:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile.wasm
        Runtime: custom
        CodeUri: {functions}/hostile
    worker:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile.wasm
        Runtime: custom
        CodeUri: {functions}/hostile
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

/// The timer trigger's config as every version reports it.
fn timer_config() -> Value {
    json!({"cronExpression": "0 0 8 * * *", "enable": false, "payload": "{\"action\":\"ok\"}"})
}

fn start() -> (Sandbox, Server) {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    (sandbox, server)
}

/// Runs `fc/<script>` and returns what it printed.
fn run(server: &Server, script: &str) -> Value {
    sdk::run(&format!("fc/{script}"), server, &[]).json()
}

/// The log tail holds the invocation's framing and its stderr lines.
fn assert_tail(tail: &Value) {
    let id = tail["request_id"].as_str().expect("a request id");
    let log = tail["log"].as_str().expect("a decoded log");
    assert!(
        log.starts_with(&format!("FC Invoke Start RequestId: {id}\n")),
        "{log}"
    );
    assert!(
        log.contains(&format!("{id} [ERROR] hostile stderr line 3")),
        "{log}"
    );
    assert!(
        log.contains(&format!("FC Invoke End RequestId: {id}")),
        "{log}"
    );
}

/// The asynchronous invocation the script queued ran to completion: the
/// server says so (an event, not a timer).
fn assert_async_ran(server: &Server, found: &Value, label: &str) {
    let id = found["async"]["request_id"].as_str().expect("a request id");
    let line = server.wait_for(&format!("Async invocation {id} of {label}"));
    assert!(line.ends_with("succeeded"), "{line}");
}

/// A write was refused pointing at template.yml, a wrong secret as FC
/// refuses it.
fn assert_refusals(found: &Value) {
    assert_eq!(found["write"]["code"], "NotSupported", "{found}");
    assert!(
        found["write"]["message"]
            .as_str()
            .unwrap()
            .contains("edit template.yml"),
        "{found}"
    );
    assert_eq!(
        found["wrong_secret"]["code"], "SignatureNotMatch",
        "{found}"
    );
}

#[test]
fn fc3_python_sdk_invokes_lists_and_reads_functions_by_their_fc3_names() {
    let (_sandbox, server) = start();
    let found = run(&server, "fc20230330.py");

    assert_eq!(found["sync"]["status"], 200);
    assert_eq!(found["sync"]["body"], r#"{"action":"echo","n":1}"#);
    assert_eq!(found["qualified"], "ok");
    assert_tail(&found["tail"]);
    assert_eq!(found["error"]["status"], 200);
    assert_eq!(found["error"]["type"], "HandledInvocationError");
    assert_eq!(found["error"]["body"]["errorType"], "HostileError");
    assert_eq!(found["async"]["status"], 202);
    assert_eq!(found["async"]["task_id"], "task-py-1");
    assert_async_ran(&server, &found, "other/worker");

    assert_eq!(
        found["pages"],
        json!([
            ["demo$hostile", "other$hostile", "secure", "ticker"],
            ["web", "worker"]
        ])
    );
    assert_eq!(found["prefixed"], json!(["web", "worker"]));
    let function = &found["function"];
    assert_eq!(function["name"], "demo$hostile");
    assert_eq!(function["runtime"], "custom");
    assert_eq!(function["handler"], "hostile.wasm");
    assert_eq!(function["memorySize"], 256);
    assert_eq!(function["timeout"], 5);
    assert_eq!(function["environmentVariables"], json!({"GREETING": "hi"}));
    assert_eq!(function["logProject"], "test-log-project");
    assert!(
        function["codeChecksum"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    assert_eq!(
        found["triggers"],
        json!([{
            "name": "signed",
            "type": "http",
            "config": {"authType": "function", "methods": ["GET", "POST"]},
            "url": format!("{}/2016-08-15/proxy/demo/secure/", server.base),
        }])
    );
    assert_eq!(
        found["timer"],
        json!({"type": "timer", "config": timer_config()})
    );

    assert_eq!(found["missing"]["status"], 404);
    assert_eq!(found["missing"]["code"], "FunctionNotFound");
    assert_eq!(found["ambiguous"]["code"], "InvalidArgument");
    assert!(
        found["ambiguous"]["message"]
            .as_str()
            .unwrap()
            .contains("demo$hostile or other$hostile"),
        "{found}"
    );
    assert_refusals(&found);
}

#[test]
fn fc_open_python_sdk_invokes_lists_services_and_signs_http_triggers() {
    let (_sandbox, server) = start();
    let found = run(&server, "fc_open20210406.py");

    assert_eq!(
        found["sync"],
        json!({"status": 200, "body": r#"{"action":"echo","n":2}"#})
    );
    assert_tail(&found["tail"]);
    assert_eq!(found["error"]["status"], 200);
    assert_eq!(found["error"]["type"], "UnhandledInvocationError");
    assert!(
        found["error"]["body"]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("hostile guest panicked on purpose")
    );
    assert_eq!(found["async"]["status"], 202);
    assert_async_ran(&server, &found, "other/worker");

    assert_eq!(
        found["services"],
        json!([
            {"name": "demo", "logProject": "test-log-project", "description": "the SDK tests' service"},
            {"name": "other", "logProject": "test-log-project", "description": ""},
        ])
    );
    assert_eq!(found["service"], "demo");
    assert_eq!(
        found["pages"],
        json!([["hostile", "secure"], ["ticker", "web"]])
    );
    assert_eq!(
        found["function"],
        json!({"name": "hostile", "runtime": "custom", "memorySize": 256, "timeout": 5,
               "environmentVariables": {"GREETING": "hi"}})
    );
    assert_eq!(
        found["triggers"],
        json!([{"name": "signed", "type": "http",
                "config": {"authType": "function", "methods": ["GET", "POST"]}}])
    );
    assert_eq!(
        found["timer"],
        json!({"type": "timer", "config": timer_config()})
    );

    // The SDK's HTTP-trigger helper signs; the function sees the request.
    assert_eq!(found["http_trigger"]["status"], 200, "{found}");
    let echo = &found["http_trigger"]["echo"];
    assert_eq!(echo["body"], "signed body");
    assert_eq!(echo["url"], "/echo?b=2&a=1");
    assert_eq!(found["http_trigger_wrong_secret"], 403);

    assert_eq!(found["missing"]["code"], "FunctionNotFound");
    assert_eq!(found["version"]["status"], 404);
    assert_eq!(found["version"]["code"], "VersionNotFound");
    assert_refusals(&found);
}

#[test]
fn fc2_python_sdk_invokes_lists_and_signs_http_triggers_on_2016_08_15() {
    let (_sandbox, server) = start();
    let found = run(&server, "fc2_sdk.py");

    assert_eq!(found["sync"], r#"{"action":"echo","n":3}"#);
    assert_tail(&found["tail"]);
    // fc2 raises for x-fc-error-type, with status 200 and the function's body.
    assert_eq!(found["error"]["status"], 200);
    assert_eq!(found["error"]["body"]["errorType"], "HostileError");
    assert_async_ran(&server, &found, "other/worker");

    assert_eq!(found["services"], json!(["demo", "other"]));
    assert_eq!(found["service"], "test-log-project");
    assert_eq!(
        found["pages"],
        json!([["hostile", "secure", "ticker"], ["web"]])
    );
    assert_eq!(found["prefixed"], json!(["ticker"]));
    assert_eq!(
        found["function"],
        json!({"name": "hostile", "memorySize": 256, "environmentVariables": {"GREETING": "hi"}})
    );
    assert_eq!(found["triggers"], json!(["signed"]));
    assert_eq!(found["trigger"], timer_config());

    assert_eq!(found["http_trigger"]["status"], 200, "{found}");
    assert_eq!(found["http_trigger"]["echo"]["body"], "fc2 body");
    assert_eq!(
        found["http_trigger"]["echo"]["queries"],
        json!({"a": "1", "b": "2"})
    );
    assert_eq!(found["http_trigger_wrong_secret"], 403);

    assert_eq!(found["missing"]["status"], 404);
    assert_eq!(found["missing"]["code"], "ServiceNotFound");
    assert_refusals(&found);
}

#[test]
fn fc2_node_sdk_invokes_lists_and_signs_http_triggers_on_2016_08_15() {
    let (_sandbox, server) = start();
    let found = run(&server, "fc2.js");

    assert_eq!(found["sync"], r#"{"action":"echo","n":4}"#);
    assert_tail(&found["tail"]);
    assert_eq!(found["error"]["type"], "HandledInvocationError");
    assert_eq!(found["error"]["body"]["errorType"], "HostileError");
    assert_async_ran(&server, &found, "other/worker");

    assert_eq!(found["services"], json!(["demo", "other"]));
    assert_eq!(found["service"], "the SDK tests' service");
    assert_eq!(
        found["pages"],
        json!([["hostile", "secure", "ticker"], ["web"]])
    );
    assert_eq!(
        found["function"],
        json!({"name": "hostile", "timeout": 5, "handler": "hostile.wasm"})
    );
    assert_eq!(found["triggers"], json!([["open", "anonymous"]]));
    // @alicloud/fc2 sends `Host` without the port; the URL still has it.
    assert_eq!(
        found["trigger"],
        format!("{}/2016-08-15/proxy/demo/secure/", server.base)
    );

    assert_eq!(found["http_trigger"]["body"], "fc2 node body", "{found}");
    assert_eq!(found["http_trigger"]["url"], "/echo?b=2&a=1");
    assert_eq!(
        found["http_trigger_wrong_secret"]["code"],
        "SignatureNotMatch"
    );

    assert_eq!(found["missing"]["code"], "FunctionNotFound");
    assert_refusals(&found);
}

#[test]
fn fc_open_node_sdk_invokes_and_pages_services_and_functions() {
    let (_sandbox, server) = start();
    let found = run(&server, "fc_open20210406.js");

    assert_eq!(
        found["sync"],
        json!({"status": 200, "body": r#"{"action":"echo","n":6}"#})
    );
    assert_tail(&found["tail"]);
    assert_eq!(found["error"]["status"], 200);
    assert_eq!(found["error"]["type"], "HandledInvocationError");
    assert_eq!(found["async"]["status"], 202);
    assert_eq!(found["async"]["task_id"], "stateful-node-1");
    assert_async_ran(&server, &found, "other/worker");

    assert_eq!(
        found["services"],
        json!({"names": ["demo"], "nextToken": "other"})
    );
    assert_eq!(found["service"], "other");
    assert_eq!(
        found["pages"],
        json!([["hostile", "secure", "ticker"], ["web"]])
    );
    assert_eq!(found["function"]["name"], "hostile");
    assert_eq!(found["function"]["env"], json!({"GREETING": "hi"}));
    assert_eq!(found["triggers"], json!([["tick", "timer"]]));
    assert_eq!(
        found["trigger"],
        format!("{}/2016-08-15/proxy/demo/secure/", server.base)
    );

    assert_eq!(found["missing"]["status"], 404);
    assert_eq!(found["missing"]["code"], "ServiceNotFound");
    assert_refusals(&found);
}

#[test]
fn fc3_node_sdk_invokes_lists_and_reads_triggers() {
    let (_sandbox, server) = start();
    let found = run(&server, "fc20230330.js");

    assert_eq!(
        found["sync"],
        json!({"status": 200, "body": r#"{"action":"echo","n":5}"#})
    );
    assert_tail(&found["tail"]);
    assert_eq!(found["error"]["type"], "HandledInvocationError");
    assert_eq!(found["error"]["body"]["errorType"], "HostileError");
    assert_eq!(found["async"]["status"], 202);
    assert_eq!(found["async"]["task_id"], "task-node-1");
    assert_async_ran(&server, &found, "other/worker");

    assert_eq!(
        found["pages"],
        json!([
            ["demo$hostile", "other$hostile", "secure", "ticker", "web"],
            ["worker"]
        ])
    );
    assert_eq!(
        found["function"],
        json!({"name": "other$hostile",
               "arn": "acs:fc:cn-hangzhou:1234567890:functions/other$hostile",
               "memorySize": 128})
    );
    assert_eq!(
        found["triggers"],
        json!([[
            "open",
            "http",
            format!("{}/2016-08-15/proxy/demo/web/", server.base)
        ]])
    );
    assert_eq!(found["trigger"], timer_config());

    assert_eq!(found["missing"]["code"], "FunctionNotFound");
    assert_refusals(&found);
}
