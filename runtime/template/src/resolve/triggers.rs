//! A function's `Events`: HTTP, Timer and MNSTopic become typed triggers; the other FC
//! trigger types are checked (known and required properties) and kept as not emulated.

use super::props::{self, Props, did_you_mean, expect_mapping};
use super::trigger_props;
use crate::diagnostics::Diags;
use crate::names::TriggerName;
use crate::trigger::{
    AuthType, HttpMethod, HttpTrigger, MnsTopicTrigger, TimerTrigger, Trigger, TriggerKind,
};
use crate::yaml::Entry;

/// Trigger types, in the order of fun's `function.js` enum.
const TRIGGER_TYPES: [&str; 10] = [
    "Datahub",
    "Api",
    "TableStore",
    "Timer",
    "HTTP",
    "Log",
    "RDS",
    "MNSTopic",
    "OSS",
    "CDN",
];

/// Properties every trigger accepts.
const COMMON: [&str; 2] = ["InvocationRole", "Qualifier"];

/// A trigger type fclocal validates but does not fire.
struct Spec {
    type_name: &'static str,
    props: &'static [&'static str],
    /// Each inner list is one requirement satisfied by any of its spellings.
    required: &'static [&'static [&'static str]],
}

const NOT_EMULATED: [Spec; 7] = [
    Spec {
        type_name: "Log",
        props: &[
            "SourceConfig",
            "JobConfig",
            "LogConfig",
            "FunctionParameter",
            "Enable",
        ],
        required: &[&["SourceConfig"], &["JobConfig"], &["LogConfig"]],
    },
    Spec {
        type_name: "OSS",
        props: &[
            "BucketName",
            "Events",
            "Filter",
            "bucketName",
            "events",
            "filter",
        ],
        required: &[
            &["BucketName", "bucketName"],
            &["Events", "events"],
            &["Filter", "filter"],
        ],
    },
    Spec {
        type_name: "RDS",
        props: &[
            "SubscriptionObjects",
            "InstanceId",
            "Retry",
            "Concurrency",
            "EventFormat",
        ],
        required: &[&["SubscriptionObjects"]],
    },
    Spec {
        type_name: "TableStore",
        props: &["InstanceName", "TableName"],
        required: &[&["InstanceName"], &["TableName"]],
    },
    Spec {
        type_name: "CDN",
        props: &["EventName", "EventVersion", "Notes", "Filter"],
        required: &[&["EventName"], &["EventVersion"], &["Notes"], &["Filter"]],
    },
    Spec {
        type_name: "Api",
        props: &["Path", "Method", "RestApiId"],
        required: &[&["Path"], &["Method"]],
    },
    Spec {
        type_name: "Datahub",
        props: &["Topic", "StartingPosition", "BatchSize"],
        required: &[&["Topic"], &["StartingPosition"]],
    },
];

/// Resolves `Events`; `fn_ctx` is the owning function's label.
pub(super) fn resolve(events: &Entry, fn_ctx: &str, d: &mut Diags) -> Vec<Trigger> {
    let Some(map) = expect_mapping(&events.value, "Events", fn_ctx, d) else {
        return Vec::new();
    };
    let mut first_http: Option<String> = None;
    let mut triggers = Vec::new();
    for entry in &map.entries {
        let Some(trigger) = trigger(entry, fn_ctx, d) else {
            continue;
        };
        if trigger_props::second_http(
            &mut first_http,
            &trigger,
            entry.key_pos,
            fn_ctx,
            "Methods",
            d,
        ) {
            continue;
        }
        triggers.push(trigger);
    }
    triggers
}

