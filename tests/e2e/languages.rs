//! Node.js and Python functions, unmodified FC handlers run by the language
//! engines: the walkthrough's folder under `fclocal start`, event functions
//! through `fclocal invoke`, the InvokeFunction API and a timer,
//! initializers, FC's error bodies, a busy loop that fails alone, and hot
//! reload of edited `.js` and `.py` files.

use std::time::SystemTime;

use fclocal_test_support::{EngineLanguage, language_engine, repo_root};

use crate::common::Sandbox;
use crate::server::Server;

/// Node.js and Python event functions (with initializers), an HTTP function
/// that loops, and a timer on the Python one. `{code}` is the sandbox.
const TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      LogConfig:
        Project: test-log-project
        Logstore: test-log-store
    nodeEvents:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Runtime: nodejs14
        Handler: index.handler
        Initializer: index.initializer
        CodeUri: ./node
        EnvironmentVariables:
          GREETING: hello from the template
    pyEvents:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Runtime: python3.9
        Handler: main.handler
        Initializer: main.initializer
        CodeUri: ./python
        EnvironmentVariables:
          GREETING: hallo
      Events:
        every-minute:
          Type: Timer
          Properties:
            CronExpression: '0 * * * * *'
            Payload: '{"name":"timer"}'
    spinner:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Runtime: nodejs20
        Handler: spin.handler
        CodeUri: ./node
        Timeout: 1
      Events:
        web:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET']
    leaky:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Runtime: nodejs18
        Handler: leak.handler
        CodeUri: ./node
        MemorySize: 128
"#;

const NODE_EVENTS: &str = r#"
var count = 0;
var initialized = false;

exports.initializer = function (context, callback) {
  initialized = true;
  console.log('initializing ' + context.function.name);
  callback(null, '');
};

exports.handler = function (event, context, callback) {
  var input = JSON.parse(event.toString() || '{}');
  count += 1;
  if (input.fail === 'callback') return callback(new Error('asked to fail'));
  if (input.fail === 'throw') throw new TypeError('thrown on purpose');
  console.warn('careful with ' + input.name);
  setTimeout(function () {
    callback(null, {
      hello: input.name,
      count: count,
      initialized: initialized,
      greeting: process.env.GREETING,
      requestId: context.requestId,
      service: context.service.name,
      version: 1,
    });
  }, 5);
};
"#;

const NODE_SPIN: &str = r#"
exports.handler = function (request, response, context) {
  if (request.queries.spin) { while (true) {} }
  response.send('not spinning');
};
"#;

/// Keeps 4 MB more with every call: 128 MB would run out within 30 calls.
const NODE_LEAK: &str = r#"
var kept = [];
exports.handler = function (event, context, callback) {
  kept.push(Buffer.alloc(4 << 20));
  callback(null, { calls: kept.length });
};
"#;

const PYTHON_EVENTS: &str = r#"
import json
import logging
import os

state = {"count": 0, "initialized": False}


def initializer(context):
    state["initialized"] = True


def handler(event, context):
    data = json.loads(event or b"{}")
    if "triggerName" in data:  # a timer's event: FC wraps its Payload
        data = json.loads(data["payload"])
    state["count"] += 1
    if data.get("fail"):
        raise ValueError("asked to fail")
    logging.getLogger().warning("careful with %s", data.get("name"))
    return json.dumps({
        "hello": data.get("name"),
        "count": state["count"],
        "initialized": state["initialized"],
        "greeting": os.environ.get("GREETING"),
        "requestId": context.request_id,
        "version": 1,
    })
"#;

/// A Flask app behind an HTTP trigger, `Handler: app.app` as on FC.
const FLASK_TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    flaskApp:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Runtime: python3.10
        Handler: app.app
        CodeUri: ./web
      Events:
        web:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET', 'POST']
"#;

const FLASK_APP: &str = r#"
from flask import Flask, jsonify, render_template_string, request

app = Flask(__name__)


@app.route("/hello/<name>", methods=["GET", "POST"])
def hello(name):
    return jsonify(
        name=name,
        query=request.args.to_dict(flat=False),
        method=request.method,
        body=request.get_data(as_text=True),
        remote=request.remote_addr,
        requestId=request.environ["fc.context"].request_id,
    )


@app.route("/page")
def page():
    return render_template_string("<p>{{ text }}</p>", text=request.args["text"])
"#;

