//! Serverless Devs `s.yaml`: fclocal's second project format, read into the same
//! [`App`] as `template.yml`, so builds, instances, limits, logs, timers and the FC
//! APIs work on it unchanged.
//!
//! Two editions (Serverless-Devs `docs/en/yaml.md`; toolkit `parse-spec`: edition
//! `3.0.0` lists `resources`, anything else `services`):
//! - `edition: 3.0.0` with `component: fc3` (FC 3.0, devsapp/fc3 `src/schema.json`):
//!   every resource is one function. FC 3.0 has no services, and fclocal's model
//!   does, so **each function becomes a service of its own, named after the
//!   function** (`hello` → `hello/hello`): FC 3.0 addresses a function by its
//!   name alone, which `fclocal invoke hello` and the FC 3.0 API keep doing, and
//!   what FC 2.0 kept per service (log project, internet access, role, VPC, NAS)
//!   is per function in FC 3.0, so it lands on that one service unchanged. A
//!   `functionName` of the form `service$function` — how FC 3.0 shows FC 2.0
//!   functions, and what `s cli fc3 s2tos3` writes when it migrates an edition-1
//!   project — becomes that service and function again, so a migrated project
//!   keeps its old `service/function` names (functions sharing a service must
//!   agree on the service's settings).
//! - `edition: 1.0.0` with `component: fc` (FC 2.0, devsapp/fc `docs/en/yaml`):
//!   `service`, `function`, `triggers`, `customDomains` map one to one onto
//!   `template.yml`'s services, functions and events; resources naming the same
//!   service add their functions to it.
//!
//! Variables (`${vars.x}`, `${env('X')}`, …) are resolved first, as `s` does
//! ([`variables`]); then each resource's `props` are checked like `template.yml`'s
//! properties (unknown keys with "did you mean", required keys, ranges), with every
//! problem reported at its `file:line:column`.
//!
//! # Layout
//!
//! - `mod.rs`: telling the formats apart, the top-level keys and the editions.
//! - `variables.rs`: `${…}` resolution over the position-carrying tree.
//! - `edition3.rs`: an fc3 resource → a service with one function.
//! - `edition1.rs`: an fc resource → a service (merged by name) and its function.
//! - `function.rs`: what both editions share: runtime, handler and code, limits,
//!   `logConfig`, `vpcConfig`, `nasConfig`.
//! - `triggers.rs`: the `triggers` list of both editions.

mod edition1;
mod edition3;
mod function;
mod triggers;
pub(crate) mod variables;

use std::path::Path;

use crate::diagnostics::{Diags, Pos};
use crate::model::{App, MnsTopic, ProjectFormat, Service};
use crate::resolve::props::{Props, did_you_mean};
use crate::yaml::{Mapping, Node, Value};
use variables::{Edition, Resolver, VariableSources};

/// Top-level keys of an edition-3 file (Serverless-Devs `docs/zh/yaml.md`;
/// `template` holds the bases `extend` inherits from).
const KEYS_V3: [&str; 8] = [
    "edition",
    "name",
    "access",
    "vars",
    "actions",
    "resources",
    "template",
    "flow",
];
/// Top-level keys of an edition-1 file.
const KEYS_V1: [&str; 6] = ["edition", "name", "access", "vars", "actions", "services"];

/// Whether `root` (the parsed file `file`) is a Serverless Devs project rather than
/// a fun template: it has `edition`, or, when it has neither format's keys, its
/// file name is Serverless Devs' (`s.yaml`, `s.yml`, `s-prod.yaml`…), so its
/// problems are explained in `s.yaml`'s terms.
pub(crate) fn is_serverless_devs(root: Option<&Node>, file: &Path) -> bool {
    if let Some(map) = root.and_then(Node::as_map) {
        if map.get("edition").is_some() {
            return true;
        }
        let fun_keys = ["ROSTemplateFormatVersion", "Transform", "Resources"];
        if fun_keys.iter().any(|k| map.get(k).is_some()) {
            return false;
        }
    }
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"));
    stem.is_some_and(|s| s == "s" || s.starts_with("s-"))
}

