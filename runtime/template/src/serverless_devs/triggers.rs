//! A function's `triggers` list in `s.yaml`: `http`, `timer` and `mns_topic` become
//! the same typed triggers `template.yml`'s `HTTP`, `Timer` and `MNSTopic` do; the
//! other FC trigger types are kept as not emulated, with a warning.
//!
//! Edition 3 writes `{triggerName, triggerType, triggerConfig, invocationRole,
//! sourceArn, qualifier, description}` (fc3 `schema.json` `ITrigger`); edition 1
//! writes `{name, type, config, role, sourceArn, qualifier}` (devsapp/fc
//! `docs/en/yaml/triggers.md`). The configs are the same camelCase keys, except that
//! an fc3 `mns_topic` names its topic only by `sourceArn`
//! (`acs:mns:<region>:<account>:/topics/<topic>`), while edition 1 may also write
//! `topicName` and `region`.

use crate::diagnostics::Diags;
use crate::model::MnsTopic;
use crate::names::TriggerName;
use crate::resolve::props::{self, Props, did_you_mean, expect_list, expect_mapping, quoted_list};
use crate::resolve::trigger_props;
use crate::trigger::{
    AuthType, HttpMethod, HttpTrigger, MnsTopicTrigger, TimerTrigger, Trigger, TriggerKind,
};
use crate::yaml::{Entry, Node};

use super::variables::Edition;

/// FC's trigger types, as both editions spell them.
const TYPES: [&str; 8] = [
    "http",
    "timer",
    "mns_topic",
    "oss",
    "log",
    "cdn_events",
    "tablestore",
    "eventbridge",
];

/// The spelling of a trigger's own keys in one edition.
struct Keys {
    name: &'static str,
    type_: &'static str,
    config: &'static str,
    role: &'static str,
    own: &'static [&'static str],
}

const V3: Keys = Keys {
    name: "triggerName",
    type_: "triggerType",
    config: "triggerConfig",
    role: "invocationRole",
    own: &[
        "triggerName",
        "triggerType",
        "triggerConfig",
        "invocationRole",
        "sourceArn",
        "qualifier",
        "description",
    ],
};

const V1: Keys = Keys {
    name: "name",
    type_: "type",
    config: "config",
    role: "role",
    own: &["name", "type", "config", "role", "sourceArn", "qualifier"],
};

/// The triggers of one function, and the MNS topics they subscribe to (fclocal
/// creates those topics locally: an `s.yaml` cannot declare them).
pub(super) fn resolve(
    entry: &Entry,
    edition: Edition,
    fn_ctx: &str,
    d: &mut Diags,
) -> (Vec<Trigger>, Vec<MnsTopic>) {
    let mut triggers = Vec::new();
    let mut topics = Vec::new();
    let Some(items) = expect_list(&entry.value, "triggers", fn_ctx, d) else {
        return (triggers, topics);
    };
    let mut first_http: Option<String> = None;
    for item in items {
        let Some((trigger, topic)) = trigger(item, edition, fn_ctx, d) else {
            continue;
        };
        if trigger_props::second_http(&mut first_http, &trigger, item.pos, fn_ctx, "methods", d) {
            continue;
        }
        topics.extend(topic);
        triggers.push(trigger);
    }
    (triggers, topics)
}

