//! HTTP functions: plain `wasi:http/proxy` components with a synchronous,
//! buffered model.
//!
//! The request body is read completely before [`HttpFunction::handle`] runs,
//! and the [`Response`] it returns is sent in one piece, so a handler is an
//! ordinary function from [`Request`] to [`Response`]:
//!
//! ```
//! use fclocal_sdk::http::{HttpFunction, Request, Response};
//!
//! struct Hello;
//!
//! impl HttpFunction for Hello {
//!     fn handle(req: Request) -> Response {
//!         let name = req.query("name").unwrap_or("world");
//!         Response::text(format!("Hello, {name}!"))
//!     }
//! }
//!
//! fclocal_sdk::export_http_function!(Hello);
//! ```
//!
//! The component exports `wasi:http/incoming-handler@0.2.12`, so it also
//! runs in other wasi:http hosts (`wasmtime serve`, Spin); there the context
//! is empty unless the host sends FC's `x-fc-*` headers.
//!
//! A handler that panics traps the instance (after one `panicked at ...` line
//! on stderr); the host turns that into an error response.

mod multimap;
mod request;
mod response;
pub(crate) mod wire;

use std::io::Write as _;
use std::marker::PhantomData;

pub use multimap::MultiMap;
pub use request::Request;
pub use response::Response;

use wasi::exports::http::incoming_handler;
use wasi::http::types::{ErrorCode, IncomingRequest, ResponseOutparam};

/// An HTTP function: FC's `handler(req, resp, context)`, synchronous.
///
/// Implement it on a unit struct and export it with
/// [`export_http_function!`](crate::export_http_function). One instance may
/// serve many requests one at a time, so `static` state survives between
/// requests (until the host replaces the instance).
pub trait HttpFunction {
    /// Handles one request.
    fn handle(req: Request) -> Response;
}

/// Glue between `wasi:http/incoming-handler` and an [`HttpFunction`]; used
/// by [`export_http_function!`](crate::export_http_function).
#[doc(hidden)]
pub struct HttpAdapter<T>(PhantomData<T>);

impl<T: HttpFunction> incoming_handler::Guest for HttpAdapter<T> {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        crate::panic::install_hook();
        let request = match wire::read_request(request) {
            Ok(request) => request,
            Err(e) => {
                eprintln!("fclocal-sdk: cannot read the request: {e}");
                ResponseOutparam::set(response_out, Err(ErrorCode::InternalError(Some(e))));
                return;
            }
        };
        let response = T::handle(request);
        let _ = std::io::stdout().flush();
        wire::send_response(response_out, response);
    }
}

/// Exports a type implementing [`HttpFunction`] as the component's
/// `wasi:http/incoming-handler@0.2.12` (the `wasi:http/proxy` world).
///
/// Use it once per crate (a `cdylib`); see the [module docs](crate::http).
#[macro_export]
macro_rules! export_http_function {
    ($function:ty) => {
        const _: () = {
            type __FclocalHttpFunction = $crate::http::HttpAdapter<$function>;
    $crate::wasi::http::proxy::export!(__FclocalHttpFunction with_types_in $crate::wasi);
        };
    };
}
