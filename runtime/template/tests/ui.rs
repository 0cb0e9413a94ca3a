//! Golden tests for template validation (STYLE P5).
//!
//! - `tests/ui/invalid/<name>.yml` must fail to load; the rendered error (every diagnostic,
//!   `file:line:column: error: message`) must equal `<name>.err`.
//! - `tests/ui/valid/<name>.yml` must load; a summary of the resolved app and its warnings
//!   must equal `<name>.out`.
//!
//! - `tests/ui/s-yaml/{invalid,valid}/<name>.yaml`: the same for Serverless Devs
//!   `s.yaml` files (both editions), loaded with a fixed environment
//!   ([`s_yaml_sources`]) so `${env('…')}` resolves the same on every machine.
//!
//! Re-run with `BLESS=1 cargo test -p fclocal-template --test ui` to rewrite the expected
//! files after an intended change, then review the diff.
//!
//! Paths are relative to the crate directory (cargo runs tests there), so diagnostics
//! read `tests/ui/invalid/<name>.yml:…` on every machine.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use fclocal_template::{
    App, CodeLocation, Function, Loaded, LogConfig, Service, TemplateError, Trigger, TriggerKind,
    VariableSources, load, load_with,
};

fn bless() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// The `.yml` files in `tests/ui/<dir>`, sorted.
fn cases(dir: &str) -> Vec<PathBuf> {
    cases_with(dir, "yml")
}

/// The `.<ext>` files in `tests/ui/<dir>`, sorted.
fn cases_with(dir: &str, ext: &str) -> Vec<PathBuf> {
    let dir = Path::new("tests/ui").join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// Compares `actual` with the file at `expected`, or rewrites it when blessing.
fn compare(expected: &Path, actual: &str, failures: &mut Vec<String>) {
    if bless() {
        fs::write(expected, actual)
            .unwrap_or_else(|e| panic!("writing {}: {e}", expected.display()));
        return;
    }
    let wanted = fs::read_to_string(expected).unwrap_or_default();
    if wanted != actual {
        failures.push(format!(
            "{} differs\n--- expected\n{wanted}--- actual\n{actual}",
            expected.display()
        ));
    }
}

/// Reports expected-output files with no template beside them (left over after a rename).
fn orphans(dir: &str, ext: &str, failures: &mut Vec<String>) {
    orphans_of(dir, ext, "yml", failures);
}

/// Reports `.<ext>` files with no `.<source>` beside them.
fn orphans_of(dir: &str, ext: &str, source: &str, failures: &mut Vec<String>) {
    for entry in fs::read_dir(Path::new("tests/ui").join(dir)).expect("ui dir") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == ext) && !path.with_extension(source).exists() {
            failures.push(format!("{} has no .yml beside it", path.display()));
        }
    }
}

fn finish(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{}\n\n{} golden file(s) differ; if the change is intended, re-run with BLESS=1 and review the diff",
        failures.join("\n"),
        failures.len()
    );
}

#[test]
fn invalid_templates_report_every_problem() {
    let cases = cases("invalid");
    assert!(cases.len() >= 25, "only {} invalid cases", cases.len());
    let mut failures = Vec::new();
    for path in &cases {
        match load(path) {
            Ok(_) => failures.push(format!("{} loaded, but should be invalid", path.display())),
            Err(err) => compare(
                &path.with_extension("err"),
                &format!("{err}\n"),
                &mut failures,
            ),
        }
    }
    orphans("invalid", "err", &mut failures);
    finish(failures);
}

#[test]
fn valid_templates_resolve() {
    let cases = cases("valid");
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for path in &cases {
        match load(path) {
            Ok(loaded) => compare(
                &path.with_extension("out"),
                &summary(&loaded),
                &mut failures,
            ),
            Err(err) => failures.push(format!("{} failed to load:\n{err}", path.display())),
        }
    }
    orphans("valid", "out", &mut failures);
    finish(failures);
}

/// What `s.yaml` variables read in the golden tests: `REGION` and the account id set,
/// nothing else (so `${env('…')}` of anything else is unset).
fn s_yaml_sources() -> VariableSources {
    VariableSources::with_dotenv(
        [
            ("REGION".to_owned(), "cn-shanghai".to_owned()),
            ("STAGE".to_owned(), "test".to_owned()),
            ("FCLOCAL_ACCOUNT_ID".to_owned(), "1122334455".to_owned()),
        ]
        .into(),
        "",
    )
}

