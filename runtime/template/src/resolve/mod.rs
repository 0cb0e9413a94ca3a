//! The template tree → the resolved [`App`]: the root, the `Resources` dispatch and the
//! checks that span resources. Each resource kind has its own module.

pub(crate) mod code_uri;
pub(crate) mod configs;
pub(crate) mod env;
mod function;
pub(crate) mod function_props;
pub(crate) mod props;
mod resources;
mod service;
pub(crate) mod trigger_props;
mod triggers;

use std::path::Path;

use crate::diagnostics::{Diags, Pos};
use crate::model::{App, LogConfig, ProjectFormat};
use crate::yaml::{Entry, Mapping, Node};
use props::{Props, did_you_mean, did_you_mean_type, suggest, unknown_key};

/// The `Transform` fclocal understands.
const TRANSFORM: &str = "Aliyun::Serverless-2018-04-03";
/// The only `ROSTemplateFormatVersion` fun's schema allows.
const FORMAT_VERSION: &str = "2015-09-01";

pub(crate) const SERVICE: &str = "Aliyun::Serverless::Service";
pub(crate) const FUNCTION: &str = "Aliyun::Serverless::Function";
pub(crate) const LOG: &str = "Aliyun::Serverless::Log";
pub(crate) const LOGSTORE: &str = "Aliyun::Serverless::Log::Logstore";
pub(crate) const MNS_TOPIC: &str = "Aliyun::Serverless::MNSTopic";
pub(crate) const TABLE_STORE: &str = "Aliyun::Serverless::TableStore";
pub(crate) const TABLE: &str = "Aliyun::Serverless::TableStore::Table";
const CUSTOM_DOMAIN: &str = "Aliyun::Serverless::CustomDomain";
const API: &str = "Aliyun::Serverless::Api";
const FLOW: &str = "Aliyun::Serverless::Flow";

/// Top-level resource types, as fun's `ros.js` lists them.
const TOP_LEVEL_TYPES: [&str; 7] = [
    SERVICE,
    LOG,
    MNS_TOPIC,
    CUSTOM_DOMAIN,
    API,
    TABLE_STORE,
    FLOW,
];

/// Resolves a parsed template. Problems go to `d`; the returned app holds whatever was
/// valid and is only handed out when `d` has no errors.
pub(crate) fn resolve(root: &Node, template_path: &Path, base_dir: &Path, d: &mut Diags) -> App {
    let mut app = App::empty(ProjectFormat::FunTemplate, template_path, base_dir);
    let Some(map) = root.as_map() else {
        d.error(
            root.pos,
            format!(
                "a template must be a mapping with `ROSTemplateFormatVersion`, `Transform` and `Resources`, found {}",
                root.kind()
            ),
        );
        return app;
    };
    let ctx = "template";
    let top = Props::new(map, Pos::START, ctx);
    top.check_known(
        &[
            "ROSTemplateFormatVersion",
            "Transform",
            "Resources",
            "Parameters",
        ],
        d,
    );
    if let Some(version) = top.required_string(
        "ROSTemplateFormatVersion",
        &format!(" (write `ROSTemplateFormatVersion: '{FORMAT_VERSION}'`)"),
        d,
    ) && version != FORMAT_VERSION
        && let Some(node) = top.get("ROSTemplateFormatVersion")
    {
        d.error(
            node.pos,
            format!(
                "{ctx}: `ROSTemplateFormatVersion` must be '{FORMAT_VERSION}', found '{version}'"
            ),
        );
    }
    if let Some(transform) = top.required_string(
        "Transform",
        &format!(" (write `Transform: '{TRANSFORM}'`)"),
        d,
    ) && transform != TRANSFORM
        && let Some(node) = top.get("Transform")
    {
        d.error(
            node.pos,
            format!(
                "{ctx}: unsupported Transform '{transform}'; fclocal reads Function Compute templates with `Transform: '{TRANSFORM}'`"
            ),
        );
    }
    if let Some(entry) = top.entry("Parameters") {
        d.warning(
            entry.key_pos,
            "template: `Parameters` are not substituted by fclocal; values that refer to them are read as written",
        );
    }
    if let Some(resources) = top.required("Resources", "", d)
        && let Some(resources) = props::expect_mapping(resources, "Resources", ctx, d)
    {
        for entry in &resources.entries {
            resource(entry, base_dir, &mut app, d);
        }
    }
    check_log_configs(&app, map, d);
    app
}

