//! `s.yaml` as a project file: `fclocal validate` finds it when there is no
//! `template.yml`, reads it with `-t`, and reports its problems with
//! file:line:column.

use crate::common::Sandbox;

/// An edition-3 project: one WebAssembly function (the repository's `hello`
/// crate) behind an HTTP trigger, one timer function, and a variable from the
/// environment.
fn fc3_project(functions: &std::path::Path) -> String {
    format!(
        r#"edition: 3.0.0
name: hello-fc3
vars:
  region: ${{env('FCLOCAL_E2E_REGION', 'cn-hangzhou')}}
resources:
  hello:
    component: fc3
    props:
      region: ${{vars.region}}
      functionName: hello
      runtime: custom.debian10
      handler: hello.wasm
      code: {hello}
      triggers:
        - triggerName: web
          triggerType: http
          triggerConfig: {{authType: anonymous, methods: [GET, POST]}}
  tick:
    component: fc3
    props:
      region: ${{vars.region}}
      functionName: tick
      runtime: custom.debian10
      handler: hello.wasm
      code: {hello}
      triggers:
        - triggerName: every-minute
          triggerType: timer
          triggerConfig: {{cronExpression: '0 * * * * *', enable: true}}
"#,
        hello = functions.join("hello").display()
    )
}

/// A sandbox holding only `name` (its `template.yml` removed).
fn sandbox_with(name: &str, contents: &str) -> Sandbox {
    let sandbox = Sandbox::new();
    std::fs::remove_file(sandbox.path().join("template.yml")).expect("template.yml is removed");
    sandbox.file(name, contents.as_bytes());
    sandbox
}

#[test]
fn validate_finds_s_yaml_without_a_template() {
    let functions = fclocal_test_support::repo_root().join("functions");
    let sandbox = sandbox_with("s.yaml", &fc3_project(&functions));
    let run = sandbox.run(&["validate"]).expect_code(0);
    assert_eq!(
        run.stdout,
        "s.yaml is valid: FC 3.0, 2 functions (1 HTTP trigger, 1 timer trigger)\n"
    );
}

#[test]
fn s_yml_is_found_too_and_template_yml_comes_first() {
    let functions = fclocal_test_support::repo_root().join("functions");
    let sandbox = sandbox_with("s.yml", &fc3_project(&functions));
    let run = sandbox.run(&["validate"]).expect_code(0);
    assert!(
        run.stdout.starts_with("s.yml is valid: FC 3.0"),
        "{}",
        run.stdout
    );

    // With both, template.yml wins, as fclocal's own format.
    let both = Sandbox::new();
    both.file("s.yaml", b"edition: 3.0.0\nresources: [broken\n");
    let run = both.run(&["validate"]).expect_code(0);
    assert!(
        run.stdout.starts_with("template.yml is valid"),
        "{}",
        run.stdout
    );
    // -t picks the other one.
    let run = both.run(&["validate", "-t", "s.yaml"]).expect_code(1);
    assert!(run.stderr.contains("s.yaml:2:"), "{}", run.stderr);
}

#[test]
fn an_invalid_s_yaml_lists_every_problem_with_its_place() {
    let sandbox = sandbox_with(
        "s.yaml",
        "edition: 3.0.0\nname: broken\nresources:\n  hello:\n    component: fc3\n    props:\n      region: ${vars.region}\n\
         \x20     functionName: hello\n      runtime: custom.debian10\n      handler: hello.wasm\n      code: ./missing\n      timout: 3\n",
    );
    let run = sandbox.run(&["validate"]).expect_code(1);
    let problems: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("s.yaml:"))
        .collect();
    assert_eq!(
        problems,
        [
            "s.yaml:7:15: error: cannot resolve `${vars.region}`: the file declares no `vars`",
            "s.yaml:11:13: error: function `hello`: code `./missing` does not exist (relative to `.`)",
            "s.yaml:12:7: error: function `hello`: unknown property `timout`; did you mean `timeout`?",
        ],
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("s.yaml is invalid: 3 problems"),
        "{}",
        run.stderr
    );
}