/// Runs the golden cases in `tests/ui/<dir>`: each `.yaml` must fail with its `.err`
/// (`valid == false`) or load with its `.out`.
fn golden_s_yaml(dir: &str, valid: bool) -> Vec<String> {
    let cases = cases_with(dir, "yaml");
    assert!(cases.len() >= 3, "only {} cases in {dir}", cases.len());
    let sources = s_yaml_sources();
    let mut failures = Vec::new();
    for path in &cases {
        match (load_with(path, &sources), valid) {
            (Ok(loaded), true) => compare(
                &path.with_extension("out"),
                &summary(&loaded),
                &mut failures,
            ),
            (Err(err), false) => compare(
                &path.with_extension("err"),
                &format!("{err}\n"),
                &mut failures,
            ),
            (Ok(_), false) => {
                failures.push(format!("{} loaded, but should be invalid", path.display()))
            }
            (Err(err), true) => failures.push(format!("{} failed to load:\n{err}", path.display())),
        }
    }
    orphans_of(
        dir,
        if valid { "out" } else { "err" },
        "yaml",
        &mut failures,
    );
    failures
}

#[test]
fn invalid_s_yaml_files_report_every_problem() {
    finish(golden_s_yaml("s-yaml/invalid", false));
}

#[test]
fn valid_s_yaml_files_resolve() {
    finish(golden_s_yaml("s-yaml/valid", true));
}

#[test]
fn the_formats_are_told_apart_by_content_then_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let sources = s_yaml_sources();
    // `edition:` makes any file an s.yaml; fun's keys make `s.yaml` a template.
    let s_yaml_named_oddly = dir.path().join("project.yml");
    fs::write(
        &s_yaml_named_oddly,
        "edition: 3.0.0\nname: x\nresources: {}\n",
    )
    .unwrap();
    let loaded = load_with(&s_yaml_named_oddly, &sources).expect("an empty s.yaml is valid");
    assert_eq!(
        loaded.app.source,
        fclocal_template::ProjectFormat::ServerlessDevs3
    );
    let template_named_s = dir.path().join("s.yaml");
    fs::write(
        &template_named_s,
        "ROSTemplateFormatVersion: '2015-09-01'\nTransform: 'Aliyun::Serverless-2018-04-03'\nResources: {}\n",
    )
    .unwrap();
    let loaded = load_with(&template_named_s, &sources).expect("an empty template is valid");
    assert_eq!(
        loaded.app.source,
        fclocal_template::ProjectFormat::FunTemplate
    );
    // Neither: the name decides which format's errors explain it.
    let neither = dir.path().join("s.yml");
    fs::write(&neither, "name: x\n").unwrap();
    let Err(TemplateError::Invalid { diagnostics }) = load_with(&neither, &sources) else {
        panic!("should be invalid");
    };
    assert!(
        diagnostics[0]
            .message
            .contains("missing required property `edition`"),
        "{diagnostics:?}"
    );
    let neither = dir.path().join("template.yml");
    fs::write(&neither, "name: x\n").unwrap();
    let Err(TemplateError::Invalid { diagnostics }) = load_with(&neither, &sources) else {
        panic!("should be invalid");
    };
    assert!(
        diagnostics
            .iter()
            .any(|d| d.message.contains("ROSTemplateFormatVersion")),
        "{diagnostics:?}"
    );
}

#[test]
fn dotenv_beside_an_s_yaml_fills_env_variables() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(".env"),
        "FCLOCAL_DOTENV_TEST_DESC=from dotenv\n",
    )
    .unwrap();
    let sources = VariableSources::from_process(dir.path());
    assert_eq!(
        sources
            .env
            .get("FCLOCAL_DOTENV_TEST_DESC")
            .map(String::as_str),
        Some("from dotenv")
    );
}

/// A compact, complete rendering of a loaded app, so any change in resolution shows up.
fn summary(loaded: &Loaded) -> String {
    let app = &loaded.app;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "template {} (base dir {}, {})",
        app.template_path.display(),
        app.base_dir.display(),
        app.source.display_name()
    );
    for service in &app.services {
        write_service(&mut out, service);
    }
    for project in &app.log_projects {
        let _ = writeln!(
            out,
            "log project {}: {:?}",
            project.name, project.description
        );
        for store in &project.logstores {
            let _ = writeln!(
                out,
                "  logstore {}: ttl {} days, {} shard(s)",
                store.name, store.ttl_days, store.shard_count
            );
        }
    }
    for topic in &app.mns_topics {
        let _ = writeln!(
            out,
            "mns topic {}: region {}, max message {} bytes, logging {}",
            topic.name, topic.region, topic.maximum_message_size, topic.logging_enabled
        );
    }
    write_lookups(&mut out, app);
    if !loaded.warnings.is_empty() {
        let _ = writeln!(out, "warnings:");
        for warning in &loaded.warnings {
            let _ = writeln!(out, "  {warning}");
        }
    }
    out
}

