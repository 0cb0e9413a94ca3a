//! The JSON FC's management API answers with, built from the template:
//! FC 2.0's `Service`, `Function` and `Trigger` (2016-08-15 and 2021-04-06
//! share them: `alibabacloud_fc_open20210406` `GetServiceResponseBody`,
//! `GetFunctionResponseBody`, `GetTriggerResponseBody`) and FC 3.0's
//! `Function` and `Trigger` (`alibabacloud_fc20230330` models). Fields the
//! template has no value for are left out, as FC leaves out unset ones.

use fclocal_template::{
    AuthType, CodeLocation, LogConfig, NasConfig, Service, Trigger, TriggerKind, VpcConfig,
};
use serde_json::{Map, Value, json};

use super::catalog::{Catalog, FunctionEntry, resource_id};

/// What the loaded code says about a function.
#[derive(Debug, Clone, Default)]
pub struct CodeFacts {
    /// Bytes of the component file (`codeSize`).
    pub size: Option<u64>,
    /// FC-style decimal checksum of the component (`codeChecksum`, the
    /// value `x-fc-code-checksum` carries).
    pub checksum: Option<String>,
}

/// Where the answer's HTTP-trigger URLs point: `http://{host}`.
#[derive(Debug, Clone)]
pub struct Urls {
    /// `http://127.0.0.1:8000`, from the request's `Host`.
    pub base: String,
    /// FC's account id (`FC_ACCOUNT_ID`).
    pub account_id: String,
    /// FC's region (`FC_REGION`).
    pub region: String,
}

fn insert_some(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), value);
    }
}

fn log_config(service: &Service) -> Option<Value> {
    match &service.log_config {
        Some(LogConfig::Store {
            project,
            logstore,
            enable_request_metrics,
            enable_instance_metrics,
        }) => Some(json!({
            "project": project,
            "logstore": logstore,
            "enableRequestMetrics": enable_request_metrics.unwrap_or(false),
            "enableInstanceMetrics": enable_instance_metrics.unwrap_or(false),
            "logBeginRule": "None",
        })),
        Some(LogConfig::Auto) | None => None,
    }
}

fn vpc_config(service: &Service) -> Option<Value> {
    match &service.vpc_config {
        Some(VpcConfig::Vpc {
            vpc_id,
            vswitch_ids,
            security_group_id,
        }) => Some(json!({
            "vpcId": vpc_id,
            "vSwitchIds": vswitch_ids,
            "securityGroupId": security_group_id,
        })),
        _ => None,
    }
}

fn nas_config(service: &Service) -> Option<Value> {
    match &service.nas_config {
        Some(NasConfig::Explicit {
            user_id,
            group_id,
            mount_points,
            ..
        }) => Some(json!({
            "userId": user_id,
            "groupId": group_id,
            "mountPoints": mount_points
                .iter()
                .map(|point| json!({"serverAddr": point.server_addr, "mountDir": point.mount_dir}))
                .collect::<Vec<_>>(),
        })),
        _ => None,
    }
}

/// FC 2.0's `Service`.
pub fn service_2016(catalog: &Catalog, service: &Service) -> Value {
    let time = catalog.time_2016();
    let mut map = Map::new();
    map.insert("serviceName".into(), json!(service.name.as_str()));
    map.insert(
        "serviceId".into(),
        json!(resource_id("service", &[service.name.as_str()])),
    );
    map.insert(
        "description".into(),
        json!(service.description.clone().unwrap_or_default()),
    );
    insert_some(&mut map, "role", service.role.clone().map(Value::from));
    // FC's default is true; fclocal itself allows outbound HTTP only with an
    // explicit `true`, but the API reports what FC would.
    map.insert(
        "internetAccess".into(),
        json!(service.internet_access.unwrap_or(true)),
    );
    insert_some(&mut map, "logConfig", log_config(service));
    insert_some(&mut map, "vpcConfig", vpc_config(service));
    insert_some(&mut map, "nasConfig", nas_config(service));
    insert_some(
        &mut map,
        "tracingConfig",
        service
            .tracing_config
            .as_ref()
            .map(|config| json!({ "type": config })),
    );
    map.insert("createdTime".into(), json!(time));
    map.insert("lastModifiedTime".into(), json!(time));
    Value::Object(map)
}

