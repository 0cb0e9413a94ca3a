//! What both `s.yaml` editions share about a function: runtime, handler and code
//! (resolved as `template.yml`'s are, with errors naming `runtime`, `handler` and
//! `code`), timeout and memory, and the `logConfig`, `vpcConfig` and `nasConfig`
//! shapes.

use std::path::Path;

use crate::diagnostics::{Diags, Pos};
use crate::model::{CodeLocation, LogConfig, NasConfig, NasMountPoint, Runtime, VpcConfig};
use crate::resolve::code_uri::{self, Keys};
use crate::resolve::props::{self, Props, expect_list, expect_mapping, narrow};
use crate::yaml::{Entry, Node, Value};

/// The runtimes that run a WebAssembly component: FC's custom runtimes. A
/// WebAssembly function in `s.yaml` is `runtime: custom.debian10` (or `custom`,
/// `custom.debian11/12`), `handler: hello.wasm`, `code: ./functions/hello` (the crate
/// that builds it, or a folder holding it) — what `fclocal package` deploys.
const CUSTOM_RUNTIMES: [&str; 4] = [
    "custom",
    "custom.debian10",
    "custom.debian11",
    "custom.debian12",
];

/// `runtime`, checked; `None` (reported) when fclocal cannot run it.
pub(super) fn runtime(p: &Props<'_>, d: &mut Diags) -> Option<Runtime> {
    let name = p.required_string(
        "runtime",
        " (for a WebAssembly component: `runtime: custom.debian10` with `handler: <name>.wasm`)",
        d,
    )?;
    if CUSTOM_RUNTIMES.contains(&name.as_str()) {
        return Some(Runtime::Custom);
    }
    let node = p.get("runtime")?;
    code_uri::check_runtime(&name, node.pos, p.ctx, &Keys::S_YAML, d)
}

/// `handler` and the code location `code` names (written at `code_pos`), for
/// `runtime` (when it is known). Checks every part even when another fails.
pub(super) fn handler_and_code(
    p: &Props<'_>,
    runtime: Option<&Runtime>,
    code: Option<(String, Pos)>,
    base_dir: &Path,
    d: &mut Diags,
) -> Option<(String, CodeLocation)> {
    let ctx = p.ctx;
    let keys = &Keys::S_YAML;
    match runtime? {
        Runtime::Custom => {
            let handler = p
                .required_string(
                    "handler",
                    " (the WebAssembly component fclocal runs, e.g. `handler: hello.wasm`; FC's custom runtimes do \
                     not need one, fclocal does)",
                    d,
                )
                .filter(|h| {
                    p.get("handler")
                        .is_some_and(|n| code_uri::check_handler(h, n.pos, ctx, keys, d))
                });
            let (handler, (uri, pos)) = (handler?, code?);
            code_uri::resolve(&uri, pos, &handler, base_dir, ctx, keys, d).map(|c| (handler, c))
        }
        Runtime::Language { language, .. } => {
            let language = *language;
            let handler = p
                .required_string(
                    "handler",
                    " (FC's `file.export`, e.g. `handler: index.handler`)",
                    d,
                )
                .filter(|h| {
                    p.get("handler").is_some_and(|n| {
                        code_uri::check_source_handler(h, language, n.pos, ctx, keys, d)
                    })
                });
            let (handler, (uri, pos)) = (handler?, code?);
            code_uri::resolve_source(&uri, pos, language, base_dir, ctx, keys, d)
                .map(|c| (handler, c))
        }
    }
}

/// `memorySize` in MB: 128 to 32768, a multiple of 64.
pub(super) fn memory(p: &Props<'_>, default: u32, d: &mut Diags) -> u32 {
    let Some(mb) = p.integer("memorySize", 128..=32_768, "MB", d) else {
        return default;
    };
    if mb % 64 != 0 {
        if let Some(node) = p.get("memorySize") {
            let lower = mb / 64 * 64;
            d.error(
                node.pos,
                format!(
                    "{}: `memorySize` must be a multiple of 64 (MB), found {mb}; try {} or {}",
                    p.ctx,
                    lower.max(128),
                    lower + 64
                ),
            );
        }
        return default;
    }
    narrow(mb)
}

