//! The `LogConfig`, `VpcConfig` and `NasConfig` of a service (an FC 3.0 function in
//! `s.yaml` edition 3), read the same way from both project formats: each is `Auto`
//! or a mapping, with the same required keys and checks. The formats differ in how
//! they spell the keys (`LogConfig`/`Project` in `template.yml`, `logConfig`/`project`
//! in `s.yaml`) and in a few keys only one of them has, so each format passes a
//! [`ConfigKeys`] and every message names the key the user wrote.

use super::props::{Props, expect_list, expect_mapping, string_list};
use crate::diagnostics::Diags;
use crate::model::{LogConfig, NasConfig, NasMountPoint, VpcConfig};
use crate::yaml::{Entry, Node};

/// How one format spells the three configs.
pub(crate) struct ConfigKeys {
    /// The word for the string form, as messages write it (`Auto`, `auto`).
    pub auto: &'static str,
    /// Whether a string is that form.
    pub is_auto: fn(&str) -> bool,
    pub log: LogKeys,
    pub vpc: VpcKeys,
    pub nas: NasKeys,
}

/// `LogConfig`'s spelling.
pub(crate) struct LogKeys {
    pub key: &'static str,
    pub known: &'static [&'static str],
    pub project: &'static str,
    pub logstore: &'static str,
    pub request_metrics: &'static str,
    pub instance_metrics: &'static str,
    /// Checks the keys only this format has (run after the shared ones).
    pub others: fn(&Props<'_>, &mut Diags),
}

/// `VpcConfig`'s spelling.
pub(crate) struct VpcKeys {
    pub key: &'static str,
    pub known: &'static [&'static str],
    pub vpc_id: &'static str,
    pub vswitch_ids: &'static str,
    /// Another spelling of `vswitch_ids` the format accepts (used when written).
    pub vswitch_ids_alias: Option<&'static str>,
    pub security_group_id: &'static str,
}

/// `NasConfig`'s spelling.
pub(crate) struct NasKeys {
    pub key: &'static str,
    pub known: &'static [&'static str],
    /// A boolean `Auto` key inside the mapping, where the format has one.
    pub auto_flag: Option<&'static str>,
    pub user_id: &'static str,
    pub group_id: &'static str,
    pub mount_points: &'static str,
    /// One mount point (its mapping, with the config's label); `None` when invalid.
    pub mount_point: fn(&Props<'_>, &mut Diags) -> Option<NasMountPoint>,
}

/// The three configs of one service.
pub(crate) struct Configs {
    pub log_config: Option<LogConfig>,
    pub vpc_config: Option<VpcConfig>,
    pub nas_config: Option<NasConfig>,
}

/// Reads whichever of the three configs `p` has.
pub(crate) fn resolve(p: &Props<'_>, keys: &ConfigKeys, d: &mut Diags) -> Configs {
    let ctx = p.ctx;
    Configs {
        log_config: p
            .entry(keys.log.key)
            .and_then(|e| log_config(e, ctx, keys, d)),
        vpc_config: p
            .entry(keys.vpc.key)
            .and_then(|e| vpc_config(e, ctx, keys, d)),
        nas_config: p
            .entry(keys.nas.key)
            .and_then(|e| nas_config(e, ctx, keys, d)),
    }
}

/// The string form of a config under `key`: `()` when it is the format's `Auto`,
/// otherwise an error naming the mapping's keys (`shape`).
fn auto(
    node: &Node,
    key: &str,
    ctx: &str,
    shape: &str,
    keys: &ConfigKeys,
    d: &mut Diags,
) -> Option<()> {
    if node.as_str().is_some_and(keys.is_auto) {
        return Some(());
    }
    let found = match node.as_str() {
        Some(s) => format!("'{s}'"),
        None => node.kind().to_owned(),
    };
    d.error(
        node.pos,
        format!(
            "{ctx}: `{key}` must be `{}` or a mapping with {shape}, found {found}",
            keys.auto
        ),
    );
    None
}

fn log_config(entry: &Entry, ctx: &str, keys: &ConfigKeys, d: &mut Diags) -> Option<LogConfig> {
    let k = &keys.log;
    let node = &entry.value;
    let Some(map) = node.as_map() else {
        let shape = format!("`{}` and `{}`", k.project, k.logstore);
        return auto(node, k.key, ctx, &shape, keys, d).map(|()| LogConfig::Auto);
    };
    let ctx = format!("{ctx} {}", k.key);
    let p = Props::new(map, entry.key_pos, &ctx);
    p.check_known(k.known, d);
    let project = p.required_string(k.project, "", d);
    let logstore = p.required_string(k.logstore, "", d);
    let enable_request_metrics = p.boolean(k.request_metrics, d);
    let enable_instance_metrics = p.boolean(k.instance_metrics, d);
    (k.others)(&p, d);
    Some(LogConfig::Store {
        project: project?,
        logstore: logstore?,
        enable_request_metrics,
        enable_instance_metrics,
    })
}

fn vpc_config(entry: &Entry, ctx: &str, keys: &ConfigKeys, d: &mut Diags) -> Option<VpcConfig> {
    let k = &keys.vpc;
    let node = &entry.value;
    let Some(map) = node.as_map() else {
        let shape = format!(
            "`{}`, `{}` and `{}`",
            k.vpc_id, k.vswitch_ids, k.security_group_id
        );
        return auto(node, k.key, ctx, &shape, keys, d).map(|()| VpcConfig::Auto);
    };
    let ctx = format!("{ctx} {}", k.key);
    let p = Props::new(map, entry.key_pos, &ctx);
    p.check_known(k.known, d);
    let vpc_id = p.required_string(k.vpc_id, "", d);
    let switches_key = k
        .vswitch_ids_alias
        .filter(|alias| p.get(alias).is_some())
        .unwrap_or(k.vswitch_ids);
    let vswitch_ids = p
        .required(switches_key, "", d)
        .and_then(|n| string_list(n, switches_key, &ctx, d));
    let security_group_id = p.required_string(k.security_group_id, "", d);
    Some(VpcConfig::Vpc {
        vpc_id: vpc_id?,
        vswitch_ids: vswitch_ids?,
        security_group_id: security_group_id?,
    })
}

fn nas_config(entry: &Entry, ctx: &str, keys: &ConfigKeys, d: &mut Diags) -> Option<NasConfig> {
    let k = &keys.nas;
    let node = &entry.value;
    let Some(map) = node.as_map() else {
        let shape = format!("`{}`, `{}` and `{}`", k.user_id, k.group_id, k.mount_points);
        return auto(node, k.key, ctx, &shape, keys, d).map(|()| NasConfig::Auto);
    };
    let ctx = format!("{ctx} {}", k.key);
    let p = Props::new(map, entry.key_pos, &ctx);
    p.check_known(k.known, d);
    let auto = k.auto_flag.and_then(|key| p.boolean(key, d));
    let user_id = p.integer(k.user_id, i64::MIN..=i64::MAX, "", d);
    let group_id = p.integer(k.group_id, i64::MIN..=i64::MAX, "", d);
    let mut mount_points = Vec::new();
    for item in p
        .get(k.mount_points)
        .and_then(|n| expect_list(n, k.mount_points, &ctx, d))
        .unwrap_or_default()
    {
        let Some(m) = expect_mapping(item, k.mount_points, &ctx, d) else {
            continue;
        };
        mount_points.extend((k.mount_point)(&Props::new(m, item.pos, &ctx), d));
    }
    Some(NasConfig::Explicit {
        auto,
        user_id,
        group_id,
        mount_points,
    })
}
