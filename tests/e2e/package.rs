//! `fclocal package`: a deployable copy of a project, checked file by file
//! and with fun's own validator.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use fclocal_test_support::repo_root;

use crate::common::Sandbox;

const TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      Description: packaged by the tests
      LogConfig:
        Project: pkg-project
        Logstore: pkg-store
    hello:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hello.wasm
        Runtime: custom
        CodeUri: {functions}/hello
        CAPort: 9100
        InstanceConcurrency: 4
        Initializer: hello.wasm
        MemorySize: 256
    web:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: index.handler
        Runtime: nodejs12
        CodeUri: ./web
      Events:
        http:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET']
    tick:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: main.handler
        Runtime: python3
        CodeUri: ./tick
  pkg-project:
    Type: 'Aliyun::Serverless::Log'
    Properties:
      Description: the service's logs
    pkg-store:
      Type: 'Aliyun::Serverless::Log::Logstore'
      Properties:
        TTL: 7
        ShardCount: 1
"#;

const NODE_HANDLER: &str = r#"const greet = require('greet');
exports.handler = (req, resp, context) => resp.send(greet('fc'));
"#;

fn sandbox_with_sources() -> Sandbox {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let root = sandbox.path();
    std::fs::create_dir_all(root.join("web/node_modules/greet")).unwrap();
    sandbox.file("web/index.js", NODE_HANDLER.as_bytes());
    sandbox.file(
        "web/package.json",
        br#"{"name":"web","dependencies":{"greet":"1.0.0"}}"#,
    );
    sandbox.file(
        "web/node_modules/greet/index.js",
        b"module.exports = (name) => `hello ${name}`;\n",
    );
    std::fs::create_dir_all(root.join("web/.fclocal")).unwrap();
    sandbox.file("web/.fclocal/logs.db", b"not for the cloud");
    std::fs::create_dir_all(root.join("tick")).unwrap();
    sandbox.file(
        "tick/main.py",
        b"def handler(event, context):\n    return 'tick'\n",
    );
    sandbox
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|meta| meta.permissions().mode() & 0o111 == 0o111)
        .unwrap_or(false)
}

#[test]
fn a_project_packages_into_code_folders_and_a_template_fun_accepts() {
    let sandbox = sandbox_with_sources();
    let fclocal = env!("CARGO_BIN_EXE_fclocal");
    let run = sandbox.run(&["package", "-o", "out", "--fclocal-binary", fclocal]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("demo/hello: component hello.wasm + bootstrap"),
        "{}",
        run.stdout
    );
    // A glibc fclocal is fine for this machine, not for FC: said, not hidden.
    assert!(run.stderr.contains("dynamically linked"), "{}", run.stderr);

    let out = sandbox.path().join("out");
    let hello = out.join("demo/hello");
    let component = std::fs::read(hello.join("hello.wasm")).unwrap();
    assert_eq!(
        component,
        std::fs::read(fclocal_test_support::guest("hello")).unwrap(),
        "the built component, byte for byte"
    );
    assert!(is_executable(&hello.join("fclocal")));
    assert!(is_executable(&hello.join("bootstrap")));
    let bootstrap = std::fs::read_to_string(hello.join("bootstrap")).unwrap();
    assert!(bootstrap.starts_with("#!/bin/sh\n"), "{bootstrap}");
    assert!(
        bootstrap.contains("${FC_SERVER_PORT:-9100}"),
        "CAPort is the default port: {bootstrap}"
    );
    assert!(
        bootstrap.contains(
            "exec ./fclocal serve-function --component './hello.wasm' --instance-concurrency 4"
        ),
        "{bootstrap}"
    );

    // Node.js: the handler and its node_modules, not fclocal's data.
    let web = out.join("demo/web");
    assert_eq!(
        std::fs::read_to_string(web.join("index.js")).unwrap(),
        NODE_HANDLER
    );
    assert!(web.join("node_modules/greet/index.js").is_file());
    assert!(!web.join(".fclocal").exists());
    assert!(!web.join("fclocal").exists() && !web.join("bootstrap").exists());
    // Python: the module as written.
    assert!(out.join("demo/tick/main.py").is_file());

    // The template: CodeUris moved, everything else carried over.
    let packaged = std::fs::read_to_string(out.join("template.yml")).unwrap();
    let document: serde_json::Value =
        serde_saphyr::from_str(&packaged).expect("the packaged template is YAML");
    let demo = &document["Resources"]["demo"];
    assert_eq!(demo["hello"]["Properties"]["CodeUri"], "./demo/hello");
    assert_eq!(demo["hello"]["Properties"]["Runtime"], "custom");
    assert_eq!(demo["hello"]["Properties"]["CAPort"], 9100);
    assert_eq!(demo["hello"]["Properties"]["InstanceConcurrency"], 4);
    assert_eq!(demo["hello"]["Properties"]["Initializer"], "hello.wasm");
    assert_eq!(demo["web"]["Properties"]["CodeUri"], "./demo/web");
    assert_eq!(demo["web"]["Events"]["http"]["Type"], "HTTP");
    assert_eq!(demo["tick"]["Properties"]["CodeUri"], "./demo/tick");
    assert_eq!(
        document["Resources"]["pkg-project"]["pkg-store"]["Properties"]["TTL"],
        7
    );

    // fun's own validator (fun 3.6.24, pinned by tools/fun-validate).
    let validated = std::process::Command::new(repo_root().join("tools/fun-validate/validate.sh"))
        .arg(out.join("template.yml"))
        .output()
        .expect("tools/fun-validate/validate.sh runs (needs npm)");
    assert!(
        validated.status.success(),
        "{}{}",
        String::from_utf8_lossy(&validated.stdout),
        String::from_utf8_lossy(&validated.stderr)
    );

    // fclocal itself accepts the package as a project.
    let check = sandbox.run(&["validate", "-t", "out/template.yml"]);
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);

    // A second run replaces its own output; a foreign folder is refused.
    let again = sandbox.run(&["package", "-o", "out", "--fclocal-binary", fclocal]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    std::fs::create_dir_all(sandbox.path().join("mine")).unwrap();
    sandbox.file("mine/notes.txt", b"keep me");
    let refused = sandbox.run(&["package", "-o", "mine", "--fclocal-binary", fclocal]);
    assert_eq!(refused.code, Some(1));
    assert!(
        refused
            .stderr
            .contains("was not written by `fclocal package`"),
        "{}",
        refused.stderr
    );
    assert!(sandbox.path().join("mine/notes.txt").is_file());
}