fn trigger(
    item: &Node,
    edition: Edition,
    fn_ctx: &str,
    d: &mut Diags,
) -> Option<(Trigger, Option<MnsTopic>)> {
    let keys = match edition {
        Edition::V3 => &V3,
        Edition::V1 => &V1,
    };
    let map = expect_mapping(item, "triggers", fn_ctx, d)?;
    let other = match edition {
        Edition::V3 => &V1,
        Edition::V1 => &V3,
    };
    let written_as_other = [other.name, other.type_, other.config]
        .iter()
        .any(|k| map.get(k).is_some())
        && [keys.name, keys.type_, keys.config]
            .iter()
            .all(|k| map.get(k).is_none());
    if written_as_other {
        let (this_edition, other_edition) = match edition {
            Edition::V3 => ("3.0.0", "1.0.0"),
            Edition::V1 => ("1.0.0", "3.0.0"),
        };
        d.error(
            item.pos,
            format!(
                "{fn_ctx}: edition {this_edition} writes a trigger as `{}`, `{}` and `{}` \
                 (`{}`, `{}` and `{}` are edition {other_edition}'s)",
                keys.name, keys.type_, keys.config, other.name, other.type_, other.config
            ),
        );
        return None;
    }
    let own = Props::new(map, item.pos, fn_ctx);
    own.check_known(keys.own, d);
    let name_text = own.required_string(keys.name, "", d);
    let ctx = match &name_text {
        Some(name) => format!("{fn_ctx} trigger `{name}`"),
        None => format!("{fn_ctx} trigger"),
    };
    let name = name_text.as_ref().and_then(|n| {
        TriggerName::try_from(n.as_str())
            .map_err(|e| {
                if let Some(node) = own.get(keys.name) {
                    d.error(node.pos, format!("{fn_ctx}: {e}"));
                }
            })
            .ok()
    });
    let own = Props::new(map, item.pos, &ctx);
    let type_name = own.required_string(keys.type_, &format!(" (one of {})", TYPES.join(", ")), d);
    let qualifier = own.string("qualifier", d);
    own.string("description", d);
    let invocation_role = own.string(keys.role, d);
    let source_arn = own.string("sourceArn", d);
    let config_entry = own.required_entry(keys.config, "", d);
    let config = config_entry.and_then(|e| expect_mapping(&e.value, keys.config, &ctx, d));
    let (type_name, type_node, config_entry, config) =
        (type_name?, own.get(keys.type_)?, config_entry?, config?);
    let p = Props::new(config, config_entry.key_pos, &ctx);
    let mut topic = None;
    let kind = match type_name.as_str() {
        "http" => http(&p, edition, d).map(TriggerKind::Http),
        "timer" => timer(&p, d).map(TriggerKind::Timer),
        "mns_topic" => {
            let arn_node = own.get("sourceArn");
            mns_topic(&p, edition, source_arn.as_deref(), arn_node, d).map(|(trigger, t)| {
                topic = Some(t);
                TriggerKind::MnsTopic(trigger)
            })
        }
        other if TYPES.contains(&other) => {
            d.warning(
                type_node.pos,
                format!(
                    "{ctx}: `{other}` triggers are not emulated by fclocal; it is checked but never fires locally \
                     (run the function with `fclocal invoke` and a sample event from `fclocal events generate` instead)"
                ),
            );
            Some(TriggerKind::NotEmulated {
                trigger_type: other.to_owned(),
            })
        }
        other => {
            trigger_props::unknown_type(type_node.pos, &ctx, other, &TYPES, d);
            None
        }
    };
    Some((
        Trigger {
            name: name?,
            qualifier,
            invocation_role,
            kind: kind?,
        },
        topic,
    ))
}

fn http(p: &Props<'_>, edition: Edition, d: &mut Diags) -> Option<HttpTrigger> {
    p.check_known(
        &["authType", "methods", "disableURLInternet", "authConfig"],
        d,
    );
    p.boolean("disableURLInternet", d);
    p.mapping("authConfig", d);
    let allowed: &[&str] = match edition {
        Edition::V3 => &["anonymous", "function", "jwt"],
        Edition::V1 => &["anonymous", "function"],
    };
    let auth_type = p
        .required_string("authType", &format!(" ({})", quoted_list(allowed)), d)
        .and_then(|text| {
            let node = p.get("authType")?;
            match text.to_ascii_lowercase().as_str() {
                "anonymous" => Some(AuthType::Anonymous),
                "function" => Some(AuthType::Function),
                "jwt" if edition == Edition::V3 => {
                    d.warning(
                        node.pos,
                        format!(
                            "{}: `authType: jwt` is not verified by fclocal; the trigger is served without authentication",
                            p.ctx
                        ),
                    );
                    Some(AuthType::Anonymous)
                }
                _ => {
                    d.error(
                        node.pos,
                        format!(
                            "{}: `authType` must be one of {}, found `{text}`{}",
                            p.ctx,
                            quoted_list(allowed),
                            did_you_mean(&text, allowed)
                        ),
                    );
                    None
                }
            }
        });
    let all: &[HttpMethod] = match edition {
        Edition::V3 => &HttpMethod::FC3,
        Edition::V1 => &HttpMethod::ALL,
    };
    let names: Vec<&str> = all.iter().map(|m| m.as_str()).collect();
    let parse = |text: &str| {
        all.iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(text))
            .copied()
    };
    let methods = p
        .required("methods", " (a list such as `[GET, POST]`)", d)
        .and_then(|node| trigger_props::methods(node, "methods", &names, parse, p.ctx, d));
    Some(HttpTrigger {
        auth_type: auth_type?,
        methods: methods?,
    })
}