/// A sandbox holding [`TEMPLATE`] and its code, with both engines built
/// (so `fclocal` finds them in the shared cache).
fn languages_sandbox() -> Sandbox {
    language_engine(EngineLanguage::Node);
    language_engine(EngineLanguage::Python);
    let sandbox = Sandbox::with_template(TEMPLATE);
    std::fs::create_dir_all(sandbox.path().join("node")).unwrap();
    std::fs::create_dir_all(sandbox.path().join("python")).unwrap();
    sandbox.file("node/index.js", NODE_EVENTS.as_bytes());
    sandbox.file("node/spin.js", NODE_SPIN.as_bytes());
    sandbox.file("node/leak.js", NODE_LEAK.as_bytes());
    sandbox.file("python/main.py", PYTHON_EVENTS.as_bytes());
    sandbox
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn invoke_api(server: &Server, function: &str, event: &[u8]) -> crate::server::Answer {
    let path = format!("/2016-08-15/services/demo/functions/{function}/invocations");
    let headers = server.signed("POST", &path, None, vec![], SystemTime::now());
    server.send("POST", &path, &headers, event)
}

#[test]
fn the_walkthrough_folder_runs_unchanged() {
    language_engine(EngineLanguage::Node);
    let sandbox = Sandbox::new();
    let walkthrough = repo_root().join("examples/walkthrough");
    for file in ["template.yml", "httpTrigger.js"] {
        std::fs::copy(walkthrough.join(file), sandbox.path().join(file)).unwrap();
    }
    let server = Server::start(&sandbox, &["--no-watch"]);
    let printed = server.printed().join("\n");
    assert!(
        printed.contains("HttpTrigger http-test of marblesFC/processEvent was registered"),
        "{printed}"
    );

    let answer = server.get(
        "/2016-08-15/proxy/marblesFC/processEvent/events/a?type=create&type=transfer&owner=amy",
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), "application/json");
    let body = answer.json();
    assert_eq!(body["path"], "/events/a");
    assert_eq!(body["method"], "GET");
    assert_eq!(
        body["queries"]["type"],
        serde_json::json!(["create", "transfer"])
    );
    assert_eq!(body["queries"]["owner"], "amy");
    assert_eq!(body["clientIP"], "127.0.0.1");
    assert!(
        body["url"]
            .as_str()
            .is_some_and(|url| url.ends_with("/events/a?type=create&type=transfer&owner=amy")),
        "{body}"
    );
    let request_id = answer.header("x-fc-request-id").to_owned();

    let posted = server.send(
        "POST",
        "/2016-08-15/proxy/marblesFC/processEvent/?type=create",
        &[("content-type", "application/json".to_owned())],
        br#"{"marble":"m1"}"#,
    );
    assert_eq!(posted.status, 200, "{}", posted.text());
    assert_eq!(posted.json()["body"], r#"{"marble":"m1"}"#);
    assert_eq!(posted.json()["headers"]["content-type"], "application/json");

    // The handler's console.log line, under the request's id, at INFO.
    let logs = sandbox
        .run(&["logs", "-r", &request_id, "--json"])
        .expect_code(0);
    let records: Vec<serde_json::Value> = logs.stdout.lines().map(json).collect();
    let logged = records
        .iter()
        .find(|record| record["message"] == r#"{"type":["create","transfer"],"owner":"amy"}"#)
        .unwrap_or_else(|| panic!("no console.log line in {records:#?}"));
    assert_eq!(logged["level"], "INFO");
    assert_eq!(logged["functionName"], "processEvent");
}

#[test]
fn a_machine_without_node_or_python_is_told_which_debian_package_to_install() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    std::fs::create_dir_all(sandbox.path().join("node")).unwrap();
    std::fs::create_dir_all(sandbox.path().join("python")).unwrap();
    sandbox.file("node/index.js", NODE_EVENTS.as_bytes());
    sandbox.file("python/main.py", PYTHON_EVENTS.as_bytes());
    // A PATH with bash (to run the engines' build scripts) and nothing else,
    // and an engine cache with no engine built yet.
    let bin = sandbox.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let bash = ["/bin/bash", "/usr/bin/bash"]
        .into_iter()
        .find(|path| std::path::Path::new(path).is_file())
        .expect("bash is installed");
    std::os::unix::fs::symlink(bash, bin.join("bash")).unwrap();
    let cache = sandbox.path().join("engine-cache");
    let vars = [
        ("PATH", bin.as_os_str()),
        (fclocal_builder::ENGINE_CACHE_ENV, cache.as_os_str()),
    ];
    for (function, package) in [
        ("nodeEvents", "apt-get install nodejs npm"),
        ("pyEvents", "apt-get install python3 python3-venv"),
    ] {
        let run = sandbox
            .run_with_env(&["invoke", function, "-e", "{}"], &vars)
            .expect_code(1);
        assert!(run.stderr.contains(package), "{function}: {}", run.stderr);
    }
}

#[test]
fn a_flask_app_installed_as_fun_install_does_is_the_handler() {
    language_engine(EngineLanguage::Python);
    let sandbox = Sandbox::with_template(FLASK_TEMPLATE);
    let web = sandbox.path().join("web");
    std::fs::create_dir_all(&web).unwrap();
    sandbox.file("web/app.py", FLASK_APP.as_bytes());
    let requirements = repo_root().join("tests/e2e/fixtures/flask-requirements.txt");
    let installed = std::process::Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
        ])
        .args(["--no-deps", "--require-hashes", "--only-binary=:all:"])
        .args([
            "--platform",
            "manylinux2014_x86_64",
            "--python-version",
            "3.12",
        ])
        .args(["--implementation", "cp", "--target"])
        .arg(&web)
        .arg("-r")
        .arg(&requirements)
        .output()
        .expect("python3 -m pip runs (apt-get install python3-pip)");
    assert!(
        installed.status.success(),
        "pip install failed: {}",
        String::from_utf8_lossy(&installed.stderr)
    );

    let server = Server::start(&sandbox, &["--no-watch"]);
    let answer = server.get("/2016-08-15/proxy/demo/flaskApp/hello/amy?x=1&x=2");
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), "application/json");
    let body = answer.json();
    assert_eq!(body["name"], "amy");
    assert_eq!(body["query"]["x"], serde_json::json!(["1", "2"]));
    assert_eq!(body["method"], "GET");
    assert_eq!(body["remote"], "127.0.0.1");
    assert_eq!(body["requestId"], answer.header("x-fc-request-id"));

    let posted = server.send(
        "POST",
        "/2016-08-15/proxy/demo/flaskApp/hello/bob",
        &[("content-type", "text/plain".to_owned())],
        b"a body",
    );
    assert_eq!(posted.status, 200, "{}", posted.text());
    assert_eq!(posted.json()["body"], "a body");

    // Jinja2 escapes through MarkupSafe's pure-Python fallback.
    let page = server.get("/2016-08-15/proxy/demo/flaskApp/page?text=%3Cb%3E");
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(page.text(), "<p>&lt;b&gt;</p>");

    let missing = server.get("/2016-08-15/proxy/demo/flaskApp/nowhere");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("Not Found"), "{}", missing.text());
}