/// Dispatches one entry of `Resources` on its `Type`.
fn resource(entry: &Entry, base_dir: &Path, app: &mut App, d: &mut Diags) {
    let name = &entry.key;
    let ctx = format!("resource `{name}`");
    let Some(map) = entry.value.as_map() else {
        d.error(
            entry.value.pos,
            format!(
                "{ctx}: a resource must be a mapping with `Type` and `Properties`, found {}",
                entry.value.kind()
            ),
        );
        return;
    };
    let Some(type_node) = map.get("Type").map(|e| &e.value) else {
        d.error(
            entry.key_pos,
            format!(
                "{ctx}: missing `Type`; expected one of: {}",
                TOP_LEVEL_TYPES.join(", ")
            ),
        );
        return;
    };
    let Some(type_name) = props::string(type_node, "Type", &ctx, d) else {
        return;
    };
    if type_name != SERVICE
        && let Some(reason) = resource_key_problem(name)
    {
        d.error(
            entry.key_pos,
            format!("invalid resource name `{name}`: {reason}"),
        );
    }
    match type_name.as_str() {
        SERVICE => {
            if let Some(service) = service::resolve(entry, map, base_dir, d) {
                app.services.push(service);
            }
        }
        LOG => {
            if let Some(project) = resources::log_project(entry, map, d) {
                app.log_projects.push(project);
            }
        }
        MNS_TOPIC => {
            if let Some(topic) = resources::mns_topic(entry, map, d) {
                app.mns_topics.push(topic);
            }
        }
        CUSTOM_DOMAIN | API | TABLE_STORE | FLOW => {
            resources::not_emulated(entry, map, &type_name, d);
        }
        FUNCTION | LOGSTORE | TABLE => {
            let parent = match type_name.as_str() {
                FUNCTION => SERVICE,
                LOGSTORE => LOG,
                _ => TABLE_STORE,
            };
            d.error(
                type_node.pos,
                format!("{ctx}: `{type_name}` resources must be nested under an `{parent}` resource, beside its `Type` and `Properties`"),
            );
        }
        other if other.starts_with("ALIYUN::") => {
            d.warning(
                type_node.pos,
                format!("{ctx}: ROS resource type `{other}` is not emulated by fclocal; it is ignored locally"),
            );
        }
        other => {
            d.error(
                type_node.pos,
                format!(
                    "{ctx}: unknown resource type `{other}`; known types: {}{}",
                    TOP_LEVEL_TYPES.join(", "),
                    did_you_mean_type(other, &TOP_LEVEL_TYPES)
                ),
            );
        }
    }
}

/// Splits the keys of a resource that holds children (a service's functions, a log
/// project's logstores) into the candidates for children, reporting keys that are neither
/// its own (`own`) nor children. `props_known` are the resource's properties, so a
/// property written beside `Type` instead of under `Properties` gets a precise message.
pub(crate) fn child_entries<'a>(
    map: &'a Mapping,
    ctx: &str,
    own: &[&str],
    props_known: &[&str],
    child_type: &str,
    d: &mut Diags,
) -> Vec<&'a Entry> {
    let mut children = Vec::new();
    for entry in &map.entries {
        let key = entry.key.as_str();
        if own.contains(&key) {
            continue;
        }
        let is_child = entry
            .value
            .as_map()
            .is_some_and(|m| m.get("Type").is_some());
        if is_child {
            children.push(entry);
        } else if props_known.contains(&key) {
            d.error(
                entry.key_pos,
                format!("{ctx}: `{key}` belongs under `Properties`"),
            );
        } else if suggest(key, own).is_some() || entry.value.as_map().is_none() {
            let mut message = unknown_key(ctx, key, own);
            if suggest(key, own).is_none() {
                message.push_str(&format!(
                    " (or a child resource: a mapping with `Type: {child_type}`)"
                ));
            }
            d.error(entry.key_pos, message);
        } else {
            // A mapping without `Type`: most likely a child that forgot it.
            children.push(entry);
        }
    }
    children
}

/// Warns when a service's `LogConfig` names a project or logstore the template does not
/// declare: fclocal creates it locally with defaults, but a typo would send logs astray.
fn check_log_configs(app: &App, root: &Mapping, d: &mut Diags) {
    for service in &app.services {
        let Some(LogConfig::Store {
            project, logstore, ..
        }) = &service.log_config
        else {
            continue;
        };
        let pos = log_config_pos(root, service.name.as_str()).unwrap_or(Pos::START);
        let ctx = format!("service `{}`", service.name);
        match app.log_projects.iter().find(|p| &p.name == project) {
            None => {
                let declared: Vec<&str> =
                    app.log_projects.iter().map(|p| p.name.as_str()).collect();
                d.warning(
                    pos,
                    format!(
                        "{ctx}: LogConfig project `{project}` is not declared in this template{}; fclocal creates it locally with default settings",
                        did_you_mean(project, &declared)
                    ),
                );
            }
            Some(p) if !p.logstores.iter().any(|s| &s.name == logstore) => {
                let declared: Vec<&str> = p.logstores.iter().map(|s| s.name.as_str()).collect();
                d.warning(
                    pos,
                    format!(
                        "{ctx}: LogConfig logstore `{logstore}` is not declared under log project `{project}`{}; fclocal creates it locally with default settings",
                        did_you_mean(logstore, &declared)
                    ),
                );
            }
            Some(_) => {}
        }
    }
}

/// Where `Resources.<service>.Properties.LogConfig` is written.
fn log_config_pos(root: &Mapping, service: &str) -> Option<Pos> {
    let resources = root.get("Resources")?.value.as_map()?;
    let props = resources.get(service)?.value.as_map()?.get("Properties")?;
    Some(props.value.as_map()?.get("LogConfig")?.value.pos)
}

/// fun `ros.js` resource keys: `^[a-zA-Z_][a-zA-Z.0-9_-]{0,127}$`. (Services are checked
/// by [`crate::names::ServiceName`] instead.)
fn resource_key_problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    match chars.next() {
        None => return Some("it is empty".into()),
        Some(c) if !(c.is_ascii_alphabetic() || c == '_') => {
            return Some(format!("it must start with a letter or `_`, not `{c}`"));
        }
        Some(_) => {}
    }
    if let Some(c) = chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        return Some(format!(
            "it may contain only letters, digits, `.`, `_` and `-`, not `{c}`"
        ));
    }
    if name.len() > 128 {
        return Some("it is longer than 128 characters".into());
    }
    None
}
