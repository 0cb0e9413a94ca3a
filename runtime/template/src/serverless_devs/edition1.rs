//! `edition: 1.0.0`: each `component: fc` resource deploys an FC 2.0 `service`,
//! optionally one `function` in it with its `triggers`, and `customDomains`
//! (devsapp/fc `docs/en/yaml/{readme,service,function,triggers}.md`). They map one to
//! one onto `template.yml`'s service, function and events; resources naming the
//! same service add their functions to it. Defaults are FC 2.0's (devsapp/fc
//! `set-default-value.ts`: `memorySize` 128, `timeout` 3).

use std::path::Path;

use super::function::{self, not_emulated};
use super::triggers;
use super::variables::{Edition, Resolver};
use super::{actions_not_run, add_topics, component_name, merge_into};
use crate::diagnostics::Diags;
use crate::model::{App, Function, MnsTopic, Service};
use crate::names::{FunctionName, ServiceName};
use crate::resolve::configs::{self, Configs};
use crate::resolve::props::{Props, did_you_mean, expect_list, expect_mapping, narrow};
use crate::resolve::{env, function_props};
use crate::yaml::{Entry, Mapping};

/// The keys of a resource itself.
const OWN_KEYS: [&str; 4] = ["component", "props", "actions", "access"];

/// `props` of an `fc` resource.
const PROPS: [&str; 5] = ["region", "service", "function", "triggers", "customDomains"];

/// `service` properties.
const SERVICE: [&str; 10] = [
    "name",
    "description",
    "internetAccess",
    "role",
    "logConfig",
    "vpcConfig",
    "nasConfig",
    "tracingConfig",
    "vpcBinding",
    "ossMountConfig",
];

/// `function` properties.
const FUNCTION: [&str; 25] = [
    "name",
    "description",
    "codeUri",
    "ossBucket",
    "ossKey",
    "handler",
    "memorySize",
    "runtime",
    "timeout",
    "caPort",
    "cpu",
    "diskSize",
    "customContainerConfig",
    "environmentVariables",
    "initializationTimeout",
    "initializer",
    "instanceConcurrency",
    "instanceType",
    "gpuMemorySize",
    "layers",
    "instanceLifecycleConfig",
    "asyncConfiguration",
    "customDNS",
    "customRuntimeConfig",
    "customHealthCheckConfig",
];

const DEFAULT_MEMORY: u32 = 128;

pub(super) fn resolve(
    resources: &Mapping,
    resolver: &Resolver<'_>,
    base_dir: &Path,
    app: &mut App,
    d: &mut Diags,
) {
    for entry in resources.entries.iter() {
        let Some((service, topics)) = resource(entry, resolver, base_dir, d) else {
            continue;
        };
        let pos = entry.key_pos;
        let duplicate = service.functions.iter().find_map(|f| {
            app.services
                .iter()
                .find(|s| s.name == service.name)
                .and_then(|s| s.function(f.name.as_str()))
                .map(|_| f.name.to_string())
        });
        if let Some(function) = duplicate {
            d.error(
                pos,
                format!(
                    "resource `{}`: function `{}/{function}` is already declared by another resource",
                    entry.key, service.name
                ),
            );
            continue;
        }
        if let Err(message) = merge_into(&mut app.services, service) {
            d.error(pos, format!("resource `{}`: {message}", entry.key));
        }
        add_topics(app, topics);
    }
}

