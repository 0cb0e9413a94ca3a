//! `Aliyun::Serverless::Function`: properties, defaults and limits.

use std::path::Path;

use super::code_uri::{self, Keys};
use super::props::{Props, did_you_mean_type, expect_mapping, narrow, unknown_key};
use super::{FUNCTION, env, function_props, triggers};
use crate::diagnostics::Diags;
use crate::model::{Function, Runtime};
use crate::names::FunctionName;
use crate::yaml::Entry;

/// Function properties (zh spec + fun `function.js`).
pub(super) const FUNCTION_PROPS: [&str; 16] = [
    "Handler",
    "Runtime",
    "CodeUri",
    "Initializer",
    "InitializationTimeout",
    "Description",
    "MemorySize",
    "Timeout",
    "EnvironmentVariables",
    "InstanceConcurrency",
    "InstanceType",
    "CAPort",
    "CustomContainerConfig",
    "AsyncConfiguration",
    "InstanceLifecycleConfig",
    "Layers",
];

/// The keys of a function resource itself; `Events` sits beside `Properties`.
const OWN_KEYS: [&str; 3] = ["Type", "Properties", "Events"];

/// Defaults from the spec and fun's `generateDockerEnvs`.
const DEFAULT_TIMEOUT: u32 = 3;
const DEFAULT_MEMORY: u32 = 128;
const DEFAULT_INIT_TIMEOUT: u32 = 3;
const DEFAULT_CONCURRENCY: u32 = 1;

