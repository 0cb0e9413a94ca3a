//! What both `s.yaml` editions share about a function: runtime, handler and code
//! (resolved as `template.yml`'s are, with errors naming `runtime`, `handler` and
//! `code`), timeout and memory, and how `logConfig`, `vpcConfig` and `nasConfig`
//! are spelt.

use std::path::Path;

use crate::diagnostics::{Diags, Pos};
use crate::model::{CodeLocation, NasMountPoint, Runtime};
use crate::resolve::code_uri::{self, Keys};
use crate::resolve::configs::{ConfigKeys, LogKeys, NasKeys, VpcKeys};
use crate::resolve::function_props;
use crate::resolve::props::{Props, narrow};
use crate::yaml::Value;

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
    if !function_props::multiple_of_64(mb, p, "memorySize", d) {
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

/// How `s.yaml` spells the configs (both editions; fc3 `schema.json`, devsapp/fc
/// `docs/en/yaml/service.md`).
///
/// `logConfig: auto` makes the fc3 component create project `serverless-<region>-<uuid
/// of the account id>` and logstore `default-logs` in the cloud (fc3
/// `src/resources/sls`, `src/default/resources.ts`); locally it is
/// [`LogConfig::Auto`](crate::model::LogConfig::Auto), whose logs go to fclocal's
/// default project and logstore, as `template.yml`'s `LogConfig: Auto` does.
pub(super) const CONFIGS: ConfigKeys = ConfigKeys {
    auto: "auto",
    is_auto,
    log: LogKeys {
        key: "logConfig",
        known: &[
            "project",
            "logstore",
            "enableRequestMetrics",
            "enableInstanceMetrics",
            "enableLlmMetrics",
            "logBeginRule",
        ],
        project: "project",
        logstore: "logstore",
        request_metrics: "enableRequestMetrics",
        instance_metrics: "enableInstanceMetrics",
        others: |p, d| {
            p.boolean("enableLlmMetrics", d);
            p.one_of("logBeginRule", &["DefaultRegex", "None"], d);
        },
    },
    vpc: VpcKeys {
        key: "vpcConfig",
        known: &[
            "vpcId",
            "vSwitchIds",
            "vswitchIds",
            "securityGroupId",
            "role",
        ],
        vpc_id: "vpcId",
        vswitch_ids: "vSwitchIds",
        vswitch_ids_alias: Some("vswitchIds"),
        security_group_id: "securityGroupId",
    },
    nas: NasKeys {
        key: "nasConfig",
        known: &["userId", "groupId", "mountPoints"],
        auto_flag: None,
        user_id: "userId",
        group_id: "groupId",
        mount_points: "mountPoints",
        mount_point,
    },
};

/// `auto` in any case, optionally with `|key=value` settings, as the fc3 component
/// reads it.
fn is_auto(s: &str) -> bool {
    s.split('|')
        .next()
        .is_some_and(|head| head.trim().eq_ignore_ascii_case("auto"))
}

/// A `nasConfig` mount point: `{serverAddr, mountDir, enableTLS}` in edition 3 and
/// `{serverAddr, nasDir, fcDir}` in edition 1 (`serverAddr` + `nasDir` is the NAS
/// path, `fcDir` where the function sees it).
fn mount_point(mp: &Props<'_>, d: &mut Diags) -> Option<NasMountPoint> {
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
    let (server_addr, (mount_dir, nas_dir)) = (server_addr?, mount_dir?);
    Some(NasMountPoint {
        server_addr: format!("{server_addr}{nas_dir}"),
        mount_dir,
    })
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