fn resource(
    entry: &Entry,
    resolver: &Resolver<'_>,
    base_dir: &Path,
    d: &mut Diags,
) -> Option<(Service, Vec<MnsTopic>)> {
    let ctx = format!("resource `{}`", entry.key);
    let map = expect_mapping(&entry.value, &entry.key, "services", d)?;
    let own = Props::new(map, entry.key_pos, &ctx);
    own.check_known(&OWN_KEYS, d);
    let component = own.required_string("component", " (`component: fc` for a service)", d)?;
    let component_pos = own.get("component").map_or(entry.key_pos, |n| n.pos);
    match component_name(&component) {
        "fc" | "fc-deploy" => {}
        "fc3" => {
            d.error(
                component_pos,
                format!(
                    "{ctx}: `component: {component}` is the FC 3.0 component, for `edition: 3.0.0` files (with `resources:`); \
                     an edition 1.0.0 service uses `component: fc`"
                ),
            );
            return None;
        }
        other => {
            d.warning(
                component_pos,
                format!(
                    "{ctx}: component `{component}` is not emulated by fclocal; the resource is skipped \
                     (fclocal runs `fc` services and functions only{})",
                    did_you_mean(other, &["fc"])
                ),
            );
            return None;
        }
    }
    actions_not_run(&own, d);
    let props_entry =
        own.required_entry("props", " (with `region`, `service` and `function`)", d)?;
    let props = resolver.resolve(&props_entry.value, Some(entry), d);
    let pm = expect_mapping(&props, "props", &ctx, d)?;
    let p = Props::new(pm, props_entry.key_pos, &ctx);
    p.check_known(&PROPS, d);
    p.required_string("region", "", d);
    let service_entry = p.required_entry("service", " (with at least `name`)", d);
    let service = service_entry.and_then(|e| service(e, &ctx, d));
    let service_ctx = match &service {
        Some(s) => format!("service `{}`", s.name),
        None => ctx.clone(),
    };
    let function = p
        .entry("function")
        .and_then(|e| function(e, &service_ctx, base_dir, d));
    let (triggers, topics) = match (p.entry("triggers"), p.entry("function")) {
        (Some(t), Some(_)) => {
            let fn_ctx = match (&service, &function) {
                (Some(s), Some(f)) => format!("function `{}/{}`", s.name, f.name),
                _ => ctx.clone(),
            };
            triggers::resolve(t, Edition::V1, &fn_ctx, d)
        }
        (Some(t), None) => {
            d.error(
                t.key_pos,
                format!("{ctx}: `triggers` need a `function` to invoke"),
            );
            Default::default()
        }
        (None, _) => Default::default(),
    };
    if let Some(e) = p.entry("customDomains")
        && expect_list(&e.value, "customDomains", &ctx, d).is_some()
    {
        d.warning(
            e.key_pos,
            format!("{ctx}: `customDomains` are not emulated by fclocal; functions are served at their trigger URLs"),
        );
    }
    let mut service = service?;
    if let Some(mut function) = function {
        function.triggers = triggers;
        service.functions.push(function);
    } else if p.entry("function").is_some() {
        return None;
    }
    Some((service, topics))
}

/// `service`: a service without functions yet.
fn service(entry: &Entry, ctx: &str, d: &mut Diags) -> Option<Service> {
    let map = expect_mapping(&entry.value, "service", ctx, d)?;
    let name_text =
        Props::new(map, entry.key_pos, &format!("{ctx} service")).required_string("name", "", d);
    let ctx = match &name_text {
        Some(name) => format!("service `{name}`"),
        None => format!("{ctx} service"),
    };
    let p = Props::new(map, entry.key_pos, &ctx);
    p.check_known(&SERVICE, d);
    let name = name_text.and_then(|n| {
        ServiceName::try_from(n.as_str())
            .map_err(|e| {
                if let Some(node) = p.get("name") {
                    d.error(node.pos, e.to_string());
                }
            })
            .ok()
    });
    let role = match p.get("role") {
        // `{name, policies}`: a role the component creates; locally only a label.
        Some(node) if node.as_map().is_some() => node
            .to_json()
            .get("name")
            .and_then(|n| n.as_str())
            .map(str::to_owned),
        _ => p.string("role", d),
    };
    let internet_access = p.boolean("internetAccess", d);
    let Configs {
        log_config,
        vpc_config,
        nas_config,
    } = configs::resolve(&p, &function::CONFIGS, d);
    let tracing_config = p.one_of("tracingConfig", &["Enable", "Disable"], d);
    let description = p.string("description", d);
    not_emulated(
        &p,
        &[
            ("vpcBinding", "invocation only from given VPCs"),
            ("ossMountConfig", "OSS buckets mounted as folders"),
        ],
        d,
    );
    Some(Service {
        name: name?,
        description,
        role,
        policies: None,
        internet_access,
        log_config,
        vpc_config,
        nas_config,
        tracing_config,
        functions: Vec::new(),
    })
}

