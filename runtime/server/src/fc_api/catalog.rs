//! The template's services, functions and triggers as FC's management API
//! reports them: sorted by name (as FC lists them), with stable ids and
//! times, and each function's FC 3.0 name.
//!
//! # FC 3.0 names of a 2.0 template
//!
//! FC 3.0 has no services, so a function of `template.yml` is named, in the
//! 2023-03-30 API, by its own name when no other service has a function of
//! that name (the common case, and what a project moved to FC 3.0 would call
//! it), and `{service}${function}` otherwise. `{service}${function}` is
//! accepted for every function, so scripts can always be unambiguous; a bare
//! name two services share is refused with both full names in the message.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use fclocal_template::{App, Function, Service, Trigger};
use http::StatusCode;
use sha2::{Digest, Sha256};

use crate::fc_error::FcError;

/// What the management API reports, built once from the template.
#[derive(Debug, Clone)]
pub struct Catalog {
    app: Arc<App>,
    /// When the template was last written: every resource's
    /// `createdTime` and `lastModifiedTime`.
    modified: SystemTime,
    /// FC 3.0 name → (service index, function index), sorted by name.
    fc3: BTreeMap<String, (usize, usize)>,
    /// Bare function names shared by several services → those services.
    shared: BTreeMap<String, Vec<String>>,
}

/// A function of the template with its service.
#[derive(Debug, Clone, Copy)]
pub struct FunctionEntry<'a> {
    /// Its service.
    pub service: &'a Service,
    /// The function.
    pub function: &'a Function,
}

impl FunctionEntry<'_> {
    /// `service/function`, the pool key.
    pub fn label(&self) -> String {
        format!("{}/{}", self.service.name, self.function.name)
    }
}

/// Sorts `items` by their name.
fn sorted_by_name<T>(mut items: Vec<(String, T)>) -> Vec<(String, T)> {
    items.sort_by(|a, b| a.0.cmp(&b.0));
    items
}

impl Catalog {
    /// The catalog of `app`; times come from the template file's mtime.
    pub fn new(app: &App) -> Catalog {
        let modified = std::fs::metadata(&app.template_path)
            .and_then(|metadata| metadata.modified())
            .unwrap_or_else(|_| SystemTime::now());
        let mut owners: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
        for (s, service) in app.services.iter().enumerate() {
            for (f, function) in service.functions.iter().enumerate() {
                owners
                    .entry(function.name.to_string())
                    .or_default()
                    .push((s, f));
            }
        }
        let mut fc3 = BTreeMap::new();
        let mut shared = BTreeMap::new();
        for (name, places) in owners {
            if let [only] = places.as_slice() {
                fc3.insert(name, *only);
                continue;
            }
            let services = places
                .iter()
                .map(|&(s, f)| {
                    let service = app.services[s].name.to_string();
                    fc3.insert(format!("{service}${name}"), (s, f));
                    service
                })
                .collect();
            shared.insert(name, services);
        }
        Catalog {
            app: Arc::new(app.clone()),
            modified,
            fc3,
            shared,
        }
    }

    /// Services sorted by name.
    pub fn services(&self) -> Vec<(String, &Service)> {
        sorted_by_name(
            self.app
                .services
                .iter()
                .map(|service| (service.name.to_string(), service))
                .collect(),
        )
    }

    /// The service called `name`.
    pub fn service(&self, name: &str) -> Result<&Service, FcError> {
        self.app
            .services
            .iter()
            .find(|service| service.name.as_str() == name)
            .ok_or_else(|| FcError::service_not_found(name))
    }

