//! [`FunctionError`]: an error a function returns on purpose.

use std::fmt;

use crate::bindings::fclocal::function::types as wit;

/// An error an event function returns on purpose, like FC's `callback(err)`.
///
/// fclocal reports it as a `HandledInvocationError` with the body
/// `{"errorMessage": message, "errorType": error_type, "stackTrace": [...]}`.
/// A panic is different: it traps the instance and is reported as an
/// `UnhandledInvocationError`.
///
/// ```
/// use fclocal_sdk::FunctionError;
///
/// let err = FunctionError::new("no such marble").with_type("NotFound");
/// assert_eq!(err.error_type(), "NotFound");
/// assert_eq!(err.to_string(), "NotFound: no such marble");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionError {
    message: String,
    error_type: String,
    stack_trace: Vec<String>,
}

impl FunctionError {
    /// The `errorType` used when none is given: `Error`, as in Node.js.
    pub const DEFAULT_TYPE: &'static str = "Error";

    /// An error with this message and the type `Error`.
    pub fn new(message: impl Into<String>) -> Self {
        FunctionError {
            message: message.into(),
            error_type: Self::DEFAULT_TYPE.to_owned(),
            stack_trace: Vec::new(),
        }
    }

    /// Sets FC's `errorType`, e.g. `InvalidEvent` or `NotFound`.
    pub fn with_type(mut self, error_type: impl Into<String>) -> Self {
        self.error_type = error_type.into();
        self
    }

    /// Sets the lines of FC's `stackTrace` (left out of the body when empty).
    pub fn with_stack_trace<I, S>(mut self, lines: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.stack_trace = lines.into_iter().map(Into::into).collect();
        self
    }

    /// FC's `errorMessage`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// FC's `errorType`.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// FC's `stackTrace` lines.
    pub fn stack_trace(&self) -> &[String] {
        &self.stack_trace
    }

    /// An error from any `std::error::Error`: the message is the error and its
    /// `source()` chain joined with `: `.
    pub fn from_error(error: &(dyn std::error::Error + 'static), error_type: &str) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        FunctionError::new(message).with_type(error_type)
    }
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl std::error::Error for FunctionError {}

impl From<FunctionError> for wit::FunctionError {
    fn from(e: FunctionError) -> Self {
        wit::FunctionError {
            message: e.message,
            error_type: e.error_type,
            stack_trace: e.stack_trace,
        }
    }
}

impl From<String> for FunctionError {
    /// `Err(format!(...))?` gives an error of type `Error`.
    fn from(message: String) -> Self {
        FunctionError::new(message)
    }
}

impl From<&str> for FunctionError {
    /// `Err("...")?` gives an error of type `Error`.
    fn from(message: &str) -> Self {
        FunctionError::new(message)
    }
}

impl From<serde_json::Error> for FunctionError {
    /// JSON (de)serialisation errors get the type `JsonError`. To blame the
    /// event instead, use [`crate::event::json`] (type `InvalidEvent`).
    fn from(e: serde_json::Error) -> Self {
        FunctionError::from_error(&e, "JsonError")
    }
}

impl From<std::io::Error> for FunctionError {
    /// I/O errors get the type `IoError`.
    fn from(e: std::io::Error) -> Self {
        FunctionError::from_error(&e, "IoError")
    }
}

impl From<std::string::FromUtf8Error> for FunctionError {
    /// Invalid UTF-8 gets the type `Utf8Error`.
    fn from(e: std::string::FromUtf8Error) -> Self {
        FunctionError::from_error(&e, "Utf8Error")
    }
}

impl From<std::str::Utf8Error> for FunctionError {
    /// Invalid UTF-8 gets the type `Utf8Error`.
    fn from(e: std::str::Utf8Error) -> Self {
        FunctionError::from_error(&e, "Utf8Error")
    }
}

impl From<crate::outbound::OutboundError> for FunctionError {
    /// Failed outbound requests get the type `OutboundHttpError`.
    fn from(e: crate::outbound::OutboundError) -> Self {
        FunctionError::from_error(&e, "OutboundHttpError")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_builders() {
        let e = FunctionError::new("boom");
        assert_eq!(e.error_type(), "Error");
        assert!(e.stack_trace().is_empty());
        let e = e.with_type("X").with_stack_trace(["a", "b"]);
        let w: wit::FunctionError = e.into();
        assert_eq!(w.error_type, "X");
        assert_eq!(w.stack_trace, ["a", "b"]);
    }

    #[test]
    fn json_errors_name_the_problem() {
        let e: FunctionError = serde_json::from_str::<u32>("x").unwrap_err().into();
        assert_eq!(e.error_type(), "JsonError");
        assert!(e.message().contains("line 1"), "{e}");
    }
}
