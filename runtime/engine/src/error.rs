//! Errors of the engine: preparing a component ([`EngineError`]) and running
//! one invocation ([`InvocationError`]).
//!
//! The two are kept apart on purpose: an `EngineError` means the function
//! cannot run at all (a bad file, a missing export) and is the user's to fix
//! before anything else; an `InvocationError` is the outcome of one call and
//! maps onto Function Compute's `HandledInvocationError` /
//! `UnhandledInvocationError`.

use std::path::PathBuf;
use std::time::Duration;

/// A boxed error from wasmtime or WASI, kept as the `source` of our errors so
/// the full cause chain reaches the user.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Converts wasmtime's own error type (not `std::error::Error`) into a source.
pub(crate) fn boxed(error: wasmtime::Error) -> BoxError {
    error.into()
}

/// Why a component could not be loaded, compiled or instantiated.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// wasmtime refused the engine configuration.
    #[error("cannot create the WebAssembly engine")]
    Engine(#[source] BoxError),
    /// The component file could not be read.
    #[error("cannot read component {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a WebAssembly component.
    #[error("{} is not a WebAssembly component: {reason}", path.display())]
    NotAComponent {
        /// The file.
        path: PathBuf,
        /// What it is instead and how to fix it.
        reason: String,
    },
    /// wasmtime could not compile the component.
    #[error("cannot compile component {}", path.display())]
    Compile {
        /// The file.
        path: PathBuf,
        /// wasmtime's error.
        #[source]
        source: BoxError,
    },
    /// The component exports neither an event handler nor an HTTP handler.
    #[error(
        "{} exports neither `fclocal:function/handler` (an event function) nor `wasi:http/incoming-handler` (an HTTP function); it exports [{}]. Build it with fclocal-sdk's `export_event_function!` or `export_http_function!`",
        path.display(),
        exports.join(", ")
    )]
    UnknownRole {
        /// The file.
        path: PathBuf,
        /// The names it does export.
        exports: Vec<String>,
    },
    /// The component exports both handlers, so fclocal cannot tell how to call it.
    #[error(
        "{} exports both `fclocal:function/handler` and `wasi:http/incoming-handler`; a function must be either an event function or an HTTP function",
        path.display()
    )]
    AmbiguousRole {
        /// The file.
        path: PathBuf,
    },
    /// The component imports something fclocal does not provide.
    #[error("cannot link {}: it imports something fclocal does not provide (fclocal provides WASI 0.2 and wasi:http)", path.display())]
    Link {
        /// The file.
        path: PathBuf,
        /// wasmtime's error, naming the import.
        #[source]
        source: BoxError,
    },
    /// The pooling allocator has no room for another instance of this
    /// component (its core instances, memories or tables are all in use):
    /// a capacity refusal, which FC reports as throttling (429).
    #[error("no room for another instance of {}: the instance pool is full", path.display())]
    PoolFull {
        /// The file.
        path: PathBuf,
        /// wasmtime's error, naming the exhausted resource.
        #[source]
        source: BoxError,
    },
    /// Instantiation failed (for example, the component's initial memory is
    /// larger than `MemorySize`).
    #[error("cannot instantiate {}", path.display())]
    Instantiate {
        /// The file.
        path: PathBuf,
        /// wasmtime's error.
        #[source]
        source: BoxError,
    },
}

/// How one invocation failed. Everything but [`InvocationError::Handled`]
/// leaves the instance unusable: fclocal discards it, as FC does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvocationError {
    /// The function returned an error on purpose (FC's `callback(err)`).
    Handled {
        /// `errorMessage`.
        message: String,
        /// `errorType`.
        error_type: String,
        /// `stackTrace`, possibly empty.
        stack_trace: Vec<String>,
    },
    /// The guest trapped: a Rust panic, `unreachable`, an out-of-bounds access.
    Trap {
        /// What happened, with the panic message when the guest printed one.
        message: String,
        /// The WebAssembly backtrace, one frame per line.
        backtrace: Vec<String>,
    },
    /// The invocation ran past its timeout and was stopped.
    Timeout {
        /// The configured limit.
        limit: Duration,
    },
    /// The guest tried to grow its memory past `MemorySize`.
    OutOfMemory {
        /// The cap on the whole instance, in bytes.
        limit_bytes: u64,
        /// The total the guest asked for, in bytes.
        requested_bytes: u64,
    },
    /// A language engine (Node.js, Python) reported the failure itself, in
    /// the shape FC's runtime for that language gives it: an error the
    /// handler passed to its callback, an uncaught exception, a missing
    /// module. The engine caught it, so the instance stays usable.
    Reported {
        /// FC's error body as the language's runtime shapes it (JSON).
        body: String,
        /// Its `errorMessage`, for messages and logs.
        message: String,
        /// `UnhandledInvocationError` (an uncaught exception) rather than
        /// `HandledInvocationError` (`callback(err)`).
        unhandled: bool,
    },
    /// The host could not complete the call (for example, an HTTP function
    /// never set its response).
    Host {
        /// What went wrong.
        message: String,
    },
}

impl InvocationError {
    /// FC's `X-Fc-Error-Type` for this failure.
    pub fn fc_error_type(&self) -> &'static str {
        match self {
            InvocationError::Handled { .. } => "HandledInvocationError",
            InvocationError::Reported {
                unhandled: false, ..
            } => "HandledInvocationError",
            _ => "UnhandledInvocationError",
        }
    }

    /// Whether the instance must be discarded after this failure.
    pub fn poisons_instance(&self) -> bool {
        !matches!(
            self,
            InvocationError::Handled { .. } | InvocationError::Reported { .. }
        )
    }
}

impl std::fmt::Display for InvocationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvocationError::Handled {
                message,
                error_type,
                ..
            } => write!(f, "{error_type}: {message}"),
            InvocationError::Trap { message, .. } => write!(f, "{message}"),
            InvocationError::Timeout { limit } => {
                write!(f, "function timed out after {} seconds", limit.as_secs())
            }
            InvocationError::OutOfMemory {
                limit_bytes,
                requested_bytes,
            } => write!(
                f,
                "function ran out of memory: it asked for {} MB in total, more than its MemorySize of {} MB",
                requested_bytes.div_ceil(1 << 20),
                limit_bytes >> 20
            ),
            InvocationError::Reported { message, .. } | InvocationError::Host { message } => {
                write!(f, "{message}")
            }
        }
    }
}

impl std::error::Error for InvocationError {}
