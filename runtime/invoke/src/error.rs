//! Errors of loading and invoking template functions.

use std::path::PathBuf;

use crate::spec::RequiredKind;

/// Why a function could not be loaded or invoked (its own failures are
/// [`fclocal_engine::InvocationError`]s inside a [`crate::Report`]).
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// The engine could not load or start the component.
    #[error(transparent)]
    Engine(#[from] fclocal_engine::EngineError),
    /// Building the function's crate failed.
    #[error(transparent)]
    Build(#[from] fclocal_builder::BuildError),
    /// The component is the wrong kind for the function's triggers.
    #[error("{}", role_message(function, component, kind, required))]
    Role {
        /// `service/function`.
        function: String,
        /// The component file.
        component: PathBuf,
        /// What the component is.
        kind: &'static str,
        /// What the triggers need.
        required: RequiredKind,
    },
    /// The template sets `Initializer` but the component exports none.
    #[error(
        "function {function} sets `Initializer`, but {} does not export `fclocal:function/initializer`; implement `initialize` in its EventFunction, or remove `Initializer` from template.yml",
        component.display()
    )]
    NoInitializer {
        /// `service/function`.
        function: String,
        /// The component file.
        component: PathBuf,
    },
    /// A prebuilt component named by `CodeUri`/`Handler` is missing.
    #[error(
        "function {function}: component {} does not exist; build it, or point CodeUri at the Cargo crate that builds it",
        path.display()
    )]
    MissingComponent {
        /// `service/function`.
        function: String,
        /// The expected file.
        path: PathBuf,
    },
    /// The logstore could not make the invocation's lines durable.
    #[error("cannot store the invocation's log lines")]
    Logs(#[from] fclocal_logstore::LogStoreError),
}

fn role_message(
    function: &str,
    component: &std::path::Path,
    kind: &str,
    required: &RequiredKind,
) -> String {
    let component = component.display();
    match required {
        RequiredKind::Any => format!("function {function}: {component} is an {kind}"),
        RequiredKind::Http { trigger } => format!(
            "function {function} has HTTP trigger `{trigger}`, but {component} is an {kind}; HTTP triggers need a wasi:http/proxy component (fclocal-sdk's `export_http_function!`)"
        ),
        RequiredKind::Event { trigger } => format!(
            "function {function} has trigger `{trigger}`, which delivers events, but {component} is an {kind}; event triggers need an event function (fclocal-sdk's `export_event_function!`)"
        ),
        RequiredKind::Conflict { http, event } => format!(
            "function {function} has HTTP trigger `{http}` and event trigger `{event}`; a component is either an HTTP function or an event function, so split them into two functions"
        ),
    }
}
