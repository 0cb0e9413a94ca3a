//! Finding functions by the names users type: `svc/fn`, or a bare `fn` searched in every
//! service (fun's `[service/]function`).

use crate::model::{App, Function, Service};

/// Why [`App::find_function`] found no single function.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// No function matches.
    #[error("{}", not_found_message(spec, known))]
    NotFound {
        /// What the user asked for.
        spec: String,
        /// Every function in the template, as `service/function`.
        known: Vec<String>,
    },
    /// A bare function name matches functions in several services.
    #[error(
        "function `{spec}` is declared in more than one service ({}); name one as `service/function`, e.g. `{}`",
        candidates.join(", "),
        candidates.first().map(String::as_str).unwrap_or_default()
    )]
    Ambiguous {
        /// What the user asked for.
        spec: String,
        /// The matches, as `service/function`.
        candidates: Vec<String>,
    },
}

fn not_found_message(spec: &str, known: &[String]) -> String {
    if known.is_empty() {
        return format!("no function `{spec}`: the template declares no functions");
    }
    format!(
        "no function `{spec}` in the template; known functions: {}; name one as `service/function` (or just `function` when the name is unique)",
        known.join(", ")
    )
}

impl App {
    /// Every function with its service, in template order.
    pub fn functions(&self) -> impl Iterator<Item = (&Service, &Function)> {
        self.services
            .iter()
            .flat_map(|s| s.functions.iter().map(move |f| (s, f)))
    }

    /// The first function in the template: what `invoke` uses when given no name, as
    /// `fun local invoke` does.
    pub fn first_function(&self) -> Option<(&Service, &Function)> {
        self.functions().next()
    }

    /// Finds a function by `service/function` (or FC 3.0's `service$function`), or by
    /// a bare `function` name when exactly one service declares it.
    pub fn find_function(&self, spec: &str) -> Result<(&Service, &Function), LookupError> {
        let not_found = || LookupError::NotFound {
            spec: spec.to_owned(),
            known: self
                .functions()
                .map(|(s, f)| format!("{}/{}", s.name, f.name))
                .collect(),
        };
        if let Some((service, function)) = spec.split_once('/').or_else(|| spec.split_once('$')) {
            return self
                .services
                .iter()
                .filter(|s| s.name.as_str() == service)
                .find_map(|s| s.function(function).map(|f| (s, f)))
                .ok_or_else(not_found);
        }
        let mut matches = self.functions().filter(|(_, f)| f.name.as_str() == spec);
        match (matches.next(), matches.next()) {
            (None, _) => Err(not_found()),
            (Some(found), None) => Ok(found),
            (Some(first), Some(second)) => Err(LookupError::Ambiguous {
                spec: spec.to_owned(),
                candidates: [first, second]
                    .into_iter()
                    .chain(matches)
                    .map(|(s, f)| format!("{}/{}", s.name, f.name))
                    .collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::model::CodeLocation;

    fn function(name: &str) -> Function {
        Function {
            name: name.try_into().unwrap(),
            handler: format!("{name}.wasm"),
            runtime: crate::Runtime::Custom,
            code: CodeLocation::Component {
                path: PathBuf::from(format!("{name}.wasm")),
            },
            description: None,
            timeout_secs: 3,
            memory_size_mb: 128,
            initializer: None,
            initialization_timeout_secs: 3,
            environment: Vec::new(),
            instance_concurrency: 1,
            instance_type: None,
            ca_port: None,
            triggers: Vec::new(),
        }
    }

    fn service(name: &str, functions: &[&str]) -> Service {
        Service {
            name: name.try_into().unwrap(),
            description: None,
            role: None,
            policies: None,
            internet_access: None,
            log_config: None,
            vpc_config: None,
            nas_config: None,
            tracing_config: None,
            functions: functions.iter().map(|f| function(f)).collect(),
        }
    }

    fn app(services: Vec<Service>) -> App {
        App {
            source: crate::ProjectFormat::FunTemplate,
            template_path: "template.yml".into(),
            base_dir: ".".into(),
            services,
            log_projects: Vec::new(),
            mns_topics: Vec::new(),
        }
    }

    fn names(found: (&Service, &Function)) -> (String, String) {
        (found.0.name.to_string(), found.1.name.to_string())
    }

    #[test]
    fn finds_by_service_and_function() {
        let app = app(vec![service("a", &["x", "y"]), service("b", &["x", "z"])]);
        assert_eq!(
            names(app.find_function("b/x").unwrap()),
            ("b".into(), "x".into())
        );
        assert_eq!(
            names(app.find_function("b$x").unwrap()),
            ("b".into(), "x".into())
        );
        assert_eq!(
            names(app.find_function("z").unwrap()),
            ("b".into(), "z".into())
        );
        assert_eq!(
            names(app.first_function().unwrap()),
            ("a".into(), "x".into())
        );
        let order: Vec<_> = app.functions().map(names).collect();
        assert_eq!(order.len(), 4);
        assert_eq!(order[2], ("b".into(), "x".into()));
    }

    #[test]
    fn bare_name_in_two_services_is_ambiguous() {
        let app = app(vec![service("a", &["x"]), service("b", &["x"])]);
        let err = app.find_function("x").unwrap_err();
        assert_eq!(
            err,
            LookupError::Ambiguous {
                spec: "x".into(),
                candidates: vec!["a/x".into(), "b/x".into()],
            }
        );
        assert_eq!(
            err.to_string(),
            "function `x` is declared in more than one service (a/x, b/x); \
             name one as `service/function`, e.g. `a/x`"
        );
    }

    #[test]
    fn not_found_lists_known_functions() {
        let app = app(vec![service("a", &["x"]), service("b", &["y"])]);
        for spec in ["nope", "a/y", "c/x", "a/x/extra", "", "/"] {
            let err = app.find_function(spec).unwrap_err();
            assert_eq!(
                err,
                LookupError::NotFound {
                    spec: spec.into(),
                    known: vec!["a/x".into(), "b/y".into()],
                },
                "{spec}"
            );
        }
        assert_eq!(
            app.find_function("nope").unwrap_err().to_string(),
            "no function `nope` in the template; known functions: a/x, b/y; \
             name one as `service/function` (or just `function` when the name is unique)"
        );
    }

    #[test]
    fn empty_app() {
        let app = app(Vec::new());
        assert!(app.first_function().is_none());
        assert_eq!(
            app.find_function("x").unwrap_err().to_string(),
            "no function `x`: the template declares no functions"
        );
    }
}
