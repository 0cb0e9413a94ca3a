//! `edition: 3.0.0`: each `component: fc3` resource is one FC 3.0 function, read
//! into a service of its own (see the module docs of `serverless_devs` for why).
//! Properties are fc3's `src/schema.json`; defaults are `src/default/config.ts`
//! (`memorySize` 512, `timeout` 3, `instanceConcurrency` 1).

use std::path::Path;

use super::function::{self, not_emulated};
use super::triggers;
use super::variables::{Edition, Resolver};
use super::{actions_not_run, add_topics, component_name, merge_into};
use crate::diagnostics::{Diags, Pos};
use crate::model::{App, Function, MnsTopic, Service};
use crate::names::{FunctionName, ServiceName};
use crate::resolve::configs::{self, Configs};
use crate::resolve::props::{
    Props, did_you_mean, expect_list, expect_mapping, narrow, unknown_key,
};
use crate::resolve::{env, function_props};
use crate::yaml::{Entry, Mapping, Node, Value};

/// fc3's function properties (`schema.json`), plus `customDomain` and `build`, which
/// the component reads beside them.
const PROPS: [&str; 42] = [
    "region",
    "functionName",
    "description",
    "runtime",
    "code",
    "handler",
    "memorySize",
    "timeout",
    "cpu",
    "diskSize",
    "instanceConcurrency",
    "internetAccess",
    "environmentVariables",
    "logConfig",
    "instanceLifecycleConfig",
    "customRuntimeConfig",
    "customContainerConfig",
    "triggers",
    "role",
    "vpcConfig",
    "nasConfig",
    "ossMountConfig",
    "layers",
    "tracingConfig",
    "asyncInvokeConfig",
    "concurrencyConfig",
    "provisionConfig",
    "scalingConfig",
    "gpuConfig",
    "customDNS",
    "vpcBinding",
    "sessionAffinity",
    "sessionAffinityConfig",
    "instanceIsolationMode",
    "enableLongLiving",
    "tags",
    "annotations",
    "resourceGroupId",
    "endpoint",
    "supplement",
    "customDomain",
    "build",
];

/// What the rest of the `PROPS` do in the cloud, for "not emulated" warnings.
const NOT_EMULATED: [(&str, &str); 14] = [
    ("ossMountConfig", "OSS buckets mounted as folders"),
    ("tracingConfig", "tracing"),
    (
        "asyncInvokeConfig",
        "destinations and retries of asynchronous invocations",
    ),
    ("concurrencyConfig", "reserved concurrency"),
    ("provisionConfig", "provisioned instances"),
    ("scalingConfig", "scaling rules"),
    ("gpuConfig", "GPU instances"),
    ("customDNS", "DNS settings"),
    ("vpcBinding", "invocation only from given VPCs"),
    ("sessionAffinity", "session affinity"),
    ("sessionAffinityConfig", "session affinity"),
    ("instanceIsolationMode", "instance isolation"),
    ("enableLongLiving", "long-lived instances"),
    ("customDomain", "a custom domain"),
];

/// The regions fc3's schema lists (`IRegion`).
const REGIONS: [&str; 26] = [
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-7",
    "cn-beijing",
    "cn-chengdu",
    "cn-hangzhou",
    "cn-heyuan-acdr-1",
    "cn-hongkong",
    "cn-huhehaote",
    "cn-qingdao",
    "cn-shanghai",
    "cn-shanghai-cloudspe",
    "cn-shanghai-finance-1",
    "cn-shenzhen",
    "cn-wulanchabu",
    "cn-zhangjiakou",
    "eu-central-1",
    "eu-west-1",
    "me-central-1",
    "us-east-1",
    "us-west-1",
];

/// The keys of a resource itself.
const OWN_KEYS: [&str; 5] = ["component", "props", "actions", "access", "extend"];

/// `fc3`'s defaults (`src/default/config.ts`).
const DEFAULT_MEMORY: u32 = 512;
const DEFAULT_INIT_TIMEOUT: u32 = 3;