fn timer(p: &Props<'_>, d: &mut Diags) -> Option<TimerTrigger> {
    p.check_known(&["cronExpression", "enable", "payload"], d);
    let schedule = trigger_props::schedule(p, "cronExpression", d);
    let payload = trigger_props::payload(p, "payload", d);
    let enabled = p
        .required("enable", " (`enable: true` to fire it)", d)
        .and_then(|n| props::boolean(n, "enable", p.ctx, d));
    Some(TimerTrigger {
        schedule: schedule?,
        payload,
        enabled: enabled?,
    })
}

/// An `mns_topic` trigger and the topic it subscribes to.
fn mns_topic(
    p: &Props<'_>,
    edition: Edition,
    source_arn: Option<&str>,
    arn_node: Option<&Node>,
    d: &mut Diags,
) -> Option<(MnsTopicTrigger, MnsTopic)> {
    let own: &[&str] = match edition {
        Edition::V3 => &["notifyContentFormat", "notifyStrategy", "filterTag"],
        Edition::V1 => &[
            "notifyContentFormat",
            "notifyStrategy",
            "filterTag",
            "topicName",
            "region",
        ],
    };
    p.check_known(own, d);
    let notify_content_format = trigger_props::notify_content_format(p, "notifyContentFormat", d);
    let notify_strategy = trigger_props::notify_strategy(p, "notifyStrategy", d);
    if edition == Edition::V3 {
        // fc3's schema requires both.
        p.required("notifyContentFormat", " (`STREAM` or `JSON`)", d);
        p.required(
            "notifyStrategy",
            " (`BACKOFF_RETRY` or `EXPONENTIAL_DECAY_RETRY`)",
            d,
        );
    }
    let filter_tag = trigger_props::filter_tag(p, "filterTag", d);
    let from_arn = source_arn.map(|arn| (arn, topic_from_arn(arn)));
    let (topic_name, region) = match (p.string("topicName", d), from_arn) {
        (Some(name), _) => (name, p.string("region", d)),
        (None, Some((_, Some((region, topic))))) => (topic, Some(region).filter(|r| !r.is_empty())),
        (None, Some((arn, None))) => {
            if let Some(node) = arn_node {
                d.error(
                    node.pos,
                    format!(
                        "{}: `sourceArn` `{arn}` does not name an MNS topic; write `acs:mns:<region>:<account-id>:/topics/<topic>`",
                        p.ctx
                    ),
                );
            }
            return None;
        }
        (None, None) => {
            let hint = match edition {
                Edition::V3 => {
                    "`sourceArn: acs:mns:<region>:<account-id>:/topics/<topic>` beside `triggerConfig`"
                }
                Edition::V1 => {
                    "`topicName` in `config`, or `sourceArn: acs:mns:<region>:<account-id>:/topics/<topic>`"
                }
            };
            d.error(
                p.pos,
                format!("{}: an `mns_topic` trigger needs its topic: {hint}", p.ctx),
            );
            return None;
        }
    };
    let trigger = MnsTopicTrigger {
        topic_name: topic_name.clone(),
        region: region.clone(),
        notify_content_format,
        notify_strategy,
        filter_tag,
    };
    let topic = MnsTopic {
        name: topic_name,
        region: region.unwrap_or_default(),
        maximum_message_size: 65_536,
        logging_enabled: false,
    };
    Some((trigger, topic))
}

/// `acs:mns:<region>:<account>:/topics/<topic>` → (region, topic).
fn topic_from_arn(arn: &str) -> Option<(String, String)> {
    let rest = arn.strip_prefix("acs:mns:")?;
    let (region, rest) = rest.split_once(':')?;
    let (_account, path) = rest.split_once(':')?;
    let topic = path.strip_prefix("/topics/")?.trim_end_matches('/');
    let topic = topic.split('/').next().filter(|t| !t.is_empty())?;
    Some((region.to_owned(), topic.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_arns() {
        assert_eq!(
            topic_from_arn("acs:mns:cn-hangzhou:123:/topics/block-events"),
            Some(("cn-hangzhou".into(), "block-events".into()))
        );
        assert_eq!(
            topic_from_arn("acs:mns:cn-hangzhou:123:/topics/t/messages"),
            Some(("cn-hangzhou".into(), "t".into()))
        );
        assert_eq!(topic_from_arn("acs:mns:cn-hangzhou:123:/queues/q"), None);
        assert_eq!(topic_from_arn("acs:oss:cn-hangzhou:123:bucket"), None);
    }
}
