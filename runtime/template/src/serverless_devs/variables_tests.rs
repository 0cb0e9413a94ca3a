//! Variable resolution, with an injected environment (the process environment is
//! never read or changed).

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::yaml;

fn sources(env: &[(&str, &str)]) -> VariableSources {
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    VariableSources::with_dotenv(env, "")
}

/// Resolves the props of resource `r` (edition 3) or service `r` (edition 1) and
/// returns them as JSON, plus every error rendered.
fn resolve_in(
    src: &str,
    edition: Edition,
    sources: &VariableSources,
) -> (serde_json::Value, Vec<String>) {
    let mut d = Diags::new(Path::new("s.yaml"));
    let root = yaml::parse(src, &mut d).expect("valid YAML");
    let map = root.as_map().expect("a mapping");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("note.txt"), "from a file").unwrap();
    let resolver = Resolver::new(map, edition, sources, dir.path());
    let key = match edition {
        Edition::V3 => "resources",
        Edition::V1 => "services",
    };
    let resource = map
        .get(key)
        .unwrap()
        .value
        .as_map()
        .unwrap()
        .get("r")
        .unwrap();
    let props = &resource.value.as_map().unwrap().get("props").unwrap().value;
    let out = resolver.resolve(props, Some(resource), &mut d);
    let (errors, _) = d.finish();
    (
        out.to_json(),
        errors.iter().map(ToString::to_string).collect(),
    )
}

fn resolve3(src: &str, env: &[(&str, &str)]) -> (serde_json::Value, Vec<String>) {
    resolve_in(src, Edition::V3, &sources(env))
}

#[test]
fn vars_keep_their_type_alone_and_become_text_inside_strings() {
    let (out, errors) = resolve3(
        "vars:\n  region: cn-shanghai\n  memory: 256\n  svc: {name: s, internet: true}\n  list: [a, b]\n\
         resources:\n  r:\n    props:\n      region: ${vars.region}\n      memorySize: ${vars.memory}\n\
         \x20     service: ${vars.svc}\n      name: fn-${vars.region}-${vars.memory}-${vars.svc.internet}\n\
         \x20     second: ${vars.list[1]}\n      dotted: ${vars.list.0}\n      quoted: ${vars['region']}\n",
        &[],
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        out,
        serde_json::json!({
            "region": "cn-shanghai",
            "memorySize": 256,
            "service": {"name": "s", "internet": true},
            "name": "fn-cn-shanghai-256-true",
            "second": "b",
            "dotted": "a",
            "quoted": "cn-shanghai",
        })
    );
}

#[test]
fn env_reads_the_injected_environment_with_defaults_and_both_spellings() {
    let (out, errors) = resolve3(
        "resources:\n  r:\n    props:\n      a: ${env('REGION')}\n      b: ${env(REGION)}\n      c: ${env(\"REGION\")}\n\
         \x20     d: ${env('MISSING', 'fallback')}\n      e: ${env('EMPTY', 'used')}\n      f: x-${ env('REGION') }-y\n",
        &[("REGION", "cn-beijing"), ("EMPTY", "")],
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        out,
        serde_json::json!({"a": "cn-beijing", "b": "cn-beijing", "c": "cn-beijing", "d": "fallback", "e": "used", "f": "x-cn-beijing-y"})
    );
}

#[test]
fn an_unset_environment_variable_is_an_error_naming_it_once() {
    let (_, errors) = resolve3(
        "resources:\n  r:\n    props:\n      a: ${env('DB_URL')}\n",
        &[],
    );
    assert_eq!(
        errors,
        [
            "s.yaml:4:10: error: cannot resolve `${env('DB_URL')}`: environment variable `DB_URL` is not set \
          (nor in a `.env` file beside the project file); set it, or give a default: `${env('DB_URL', 'value')}`"
        ]
    );
}

#[test]
fn dotenv_fills_in_what_the_environment_lacks() {
    let sources = VariableSources::with_dotenv(
        BTreeMap::from([("A".to_owned(), "from-env".to_owned())]),
        "# comment\nA=from-dotenv\nexport B='quoted value'\nC=\"double\"\nD=plain # trailing\n\nnot a line\n",
    );
    assert_eq!(sources.env["A"], "from-env");
    assert_eq!(sources.env["B"], "quoted value");
    assert_eq!(sources.env["C"], "double");
    assert_eq!(sources.env["D"], "plain");
    assert_eq!(sources.account_id, DEFAULT_ACCOUNT_ID);
    let with_id = VariableSources::with_dotenv(BTreeMap::new(), "FCLOCAL_ACCOUNT_ID=42\n");
    assert_eq!(with_id.account_id, "42");
}