pub(super) fn resolve(
    resources: &Mapping,
    templates: Option<&Mapping>,
    resolver: &Resolver<'_>,
    base_dir: &Path,
    app: &mut App,
    d: &mut Diags,
) {
    // (service, function) → the resource that declared it, for duplicate errors.
    let mut declared: Vec<(String, String, String)> = Vec::new();
    for entry in &resources.entries {
        let Some((service, topics, name_pos)) = resource(entry, templates, resolver, base_dir, d)
        else {
            continue;
        };
        let function = &service.functions[0];
        let (s, f) = (service.name.to_string(), function.name.to_string());
        if let Some((_, _, first)) = declared.iter().find(|(ds, df, _)| *ds == s && *df == f) {
            d.error(
                name_pos,
                format!(
                    "resource `{}`: function `{}` is already declared by resource `{first}`; FC 3.0 function names are unique",
                    entry.key,
                    fc3_name(&s, &f)
                ),
            );
            continue;
        }
        declared.push((s, f, entry.key.clone()));
        if let Err(message) = merge_into(&mut app.services, service) {
            d.error(name_pos, format!("resource `{}`: {message}", entry.key));
        }
        add_topics(app, topics);
    }
}

/// FC 3.0's name for a function of service `s`: the function name when they are the
/// same, else `s$f`.
fn fc3_name(s: &str, f: &str) -> String {
    if s == f {
        f.to_owned()
    } else {
        format!("{s}${f}")
    }
}

/// One resource: its service (holding its one function), the MNS topics its
/// triggers use, and where its `functionName` is written.
fn resource(
    entry: &Entry,
    templates: Option<&Mapping>,
    resolver: &Resolver<'_>,
    base_dir: &Path,
    d: &mut Diags,
) -> Option<(Service, Vec<MnsTopic>, Pos)> {
    let ctx = format!("resource `{}`", entry.key);
    let map = expect_mapping(&entry.value, &entry.key, "resources", d)?;
    let own = Props::new(map, entry.key_pos, &ctx);
    own.check_known(&OWN_KEYS, d);
    let component = own.required_string("component", " (`component: fc3` for a function)", d)?;
    let component_pos = own.get("component").map_or(entry.key_pos, |n| n.pos);
    match component_name(&component) {
        "fc3" => {}
        "fc" | "fc-deploy" => {
            d.error(
                component_pos,
                format!(
                    "{ctx}: `component: {component}` is the FC 2.0 component, for `edition: 1.0.0` files; \
                     an edition 3.0.0 resource uses `component: fc3` (`s cli fc3 s2tos3` migrates a project)"
                ),
            );
            return None;
        }
        other => {
            let what = if other == "fc3-domain" {
                "custom domains are not emulated; functions are served at their trigger URLs"
                    .to_owned()
            } else {
                format!(
                    "fclocal runs `fc3` functions only{}",
                    did_you_mean(other, &["fc3"])
                )
            };
            d.warning(
                component_pos,
                format!("{ctx}: component `{component}` is not emulated by fclocal; the resource is skipped ({what})"),
            );
            return None;
        }
    }
    actions_not_run(&own, d);
    let props_entry = own.required_entry(
        "props",
        " (the function: `functionName`, `runtime`, `code`, `handler`, …)",
        d,
    )?;
    let props = match own.entry("extend") {
        Some(extend) => extended(extend, &props_entry.value, templates, &ctx, d)?,
        None => props_entry.value.clone(),
    };
    let props = resolver.resolve(&props, Some(entry), d);
    function(&entry.key, &props, props_entry.key_pos, base_dir, d)
}

/// `extend: {name, ignore}`: the base named in the top-level `template`, minus
/// `ignore`, with this resource's props over it (toolkit `parse-content.ts`, what
/// `s cli fc3 s2tos3` writes for a shared FC 2.0 service).
fn extended(
    extend: &Entry,
    props: &Node,
    templates: Option<&Mapping>,
    ctx: &str,
    d: &mut Diags,
) -> Option<Node> {
    let map = expect_mapping(&extend.value, "extend", ctx, d)?;
    let p = Props::new(map, extend.key_pos, ctx);
    p.check_known(&["name", "ignore"], d);
    let name = p.required_string("name", " (a key of the top-level `template`)", d)?;
    let names: Vec<&str> = templates
        .map(|t| t.entries.iter().map(|e| e.key.as_str()).collect())
        .unwrap_or_default();
    let Some(base) = templates.and_then(|t| t.get(&name)) else {
        let pos = p.get("name").map_or(extend.key_pos, |n| n.pos);
        d.error(
            pos,
            format!(
                "{ctx}: `extend.name` `{name}` is not a key of the top-level `template`{}",
                did_you_mean(&name, &names)
            ),
        );
        return None;
    };
    let ignore: Vec<String> = p
        .get("ignore")
        .and_then(|n| expect_list(n, "ignore", ctx, d))
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.as_str().map(str::to_owned))
        .collect();
    let mut base = base.value.clone();
    if let Value::Map(m) = &mut base.value {
        m.entries.retain(|e| !ignore.contains(&e.key));
    }
    Some(deep_merge(base, props))
}

