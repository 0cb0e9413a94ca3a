//! `Aliyun::Serverless::Service`: its properties and its functions.

use std::path::Path;

use super::props::{self, Props, expect_list, expect_mapping};
use super::{FUNCTION, child_entries, function};
use crate::diagnostics::Diags;
use crate::model::{LogConfig, NasConfig, NasMountPoint, Service, VpcConfig};
use crate::names::ServiceName;
use crate::yaml::{Entry, Mapping, Node, Value};

/// Service properties (fun `service-resource.js` plus the zh spec's `TracingConfig`).
pub(super) const SERVICE_PROPS: [&str; 8] = [
    "Description",
    "Role",
    "Policies",
    "InternetAccess",
    "VpcConfig",
    "LogConfig",
    "NasConfig",
    "TracingConfig",
];

pub(super) fn resolve(
    entry: &Entry,
    map: &Mapping,
    base_dir: &Path,
    d: &mut Diags,
) -> Option<Service> {
    let name = ServiceName::try_from(entry.key.as_str())
        .map_err(|e| d.error(entry.key_pos, e.to_string()))
        .ok();
    let ctx = format!("service `{}`", entry.key);
    let mut props = ServiceProps::default();
    if let Some(props_entry) = map.get("Properties")
        && let Some(pm) = expect_mapping(&props_entry.value, "Properties", &ctx, d)
    {
        props = service_props(&Props::new(pm, props_entry.key_pos, &ctx), d);
    }
    let children = child_entries(
        map,
        &ctx,
        &["Type", "Properties"],
        &SERVICE_PROPS,
        FUNCTION,
        d,
    );
    let functions = children
        .into_iter()
        .filter_map(|child| function::resolve(&entry.key, child, base_dir, d))
        .collect();
    Some(Service {
        name: name?,
        description: props.description,
        role: props.role,
        policies: props.policies,
        internet_access: props.internet_access,
        log_config: props.log_config,
        vpc_config: props.vpc_config,
        nas_config: props.nas_config,
        tracing_config: props.tracing_config,
        functions,
    })
}

/// A service's `Properties`, checked before its name is known to be valid.
#[derive(Default)]
struct ServiceProps {
    description: Option<String>,
    role: Option<String>,
    policies: Option<serde_json::Value>,
    internet_access: Option<bool>,
    log_config: Option<LogConfig>,
    vpc_config: Option<VpcConfig>,
    nas_config: Option<NasConfig>,
    tracing_config: Option<String>,
}

fn service_props(p: &Props<'_>, d: &mut Diags) -> ServiceProps {
    p.check_known(&SERVICE_PROPS, d);
    let ctx = p.ctx;
    ServiceProps {
        description: p.string("Description", d),
        role: p.string("Role", d),
        policies: p.get("Policies").and_then(|n| policies(n, ctx, d)),
        internet_access: p.boolean("InternetAccess", d),
        log_config: p.entry("LogConfig").and_then(|e| log_config(e, ctx, d)),
        vpc_config: p.entry("VpcConfig").and_then(|e| vpc_config(e, ctx, d)),
        nas_config: p.entry("NasConfig").and_then(|e| nas_config(e, ctx, d)),
        tracing_config: p.one_of("TracingConfig", &["Enable", "Disable"], d),
    }
}

/// `Auto`, or `None` with an error, for the string form of `*Config` properties.
fn auto(node: &Node, key: &str, ctx: &str, shape: &str, d: &mut Diags) -> Option<()> {
    match node.as_str() {
        Some("Auto" | "auto") => Some(()),
        Some(other) => {
            d.error(
                node.pos,
                format!("{ctx}: `{key}` must be `Auto` or a mapping with {shape}, found '{other}'"),
            );
            None
        }
        None => {
            d.error(
                node.pos,
                format!(
                    "{ctx}: `{key}` must be `Auto` or a mapping with {shape}, found {}",
                    node.kind()
                ),
            );
            None
        }
    }
}