/// Resolves a parsed `s.yaml`. Problems go to `d`; the app is only used when `d`
/// holds no errors.
pub(crate) fn resolve(
    root: &Node,
    file: &Path,
    base_dir: &Path,
    sources: &VariableSources,
    d: &mut Diags,
) -> App {
    let mut app = App::empty(ProjectFormat::ServerlessDevs3, file, base_dir);
    let Some(map) = root.as_map() else {
        d.error(
            root.pos,
            format!(
                "an s.yaml must be a mapping with `edition`, `name` and `resources` (edition 3.0.0) or `services` (1.0.0), found {}",
                root.kind()
            ),
        );
        return app;
    };
    let Some(edition) = edition(map, d) else {
        return app;
    };
    let ctx = "s.yaml";
    let top = Props::new(map, Pos::START, ctx);
    let (known, resources_key, other_key) = match edition {
        Edition::V3 => (&KEYS_V3[..], "resources", "services"),
        Edition::V1 => (&KEYS_V1[..], "services", "resources"),
    };
    for entry in &map.entries {
        if entry.key == other_key {
            d.error(
                entry.key_pos,
                format!(
                    "{ctx}: edition {} lists its resources under `{resources_key}`, not `{other_key}`",
                    edition_text(edition)
                ),
            );
        } else if entry.key == "extend" {
            d.error(
                entry.key_pos,
                format!("{ctx}: `extend` (inheriting another project file) is not supported by fclocal; merge that file into this one"),
            );
        } else if !known.contains(&entry.key.as_str()) {
            d.error(
                entry.key_pos,
                crate::resolve::props::unknown_key(ctx, &entry.key, known),
            );
        }
    }
    actions_not_run(&top, d);
    if let Some(entry) = top.entry("flow") {
        d.warning(
            entry.key_pos,
            format!(
                "{ctx}: `flow` (the order `s deploy` deploys resources in) does not apply locally"
            ),
        );
    }
    top.string("name", d);
    let Some(resources) = top
        .required(resources_key, "", d)
        .and_then(|n| crate::resolve::props::expect_mapping(n, resources_key, ctx, d))
    else {
        return app;
    };
    let resolver = Resolver::new(map, edition, sources, base_dir);
    match edition {
        Edition::V3 => {
            let templates = top.get("template").and_then(Node::as_map);
            edition3::resolve(resources, templates, &resolver, base_dir, &mut app, d);
        }
        Edition::V1 => {
            app.source = ProjectFormat::ServerlessDevs1;
            edition1::resolve(resources, &resolver, base_dir, &mut app, d);
        }
    }
    app
}

fn edition_text(edition: Edition) -> &'static str {
    match edition {
        Edition::V3 => "3.0.0",
        Edition::V1 => "1.0.0",
    }
}

/// `edition`: `3.0.0` or `1.0.0`.
fn edition(map: &Mapping, d: &mut Diags) -> Option<Edition> {
    const HINT: &str = "write `edition: 3.0.0` (resources with `component: fc3`) or `edition: 1.0.0` (services with `component: fc`)";
    let Some(entry) = map.get("edition") else {
        d.error(
            Pos::START,
            format!("s.yaml: missing required property `edition`; {HINT}"),
        );
        return None;
    };
    let Value::Str(text) = &entry.value.value else {
        d.error(
            entry.value.pos,
            format!(
                "s.yaml: `edition` must be the version string `3.0.0` or `1.0.0`, found {}; {HINT}",
                entry.value.kind()
            ),
        );
        return None;
    };
    match text.as_str() {
        "3.0.0" => Some(Edition::V3),
        "1.0.0" => Some(Edition::V1),
        other => {
            d.error(
                entry.value.pos,
                format!(
                    "s.yaml: unsupported edition `{other}`{}; {HINT}",
                    did_you_mean(other, &["3.0.0", "1.0.0"])
                ),
            );
            None
        }
    }
}

/// A resource's `component`, without a version (`fc3@0.1.0`) or the `devsapp/`
/// registry prefix, so `fc3`, `devsapp/fc3` and `fc3@dev` all read as `fc3`.
pub(crate) fn component_name(component: &str) -> &str {
    let name = component.split('@').next().unwrap_or(component);
    name.strip_prefix("devsapp/").unwrap_or(name)
}

/// Warns about `actions` in `p` (the file's or a resource's): they run commands and
/// plugins around `s` commands, which fclocal never runs.
fn actions_not_run(p: &Props<'_>, d: &mut Diags) {
    if let Some(actions) = p.entry("actions") {
        d.warning(
            actions.key_pos,
            format!(
                "{}: `actions` (commands and plugins run around `s` commands) are not run by fclocal",
                p.ctx
            ),
        );
    }
}

/// Adds the MNS topics a resource's triggers subscribe to; resources may share one.
fn add_topics(app: &mut App, topics: Vec<MnsTopic>) {
    for topic in topics {
        if !app.mns_topics.iter().any(|t| t.name == topic.name) {
            app.mns_topics.push(topic);
        }
    }
}

/// Adds `service` to `services`, or its functions to the service of the same name
/// already there. Settings live on the service in fclocal's model, so both must
/// agree on them; otherwise the error says which differ.
pub(crate) fn merge_into(services: &mut Vec<Service>, service: Service) -> Result<(), String> {
    let Some(existing) = services.iter_mut().find(|s| s.name == service.name) else {
        services.push(service);
        return Ok(());
    };
    let differ: Vec<&str> = [
        ("role", existing.role != service.role),
        (
            "internetAccess",
            existing.internet_access != service.internet_access,
        ),
        ("logConfig", existing.log_config != service.log_config),
        ("vpcConfig", existing.vpc_config != service.vpc_config),
        ("nasConfig", existing.nas_config != service.nas_config),
        ("description", existing.description != service.description),
        (
            "tracingConfig",
            existing.tracing_config != service.tracing_config,
        ),
    ]
    .into_iter()
    .filter_map(|(key, differs)| differs.then_some(key))
    .collect();
    if !differ.is_empty() {
        return Err(format!(
            "service `{}` is declared again with a different {}; its functions share one service, \
             so give them the same settings",
            service.name,
            differ.join(", ")
        ));
    }
    existing.functions.extend(service.functions);
    Ok(())
}