/// `timeout` in seconds (1–86400, default 3).
pub(super) fn timeout(p: &Props<'_>, d: &mut Diags) -> u32 {
    p.integer("timeout", 1..=86_400, "seconds", d)
        .map_or(3, narrow)
}

/// `cpu` and `diskSize`: checked against FC's values, then reported as not enforced.
pub(super) fn cpu_and_disk(p: &Props<'_>, d: &mut Diags) {
    if let Some(node) = p.get("cpu") {
        let cpu = match node.value {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        };
        match cpu {
            Some(cpu) if (0.05..=16.0).contains(&cpu) => d.warning(
                node.pos,
                format!(
                    "{}: `cpu` is accepted but not enforced by fclocal (a function gets the CPU time it needs; `memorySize` is enforced)",
                    p.ctx
                ),
            ),
            _ => d.error(
                node.pos,
                format!(
                    "{}: `cpu` must be a number of vCPUs from 0.05 to 16, found {}",
                    p.ctx,
                    node.scalar_text().unwrap_or_else(|| node.kind().to_owned())
                ),
            ),
        }
    }
    if let Some(node) = p.get("diskSize") {
        if matches!(node.value, Value::Int(512 | 10_240)) {
            d.warning(
                node.pos,
                format!(
                    "{}: `diskSize` is accepted but not enforced by fclocal (components see no disk)",
                    p.ctx
                ),
            );
        } else {
            d.error(
                node.pos,
                format!(
                    "{}: `diskSize` must be 512 or 10240 (MB), found {}",
                    p.ctx,
                    node.scalar_text().unwrap_or_else(|| node.kind().to_owned())
                ),
            );
        }
    }
}

/// `auto` (any case, optionally with `|key=value` settings, as the fc3 component
/// reads it), or `None` with an error.
fn auto(node: &Node, key: &str, ctx: &str, shape: &str, d: &mut Diags) -> Option<()> {
    let is_auto = node.as_str().is_some_and(|s| {
        s.split('|')
            .next()
            .is_some_and(|head| head.trim().eq_ignore_ascii_case("auto"))
    });
    if is_auto {
        return Some(());
    }
    let found = match node.as_str() {
        Some(s) => format!("'{s}'"),
        None => node.kind().to_owned(),
    };
    d.error(
        node.pos,
        format!("{ctx}: `{key}` must be `auto` or a mapping with {shape}, found {found}"),
    );
    None
}

/// `logConfig`: `auto` or `{project, logstore, …}`.
///
/// `auto` makes the fc3 component create project `serverless-<region>-<uuid of the
/// account id>` and logstore `default-logs` in the cloud (fc3 `src/resources/sls`,
/// `src/default/resources.ts`); locally it is [`LogConfig::Auto`], whose logs go to
/// fclocal's default project and logstore, as `template.yml`'s `LogConfig: Auto` does.
pub(super) fn log_config(entry: &Entry, ctx: &str, d: &mut Diags) -> Option<LogConfig> {
    let node = &entry.value;
    let Some(map) = node.as_map() else {
        return auto(node, "logConfig", ctx, "`project` and `logstore`", d)
            .map(|()| LogConfig::Auto);
    };
    let ctx = format!("{ctx} logConfig");
    let p = Props::new(map, entry.key_pos, &ctx);
    p.check_known(
        &[
            "project",
            "logstore",
            "enableRequestMetrics",
            "enableInstanceMetrics",
            "enableLlmMetrics",
            "logBeginRule",
        ],
        d,
    );
    let project = p.required_string("project", "", d);
    let logstore = p.required_string("logstore", "", d);
    let enable_request_metrics = p.boolean("enableRequestMetrics", d);
    let enable_instance_metrics = p.boolean("enableInstanceMetrics", d);
    p.boolean("enableLlmMetrics", d);
    p.one_of("logBeginRule", &["DefaultRegex", "None"], d);
    Some(LogConfig::Store {
        project: project?,
        logstore: logstore?,
        enable_request_metrics,
        enable_instance_metrics,
    })
}