fn log_config(entry: &Entry, ctx: &str, d: &mut Diags) -> Option<LogConfig> {
    let node = &entry.value;
    let Some(map) = node.as_map() else {
        return auto(node, "LogConfig", ctx, "`Project` and `Logstore`", d)
            .map(|()| LogConfig::Auto);
    };
    let ctx = format!("{ctx} LogConfig");
    let p = Props::new(map, entry.key_pos, &ctx);
    p.check_known(
        &[
            "Project",
            "Logstore",
            "EnableRequestMetrics",
            "EnableInstanceMetrics",
        ],
        d,
    );
    let project = p.required_string("Project", "", d);
    let logstore = p.required_string("Logstore", "", d);
    let enable_request_metrics = p.boolean("EnableRequestMetrics", d);
    let enable_instance_metrics = p.boolean("EnableInstanceMetrics", d);
    Some(LogConfig::Store {
        project: project?,
        logstore: logstore?,
        enable_request_metrics,
        enable_instance_metrics,
    })
}

fn vpc_config(entry: &Entry, ctx: &str, d: &mut Diags) -> Option<VpcConfig> {
    let node = &entry.value;
    let Some(map) = node.as_map() else {
        let shape = "`VpcId`, `VSwitchIds` and `SecurityGroupId`";
        return auto(node, "VpcConfig", ctx, shape, d).map(|()| VpcConfig::Auto);
    };
    let ctx = format!("{ctx} VpcConfig");
    let p = Props::new(map, entry.key_pos, &ctx);
    p.check_known(&["VpcId", "VSwitchIds", "SecurityGroupId"], d);
    let vpc_id = p.required_string("VpcId", "", d);
    let vswitch_ids = p
        .required("VSwitchIds", "", d)
        .and_then(|n| string_list(n, "VSwitchIds", &ctx, d));
    let security_group_id = p.required_string("SecurityGroupId", "", d);
    Some(VpcConfig::Vpc {
        vpc_id: vpc_id?,
        vswitch_ids: vswitch_ids?,
        security_group_id: security_group_id?,
    })
}

fn nas_config(entry: &Entry, ctx: &str, d: &mut Diags) -> Option<NasConfig> {
    let node = &entry.value;
    let Some(map) = node.as_map() else {
        let shape = "`UserId`, `GroupId` and `MountPoints`";
        return auto(node, "NasConfig", ctx, shape, d).map(|()| NasConfig::Auto);
    };
    let ctx = format!("{ctx} NasConfig");
    let p = Props::new(map, entry.key_pos, &ctx);
    p.check_known(&["Auto", "UserId", "GroupId", "MountPoints"], d);
    let auto = p.boolean("Auto", d);
    let user_id = p.integer("UserId", i64::MIN..=i64::MAX, "", d);
    let group_id = p.integer("GroupId", i64::MIN..=i64::MAX, "", d);
    let mut mount_points = Vec::new();
    if let Some(items) = p
        .get("MountPoints")
        .and_then(|n| expect_list(n, "MountPoints", &ctx, d))
    {
        for item in items {
            let Some(m) = expect_mapping(item, "MountPoints", &ctx, d) else {
                continue;
            };
            let mp = Props::new(m, item.pos, &ctx);
            mp.check_known(&["ServerAddr", "MountDir"], d);
            let server_addr = mp.required_string("ServerAddr", "", d);
            let mount_dir = mp.required_string("MountDir", "", d);
            if let (Some(server_addr), Some(mount_dir)) = (server_addr, mount_dir) {
                mount_points.push(NasMountPoint {
                    server_addr,
                    mount_dir,
                });
            }
        }
    }
    Some(NasConfig::Explicit {
        auto,
        user_id,
        group_id,
        mount_points,
    })
}

/// `Policies`: a policy name, a policy document, or a list of either.
fn policies(node: &Node, ctx: &str, d: &mut Diags) -> Option<serde_json::Value> {
    let ok = |n: &Node| matches!(n.value, Value::Str(_) | Value::Map(_));
    let valid = match &node.value {
        Value::Seq(items) => items.iter().all(ok),
        _ => ok(node),
    };
    if !valid {
        d.error(
            node.pos,
            format!("{ctx}: `Policies` must be a policy name, a policy document (a mapping), or a list of those"),
        );
        return None;
    }
    Some(node.to_json())
}

fn string_list(node: &Node, key: &str, ctx: &str, d: &mut Diags) -> Option<Vec<String>> {
    let items = expect_list(node, key, ctx, d)?;
    let strings: Vec<Option<String>> = items
        .iter()
        .map(|item| props::string(item, key, ctx, d))
        .collect();
    strings.into_iter().collect()
}