/// `over` on top of `base`: mappings merge key by key, anything else is replaced.
fn deep_merge(base: Node, over: &Node) -> Node {
    match (base.value, &over.value) {
        (Value::Map(mut base_map), Value::Map(over_map)) => {
            for entry in &over_map.entries {
                match base_map.entries.iter_mut().find(|e| e.key == entry.key) {
                    Some(existing) => {
                        let merged = deep_merge(existing.value.clone(), &entry.value);
                        existing.value = merged;
                    }
                    None => base_map.entries.push(entry.clone()),
                }
            }
            Node {
                pos: over.pos,
                value: Value::Map(base_map),
            }
        }
        _ => over.clone(),
    }
}

/// The resolved `props` of a resource → its service and function.
fn function(
    resource: &str,
    props: &Node,
    props_pos: Pos,
    base_dir: &Path,
    d: &mut Diags,
) -> Option<(Service, Vec<MnsTopic>, Pos)> {
    let resource_ctx = format!("resource `{resource}`");
    let map = expect_mapping(props, "props", &resource_ctx, d)?;
    let name_text =
        Props::new(map, props_pos, &resource_ctx).required_string("functionName", "", d);
    let name_pos = map.get("functionName").map_or(props_pos, |e| e.value.pos);
    let ctx = match &name_text {
        Some(name) => format!("function `{name}`"),
        None => resource_ctx.clone(),
    };
    let p = Props::new(map, props_pos, &ctx);
    for entry in &map.entries {
        if entry.key == "codeUri" {
            d.error(
                entry.key_pos,
                format!("{ctx}: `codeUri` is edition 1.0.0's name; the fc3 component reads the code folder from `code`"),
            );
        } else if !PROPS.contains(&entry.key.as_str()) {
            d.error(entry.key_pos, unknown_key(&ctx, &entry.key, &PROPS));
        }
    }
    if let Some(region) = p.required_string("region", "", d)
        && !REGIONS.contains(&region.as_str())
        && let Some(node) = p.get("region")
    {
        d.warning(
            node.pos,
            format!(
                "{ctx}: region `{region}` is not one the fc3 component lists{}; fclocal does not use it",
                did_you_mean(&region, &REGIONS)
            ),
        );
    }
    let names = name_text
        .as_deref()
        .and_then(|n| names(n, name_pos, &ctx, d));
    let runtime = function::runtime(&p, d);
    let code = code(&p, d);
    let handler_and_code = function::handler_and_code(&p, runtime.as_ref(), code, base_dir, d);
    let description = p.string("description", d);
    let timeout_secs = function::timeout(&p, d);
    let memory_size_mb = function::memory(&p, DEFAULT_MEMORY, d);
    function::cpu_and_disk(&p, d);
    let instance_concurrency = p
        .integer("instanceConcurrency", 1..=200, "", d)
        .map_or(1, narrow);
    let internet_access = p.boolean("internetAccess", d);
    let role = p.string("role", d);
    let environment = p
        .entry("environmentVariables")
        .map(|e| env::resolve(e, &ctx, d))
        .unwrap_or_default();
    let Configs {
        log_config,
        vpc_config,
        nas_config,
    } = configs::resolve(&p, &function::CONFIGS, d);
    let (initializer, initialization_timeout_secs) = lifecycle(&p, d);
    let ca_port = custom_runtime_config(&p, d);
    p.mapping("customContainerConfig", d);
    function_props::layers(&p, "layers", d);
    not_emulated(&p, &NOT_EMULATED, d);
    let (triggers, topics) = p
        .entry("triggers")
        .map(|e| triggers::resolve(e, Edition::V3, &ctx, d))
        .unwrap_or_default();

    let (service_name, function_name) = names?;
    let (handler, code) = handler_and_code?;
    let function = Function {
        name: function_name,
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
        instance_type: None,
        ca_port,
        triggers,
    };
    let service = Service {
        name: service_name,
        description: None,
        role,
        policies: None,
        internet_access,
        log_config,
        vpc_config,
        nas_config,
        tracing_config: None,
        functions: vec![function],
    };
    Some((service, topics, name_pos))
}

