//! Trigger properties both project formats share. `template.yml` and `s.yaml` name
//! the same FC trigger settings with different spellings (`CronExpression` and
//! `cronExpression`, `Methods` and `methods`, …), so each check is written once and
//! given the key as the format spells it: both formats accept and reject the same
//! values, with messages that name the key the user wrote.

use super::props::{self, Props, did_you_mean, expect_list, quoted_list};
use crate::cron::CronSchedule;
use crate::diagnostics::{Diags, Pos};
use crate::trigger::{HttpMethod, NotifyContentFormat, Trigger, TriggerKind};
use crate::yaml::{Node, Value};

/// Whether `trigger` is a function's second HTTP trigger, reported at `pos` (naming
/// the first one, and `methods_key` to list every method in instead); otherwise a
/// first HTTP trigger is remembered in `first_http`.
pub(crate) fn second_http(
    first_http: &mut Option<String>,
    trigger: &Trigger,
    pos: Pos,
    fn_ctx: &str,
    methods_key: &str,
    d: &mut Diags,
) -> bool {
    if !matches!(trigger.kind, TriggerKind::Http(_)) {
        return false;
    }
    if let Some(first) = first_http {
        // FC allows one HTTP trigger per function: both would serve
        // the same `/2016-08-15/proxy/{service}/{function}/` URL.
        d.error(
            pos,
            format!(
                "{fn_ctx}: a function can have only one HTTP trigger, and `{first}` is already one; \
                 list every method in that trigger's `{methods_key}` instead"
            ),
        );
        return true;
    }
    *first_http = Some(trigger.name.to_string());
    false
}

/// The error for a trigger type that is none of `types`.
pub(crate) fn unknown_type(pos: Pos, ctx: &str, found: &str, types: &[&str], d: &mut Diags) {
    d.error(
        pos,
        format!(
            "{ctx}: unknown trigger type `{found}`; known types: {}{}",
            types.join(", "),
            did_you_mean(found, types)
        ),
    );
}

/// `key` of an HTTP trigger: a non-empty list of methods, each read by `parse`;
/// `names` are the methods the format accepts, for hints.
pub(crate) fn methods(
    node: &Node,
    key: &str,
    names: &[&str],
    parse: impl Fn(&str) -> Option<HttpMethod>,
    ctx: &str,
    d: &mut Diags,
) -> Option<Vec<HttpMethod>> {
    if let Some(text) = node.as_str() {
        d.error(
            node.pos,
            format!(
                "{ctx}: `{key}` must be a list, found the string `{text}`; write `{key}: [{text}]`"
            ),
        );
        return None;
    }
    let items = expect_list(node, key, ctx, d)?;
    if items.is_empty() {
        d.error(
            node.pos,
            format!("{ctx}: `{key}` must list at least one HTTP method"),
        );
        return None;
    }
    let mut methods = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(text) = props::string(item, key, ctx, d) else {
            ok = false;
            continue;
        };
        match parse(&text) {
            Some(m) if !methods.contains(&m) => methods.push(m),
            Some(_) => {}
            None => {
                ok = false;
                let mut hint = did_you_mean(&text, names);
                if hint.is_empty() {
                    hint = format!("; use {}", quoted_list(names));
                }
                d.error(
                    item.pos,
                    format!("{ctx}: unknown HTTP method `{text}`{hint}"),
                );
            }
        }
    }
    ok.then_some(methods)
}

/// A timer's required cron expression under `key`, parsed.
pub(crate) fn schedule(p: &Props<'_>, key: &str, d: &mut Diags) -> Option<CronSchedule> {
    p.required_string(key, &format!(" (e.g. `{key}: '0 */5 * * * *'`)"), d)
        .and_then(|text| match CronSchedule::parse(&text) {
            Ok(schedule) => Some(schedule),
            Err(err) => {
                if let Some(node) = p.get(key) {
                    d.error(
                        node.pos,
                        format!("{}: invalid {key} `{text}`: {err}", p.ctx),
                    );
                }
                None
            }
        })
}

/// A timer's optional payload under `key`: a string; a mapping or list gets how to
/// send JSON instead.
pub(crate) fn payload(p: &Props<'_>, key: &str, d: &mut Diags) -> Option<String> {
    match p.get(key) {
        Some(node) if matches!(node.value, Value::Map(_) | Value::Seq(_)) => {
            d.error(
                node.pos,
                format!(
                    "{}: `{key}` must be a string, found {}; to send JSON, write it as a string: `{key}: '{{\"key\": \"value\"}}'`",
                    p.ctx,
                    node.kind()
                ),
            );
            None
        }
        _ => p.string(key, d),
    }
}

/// An MNS topic trigger's `key` (`STREAM`, the default, or `JSON`).
pub(crate) fn notify_content_format(
    p: &Props<'_>,
    key: &str,
    d: &mut Diags,
) -> NotifyContentFormat {
    match p.one_of(key, &["STREAM", "JSON"], d) {
        Some(f) if f == "JSON" => NotifyContentFormat::Json,
        _ => NotifyContentFormat::Stream,
    }
}

/// An MNS topic trigger's retry strategy under `key`.
pub(crate) fn notify_strategy(p: &Props<'_>, key: &str, d: &mut Diags) -> Option<String> {
    p.one_of(key, &["BACKOFF_RETRY", "EXPONENTIAL_DECAY_RETRY"], d)
}

/// An MNS topic trigger's filter tag under `key`: at most 16 characters.
pub(crate) fn filter_tag(p: &Props<'_>, key: &str, d: &mut Diags) -> Option<String> {
    p.string(key, d).filter(|tag| {
        let ok = tag.chars().count() <= 16;
        if !ok && let Some(node) = p.get(key) {
            d.error(
                node.pos,
                format!(
                    "{}: `{key}` must be at most 16 characters, found {}",
                    p.ctx,
                    tag.chars().count()
                ),
            );
        }
        ok
    })
}
