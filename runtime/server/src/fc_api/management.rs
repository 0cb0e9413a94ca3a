//! The read-only management calls SDKs, `s` and IDE plugins make before
//! invoking: ListServices, GetService, ListFunctions, GetFunction,
//! ListTriggers and GetTrigger (FC 2.0, on 2016-08-15 and 2021-04-06), and
//! ListFunctions, GetFunction, ListTriggers and GetTrigger (FC 3.0), all
//! answered from `template.yml`. Only the `LATEST` qualifier exists
//! locally: a service `demo.LATEST` (2016-08-15) or `?qualifier=LATEST`.

use http::StatusCode;
use serde_json::{Value, json};

use super::catalog::{Catalog, FunctionEntry};
use super::page::PageQuery;
use super::route::{ApiVersion, Call, FunctionRef};
use super::shapes::{self, CodeFacts, Urls};
use crate::fc_error::FcError;
use crate::headers;
use crate::state::AppState;

/// The answer to a read call (`call` is not `Invoke`, `Write` or
/// `NotServed`).
pub fn answer(
    state: &AppState,
    version: ApiVersion,
    call: &Call,
    query: Option<&str>,
    urls: &Urls,
) -> Result<Value, FcError> {
    let catalog = &state.catalog;
    let v2023 = version == ApiVersion::V2023;
    match call {
        Call::ListServices => {
            let (services, next) = PageQuery::parse(query)?.page(catalog.services());
            let services: Vec<Value> = services
                .into_iter()
                .map(|service| shapes::service_2016(catalog, service))
                .collect();
            Ok(listing("services", services, next))
        }
        Call::GetService(service) => {
            let service = unqualified(service, query)?;
            Ok(shapes::service_2016(catalog, catalog.service(service)?))
        }
        Call::ListFunctions(service) => {
            let page = PageQuery::parse(query)?;
            let (functions, next): (Vec<Value>, _) = match service {
                Some(service) => {
                    let service = catalog.service(unqualified(service, query)?)?;
                    let (entries, next) = page.page(catalog.functions_of(service));
                    let functions = entries
                        .iter()
                        .map(|entry| {
                            shapes::function_2016(catalog, entry, &code_facts(state, entry))
                        })
                        .collect();
                    (functions, next)
                }
                None => {
                    let (entries, next) = page.page(catalog.fc3_functions());
                    let functions = entries
                        .iter()
                        .map(|entry| {
                            shapes::function_2023(catalog, entry, &code_facts(state, entry), urls)
                        })
                        .collect();
                    (functions, next)
                }
            };
            Ok(listing("functions", functions, next))
        }
        Call::GetFunction(target) => {
            let entry = resolve(catalog, target, query)?;
            let code = code_facts(state, &entry);
            Ok(if v2023 {
                shapes::function_2023(catalog, &entry, &code, urls)
            } else {
                shapes::function_2016(catalog, &entry, &code)
            })
        }
        Call::ListTriggers(target) => {
            let entry = resolve(catalog, target, query)?;
            let (triggers, next) = PageQuery::parse(query)?.page(catalog.triggers_of(&entry));
            let triggers: Vec<Value> = triggers
                .into_iter()
                .map(|trigger| {
                    if v2023 {
                        shapes::trigger_2023(catalog, &entry, trigger, urls)
                    } else {
                        shapes::trigger_2016(catalog, &entry, trigger, urls)
                    }
                })
                .collect();
            Ok(listing("triggers", triggers, next))
        }
        Call::GetTrigger(target, name) => {
            let entry = resolve(catalog, target, query)?;
            let trigger = catalog.trigger(&entry, name)?;
            Ok(if v2023 {
                shapes::trigger_2023(catalog, &entry, trigger, urls)
            } else {
                shapes::trigger_2016(catalog, &entry, trigger, urls)
            })
        }
        Call::Invoke(_) | Call::Write(_) | Call::NotServed => Err(FcError::internal(format!(
            "{call:?} is not a management read"
        ))),
    }
}

/// `{"<key>": [...], "nextToken": "..."}`, without `nextToken` on the last page.
fn listing(key: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut body = json!({ key: items });
    if let Some(next) = next {
        body["nextToken"] = json!(next);
    }
    body
}

/// The function a call names, in FC 2.0 (`service[.qualifier]/function`)
/// or FC 3.0 (its FC 3.0 name) terms.
pub fn resolve<'a>(
    catalog: &'a Catalog,
    target: &FunctionRef,
    query: Option<&str>,
) -> Result<FunctionEntry<'a>, FcError> {
    match &target.service {
        Some(service) => catalog.function(unqualified(service, query)?, &target.function),
        None => {
            qualifier(None, query)?;
            catalog.fc3_function(&target.function)
        }
    }
}

/// `service` without a `.LATEST` suffix, after checking the qualifier (the
/// suffix, or `?qualifier=`) is `LATEST`.
pub fn unqualified<'a>(service: &'a str, query: Option<&str>) -> Result<&'a str, FcError> {
    let (name, suffix) = match service.split_once('.') {
        Some((name, suffix)) => (name, Some(suffix)),
        None => (service, None),
    };
    qualifier(suffix, query)?;
    Ok(name)
}

/// Checks that the qualifier asked for, if any, is `LATEST`: versions and
/// aliases are a deployment's, and fclocal serves the template as it is.
pub fn qualifier(suffix: Option<&str>, query: Option<&str>) -> Result<(), FcError> {
    let from_query = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(name, _)| name == "qualifier")
        .map(|(_, value)| value.into_owned());
    for qualifier in suffix.map(str::to_owned).into_iter().chain(from_query) {
        if !qualifier.is_empty() && qualifier != "LATEST" {
            return Err(FcError::new(
                StatusCode::NOT_FOUND,
                "VersionNotFound",
                format!(
                    "qualifier {qualifier:?} does not exist; fclocal serves template.yml as LATEST only (leave the qualifier out or pass LATEST)"
                ),
            ));
        }
    }
    Ok(())
}

/// `codeSize` and `codeChecksum` of a component function; a Node.js or
/// Python function runs on a shared engine, whose size says nothing about
/// the function, so it has neither.
fn code_facts(state: &AppState, entry: &FunctionEntry<'_>) -> CodeFacts {
    if entry.function.runtime.language().is_some() {
        return CodeFacts::default();
    }
    let Some(loaded) = state.pools.function(&entry.label()) else {
        return CodeFacts::default();
    };
    CodeFacts {
        size: std::fs::metadata(loaded.component.path())
            .ok()
            .map(|metadata| metadata.len()),
        checksum: Some(headers::code_checksum(loaded.component.digest())),
    }
}
