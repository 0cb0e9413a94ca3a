//! `Aliyun::Serverless::Service`: its properties and its functions.

use std::path::Path;

use super::configs::{self, ConfigKeys, Configs, LogKeys, NasKeys, VpcKeys};
use super::props::{Props, expect_mapping};
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
    let description = p.string("Description", d);
    let role = p.string("Role", d);
    let policies = p.get("Policies").and_then(|n| policies(n, p.ctx, d));
    let internet_access = p.boolean("InternetAccess", d);
    let Configs {
        log_config,
        vpc_config,
        nas_config,
    } = configs::resolve(p, &CONFIGS, d);
    ServiceProps {
        description,
        role,
        policies,
        internet_access,
        log_config,
        vpc_config,
        nas_config,
        tracing_config: p.one_of("TracingConfig", &["Enable", "Disable"], d),
    }
}

/// How `template.yml` spells the configs (fun's `service-resource.js`).
const CONFIGS: ConfigKeys = ConfigKeys {
    auto: "Auto",
    is_auto: |s| matches!(s, "Auto" | "auto"),
    log: LogKeys {
        key: "LogConfig",
        known: &[
            "Project",
            "Logstore",
            "EnableRequestMetrics",
            "EnableInstanceMetrics",
        ],
        project: "Project",
        logstore: "Logstore",
        request_metrics: "EnableRequestMetrics",
        instance_metrics: "EnableInstanceMetrics",
        others: |_, _| {},
    },
    vpc: VpcKeys {
        key: "VpcConfig",
        known: &["VpcId", "VSwitchIds", "SecurityGroupId"],
        vpc_id: "VpcId",
        vswitch_ids: "VSwitchIds",
        vswitch_ids_alias: None,
        security_group_id: "SecurityGroupId",
    },
    nas: NasKeys {
        key: "NasConfig",
        known: &["Auto", "UserId", "GroupId", "MountPoints"],
        auto_flag: Some("Auto"),
        user_id: "UserId",
        group_id: "GroupId",
        mount_points: "MountPoints",
        mount_point,
    },
};

/// A `NasConfig` mount point: `{ServerAddr, MountDir}`.
fn mount_point(mp: &Props<'_>, d: &mut Diags) -> Option<NasMountPoint> {
    mp.check_known(&["ServerAddr", "MountDir"], d);
    let server_addr = mp.required_string("ServerAddr", "", d);
    let mount_dir = mp.required_string("MountDir", "", d);
    Some(NasMountPoint {
        server_addr: server_addr?,
        mount_dir: mount_dir?,
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
