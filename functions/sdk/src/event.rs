//! Event functions: the [`EventFunction`] trait, exported with
//! [`export_event_function!`](crate::export_event_function), and helpers for
//! event payloads.

use std::io::Write as _;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::exports::fclocal::function::{handler, initializer};
use crate::bindings::fclocal::function::types as wit;
use crate::{Context, FunctionError};

/// An event function: FC's `handler(event, context, callback)` and optional
/// `initializer(context, callback)`.
///
/// Implement it on a unit struct and export it with
/// [`export_event_function!`](crate::export_event_function). One instance
/// serves many invocations one at a time, so `static` state survives between
/// calls (until fclocal replaces the instance).
pub trait EventFunction {
    /// Handles one event. `Ok` bytes are the invocation result; `Err` is a
    /// `HandledInvocationError`.
    fn handle(event: Vec<u8>, ctx: Context) -> Result<Vec<u8>, FunctionError>;

    /// FC's initializer: runs once per instance before the first event, when
    /// the function sets `Initializer` in `template.yml`. The default does
    /// nothing.
    fn initialize(ctx: Context) -> Result<(), FunctionError> {
        let _ = ctx;
        Ok(())
    }
}

/// Parses the event as JSON into `T`.
///
/// A malformed event is the caller's fault, so the error has the type
/// `InvalidEvent` and names the problem, e.g. `invalid event JSON: expected
/// value at line 1 column 1`.
///
/// ```
/// #[derive(Debug, serde::Deserialize)]
/// struct Greeting { name: Option<String> }
///
/// let g: Greeting = fclocal_sdk::event::json(br#"{"name":"fc"}"#).unwrap();
/// assert_eq!(g.name.as_deref(), Some("fc"));
/// let err = fclocal_sdk::event::json::<Greeting>(b"{").unwrap_err();
/// assert_eq!(err.error_type(), "InvalidEvent");
/// ```
pub fn json<T: DeserializeOwned>(event: &[u8]) -> Result<T, FunctionError> {
    serde_json::from_slice(event).map_err(|e| {
        FunctionError::new(format!("invalid event JSON: {e}")).with_type("InvalidEvent")
    })
}

/// Serialises `value` as a JSON result. Fails (type `JsonError`) only for
/// values serde_json cannot represent, such as maps with non-string keys.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, FunctionError> {
    Ok(serde_json::to_vec(value)?)
}

/// Glue between the generated WIT traits and an [`EventFunction`]; used by
/// [`export_event_function!`](crate::export_event_function).
#[doc(hidden)]
pub struct EventAdapter<T>(PhantomData<T>);

impl<T: EventFunction> handler::Guest for EventAdapter<T> {
    fn handle(event: Vec<u8>, context: wit::Context) -> Result<Vec<u8>, wit::FunctionError> {
        crate::panic::install_hook();
        let result = T::handle(event, context.into());
        // A `print!` without a newline must not leak into the next invocation.
        let _ = std::io::stdout().flush();
        result.map_err(Into::into)
    }
}

impl<T: EventFunction> initializer::Guest for EventAdapter<T> {
    fn initialize(context: wit::Context) -> Result<(), wit::FunctionError> {
        crate::panic::install_hook();
        let result = T::initialize(context.into());
        let _ = std::io::stdout().flush();
        result.map_err(Into::into)
    }
}

/// Exports a type implementing [`EventFunction`] as the component's
/// `fclocal:function/handler@0.1.0` and `fclocal:function/initializer@0.1.0`.
///
/// Use it once per crate (a `cdylib`):
///
/// ```
/// use fclocal_sdk::{Context, EventFunction, FunctionError};
///
/// struct Echo;
///
/// impl EventFunction for Echo {
///     fn handle(event: Vec<u8>, _ctx: Context) -> Result<Vec<u8>, FunctionError> {
///         Ok(event)
///     }
/// }
///
/// fclocal_sdk::export_event_function!(Echo);
/// ```
#[macro_export]
macro_rules! export_event_function {
    ($function:ty) => {
        const _: () = {
            type __FclocalEventFunction = $crate::event::EventAdapter<$function>;
    $crate::bindings::export!(__FclocalEventFunction with_types_in $crate::bindings);
        };
    };
}