#[test]
fn with_no_project_file_the_error_names_all_three() {
    let sandbox = sandbox_with("notes.txt", "nothing here");
    let run = sandbox.run(&["validate"]).expect_code(1);
    assert!(
        run.stderr
            .contains("no template here: looked for template.yml, s.yaml, s.yml in"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("-t path/to/s.yaml"), "{}", run.stderr);
}

/// Copies the repository's FC 3.0 example (`examples/fc3`) into a sandbox of
/// its own (no template.yml: fclocal finds s.yaml).
fn fc3_example() -> Sandbox {
    let sandbox = Sandbox::new();
    std::fs::remove_file(sandbox.path().join("template.yml")).expect("template.yml is removed");
    let example = fclocal_test_support::repo_root().join("examples/fc3");
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(example.join("."))
        .arg(sandbox.path())
        .status()
        .expect("cp runs");
    assert!(copied.success());
    // A local run of the example in the checkout leaves its data behind.
    let _ = std::fs::remove_dir_all(sandbox.path().join(".fclocal"));
    sandbox
}

#[test]
fn the_fc3_example_serves_http_at_the_functions_root_fires_timers_and_invokes_by_name() {
    fclocal_test_support::language_engine(fclocal_test_support::EngineLanguage::Node);
    fclocal_test_support::language_engine(fclocal_test_support::EngineLanguage::Python);
    let sandbox = fc3_example();
    let server = crate::server::Server::start(
        &sandbox,
        &["--no-watch", "--test-clock", "2026-01-01T00:00:30Z"],
    );
    // The HTTP function has a port of its own, and sees the path whole.
    let line = server.wait_for("FC 3.0 function web at ");
    let root = line
        .split(" at ")
        .nth(1)
        .and_then(|rest| rest.split('/').nth(2))
        .map(|address| format!("http://{address}"))
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut hello = agent
        .get(format!("{root}/api/hello?name=amy"))
        .call()
        .expect("the function's port answers");
    assert_eq!(hello.status(), 200);
    assert_eq!(
        hello.headers()["content-type"],
        "application/json",
        "the handler's headers"
    );
    let request_id = hello.headers()["x-fc-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value =
        serde_json::from_str(&hello.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(body["message"], "hello, amy");
    assert_eq!(body["path"], "/api/hello");
    assert_eq!(body["requestId"], request_id.as_str());
    let mut echoed = agent
        .post(format!("{root}/api/echo"))
        .send("a body")
        .unwrap();
    let echoed: serde_json::Value =
        serde_json::from_str(&echoed.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(echoed["echoed"], "a body");
    let missing = agent.get(format!("{root}/nope")).call().unwrap();
    assert_eq!(missing.status(), 404, "the handler's own status");
    let refused = agent.delete(format!("{root}/api/hello")).call().unwrap();
    assert_eq!(
        refused.status(),
        403,
        "the trigger allows GET and POST only"
    );

    // The timer fires on the injected clock; its log is queryable by function.
    let advanced = server.send("POST", "/fclocal/clock/advance?by=30s", &[], b"");
    assert_eq!(advanced.status, 200, "{}", advanced.text());
    server.wait_for("Timer tick/tick/every-minute fired for 2026-01-01T00:01:00Z");
    let run = server.wait_for("Timer tick/tick/every-minute run ");
    assert!(run.contains("succeeded"), "{run}");
    let logs = sandbox.run(&["logs", "-f", "tick", "-k", "tick minute at"]);
    assert_eq!(logs.stdout.lines().count(), 1, "{}", logs.stdout);
    let logs = sandbox.run(&["logs", "-f", "web", "-k", "greeting amy"]);
    assert_eq!(logs.stdout.lines().count(), 1, "{}", logs.stdout);
    // FC 3.0's topic, which `s logs` queries: `FCLogs:<function>`.
    let topic = sandbox.run(&[
        "logs",
        "--json",
        "-q",
        "__topic__:\"FCLogs:tick\" and minute",
    ]);
    assert_eq!(
        topic.stdout.lines().count(),
        1,
        "{}{}",
        topic.stdout,
        topic.stderr
    );
    assert!(
        topic.stdout.contains("\"functionName\":\"tick\""),
        "{}",
        topic.stdout
    );

    // FC 3.0's own SDK invokes a function by its name.
    let answer = crate::sdk::run(
        "fc/fc3_invoke.py",
        &server,
        &[
            ("FCLOCAL_FUNCTION", "tick"),
            (
                "FCLOCAL_EVENT",
                r#"{"triggerTime":"2026-01-01T00:02:00Z","triggerName":"by-hand","payload":"{\"unit\": \"call\"}"}"#,
            ),
        ],
    )
    .json();
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(answer["body"], "ok");
    assert_eq!(answer["errorType"], serde_json::Value::Null);
}