/// `functionName` → (service, function): `hello` → `hello/hello`, and FC 3.0's
/// name for an FC 2.0 function, `svc$fn`, → `svc/fn`.
fn names(name: &str, pos: Pos, ctx: &str, d: &mut Diags) -> Option<(ServiceName, FunctionName)> {
    let mut report = |e: crate::NameError| d.error(pos, format!("{ctx}: {e}"));
    match name.split_once('$') {
        // Service names follow the same rule as function names.
        None => match (FunctionName::try_from(name), ServiceName::try_from(name)) {
            (Ok(function), Ok(service)) => Some((service, function)),
            (Err(e), _) | (_, Err(e)) => {
                report(e);
                None
            }
        },
        Some((service, function)) => {
            let service = ServiceName::try_from(service).map_err(&mut report).ok();
            let function = FunctionName::try_from(function).map_err(&mut report).ok();
            Some((service?, function?))
        }
    }
}

/// `code`: a folder (or `.wasm` file) path, or `{src, ossBucketName, ossObjectName}`
/// of which fclocal uses `src`.
fn code(p: &Props<'_>, d: &mut Diags) -> Option<(String, Pos)> {
    let node = p.required(
        "code",
        " (the folder holding the code: for a WebAssembly component, the crate that builds it or the folder holding the `.wasm`)",
        d,
    )?;
    match &node.value {
        Value::Str(s) => Some((s.clone(), node.pos)),
        Value::Map(m) => {
            let cp = Props::new(m, node.pos, p.ctx);
            cp.check_known(&["src", "ossBucketName", "ossObjectName"], d);
            match cp.string("src", d) {
                Some(src) => Some((src, cp.get("src").map_or(node.pos, |n| n.pos))),
                None => {
                    d.error(
                        node.pos,
                        format!(
                            "{}: `code` in OSS (`ossBucketName`/`ossObjectName`) cannot run locally; add `src: ./folder` \
                             (the local code it was uploaded from), or write `code: ./folder`",
                            p.ctx
                        ),
                    );
                    None
                }
            }
        }
        _ => {
            d.error(
                node.pos,
                format!(
                    "{}: `code` must be a path such as `./code`, found {}",
                    p.ctx,
                    node.kind()
                ),
            );
            None
        }
    }
}

/// `instanceLifecycleConfig`: the initializer (handler, timeout); `preStop` is
/// checked and reported as not run.
fn lifecycle(p: &Props<'_>, d: &mut Diags) -> (Option<String>, u32) {
    let Some(entry) = p.entry("instanceLifecycleConfig") else {
        return (None, DEFAULT_INIT_TIMEOUT);
    };
    let Some(map) = expect_mapping(&entry.value, "instanceLifecycleConfig", p.ctx, d) else {
        return (None, DEFAULT_INIT_TIMEOUT);
    };
    let ctx = format!("{} instanceLifecycleConfig", p.ctx);
    let lp = Props::new(map, entry.key_pos, &ctx);
    lp.check_known(&["initializer", "preStop"], d);
    let hook = |key: &str, d: &mut Diags| -> Option<(Option<String>, Option<i64>)> {
        let entry = lp.entry(key)?;
        let map = expect_mapping(&entry.value, key, &ctx, d)?;
        let hctx = format!("{ctx} {key}");
        let hp = Props::new(map, entry.key_pos, &hctx);
        hp.check_known(&["handler", "timeout", "command"], d);
        let handler = hp.string("handler", d);
        let timeout = hp.integer("timeout", 1..=86_400, "seconds", d);
        Some((handler, timeout))
    };
    let initializer = hook("initializer", d);
    if hook("preStop", d).is_some()
        && let Some(e) = lp.entry("preStop")
    {
        d.warning(
            e.key_pos,
            format!("{ctx}: `preStop` is accepted but not run by fclocal (instances are dropped, not stopped)"),
        );
    }
    match initializer {
        Some((handler, timeout)) => (handler, timeout.map_or(DEFAULT_INIT_TIMEOUT, narrow)),
        None => (None, DEFAULT_INIT_TIMEOUT),
    }
}

/// `customRuntimeConfig`: `command` and `args` are how FC starts the runtime (for
/// a packaged WebAssembly function, its bootstrap) and are checked only; `port` is
/// kept as the function's CA port.
fn custom_runtime_config(p: &Props<'_>, d: &mut Diags) -> Option<u16> {
    let entry = p.entry("customRuntimeConfig")?;
    let map = expect_mapping(&entry.value, "customRuntimeConfig", p.ctx, d)?;
    let ctx = format!("{} customRuntimeConfig", p.ctx);
    let cp = Props::new(map, entry.key_pos, &ctx);
    cp.check_known(&["command", "args", "port", "healthCheckConfig"], d);
    for key in ["command", "args"] {
        if let Some(node) = cp.get(key) {
            expect_list(node, key, &ctx, d);
        }
    }
    cp.mapping("healthCheckConfig", d);
    cp.integer("port", 1..=65_535, "", d).map(narrow)
}