#[test]
fn this_and_other_resources_resolve_through_their_own_variables() {
    let (out, errors) = resolve3(
        "access: default\nvars:\n  prefix: demo\n\
         resources:\n  other:\n    props:\n      functionName: ${vars.prefix}-jobs\n      code: ./jobs\n\
         \x20 r:\n    access: mine\n    props:\n      functionName: ${vars.prefix}-api\n\
         \x20     peer: ${resources.other.props.functionName}\n      me: ${this.props.functionName}\n\
         \x20     name: ${this.name}\n      access: ${this.access}\n      account: ${config('AccountID')}\n\
         \x20     file: ${file('./note.txt')}\n",
        &[("FCLOCAL_ACCOUNT_ID", "555")],
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        out,
        serde_json::json!({
            "functionName": "demo-api",
            "peer": "demo-jobs",
            "me": "demo-api",
            "name": "r",
            "access": "mine",
            "account": "555",
            "file": "from a file",
        })
    );
}

#[test]
fn edition_1_names_other_services_without_a_prefix() {
    let (out, errors) = resolve_in(
        "services:\n  base:\n    props:\n      service: {name: shared}\n  r:\n    props:\n      service: ${base.props.service}\n\
         \x20     label: ${base.props.service.name}\n",
        Edition::V1,
        &sources(&[]),
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        out,
        serde_json::json!({"service": {"name": "shared"}, "label": "shared"})
    );
}

#[test]
fn unresolvable_variables_are_errors_naming_them() {
    let (_, errors) = resolve3(
        "vars:\n  region: cn-hangzhou\nresources:\n  other:\n    props: {}\n  r:\n    props:\n\
         \x20     a: ${vars.regoin}\n      b: ${resources.other.output.url}\n      c: ${resources.nope.props.x}\n\
         \x20     d: ${config('AccessKeyID')}\n      e: ${json(file('x'))}\n      f: ${other.props.x}\n\
         \x20     g: text ${vars.region} and ${vars} more\n",
        &[],
    );
    assert_eq!(
        errors,
        [
            "s.yaml:8:10: error: cannot resolve `${vars.regoin}`: `vars` has no `regoin`; did you mean `region`?",
            "s.yaml:9:10: error: cannot resolve `${resources.other.output.url}`: `resources.other.output` is what \
             `s deploy` of resource `other` returns from the cloud, which fclocal never contacts; write the value \
             itself, or a `${vars.…}` or `${env('…')}` it can resolve",
            "s.yaml:10:10: error: cannot resolve `${resources.nope.props.x}`: no resource `nope` in this file (it has other, r)",
            "s.yaml:11:10: error: cannot resolve `${config('AccessKeyID')}`: `config('AccessKeyID')` reads the \
             credentials `s config` keeps, which fclocal does not use; only `config('AccountID')` resolves locally \
             (to FCLOCAL_ACCOUNT_ID, or 1234567890); write the value, or use `${env('ACCESSKEYID')}`",
            "s.yaml:12:10: error: cannot resolve `${json(file('x'))}`: fclocal evaluates a single call such as `env('X')`, not a longer expression",
            "s.yaml:13:10: error: cannot resolve `${other.props.x}`: unknown variable `other`; edition 3.0.0 variables \
             are vars.…, this.…, resources.<name>.props.…, env('X'), config('AccountID'), path('…') and file('…')",
            "s.yaml:14:10: error: cannot resolve `${vars}`: it is a mapping, which cannot be part of a longer string; \
             write `${…}` alone as the whole value",
        ]
    );
}

#[test]
fn a_failure_inside_a_referenced_value_is_reported_where_it_is_written() {
    let (_, errors) = resolve3(
        "vars:\n  db: ${env('DB')}\nresources:\n  r:\n    props:\n      a: ${vars.db}\n      b: url-${vars.db}\n",
        &[],
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("s.yaml:2:7: error: cannot resolve `${env('DB')}`"),
        "{errors:?}"
    );
}

#[test]
fn cycles_stop_with_an_error() {
    let (_, errors) = resolve3(
        "vars:\n  a: ${vars.b}\n  b: ${vars.a}\nresources:\n  r:\n    props:\n      x: ${vars.a}\n",
        &[],
    );
    assert!(!errors.is_empty());
    assert!(
        errors
            .iter()
            .any(|e| e.contains("more than 16 levels deep")),
        "{errors:?}"
    );
}

#[test]
fn text_without_variables_and_unclosed_braces_stay_as_written() {
    assert_eq!(split("plain"), vec![Piece::Text("plain".into())]);
    assert_eq!(split("a ${b"), vec![Piece::Text("a ${b".into())]);
    assert_eq!(
        split("${a}-${ b }"),
        vec![
            Piece::Expr("a".into()),
            Piece::Text("-".into()),
            Piece::Expr("b".into())
        ]
    );
    assert_eq!(
        parse_expr("env('X', 'd')"),
        Ok(Expr::Call {
            name: "env".into(),
            args: vec!["X".into(), "d".into()]
        })
    );
    assert_eq!(
        parse_expr("resources.a-b.props.list[2]"),
        Ok(Expr::Path(vec![
            "resources".into(),
            "a-b".into(),
            "props".into(),
            "list".into(),
            "2".into()
        ]))
    );
    assert!(parse_expr("a + b").is_err());
}
