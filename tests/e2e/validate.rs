//! `fclocal validate`: a summary for a valid template, every problem with
//! file:line:column for an invalid one.

use crate::common::Sandbox;

#[test]
fn a_valid_template_gets_a_summary() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["validate"]).expect_code(0);
    assert_eq!(
        run.stdout,
        "template.yml is valid: 1 service, 3 functions (1 HTTP trigger, 0 timer triggers), 1 log project (1 logstore)\n"
    );
}

#[test]
fn an_invalid_template_lists_every_problem_and_exits_1() {
    let sandbox = Sandbox::with_template(
        r#"ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  svc:
    Type: 'Aliyun::Serverless::Service'
    fn:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: fn.wasm
        Runtime: custom
        CodeUri: ./missing
        MemorySize: 100
        Timout: 3
"#,
    );
    let run = sandbox.run(&["validate"]).expect_code(1);
    let problems: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("template.yml:"))
        .collect();
    assert_eq!(problems.len(), 3, "{}", run.stderr);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("template.yml:11:") && p.contains("does not exist"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("template.yml:12:") && p.contains("MemorySize"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("template.yml:13:") && p.contains("did you mean `Timeout`"))
    );
    assert!(
        run.stderr.contains("template.yml is invalid: 3 problems"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_template_says_how_to_point_at_one() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .run(&["validate", "-t", "nowhere.yml"])
        .expect_code(1);
    assert!(
        run.stderr.contains("no template at nowhere.yml"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("-t path/to/template.yml"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_repository_demo_template_is_valid() {
    let root = fclocal_test_support::repo_root();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fclocal"))
        .args(["validate", "-t"])
        .arg(root.join("template.yml"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
