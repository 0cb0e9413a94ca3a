//! Errors: a request FC would not send ([`BadRequest`], answered with FC's
//! error shape while the server keeps serving) and a command line that
//! cannot describe a function ([`ConfigError`]).

use http::StatusCode;

/// A request that does not follow the custom-runtime contract. Answered
/// with FC's error body (`{"errorCode", "errorMessage"}`); never stops the
/// server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BadRequest {
    /// HTTP status of the answer.
    pub status: StatusCode,
    /// FC's `errorCode` (`InvalidArgument`, `EntityTooLarge`, ...).
    pub code: &'static str,
    /// What was wrong and what FC would send instead.
    pub message: String,
}

impl BadRequest {
    /// A 400 `InvalidArgument`.
    pub fn invalid(message: impl Into<String>) -> BadRequest {
        BadRequest {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidArgument",
            message: message.into(),
        }
    }
}

/// The command line does not describe a function fclocal can serve.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--runtime` names a runtime that does not run as a WebAssembly component.
    #[error(
        "runtime `{0}` cannot be served: fclocal serve-function runs `custom` (a WebAssembly component), nodejs8 to nodejs20, and python3* through fclocal's language engines"
    )]
    UnknownRuntime(String),
    /// A numeric setting is out of FC's range.
    #[error("{name} must be {range}, got {value}")]
    OutOfRange {
        /// The flag or variable.
        name: &'static str,
        /// FC's range, in words.
        range: &'static str,
        /// What was given.
        value: u64,
    },
    /// The component file is missing.
    #[error(
        "component {} does not exist; run serve-function from the package folder (FC runs bootstrap in /code) or pass --component with the right path",
        .0.display()
    )]
    MissingComponent(std::path::PathBuf),
}