fn write_service(out: &mut String, service: &Service) {
    let _ = writeln!(out, "service {}", service.name);
    let internet = if service.allows_internet() {
        "allowed"
    } else {
        "denied"
    };
    let _ = writeln!(
        out,
        "  internet: {internet} (InternetAccess: {:?})",
        service.internet_access
    );
    match &service.log_config {
        Some(LogConfig::Store {
            project,
            logstore,
            enable_request_metrics,
            enable_instance_metrics,
        }) => {
            let _ = writeln!(
                out,
                "  log: {project}/{logstore} (request metrics {enable_request_metrics:?}, instance metrics {enable_instance_metrics:?})"
            );
        }
        Some(LogConfig::Auto) => {
            let _ = writeln!(out, "  log: auto");
        }
        None => {}
    }
    let optional = [
        (
            "description",
            service.description.as_ref().map(|d| format!("{d:?}")),
        ),
        ("role", service.role.clone()),
        (
            "policies",
            service.policies.as_ref().map(ToString::to_string),
        ),
        ("vpc", service.vpc_config.as_ref().map(|v| format!("{v:?}"))),
        ("nas", service.nas_config.as_ref().map(|n| format!("{n:?}"))),
        ("tracing", service.tracing_config.clone()),
    ];
    for (label, value) in optional {
        if let Some(value) = value {
            let _ = writeln!(out, "  {label}: {value}");
        }
    }
    for function in &service.functions {
        write_function(out, function);
    }
}

fn write_function(out: &mut String, f: &Function) {
    let _ = writeln!(
        out,
        "  function {}: runtime {}, handler {}",
        f.name, f.runtime, f.handler
    );
    match &f.code {
        CodeLocation::Crate {
            dir,
            component_file,
        } => {
            let _ = writeln!(
                out,
                "    code: crate {} builds {component_file}",
                dir.display()
            );
        }
        CodeLocation::Component { path } => {
            let _ = writeln!(out, "    code: component {}", path.display());
        }
        CodeLocation::Source { dir, language } => {
            let _ = writeln!(
                out,
                "    code: {} source in {}",
                language.display_name(),
                dir.display()
            );
        }
    }
    let _ = writeln!(
        out,
        "    timeout {}s, memory {} MB, initialization timeout {}s, concurrency {}",
        f.timeout_secs, f.memory_size_mb, f.initialization_timeout_secs, f.instance_concurrency
    );
    let optional = [
        (
            "description",
            f.description.as_ref().map(|d| format!("{d:?}")),
        ),
        ("initializer", f.initializer.clone()),
        ("instance type", f.instance_type.clone()),
        ("CA port", f.ca_port.map(|p| p.to_string())),
    ];
    for (label, value) in optional {
        if let Some(value) = value {
            let _ = writeln!(out, "    {label}: {value}");
        }
    }
    for (key, value) in &f.environment {
        let _ = writeln!(out, "    env {key}={value:?}");
    }
    for trigger in &f.triggers {
        write_trigger(out, trigger);
    }
}

fn write_trigger(out: &mut String, t: &Trigger) {
    let detail = match &t.kind {
        TriggerKind::Http(h) => {
            let methods: Vec<&str> = h.methods.iter().map(|m| m.as_str()).collect();
            format!("HTTP {} [{}]", h.auth_type, methods.join(", "))
        }
        TriggerKind::Timer(timer) => {
            let mut s = format!("Timer `{}`", timer.schedule);
            if !timer.enabled {
                s.push_str(" (disabled)");
            }
            if let Some(payload) = &timer.payload {
                let _ = write!(s, " payload {payload:?}");
            }
            s
        }
        TriggerKind::MnsTopic(m) => format!(
            "MNSTopic {} (region {:?}, format {}, strategy {:?}, filter tag {:?})",
            m.topic_name, m.region, m.notify_content_format, m.notify_strategy, m.filter_tag
        ),
        TriggerKind::NotEmulated { trigger_type } => format!("{trigger_type} (not emulated)"),
    };
    let _ = write!(out, "    trigger {}: {detail}", t.name);
    if let Some(q) = &t.qualifier {
        let _ = write!(out, ", qualifier {q}");
    }
    if let Some(r) = &t.invocation_role {
        let _ = write!(out, ", role {r}");
    }
    let _ = writeln!(out);
}

/// How `[service/]function` lookups resolve in this app.
fn write_lookups(out: &mut String, app: &App) {
    if let Some((s, f)) = app.first_function() {
        let _ = writeln!(out, "first function: {}/{}", s.name, f.name);
    }
    let mut seen = std::collections::BTreeSet::new();
    for (_, f) in app.functions() {
        if !seen.insert(f.name.as_str()) {
            continue;
        }
        let found = match app.find_function(f.name.as_str()) {
            Ok((s, f)) => format!("{}/{}", s.name, f.name),
            Err(e) => format!("error: {e}"),
        };
        let _ = writeln!(out, "lookup {}: {found}", f.name);
    }
}
