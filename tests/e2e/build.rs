//! `fclocal build`: builds crates into components, checks their kind,
//! and skips up-to-date ones.

use crate::common::{MarblesNetwork, Sandbox};

#[test]
fn build_reports_each_function_and_then_finds_them_fresh() {
    let sandbox = Sandbox::new();
    let first = sandbox.run(&["build"]).expect_code(0);
    assert!(
        first.stdout.contains("demo/hello: event function ("),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("demo/processEvent: HTTP function ("),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("demo/hostile: event function ("),
        "{}",
        first.stdout
    );
    assert!(
        first.stderr.contains("Built demo/hello"),
        "{}",
        first.stderr
    );

    let second = sandbox.run(&["build"]).expect_code(0);
    assert!(
        second.stderr.contains("Fresh demo/hello"),
        "{}",
        second.stderr
    );
    assert!(!second.stderr.contains("Built "), "{}", second.stderr);

    let forced = sandbox.run(&["build", "--force", "hello"]).expect_code(0);
    assert!(
        forced.stderr.contains("Built demo/hello"),
        "{}",
        forced.stderr
    );
    assert_eq!(forced.stdout.lines().count(), 1, "{}", forced.stdout);
}

#[test]
fn build_precompiles_the_ledger_chaincode_so_start_compiles_nothing() {
    let sandbox = Sandbox::new();
    MarblesNetwork::new(10).write(&sandbox);
    let run = sandbox.run(&["build"]).expect_code(0);
    assert!(
        run.stdout.contains("chaincode/marbles: chaincode ("),
        "{}",
        run.stdout
    );
    // The chaincode engine (fuel, NaN canonicalisation) keys its entries
    // apart from the function engine's: two engine keys in the cache.
    let keys: std::collections::BTreeSet<String> =
        std::fs::read_dir(sandbox.path().join(".fclocal/cache"))
            .expect("the cache exists")
            .map(|entry| entry.expect("an entry").file_name())
            .filter_map(|name| {
                let name = name.to_string_lossy().into_owned();
                let stem = name.strip_suffix(".cwasm")?;
                Some(stem.rsplit('-').next()?.to_owned())
            })
            .collect();
    assert_eq!(keys.len(), 2, "{keys:?}");

    // Naming a function builds that function alone.
    let one = sandbox.run(&["build", "hello"]).expect_code(0);
    assert!(!one.stdout.contains("chaincode/"), "{}", one.stdout);
}

#[test]
fn a_build_error_shows_the_compiler_output() {
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
        CodeUri: ./broken
"#,
    );
    std::fs::create_dir_all(sandbox.path().join("broken/src")).unwrap();
    sandbox.file(
        "broken/Cargo.toml",
        b"[package]\nname = \"broken\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n[workspace]\n",
    );
    sandbox.file(
        "broken/src/lib.rs",
        b"pub fn oops() -> u32 { \"not a number\" }\n",
    );
    let run = sandbox.run(&["build"]).expect_code(1);
    assert!(
        run.stderr.contains("cargo failed to build broken"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("mismatched types"), "{}", run.stderr);
}