/// `vpcConfig`: `auto` or `{vpcId, vSwitchIds (vswitchIds in edition 1), securityGroupId}`.
pub(super) fn vpc_config(entry: &Entry, ctx: &str, d: &mut Diags) -> Option<VpcConfig> {
    let node = &entry.value;
    let Some(map) = node.as_map() else {
        let shape = "`vpcId`, `vSwitchIds` and `securityGroupId`";
        return auto(node, "vpcConfig", ctx, shape, d).map(|()| VpcConfig::Auto);
    };
    let ctx = format!("{ctx} vpcConfig");
    let p = Props::new(map, entry.key_pos, &ctx);
    p.check_known(
        &[
            "vpcId",
            "vSwitchIds",
            "vswitchIds",
            "securityGroupId",
            "role",
        ],
        d,
    );
    let vpc_id = p.required_string("vpcId", "", d);
    let switches_key = if p.get("vswitchIds").is_some() {
        "vswitchIds"
    } else {
        "vSwitchIds"
    };
    let vswitch_ids = p
        .required(switches_key, "", d)
        .and_then(|n| string_list(n, switches_key, &ctx, d));
    let security_group_id = p.required_string("securityGroupId", "", d);
    Some(VpcConfig::Vpc {
        vpc_id: vpc_id?,
        vswitch_ids: vswitch_ids?,
        security_group_id: security_group_id?,
    })
}

/// `nasConfig`: `auto` or `{userId, groupId, mountPoints}`; a mount point is
/// `{serverAddr, mountDir, enableTLS}` in edition 3 and `{serverAddr, nasDir, fcDir}`
/// in edition 1 (`serverAddr` + `nasDir` is the NAS path, `fcDir` where the
/// function sees it).
pub(super) fn nas_config(entry: &Entry, ctx: &str, d: &mut Diags) -> Option<NasConfig> {
    let node = &entry.value;
    let Some(map) = node.as_map() else {
        let shape = "`userId`, `groupId` and `mountPoints`";
        return auto(node, "nasConfig", ctx, shape, d).map(|()| NasConfig::Auto);
    };
    let ctx = format!("{ctx} nasConfig");
    let p = Props::new(map, entry.key_pos, &ctx);
    p.check_known(&["userId", "groupId", "mountPoints"], d);
    let user_id = p.integer("userId", i64::MIN..=i64::MAX, "", d);
    let group_id = p.integer("groupId", i64::MIN..=i64::MAX, "", d);
    let mut mount_points = Vec::new();
    for item in p
        .get("mountPoints")
        .and_then(|n| expect_list(n, "mountPoints", &ctx, d))
        .unwrap_or_default()
    {
        let Some(m) = expect_mapping(item, "mountPoints", &ctx, d) else {
            continue;
        };
        let mp = Props::new(m, item.pos, &ctx);
        mp.check_known(
            &["serverAddr", "mountDir", "enableTLS", "nasDir", "fcDir"],
            d,
        );
        mp.boolean("enableTLS", d);
        let server_addr = mp.required_string("serverAddr", "", d);
        let mount_dir = if mp.get("fcDir").is_some() {
            let nas_dir = mp.string("nasDir", d).unwrap_or_default();
            let fc_dir = mp.string("fcDir", d);
            fc_dir.map(|dir| (dir, nas_dir))
        } else {
            mp.required_string("mountDir", "", d)
                .map(|dir| (dir, String::new()))
        };
        if let (Some(server_addr), Some((mount_dir, nas_dir))) = (server_addr, mount_dir) {
            mount_points.push(NasMountPoint {
                server_addr: format!("{server_addr}{nas_dir}"),
                mount_dir,
            });
        }
    }
    Some(NasConfig::Explicit {
        auto: None,
        user_id,
        group_id,
        mount_points,
    })
}

fn string_list(node: &Node, key: &str, ctx: &str, d: &mut Diags) -> Option<Vec<String>> {
    let items = expect_list(node, key, ctx, d)?;
    let strings: Vec<Option<String>> = items
        .iter()
        .map(|item| props::string(item, key, ctx, d))
        .collect();
    strings.into_iter().collect()
}

/// Properties fclocal checks for shape and otherwise does not emulate: a warning
/// each, naming what it would do in the cloud.
pub(super) fn not_emulated(p: &Props<'_>, keys: &[(&str, &str)], d: &mut Diags) {
    for (key, what) in keys {
        if let Some(entry) = p.entry(key) {
            d.warning(
                entry.key_pos,
                format!(
                    "{}: `{key}` ({what}) is accepted but not emulated by fclocal",
                    p.ctx
                ),
            );
        }
    }
}
