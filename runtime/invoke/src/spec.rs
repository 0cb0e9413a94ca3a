//! What fclocal needs to know to run one function, taken from the template
//! once: limits, environment, where its logs go, what it may call, and which
//! kind of component its triggers require.

use std::path::{Path, PathBuf};

use fclocal_engine::{FunctionKind, OutboundAccess};
use fclocal_template::{App, CodeLocation, Function, LogConfig, Service, TriggerKind};

/// Where a function's log records go when its service has no `LogConfig`
/// (or `LogConfig: Auto`): FC would drop them or create a project; fclocal
/// keeps them in this local project/logstore so nothing is lost.
pub const DEFAULT_LOG_PROJECT: &str = "fclocal";
/// See [`DEFAULT_LOG_PROJECT`].
pub const DEFAULT_LOGSTORE: &str = "function-log";

/// FC's qualifier for the unpublished version.
pub const QUALIFIER: &str = "LATEST";

/// A project/logstore pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    /// SLS project.
    pub project: String,
    /// Logstore in it.
    pub logstore: String,
}

/// The component kind a function's triggers call for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequiredKind {
    /// No trigger constrains it (invoked by hand only).
    Any,
    /// An HTTP trigger: a `wasi:http/proxy` component.
    Http {
        /// The trigger that requires it.
        trigger: String,
    },
    /// A timer or MNS trigger: an event function.
    Event {
        /// The trigger that requires it.
        trigger: String,
    },
    /// An HTTP trigger and an event trigger on one function: no component
    /// can serve both, so loading fails with an explanation.
    Conflict {
        /// The HTTP trigger.
        http: String,
        /// The timer or MNS trigger.
        event: String,
    },
}

impl RequiredKind {
    /// Whether `kind` satisfies the requirement.
    pub fn accepts(&self, kind: FunctionKind) -> bool {
        match self {
            RequiredKind::Conflict { .. } => false,
            // A language engine serves events and HTTP requests alike.
            _ if kind == FunctionKind::Language => true,
            RequiredKind::Any => true,
            RequiredKind::Http { .. } => kind == FunctionKind::Http,
            RequiredKind::Event { .. } => matches!(kind, FunctionKind::Event { .. }),
        }
    }
}

/// One function, ready to be loaded and invoked.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    /// Service name.
    pub service: String,
    /// Function name.
    pub function: String,
    /// `Handler`.
    pub handler: String,
    /// Where the component comes from.
    pub code: CodeLocation,
    /// `MemorySize` in MB.
    pub memory_mb: u32,
    /// `Timeout` in seconds.
    pub timeout_secs: u32,
    /// `Initializer`, when set.
    pub initializer: Option<String>,
    /// `InitializationTimeout` in seconds.
    pub initialization_timeout_secs: u32,
    /// `EnvironmentVariables`, in template order.
    pub environment: Vec<(String, String)>,
    /// `InstanceConcurrency`.
    pub instance_concurrency: u32,
    /// Where log records go.
    pub log_target: LogTarget,
    /// The service's `LogConfig` names, passed to the guest as context.
    pub log_config: Option<LogTarget>,
    /// Which outbound HTTP requests are allowed.
    pub outbound: OutboundAccess,
    /// What the triggers require of the component.
    pub required_kind: RequiredKind,
    /// `__topic__` of the function's log records: the service name on FC
    /// 2.0, `FCLogs:<function>` on FC 3.0 (what `s logs` queries).
    pub log_topic: String,
}

impl FunctionSpec {
    /// Takes a function's settings from the template.
    pub fn from_template(service: &Service, function: &Function) -> FunctionSpec {
        let log_config = match &service.log_config {
            Some(LogConfig::Store {
                project, logstore, ..
            }) => Some(LogTarget {
                project: project.clone(),
                logstore: logstore.clone(),
            }),
            _ => None,
        };
        let log_target = log_config.clone().unwrap_or_else(|| LogTarget {
            project: DEFAULT_LOG_PROJECT.to_owned(),
            logstore: DEFAULT_LOGSTORE.to_owned(),
        });
        FunctionSpec {
            log_topic: service.name.to_string(),
            service: service.name.to_string(),
            function: function.name.to_string(),
            handler: function.handler.clone(),
            code: function.code.clone(),
            memory_mb: function.memory_size_mb,
            timeout_secs: function.timeout_secs,
            initializer: function.initializer.clone(),
            initialization_timeout_secs: function.initialization_timeout_secs,
            environment: function.environment.clone(),
            instance_concurrency: function.instance_concurrency,
            log_target,
            log_config,
            outbound: if service.allows_internet() {
                OutboundAccess::Any
            } else {
                OutboundAccess::Deny
            },
            required_kind: required_kind(function),
        }
    }

    /// [`FunctionSpec::from_template`] for a function of `app`: an FC 3.0
    /// app's records take FC 3.0's topic.
    pub fn in_app(app: &App, service: &Service, function: &Function) -> FunctionSpec {
        let mut spec = FunctionSpec::from_template(service, function);
        if app.source.is_fc3() {
            spec.log_topic = format!("FCLogs:{}", spec.function);
        }
        spec
    }

    /// `service/function`, as users name it on the command line.
    pub fn label(&self) -> String {
        format!("{}/{}", self.service, self.function)
    }

    /// The folder a language engine mounts at `/code` (the function's
    /// `CodeUri`); `None` for WebAssembly functions, which get no filesystem.
    pub fn code_dir(&self) -> Option<&Path> {
        match &self.code {
            CodeLocation::Source { dir, .. } => Some(dir),
            CodeLocation::Crate { .. } | CodeLocation::Component { .. } => None,
        }
    }

    /// The crate directory, when the component is built from a crate.
    pub fn crate_dir(&self) -> Option<&PathBuf> {
        match &self.code {
            CodeLocation::Crate { dir, .. } => Some(dir),
            CodeLocation::Component { .. } | CodeLocation::Source { .. } => None,
        }
    }
}

fn required_kind(function: &Function) -> RequiredKind {
    let mut http = None;
    let mut event = None;
    for trigger in &function.triggers {
        match trigger.kind {
            TriggerKind::Http(_) => http = http.or(Some(trigger.name.to_string())),
            TriggerKind::Timer(_) | TriggerKind::MnsTopic(_) => {
                event = event.or(Some(trigger.name.to_string()));
            }
            TriggerKind::NotEmulated { .. } => {}
        }
    }
    match (http, event) {
        (Some(http), Some(event)) => RequiredKind::Conflict { http, event },
        (Some(trigger), None) => RequiredKind::Http { trigger },
        (None, Some(trigger)) => RequiredKind::Event { trigger },
        (None, None) => RequiredKind::Any,
    }
}

/// Every function of the app, in template order.
pub fn all_specs(app: &App) -> Vec<FunctionSpec> {
    app.functions()
        .map(|(service, function)| FunctionSpec::in_app(app, service, function))
        .collect()
}
