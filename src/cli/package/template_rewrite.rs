//! The packaged `template.yml`: the project's template with every function's
//! `CodeUri` pointing at its packaged code folder, everything else (runtimes,
//! handlers, `CAPort`, `Initializer`, `InstanceConcurrency`, triggers, log
//! projects) carried over as written, so fun and `s` deploy it as-is.

use anyhow::{Context as _, bail};
use serde_json::Value;

/// The function resource type under a service.
const FUNCTION_TYPE: &str = "Aliyun::Serverless::Function";
/// The service resource type.
const SERVICE_TYPE: &str = "Aliyun::Serverless::Service";

/// `template` (YAML text) with `CodeUri` of function `service/function` set
/// to `code_uri(service, function)`.
pub fn rewrite_code_uris(
    template: &str,
    code_uri: impl Fn(&str, &str) -> String,
) -> anyhow::Result<String> {
    let mut document: Value =
        serde_saphyr::from_str(template).context("cannot read the template as YAML")?;
    let Some(resources) = document.get_mut("Resources").and_then(Value::as_object_mut) else {
        bail!("the template has no Resources");
    };
    for (service_name, service) in resources.iter_mut() {
        if service.get("Type").and_then(Value::as_str) != Some(SERVICE_TYPE) {
            continue;
        }
        let Some(members) = service.as_object_mut() else {
            continue;
        };
        for (function_name, function) in members.iter_mut() {
            if function.get("Type").and_then(Value::as_str) != Some(FUNCTION_TYPE) {
                continue;
            }
            let properties = function
                .as_object_mut()
                .map(|object| {
                    object
                        .entry("Properties")
                        .or_insert_with(|| Value::Object(Default::default()))
                })
                .and_then(Value::as_object_mut)
                .with_context(|| {
                    format!("{service_name}/{function_name}: Properties is not a mapping")
                })?;
            properties.insert(
                "CodeUri".to_owned(),
                Value::String(code_uri(service_name, function_name)),
            );
        }
    }
    let yaml = serde_saphyr::to_string(&document).context("cannot write the template as YAML")?;
    Ok(format!(
        "# Written by `fclocal package`: the project's template with each\n# function's CodeUri pointing at its packaged code folder.\n{yaml}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  svc:
    Type: 'Aliyun::Serverless::Service'
    Properties:
      Description: a service
    hello:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hello.wasm
        Runtime: custom
        CodeUri: ./functions/hello
        CAPort: 9001
        InstanceConcurrency: 4
        Initializer: hello.wasm
  logs:
    Type: 'Aliyun::Serverless::Log'
    Properties:
      Description: '2019-01-01'
"#;

    #[test]
    fn code_uris_move_and_everything_else_stays() {
        let packaged = rewrite_code_uris(TEMPLATE, |s, f| format!("./{s}/{f}")).unwrap();
        let document: Value = serde_saphyr::from_str(&packaged).unwrap();
        let hello = &document["Resources"]["svc"]["hello"]["Properties"];
        assert_eq!(hello["CodeUri"], "./svc/hello");
        assert_eq!(hello["Handler"], "hello.wasm");
        assert_eq!(hello["CAPort"], 9001);
        assert_eq!(hello["InstanceConcurrency"], 4);
        assert_eq!(hello["Initializer"], "hello.wasm");
        // Strings that look like dates or versions stay strings.
        assert_eq!(document["ROSTemplateFormatVersion"], "2015-09-01");
        assert_eq!(
            document["Resources"]["logs"]["Properties"]["Description"],
            "2019-01-01"
        );
        assert!(packaged.contains("'2015-09-01'") || packaged.contains("\"2015-09-01\""));
    }

    #[test]
    fn a_template_without_resources_is_refused() {
        let error = rewrite_code_uris("a: 1", |_, _| String::new()).unwrap_err();
        assert!(error.to_string().contains("no Resources"), "{error}");
    }
}