    /// The functions of `service`, sorted by name.
    pub fn functions_of<'a>(&'a self, service: &'a Service) -> Vec<(String, FunctionEntry<'a>)> {
        sorted_by_name(
            service
                .functions
                .iter()
                .map(|function| {
                    (
                        function.name.to_string(),
                        FunctionEntry { service, function },
                    )
                })
                .collect(),
        )
    }

    /// `service/function` of FC 2.0.
    pub fn function(&self, service: &str, function: &str) -> Result<FunctionEntry<'_>, FcError> {
        let service = self.service(service)?;
        service
            .function(function)
            .map(|function| FunctionEntry { service, function })
            .ok_or_else(|| FcError::function_not_found(service.name.as_str(), function))
    }

    /// Every function by its FC 3.0 name, sorted.
    pub fn fc3_functions(&self) -> Vec<(String, FunctionEntry<'_>)> {
        self.fc3
            .iter()
            .map(|(name, &(s, f))| (name.clone(), self.entry(s, f)))
            .collect()
    }

    /// The function an FC 3.0 name names: `function` or `service$function`.
    pub fn fc3_function(&self, name: &str) -> Result<FunctionEntry<'_>, FcError> {
        if let Some(&(s, f)) = self.fc3.get(name) {
            return Ok(self.entry(s, f));
        }
        if let Some((service, function)) = name.split_once('$') {
            return self.function(service, function);
        }
        if let Some(services) = self.shared.get(name) {
            let choices: Vec<String> = services.iter().map(|s| format!("{s}${name}")).collect();
            return Err(FcError::new(
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                format!(
                    "function name '{name}' is ambiguous: services {} of template.yml each have one; in the FC 3.0 API call it {}",
                    services.join(", "),
                    choices.join(" or ")
                ),
            ));
        }
        Err(FcError::new(
            StatusCode::NOT_FOUND,
            "FunctionNotFound",
            format!(
                "function '{name}' does not exist in template.yml; FC 3.0 names are the function's name, or service$function (ListFunctions shows them)"
            ),
        ))
    }

    /// The FC 3.0 name of `service/function`.
    pub fn fc3_name(&self, service: &str, function: &str) -> String {
        if self.shared.contains_key(function) {
            format!("{service}${function}")
        } else {
            function.to_owned()
        }
    }

    /// The triggers of a function, sorted by name.
    pub fn triggers_of<'a>(&self, entry: &FunctionEntry<'a>) -> Vec<(String, &'a Trigger)> {
        sorted_by_name(
            entry
                .function
                .triggers
                .iter()
                .map(|trigger| (trigger.name.to_string(), trigger))
                .collect(),
        )
    }

    /// The trigger `name` of a function.
    pub fn trigger<'a>(
        &self,
        entry: &FunctionEntry<'a>,
        name: &str,
    ) -> Result<&'a Trigger, FcError> {
        entry
            .function
            .triggers
            .iter()
            .find(|trigger| trigger.name.as_str() == name)
            .ok_or_else(|| {
                FcError::new(
                    StatusCode::NOT_FOUND,
                    "TriggerNotFound",
                    format!(
                        "trigger '{name}' does not exist in function '{}' of service '{}' (template.yml `Events`)",
                        entry.function.name, entry.service.name
                    ),
                )
            })
    }

    fn entry(&self, s: usize, f: usize) -> FunctionEntry<'_> {
        let service = &self.app.services[s];
        FunctionEntry {
            service,
            function: &service.functions[f],
        }
    }

    /// `createdTime`/`lastModifiedTime` as FC 2.0 writes them:
    /// `2016-08-15T15:00:00.000+0000`.
    pub fn time_2016(&self) -> String {
        DateTime::<Utc>::from(self.modified)
            .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
            .to_string()
    }

    /// The same as FC 3.0 writes them: `2023-03-30T08:02:19Z`.
    pub fn time_2023(&self) -> String {
        DateTime::<Utc>::from(self.modified)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }
}

/// A stable id for a resource (`serviceId`, `functionId`, `triggerId`): a
/// UUID-shaped digest of its kind and names, the same on every start.
pub fn resource_id(kind: &str, names: &[&str]) -> String {
    let digest = hex::encode(Sha256::digest(
        format!("{kind}:{}", names.join("/")).as_bytes(),
    ));
    format!(
        "{}-{}-{}-{}-{}",
        &digest[0..8],
        &digest[8..12],
        &digest[12..16],
        &digest[16..20],
        &digest[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(yaml: &str) -> (tempfile::TempDir, App) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("template.yml");
        std::fs::write(&path, yaml).unwrap();
        for name in ["a", "b"] {
            std::fs::create_dir_all(dir.path().join(name)).unwrap();
            std::fs::write(dir.path().join(name).join("f.wasm"), b"").unwrap();
        }
        let app = fclocal_template::load(&path)
            .unwrap_or_else(|error| panic!("{error:?}"))
            .app;
        (dir, app)
    }

    const TWO_SERVICES: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  one:
    Type: 'Aliyun::Serverless::Service'
    hello: {Type: 'Aliyun::Serverless::Function', Properties: {Handler: f.wasm, Runtime: custom, CodeUri: a/f.wasm}}
    only: {Type: 'Aliyun::Serverless::Function', Properties: {Handler: f.wasm, Runtime: custom, CodeUri: a/f.wasm}}
  two:
    Type: 'Aliyun::Serverless::Service'
    hello: {Type: 'Aliyun::Serverless::Function', Properties: {Handler: f.wasm, Runtime: custom, CodeUri: b/f.wasm}}
"#;

    #[test]
    fn fc3_names_are_bare_unless_two_services_share_the_name() {
        let (_dir, app) = app(TWO_SERVICES);
        let catalog = Catalog::new(&app);
        let names: Vec<String> = catalog
            .fc3_functions()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["one$hello", "only", "two$hello"]);
        assert_eq!(catalog.fc3_function("only").unwrap().label(), "one/only");
        assert_eq!(
            catalog.fc3_function("one$only").unwrap().label(),
            "one/only"
        );
        assert_eq!(
            catalog.fc3_function("two$hello").unwrap().label(),
            "two/hello"
        );
        let ambiguous = catalog.fc3_function("hello").unwrap_err();
        assert_eq!(ambiguous.status, StatusCode::BAD_REQUEST);
        assert!(
            ambiguous.message.contains("one$hello or two$hello"),
            "{}",
            ambiguous.message
        );
        assert_eq!(
            catalog.fc3_function("nope").unwrap_err().code,
            "FunctionNotFound"
        );
        assert_eq!(
            catalog.fc3_function("three$hello").unwrap_err().code,
            "ServiceNotFound"
        );
        assert_eq!(catalog.fc3_name("one", "only"), "only");
        assert_eq!(catalog.fc3_name("one", "hello"), "one$hello");
    }

    #[test]
    fn ids_are_stable_and_uuid_shaped() {
        let id = resource_id("function", &["one", "hello"]);
        assert_eq!(id, resource_id("function", &["one", "hello"]));
        assert_ne!(id, resource_id("function", &["two", "hello"]));
        assert_eq!(
            id.split('-').map(str::len).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
    }
}