/// `function`, without its triggers (they sit beside it in `props`).
fn function(entry: &Entry, service_ctx: &str, base_dir: &Path, d: &mut Diags) -> Option<Function> {
    let map = expect_mapping(&entry.value, "function", service_ctx, d)?;
    let name_text = Props::new(map, entry.key_pos, service_ctx).required_string("name", "", d);
    let ctx = match &name_text {
        Some(name) => format!("{} function `{name}`", service_ctx),
        None => format!("{service_ctx} function"),
    };
    let p = Props::new(map, entry.key_pos, &ctx);
    p.check_known(&FUNCTION, d);
    let name = name_text.and_then(|n| {
        FunctionName::try_from(n.as_str())
            .map_err(|e| {
                if let Some(node) = p.get("name") {
                    d.error(node.pos, format!("{service_ctx}: {e}"));
                }
            })
            .ok()
    });
    let runtime = function::runtime(&p, d);
    let code = match (p.get("codeUri"), p.get("ossBucket")) {
        (Some(node), _) => p.string("codeUri", d).map(|s| (s, node.pos)),
        (None, Some(node)) => {
            d.error(
                node.pos,
                format!("{ctx}: code in OSS (`ossBucket`/`ossKey`) cannot run locally; write `codeUri: ./folder` (the local code)"),
            );
            None
        }
        (None, None) => {
            p.required("codeUri", " (the folder holding the code; for a WebAssembly component, the crate that builds it or the folder holding the `.wasm`)", d);
            None
        }
    };
    let handler_and_code = function::handler_and_code(&p, runtime.as_ref(), code, base_dir, d);
    let description = p.string("description", d);
    let timeout_secs = function::timeout(&p, d);
    let memory_size_mb = function::memory(&p, DEFAULT_MEMORY, d);
    function::cpu_and_disk(&p, d);
    let initializer = p.string("initializer", d);
    let initialization_timeout_secs = p
        .integer("initializationTimeout", 1..=300, "seconds", d)
        .map_or(3, narrow);
    let instance_concurrency = p
        .integer("instanceConcurrency", 1..=100, "", d)
        .map_or(1, narrow);
    let instance_type = p.string("instanceType", d);
    let ca_port = p.integer("caPort", 1..=65_535, "", d).map(narrow);
    let environment = p
        .entry("environmentVariables")
        .map(|e| env::resolve(e, &ctx, d))
        .unwrap_or_default();
    for key in [
        "customRuntimeConfig",
        "customContainerConfig",
        "customDNS",
        "customHealthCheckConfig",
    ] {
        p.mapping(key, d);
    }
    function_props::layers(&p, "layers", d);
    not_emulated(
        &p,
        &[
            ("instanceLifecycleConfig", "preFreeze and preStop hooks"),
            (
                "asyncConfiguration",
                "destinations and retries of asynchronous invocations",
            ),
            ("customDNS", "DNS settings"),
            ("gpuMemorySize", "GPU instances"),
        ],
        d,
    );
    let (handler, code) = handler_and_code?;
    Some(Function {
        name: name?,
        handler,
        runtime: runtime?,
        code,
        description,
        timeout_secs,
        memory_size_mb,
        initializer,
        initialization_timeout_secs,
        environment,
        instance_concurrency,
        instance_type,
        ca_port,
        triggers: Vec::new(),
    })
}