/// The fields FC 2.0's and 3.0's `Function` share.
fn function_common(
    entry: &FunctionEntry<'_>,
    code: &CodeFacts,
    time: String,
) -> Map<String, Value> {
    let function = entry.function;
    let mut map = Map::new();
    map.insert(
        "functionId".into(),
        json!(resource_id(
            "function",
            &[entry.service.name.as_str(), function.name.as_str()]
        )),
    );
    map.insert("runtime".into(), json!(function.runtime.name()));
    map.insert("handler".into(), json!(function.handler));
    map.insert(
        "description".into(),
        json!(function.description.clone().unwrap_or_default()),
    );
    map.insert("memorySize".into(), json!(function.memory_size_mb));
    map.insert("timeout".into(), json!(function.timeout_secs));
    map.insert(
        "instanceConcurrency".into(),
        json!(function.instance_concurrency),
    );
    let environment: Map<String, Value> = function
        .environment
        .iter()
        .map(|(name, value)| (name.clone(), json!(value)))
        .collect();
    map.insert("environmentVariables".into(), Value::Object(environment));
    insert_some(&mut map, "codeSize", code.size.map(Value::from));
    insert_some(
        &mut map,
        "codeChecksum",
        code.checksum.clone().map(Value::from),
    );
    map.insert("createdTime".into(), json!(time));
    map.insert("lastModifiedTime".into(), json!(time));
    map
}

/// FC 2.0's `Function`.
pub fn function_2016(catalog: &Catalog, entry: &FunctionEntry<'_>, code: &CodeFacts) -> Value {
    let function = entry.function;
    let mut map = function_common(entry, code, catalog.time_2016());
    map.insert("functionName".into(), json!(function.name.as_str()));
    insert_some(
        &mut map,
        "initializer",
        function.initializer.clone().map(Value::from),
    );
    if function.initializer.is_some() {
        map.insert(
            "initializationTimeout".into(),
            json!(function.initialization_timeout_secs),
        );
    }
    map.insert(
        "instanceType".into(),
        json!(
            function
                .instance_type
                .clone()
                .unwrap_or_else(|| "e1".to_owned())
        ),
    );
    insert_some(&mut map, "caPort", function.ca_port.map(Value::from));
    map.insert("layers".into(), json!([]));
    Value::Object(map)
}

/// FC 3.0's `Function`: the service's role, log and network settings move
/// onto the function, the initializer into `instanceLifecycleConfig`.
pub fn function_2023(
    catalog: &Catalog,
    entry: &FunctionEntry<'_>,
    code: &CodeFacts,
    urls: &Urls,
) -> Value {
    let (service, function) = (entry.service, entry.function);
    let name = catalog.fc3_name(service.name.as_str(), function.name.as_str());
    let mut map = function_common(entry, code, catalog.time_2023());
    map.insert("functionName".into(), json!(name));
    map.insert(
        "functionArn".into(),
        json!(format!(
            "acs:fc:{}:{}:functions/{name}",
            urls.region, urls.account_id
        )),
    );
    insert_some(&mut map, "role", service.role.clone().map(Value::from));
    map.insert(
        "internetAccess".into(),
        json!(service.internet_access.unwrap_or(true)),
    );
    insert_some(&mut map, "logConfig", log_config(service));
    insert_some(&mut map, "vpcConfig", vpc_config(service));
    insert_some(&mut map, "nasConfig", nas_config(service));
    if let Some(initializer) = &function.initializer {
        map.insert(
            "instanceLifecycleConfig".into(),
            json!({"initializer": {
                "handler": initializer,
                "timeout": function.initialization_timeout_secs,
            }}),
        );
    }
    if matches!(
        function.code,
        CodeLocation::Component { .. } | CodeLocation::Crate { .. }
    ) && let Some(port) = function.ca_port
    {
        map.insert("customRuntimeConfig".into(), json!({"port": port}));
    }
    map.insert("state".into(), json!("Active"));
    map.insert("lastUpdateStatus".into(), json!("Successful"));
    Value::Object(map)
}

