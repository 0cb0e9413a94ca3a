//! The public entry points, beyond the golden files: reading from disk, path handling,
//! and that no input (truncated, mangled, hostile) makes validation panic.

use std::fs;
use std::path::{Path, PathBuf};

use fclocal_template::{CodeLocation, Severity, TemplateError, TriggerKind, load, parse_str};

const DEMO: &str = include_str!("ui/valid/demo.yml");

fn template(code_uri: &str) -> String {
    format!(
        "ROSTemplateFormatVersion: '2015-09-01'\n\
         Transform: 'Aliyun::Serverless-2018-04-03'\n\
         Resources:\n  svc:\n    Type: Aliyun::Serverless::Service\n    fn:\n      \
         Type: Aliyun::Serverless::Function\n      Properties:\n        \
         Handler: hello.wasm\n        Runtime: custom\n        CodeUri: {code_uri}\n"
    )
}

#[test]
fn load_resolves_code_uri_against_the_template_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("hello")).unwrap();
    fs::write(dir.path().join("hello/Cargo.toml"), "[package]\n").unwrap();
    let path = dir.path().join("template.yml");
    fs::write(&path, template("./hello")).unwrap();

    let loaded = load(&path).unwrap();
    assert!(loaded.warnings.is_empty());
    assert_eq!(loaded.app.template_path, path);
    assert_eq!(loaded.app.base_dir, dir.path());
    let (service, function) = loaded.app.find_function("fn").unwrap();
    assert_eq!(service.name.as_str(), "svc");
    assert_eq!(
        function.code,
        CodeLocation::Crate {
            dir: dir.path().join("hello"),
            component_file: "hello.wasm".into(),
        }
    );
}

#[test]
fn missing_file_is_a_read_error() {
    let err = load(Path::new("tests/ui/no-such-template.yml")).unwrap_err();
    assert!(matches!(err, TemplateError::Read { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot read template `tests/ui/no-such-template.yml`"
    );
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn parse_str_labels_diagnostics_with_the_given_file() {
    let err = parse_str(
        &template("./nowhere"),
        Path::new("custom/name.yml"),
        Path::new("/definitely/not/here"),
    )
    .unwrap_err();
    let TemplateError::Invalid { diagnostics } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(
        (d.file.as_path(), d.line, d.column, d.severity),
        (Path::new("custom/name.yml"), 11, 18, Severity::Error)
    );
    assert_eq!(
        d.message,
        "function `svc/fn`: CodeUri `./nowhere` does not exist (relative to `/definitely/not/here`)"
    );
}

#[test]
fn demo_resolves_its_triggers() {
    let loaded = load(Path::new("tests/ui/valid/demo.yml")).unwrap();
    let kinds: Vec<&str> = loaded
        .app
        .functions()
        .flat_map(|(_, f)| f.triggers.iter().map(|t| t.kind.type_name()))
        .collect();
    assert_eq!(kinds, ["HTTP", "Timer", "MNSTopic"]);
    let (_, timer_fn) = loaded
        .app
        .find_function("marblesFC/aggregateEvents")
        .unwrap();
    let TriggerKind::Timer(timer) = &timer_fn.triggers[0].kind else {
        panic!("not a timer");
    };
    assert_eq!(timer.schedule.as_str(), "0 */1 * * * *");
    assert!(!loaded.app.services[0].allows_internet());
}

/// Feeds `source` to the validator; only a panic fails.
fn must_not_panic(source: &str) {
    let _ = parse_str(source, Path::new("t.yml"), &PathBuf::from("tests/ui/valid"));
}

#[test]
fn truncated_templates_never_panic() {
    for (i, _) in DEMO.char_indices() {
        must_not_panic(&DEMO[..i]);
    }
}

#[test]
fn mangled_templates_never_panic() {
    let replacements = [
        "",
        "~",
        "[]",
        "{}",
        "-1",
        "0",
        "1e400",
        "99999999999999999999999",
        "true",
        "'",
        "\"x\"",
        "[a, {b: c}]",
        "*undefined",
        "&a x",
        "!!binary aGk=",
        "!custom x",
        "é",
        "\t",
    ];
    let lines: Vec<&str> = DEMO.lines().collect();
    for (n, line) in lines.iter().enumerate() {
        let Some((key, _)) = line.split_once(':') else {
            continue;
        };
        for replacement in replacements {
            let mut mangled = lines.clone();
            let new_line = format!("{key}: {replacement}");
            mangled[n] = &new_line;
            must_not_panic(&mangled.join("\n"));
        }
    }
}

#[test]
fn hostile_yaml_never_panics() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let wide_keys: String = (0..10_000).map(|i| format!("k{i}: {i}\n")).collect();
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
    for source in [
        deep.as_str(),
        wide_keys.as_str(),
        bomb,
        "\u{feff}a: 1",
        "a: 1\r\nb: 2\r\n",
        "---\na: 1\n---\nb: 2\n",
        "? [complex, key]\n: value\n",
        "\0",
    ] {
        must_not_panic(source);
    }
}