pub(super) fn resolve(
    service: &str,
    entry: &Entry,
    base_dir: &Path,
    d: &mut Diags,
) -> Option<Function> {
    let ctx = format!("function `{service}/{}`", entry.key);
    let name = FunctionName::try_from(entry.key.as_str())
        .map_err(|e| d.error(entry.key_pos, format!("service `{service}`: {e}")))
        .ok();
    let map = expect_mapping(&entry.value, &entry.key, &format!("service `{service}`"), d)?;
    match map.get("Type") {
        None => {
            d.error(entry.key_pos, format!("{ctx}: missing `Type: {FUNCTION}`"));
            return None;
        }
        Some(t) => {
            let type_name = t.value.as_str().unwrap_or_default();
            if type_name != FUNCTION {
                d.error(
                    t.value.pos,
                    format!(
                        "{ctx}: only `{FUNCTION}` resources can be nested in a service, found `Type: {}`{}",
                        t.value.scalar_text().unwrap_or_else(|| t.value.kind().to_owned()),
                        did_you_mean_type(type_name, &[FUNCTION])
                    ),
                );
                return None;
            }
        }
    }
    for e in &map.entries {
        if OWN_KEYS.contains(&e.key.as_str()) {
            continue;
        }
        if FUNCTION_PROPS.contains(&e.key.as_str()) {
            d.error(
                e.key_pos,
                format!("{ctx}: `{}` belongs under `Properties`", e.key),
            );
        } else {
            d.error(e.key_pos, unknown_key(&ctx, &e.key, &OWN_KEYS));
        }
    }
    let triggers = map
        .get("Events")
        .map(|events| triggers::resolve(events, &ctx, d))
        .unwrap_or_default();
    let Some(props_entry) = map.get("Properties") else {
        d.error(
            entry.key_pos,
            format!(
                "{ctx}: missing `Properties` (with at least `Runtime`, `Handler` and `CodeUri`)"
            ),
        );
        return None;
    };
    let pm = expect_mapping(&props_entry.value, "Properties", &ctx, d)?;
    let p = Props::new(pm, props_entry.key_pos, &ctx);
    p.check_known(&FUNCTION_PROPS, d);

    let runtime_name =
        p.required_string("Runtime", &format!(" (fclocal runs {})", code_uri::RUNS), d);
    let runtime = match (&runtime_name, p.get("Runtime")) {
        (Some(r), Some(node)) => code_uri::check_runtime(r, node.pos, &ctx, &Keys::FUN, d),
        _ => None, // missing or mistyped: already reported; keep checking the rest
    };
    // A missing `Runtime` is reported above; check the rest as for `custom`
    // so every missing property is reported at once.
    let checked_as = match (&runtime, &runtime_name) {
        (None, None) => Some(Runtime::Custom),
        _ => runtime.clone(),
    };
    let code = match &checked_as {
        Some(Runtime::Custom) => {
            let handler = p
                .required_string(
                    "Handler",
                    " (the component file, e.g. `Handler: process-event.wasm`)",
                    d,
                )
                .filter(|h| {
                    p.get("Handler")
                        .is_some_and(|n| code_uri::check_handler(h, n.pos, &ctx, &Keys::FUN, d))
                });
            let code_uri = p.required_string(
                "CodeUri",
                " (the crate directory that builds the component, or the directory or `.wasm` file holding it)",
                d,
            );
            match (handler, code_uri, p.get("CodeUri")) {
                (Some(handler), Some(uri), Some(node)) => {
                    code_uri::resolve(&uri, node.pos, &handler, base_dir, &ctx, &Keys::FUN, d)
                        .map(|code| (handler, code))
                }
                _ => None,
            }
        }
        Some(Runtime::Language { language, .. }) => {
            let language = *language;
            let handler = p
                .required_string(
                    "Handler",
                    " (FC's `file.export`, e.g. `Handler: index.handler`)",
                    d,
                )
                .filter(|h| {
                    p.get("Handler").is_some_and(|n| {
                        code_uri::check_source_handler(h, language, n.pos, &ctx, &Keys::FUN, d)
                    })
                });
            let code_uri = p.required_string(
                "CodeUri",
                " (the folder holding the handler's file, mounted at /code as on FC)",
                d,
            );
            match (handler, code_uri, p.get("CodeUri")) {
                (Some(handler), Some(uri), Some(node)) => code_uri::resolve_source(
                    &uri,
                    node.pos,
                    language,
                    base_dir,
                    &ctx,
                    &Keys::FUN,
                    d,
                )
                .map(|code| (handler, code)),
                _ => None,
            }
        }
        None => None,
    };

    let description = p.string("Description", d);
    let initializer = p.string("Initializer", d);
    let timeout = p.integer("Timeout", 1..=86_400, "seconds", d);
    let memory = p
        .integer("MemorySize", 128..=32_768, "MB", d)
        .filter(|m| function_props::multiple_of_64(*m, &p, "MemorySize", d));
    let init_timeout = p.integer("InitializationTimeout", 1..=300, "seconds", d);
    let concurrency = p.integer("InstanceConcurrency", 1..=100, "", d);
    let instance_type = p.one_of("InstanceType", &["e1", "c1"], d);
    let ca_port = p.integer("CAPort", 1..=65_535, "", d);
    let environment = p
        .entry("EnvironmentVariables")
        .map(|e| env::resolve(e, &ctx, d))
        .unwrap_or_default();
    p.mapping("CustomContainerConfig", d);
    for key in ["AsyncConfiguration", "InstanceLifecycleConfig"] {
        if p.mapping(key, d).is_some()
            && let Some(e) = p.entry(key)
        {
            d.warning(
                e.key_pos,
                format!("{ctx}: `{key}` is accepted but not emulated by fclocal"),
            );
        }
    }
    function_props::layers(&p, "Layers", d);

    let (handler, code) = code?;
    Some(Function {
        name: name?,
        handler,
        runtime: runtime?,
        code,
        description,
        timeout_secs: timeout.map_or(DEFAULT_TIMEOUT, narrow),
        memory_size_mb: memory.map_or(DEFAULT_MEMORY, narrow),
        initializer,
        initialization_timeout_secs: init_timeout.map_or(DEFAULT_INIT_TIMEOUT, narrow),
        environment,
        instance_concurrency: concurrency.map_or(DEFAULT_CONCURRENCY, narrow),
        instance_type,
        ca_port: ca_port.map(narrow),
        triggers,
    })
}
