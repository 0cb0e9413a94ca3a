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