/// FC's `triggerType` for a template `Type`.
fn trigger_type(trigger: &Trigger) -> String {
    match &trigger.kind {
        TriggerKind::Http(_) => "http".to_owned(),
        TriggerKind::Timer(_) => "timer".to_owned(),
        TriggerKind::MnsTopic(_) => "mns_topic".to_owned(),
        TriggerKind::NotEmulated { trigger_type } => match trigger_type.as_str() {
            "CDN" => "cdn_events".to_owned(),
            other => other.to_ascii_lowercase(),
        },
    }
}

/// FC's `triggerConfig` object (the API carries it as a JSON string).
fn trigger_config(trigger: &Trigger) -> Value {
    match &trigger.kind {
        TriggerKind::Http(http) => json!({
            "authType": match http.auth_type {
                AuthType::Anonymous => "anonymous",
                AuthType::Function => "function",
            },
            "methods": http.methods.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        }),
        TriggerKind::Timer(timer) => {
            let mut config = json!({
                "cronExpression": timer.schedule.to_string(),
                "enable": timer.enabled,
            });
            if let Some(payload) = &timer.payload {
                config["payload"] = json!(payload);
            }
            config
        }
        TriggerKind::MnsTopic(mns) => {
            let mut config = json!({
                "notifyContentFormat": mns.notify_content_format.as_str(),
            });
            if let Some(strategy) = &mns.notify_strategy {
                config["notifyStrategy"] = json!(strategy);
            }
            if let Some(tag) = &mns.filter_tag {
                config["filterTag"] = json!(tag);
            }
            config
        }
        TriggerKind::NotEmulated { .. } => json!({}),
    }
}

fn trigger_common(
    entry: &FunctionEntry<'_>,
    trigger: &Trigger,
    time: String,
) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("triggerName".into(), json!(trigger.name.as_str()));
    map.insert(
        "triggerId".into(),
        json!(resource_id(
            "trigger",
            &[
                entry.service.name.as_str(),
                entry.function.name.as_str(),
                trigger.name.as_str()
            ]
        )),
    );
    map.insert("triggerType".into(), json!(trigger_type(trigger)));
    map.insert(
        "triggerConfig".into(),
        json!(trigger_config(trigger).to_string()),
    );
    map.insert(
        "qualifier".into(),
        json!(
            trigger
                .qualifier
                .clone()
                .unwrap_or_else(|| "LATEST".to_owned())
        ),
    );
    insert_some(
        &mut map,
        "invocationRole",
        trigger.invocation_role.clone().map(Value::from),
    );
    map.insert("description".into(), json!(""));
    map.insert("createdTime".into(), json!(time));
    map.insert("lastModifiedTime".into(), json!(time));
    map
}

fn http_url(entry: &FunctionEntry<'_>, urls: &Urls) -> String {
    format!(
        "{}/2016-08-15/proxy/{}/{}/",
        urls.base, entry.service.name, entry.function.name
    )
}

/// FC 2.0's `Trigger`; an HTTP trigger's URLs point at fclocal.
pub fn trigger_2016(
    catalog: &Catalog,
    entry: &FunctionEntry<'_>,
    trigger: &Trigger,
    urls: &Urls,
) -> Value {
    let mut map = trigger_common(entry, trigger, catalog.time_2016());
    if matches!(trigger.kind, TriggerKind::Http(_)) {
        let url = http_url(entry, urls);
        map.insert("urlInternet".into(), json!(url));
        map.insert("urlIntranet".into(), json!(url));
    }
    Value::Object(map)
}

/// FC 3.0's `Trigger`: `targetArn` names the function, `httpTrigger`
/// carries an HTTP trigger's URLs.
pub fn trigger_2023(
    catalog: &Catalog,
    entry: &FunctionEntry<'_>,
    trigger: &Trigger,
    urls: &Urls,
) -> Value {
    let mut map = trigger_common(entry, trigger, catalog.time_2023());
    let name = catalog.fc3_name(entry.service.name.as_str(), entry.function.name.as_str());
    map.insert(
        "targetArn".into(),
        json!(format!(
            "acs:fc:{}:{}:functions/{name}",
            urls.region, urls.account_id
        )),
    );
    map.insert("status".into(), json!("Success"));
    if matches!(trigger.kind, TriggerKind::Http(_)) {
        let url = http_url(entry, urls);
        map.insert(
            "httpTrigger".into(),
            json!({"urlInternet": url, "urlIntranet": url}),
        );
    }
    Value::Object(map)
}
