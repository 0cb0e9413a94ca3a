//! Top-level resources other than services: `Log` (with its `Log::Logstore` children) and
//! `MNSTopic` are modelled; `CustomDomain`, `Api`, `TableStore` and `Flow` are checked
//! lightly (required properties) and otherwise ignored, with a warning.

use super::props::{Props, did_you_mean_type, expect_mapping, narrow, unknown_key};
use super::{LOGSTORE, child_entries};
use crate::diagnostics::Diags;
use crate::model::{LogProject, Logstore, MnsTopic};
use crate::yaml::{Entry, Mapping};

const OWN_KEYS: [&str; 2] = ["Type", "Properties"];

/// `Properties` of `entry`, as a checked mapping; reports it missing (with `hint`).
fn properties<'a>(
    entry: &Entry,
    map: &'a Mapping,
    ctx: &'a str,
    hint: &str,
    d: &mut Diags,
) -> Option<Props<'a>> {
    let Some(props_entry) = map.get("Properties") else {
        d.error(
            entry.key_pos,
            format!("{ctx}: missing required property `Properties`{hint}"),
        );
        return None;
    };
    let pm = expect_mapping(&props_entry.value, "Properties", ctx, d)?;
    Some(Props::new(pm, props_entry.key_pos, ctx))
}

pub(super) fn log_project(entry: &Entry, map: &Mapping, d: &mut Diags) -> Option<LogProject> {
    let ctx = format!("log project `{}`", entry.key);
    let description = properties(entry, map, &ctx, " (with `Description`)", d).and_then(|p| {
        p.check_known(&["Description"], d);
        p.required_string("Description", "", d)
    });
    let children = child_entries(map, &ctx, &OWN_KEYS, &["Description"], LOGSTORE, d);
    let logstores = children
        .into_iter()
        .filter_map(|child| logstore(&entry.key, child, d))
        .collect();
    Some(LogProject {
        name: entry.key.clone(),
        description: description?,
        logstores,
    })
}

fn logstore(project: &str, entry: &Entry, d: &mut Diags) -> Option<Logstore> {
    let ctx = format!("logstore `{project}/{}`", entry.key);
    let name_ok = match logstore_name_problem(&entry.key) {
        Some(reason) => {
            d.error(
                entry.key_pos,
                format!(
                    "log project `{project}`: invalid logstore name `{}`: {reason}",
                    entry.key
                ),
            );
            false
        }
        None => true,
    };
    let map = expect_mapping(
        &entry.value,
        &entry.key,
        &format!("log project `{project}`"),
        d,
    )?;
    let type_ok = match map.get("Type") {
        None => {
            d.error(entry.key_pos, format!("{ctx}: missing `Type: {LOGSTORE}`"));
            false
        }
        Some(t) if t.value.as_str() == Some(LOGSTORE) => true,
        Some(t) => {
            let found = t.value.as_str().unwrap_or_default();
            d.error(
                t.value.pos,
                format!(
                    "{ctx}: only `{LOGSTORE}` resources can be nested in a log project, found `{found}`{}",
                    did_you_mean_type(found, &[LOGSTORE])
                ),
            );
            false
        }
    };
    for e in &map.entries {
        if OWN_KEYS.contains(&e.key.as_str()) {
            continue;
        }
        if ["TTL", "ShardCount"].contains(&e.key.as_str()) {
            d.error(
                e.key_pos,
                format!("{ctx}: `{}` belongs under `Properties`", e.key),
            );
        } else {
            d.error(e.key_pos, unknown_key(&ctx, &e.key, &OWN_KEYS));
        }
    }
    let p = properties(entry, map, &ctx, " (with `TTL` and `ShardCount`)", d)?;
    p.check_known(&["TTL", "ShardCount"], d);
    let ttl = p.required_integer("TTL", 1..=3600, "days", d);
    let shards = p.required_integer("ShardCount", 1..=100, "", d);
    if !(name_ok && type_ok) {
        return None;
    }
    Some(Logstore {
        name: entry.key.clone(),
        ttl_days: narrow(ttl?),
        shard_count: narrow(shards?),
    })
}

/// fun `log-resource.js`: `^(?!Type|Properties)[a-zA-Z][a-zA-Z0-9-]{0,127}$`.
fn logstore_name_problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    match chars.next() {
        None => return Some("it is empty".into()),
        Some(c) if !c.is_ascii_alphabetic() => {
            return Some(format!("it must start with a letter, not `{c}`"));
        }
        Some(_) => {}
    }
    if let Some(c) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
        return Some(format!(
            "it may contain only letters, digits and `-`, not `{c}`"
        ));
    }
    if name.len() > 128 {
        return Some("it is longer than 128 characters".into());
    }
    None
}

pub(super) fn mns_topic(entry: &Entry, map: &Mapping, d: &mut Diags) -> Option<MnsTopic> {
    let ctx = format!("MNS topic `{}`", entry.key);
    Props::new(map, entry.key_pos, &ctx).check_known(&OWN_KEYS, d);
    let p = properties(entry, map, &ctx, " (with `Region`)", d)?;
    p.check_known(&["Region", "MaximumMessageSize", "LoggingEnabled"], d);
    let region = p.required_string("Region", "", d);
    let size = p.integer("MaximumMessageSize", 1024..=65_536, "bytes", d);
    let logging = p.boolean("LoggingEnabled", d);
    Some(MnsTopic {
        name: entry.key.clone(),
        region: region?,
        maximum_message_size: size.map_or(65_536, narrow),
        logging_enabled: logging.unwrap_or(false),
    })
}

/// `CustomDomain`, `Api`, `TableStore`, `Flow`: required properties only, then a warning.
pub(super) fn not_emulated(entry: &Entry, map: &Mapping, type_name: &str, d: &mut Diags) {
    let ctx = format!("resource `{}`", entry.key);
    if let Some(t) = map.get("Type") {
        d.warning(
            t.value.pos,
            format!("{ctx}: `{type_name}` is not emulated by fclocal; it is checked lightly and ignored locally"),
        );
    }
    let short = type_name.rsplit("::").next().unwrap_or(type_name);
    let required: &[&str] = match short {
        "CustomDomain" => &["Protocol", "RouteConfig"],
        "Api" => &["StageName"],
        "TableStore" => &["ClusterType", "Description"],
        _ => &["Description"],
    };
    let Some(p) = properties(entry, map, &ctx, "", d) else {
        return;
    };
    for key in required {
        p.required(key, "", d);
    }
    if short == "TableStore" {
        p.one_of("ClusterType", &["HYBRID", "SSD"], d);
    }
    if short == "Flow" && p.get("DefinitionUri").is_none() && p.get("Definition").is_none() {
        d.error(
            p.pos,
            format!("{ctx}: missing required property `DefinitionUri` (or an inline `Definition`)"),
        );
    }
}