fn trigger(entry: &Entry, fn_ctx: &str, d: &mut Diags) -> Option<Trigger> {
    let name = TriggerName::try_from(entry.key.as_str())
        .map_err(|e| d.error(entry.key_pos, format!("{fn_ctx}: {e}")))
        .ok();
    let ctx = format!("{fn_ctx} trigger `{}`", entry.key);
    let map = expect_mapping(&entry.value, &entry.key, &format!("{fn_ctx} Events"), d)?;
    let own = Props::new(map, entry.key_pos, &ctx);
    own.check_known(&["Type", "Properties"], d);
    let type_node = own.required(
        "Type",
        &format!(" (one of {})", TRIGGER_TYPES.join(", ")),
        d,
    );
    let type_name = type_node.and_then(|n| props::string(n, "Type", &ctx, d));
    let props_entry = own.required_entry("Properties", "", d);
    let props_map = props_entry.and_then(|e| expect_mapping(&e.value, "Properties", &ctx, d));
    let (Some(type_name), Some(type_node), Some(props_entry), Some(pm)) =
        (type_name, type_node, props_entry, props_map)
    else {
        return None;
    };
    let p = Props::new(pm, props_entry.key_pos, &ctx);
    let qualifier = p.string("Qualifier", d);
    let invocation_role = p.string("InvocationRole", d);
    let kind = match type_name.as_str() {
        "HTTP" => http(&p, d).map(TriggerKind::Http),
        "Timer" => timer(&p, d).map(TriggerKind::Timer),
        "MNSTopic" => mns_topic(&p, d).map(TriggerKind::MnsTopic),
        other => match NOT_EMULATED.iter().find(|s| s.type_name == other) {
            Some(spec) => {
                not_emulated(&p, spec, d);
                d.warning(
                    type_node.pos,
                    format!(
                        "{ctx}: `{other}` triggers are not emulated by fclocal; it is checked but never fires locally \
                         (run the function with `fclocal invoke` and a sample event instead)"
                    ),
                );
                Some(TriggerKind::NotEmulated {
                    trigger_type: other.to_owned(),
                })
            }
            None => {
                trigger_props::unknown_type(type_node.pos, &ctx, other, &TRIGGER_TYPES, d);
                None
            }
        },
    };
    Some(Trigger {
        name: name?,
        qualifier,
        invocation_role,
        kind: kind?,
    })
}

fn known(specific: &[&'static str]) -> Vec<&'static str> {
    specific.iter().chain(COMMON.iter()).copied().collect()
}

fn http(p: &Props<'_>, d: &mut Diags) -> Option<HttpTrigger> {
    p.check_known(&known(&["AuthType", "Methods"]), d);
    let auth_type = p
        .required_string("AuthType", " (`ANONYMOUS` or `FUNCTION`)", d)
        .and_then(|text| {
            let parsed = match text.as_str() {
                "ANONYMOUS" | "anonymous" => Some(AuthType::Anonymous),
                "FUNCTION" | "function" => Some(AuthType::Function),
                _ => None,
            };
            if parsed.is_none()
                && let Some(node) = p.get("AuthType")
            {
                d.error(
                    node.pos,
                    format!(
                        "{}: `AuthType` must be `ANONYMOUS` or `FUNCTION`, found `{text}`{}",
                        p.ctx,
                        did_you_mean(&text, &["ANONYMOUS", "FUNCTION"])
                    ),
                );
            }
            parsed
        });
    let names: Vec<&str> = HttpMethod::ALL.iter().map(|m| m.as_str()).collect();
    let methods = p
        .required("Methods", " (a list such as `[GET, POST]`)", d)
        .and_then(|node| {
            trigger_props::methods(node, "Methods", &names, HttpMethod::from_template, p.ctx, d)
        });
    Some(HttpTrigger {
        auth_type: auth_type?,
        methods: methods?,
    })
}

fn timer(p: &Props<'_>, d: &mut Diags) -> Option<TimerTrigger> {
    p.check_known(&known(&["CronExpression", "Payload", "Enable"]), d);
    let schedule = trigger_props::schedule(p, "CronExpression", d);
    let payload = trigger_props::payload(p, "Payload", d);
    let enabled = p.boolean("Enable", d).unwrap_or(true);
    Some(TimerTrigger {
        schedule: schedule?,
        payload,
        enabled,
    })
}

fn mns_topic(p: &Props<'_>, d: &mut Diags) -> Option<MnsTopicTrigger> {
    p.check_known(
        &known(&[
            "TopicName",
            "Region",
            "NotifyContentFormat",
            "NotifyStrategy",
            "FilterTag",
        ]),
        d,
    );
    let topic_name = p.required_string("TopicName", "", d);
    let region = p.string("Region", d);
    let notify_content_format = trigger_props::notify_content_format(p, "NotifyContentFormat", d);
    let notify_strategy = trigger_props::notify_strategy(p, "NotifyStrategy", d);
    let filter_tag = trigger_props::filter_tag(p, "FilterTag", d);
    Some(MnsTopicTrigger {
        topic_name: topic_name?,
        region,
        notify_content_format,
        notify_strategy,
        filter_tag,
    })
}

fn not_emulated(p: &Props<'_>, spec: &Spec, d: &mut Diags) {
    p.check_known(&known(spec.props), d);
    for alternatives in spec.required {
        if !alternatives.iter().any(|k| p.get(k).is_some())
            && let Some(first) = alternatives.first()
        {
            p.required(first, "", d);
        }
    }
}