#[test]
fn a_function_that_cannot_be_packaged_is_named_with_the_reason() {
    let template = TEMPLATE.replace(
        "CodeUri: {functions}/hello",
        "CodeUri: ./missing/hello.wasm",
    );
    let sandbox = Sandbox::with_template(&template);
    std::fs::create_dir_all(sandbox.path().join("web")).unwrap();
    sandbox.file("web/index.js", NODE_HANDLER.as_bytes());
    std::fs::create_dir_all(sandbox.path().join("tick")).unwrap();
    sandbox.file(
        "tick/main.py",
        b"def handler(event, context):\n    return 1\n",
    );
    let fclocal = env!("CARGO_BIN_EXE_fclocal");
    let run = sandbox.run(&["package", "-o", "out", "--fclocal-binary", fclocal]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.stderr.contains("demo/hello"), "{}", run.stderr);
    assert!(run.stderr.contains("missing/hello.wasm"), "{}", run.stderr);
    assert!(!sandbox.path().join("out/template.yml").exists());
}

#[test]
fn without_a_static_fclocal_package_says_how_to_build_one() {
    let sandbox = sandbox_with_sources();
    // A glibc fclocal with no musl build beside it (a copy outside target/).
    let bin = sandbox.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_fclocal"), bin.join("fclocal")).unwrap();
    let output = std::process::Command::new(bin.join("fclocal"))
        .args(["package", "-o", "out"])
        .current_dir(sandbox.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("dynamically linked"), "{stderr}");
    assert!(
        stderr.contains("cargo build --release --target x86_64-unknown-linux-musl"),
        "{stderr}"
    );
    assert!(!sandbox.path().join("out").exists());
}

#[test]
fn the_package_never_swallows_the_project_or_copies_itself() {
    let template = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    web:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: index.handler
        Runtime: nodejs12
        CodeUri: './'
"#;
    let sandbox = Sandbox::with_template(template);
    sandbox.file("index.js", NODE_HANDLER.as_bytes());
    // A package folder inside the code folder (CodeUri: ./) is left out of
    // the copy, however often it is rewritten.
    for _ in 0..2 {
        let run = sandbox.run(&["package", "-o", "dist"]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
    }
    let code = sandbox.path().join("dist/demo/web");
    assert!(code.join("index.js").is_file());
    assert!(
        !code.join("dist").exists(),
        "the package is not copied into itself"
    );

    // An output folder holding the project is refused before anything is deleted.
    std::fs::write(sandbox.path().join(".fclocal-package"), "").unwrap();
    for output in [".", ".."] {
        let run = sandbox.run(&["package", "-o", output]);
        assert_eq!(run.code, Some(1), "{output}: {}", run.stdout);
        assert!(run.stderr.contains("holds the project"), "{}", run.stderr);
    }
    assert!(sandbox.path().join("index.js").is_file());
    assert!(sandbox.path().join("template.yml").is_file());
}

#[test]
fn a_serverless_devs_project_is_refused_with_the_way_to_deploy_it() {
    let sandbox = Sandbox::new();
    std::fs::remove_file(sandbox.path().join("template.yml")).unwrap();
    sandbox.file(
        "s.yaml",
        br#"edition: 3.0.0
name: app
resources:
  tick:
    component: fc3
    props:
      region: cn-hangzhou
      functionName: tick
      runtime: python3.10
      handler: main.handler
      code: ./tick
"#,
    );
    std::fs::create_dir_all(sandbox.path().join("tick")).unwrap();
    sandbox.file(
        "tick/main.py",
        b"def handler(event, context):\n    return 1\n",
    );
    let run = sandbox.run(&["package", "-o", "out"]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stderr.contains("is a Serverless Devs project"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("s deploy"), "{}", run.stderr);
    assert!(!sandbox.path().join("out").exists());
}