#[test]
fn event_functions_run_through_invoke_the_api_and_a_timer() {
    let sandbox = languages_sandbox();
    let run = sandbox
        .run(&["invoke", "nodeEvents", "-e", r#"{"name":"cli"}"#])
        .expect_code(0);
    let result = json(&run.stdout);
    assert_eq!(result["hello"], "cli");
    assert_eq!(result["initialized"], true);
    assert_eq!(result["greeting"], "hello from the template");
    assert_eq!(result["service"], "demo");
    assert_eq!(result["requestId"], run.request_id());
    assert!(
        run.stderr.contains("FC Initialize Start RequestId:"),
        "{}",
        run.stderr
    );
    // console.warn is a WARN line in FC's format, whichever stream it took.
    let warned = format!("{} [WARN] careful with cli", run.request_id());
    assert!(run.stderr.contains(&warned), "{}", run.stderr);

    let run = sandbox
        .run(&["invoke", "pyEvents", "-e", r#"{"name":"cli"}"#])
        .expect_code(0);
    let result = json(&run.stdout);
    assert_eq!(result["hello"], "cli");
    assert_eq!(result["initialized"], true);
    assert_eq!(result["greeting"], "hallo");
    assert_eq!(result["requestId"], run.request_id());

    let server = Server::start(
        &sandbox,
        &["--no-watch", "--test-clock", "2026-01-01T00:00:30Z"],
    );
    // One instance serves both calls and keeps its state, as on FC.
    for (function, count_key) in [("nodeEvents", "count"), ("pyEvents", "count")] {
        let first = invoke_api(&server, function, br#"{"name":"api"}"#);
        assert_eq!(first.status, 200, "{function}: {}", first.text());
        assert_eq!(first.json()["hello"], "api");
        let second = invoke_api(&server, function, br#"{"name":"api"}"#);
        assert_eq!(
            second.json()[count_key].as_u64(),
            first.json()[count_key].as_u64().map(|n| n + 1),
            "{function}: the second call ran on the same instance"
        );
    }

    let advanced = server.send("POST", "/fclocal/clock/advance?by=30s", &[], b"");
    assert_eq!(advanced.status, 200, "{}", advanced.text());
    let run = server.wait_for("Timer demo/pyEvents/every-minute run ");
    assert!(run.contains("succeeded"), "{run}");
    let logs = sandbox
        .run(&["logs", "-f", "pyEvents", "-k", "careful with timer"])
        .expect_code(0);
    assert!(
        logs.stdout.contains("careful with timer"),
        "{}\nall of its logs:\n{}",
        logs.stdout,
        sandbox.run(&["logs", "-f", "pyEvents"]).stdout
    );
}

#[test]
fn handler_errors_are_fcs_and_the_instance_survives_them() {
    let sandbox = languages_sandbox();
    let handled = sandbox
        .run(&["invoke", "nodeEvents", "-e", r#"{"fail":"callback"}"#])
        .expect_code(1);
    let body = json(&handled.stdout);
    assert_eq!(body["errorMessage"], "asked to fail");
    assert_eq!(body["errorType"], "Error");
    assert!(
        handled.stderr.contains("HandledInvocationError"),
        "{}",
        handled.stderr
    );

    let server = Server::start(&sandbox, &["--no-watch"]);
    let thrown = invoke_api(&server, "nodeEvents", br#"{"fail":"throw"}"#);
    assert_eq!(thrown.status, 200, "function errors are 200s on FC");
    assert_eq!(thrown.header("x-fc-error-type"), "UnhandledInvocationError");
    assert_eq!(thrown.json()["errorMessage"], "thrown on purpose");
    let raised = invoke_api(&server, "pyEvents", br#"{"fail":true}"#);
    assert_eq!(raised.header("x-fc-error-type"), "UnhandledInvocationError");
    assert_eq!(raised.json()["errorMessage"], "asked to fail");
    assert_eq!(raised.json()["errorType"], "ValueError");

    // Both instances still serve, with their state: no new instance started.
    for function in ["nodeEvents", "pyEvents"] {
        let after = invoke_api(&server, function, br#"{"name":"after"}"#);
        assert_eq!(after.status, 200, "{}", after.text());
        assert!(after.headers.get("x-fc-error-type").is_none());
        assert_eq!(after.json()["count"], 2, "{function}: {}", after.text());
    }
}

#[test]
fn a_busy_js_loop_times_out_alone() {
    let sandbox = languages_sandbox();
    let server = Server::start(&sandbox, &["--no-watch"]);
    let url = server.url("/2016-08-15/proxy/demo/spinner/?spin=1");
    let spinning = std::thread::spawn(move || {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let mut response = agent.get(&url).call().expect("the server answers");
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_to_string().unwrap_or_default(),
        )
    });
    // While it spins, other functions answer.
    let other = invoke_api(&server, "nodeEvents", br#"{"name":"neighbour"}"#);
    assert_eq!(other.status, 200, "{}", other.text());
    assert_eq!(other.json()["hello"], "neighbour");
    let (status, body) = spinning.join().unwrap();
    assert_eq!(status, 502, "{body}");
    assert!(
        body.contains("Function timed out after 1 seconds"),
        "{body}"
    );
    // The spinning instance was discarded; a new one answers.
    assert_eq!(
        server.get("/2016-08-15/proxy/demo/spinner/").text(),
        "not spinning"
    );
}

#[test]
fn a_language_instance_that_keeps_growing_is_renewed_before_it_fails() {
    let sandbox = languages_sandbox();
    let server = Server::start(&sandbox, &["--no-watch"]);
    let mut calls = Vec::new();
    for _ in 0..60 {
        let answer = invoke_api(&server, "leaky", b"");
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert!(
            answer.headers.get("x-fc-error-type").is_none(),
            "call {} failed: {}",
            calls.len() + 1,
            answer.text()
        );
        calls.push(answer.json()["calls"].as_u64().unwrap());
    }
    // Each instance kept its state until it was renewed (it grew by more
    // than 8 MB past its first call): the count restarts, long before the
    // ~25 calls that would exhaust 128 MB.
    assert_eq!(calls[..3], [1, 2, 3]);
    let restarts = calls.windows(2).filter(|pair| pair[1] < pair[0]).count();
    assert!(restarts >= 10, "{calls:?}");
    assert!(calls.iter().all(|&n| n <= 4), "{calls:?}");
}

#[test]
fn edited_js_and_py_files_give_the_new_answer_without_a_restart() {
    let sandbox = languages_sandbox();
    let server = Server::start(&sandbox, &[]);
    assert_eq!(
        invoke_api(&server, "nodeEvents", b"{}").json()["version"],
        1
    );
    assert_eq!(invoke_api(&server, "pyEvents", b"{}").json()["version"], 1);

    sandbox.file(
        "node/index.js",
        NODE_EVENTS.replace("version: 1", "version: 2").as_bytes(),
    );
    server.wait_for("Reloaded demo/nodeEvents");
    assert_eq!(
        invoke_api(&server, "nodeEvents", b"{}").json()["version"],
        2
    );

    sandbox.file(
        "python/main.py",
        PYTHON_EVENTS
            .replace("\"version\": 1", "\"version\": 2")
            .as_bytes(),
    );
    server.wait_for("Reloaded demo/pyEvents");
    assert_eq!(invoke_api(&server, "pyEvents", b"{}").json()["version"], 2);
}
