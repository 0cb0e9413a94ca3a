//! The custom-runtime contract's names, and which route a request takes.
//!
//! FC says what a request is in `x-fc-control-path` (`/invoke`,
//! `/http-invoke`, `/initialize`; FC doc 425057): its HTTP path is the
//! original request's for an HTTP function, so the path alone cannot tell.
//! fc-docker's local mock even posts everything to `/` with that header.
//! Without the header (curl, other hosts) the documented paths decide:
//! `POST /invoke`, `POST /initialize`, `GET /pre-stop`, `GET /pre-freeze`,
//! and anything else is an HTTP request — except that a component which
//! only takes HTTP requests gets `/invoke` too, as a web app would.

use http::Method;

use crate::error::BadRequest;

/// `x-fc-control-path`: what FC is asking for.
pub const CONTROL_PATH: &str = "x-fc-control-path";
/// `x-fc-status`: 200 when the invocation succeeded, 404 when it failed.
pub const STATUS: &str = "x-fc-status";
/// `x-fc-base-path`: the prefix FC put before an HTTP function's path
/// (`/2016-08-15/proxy/{service}/{function}/` without a custom domain).
pub const BASE_PATH: &str = "x-fc-base-path";
/// `x-fc-http-params`: base64 JSON describing the HTTP request
/// (`clientIP`, ...), sent by FC's front end.
pub const HTTP_PARAMS: &str = "x-fc-http-params";

/// What a request asks the runtime to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /invoke`: run the event function with the body as the event.
    Invoke,
    /// The original request of an HTTP function.
    Http,
    /// `POST /initialize`: run the `Initializer`.
    Initialize,
    /// `GET /pre-stop`: the instance is about to be stopped.
    PreStop,
    /// `GET /pre-freeze`: the instance is about to be frozen (FC 2.0).
    PreFreeze,
}

/// Which requests the served component takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepts {
    /// Events (`fclocal:function/handler`, or a language engine).
    pub events: bool,
    /// HTTP requests (`wasi:http/incoming-handler`, or a language engine).
    pub http: bool,
}

/// The route of a request with `method`, `path` and, if FC sent one,
/// `x-fc-control-path` `control`.
pub fn route(
    method: &Method,
    path: &str,
    control: Option<&str>,
    accepts: Accepts,
) -> Result<Route, BadRequest> {
    if let Some(control) = control {
        return match control {
            "/invoke" => Ok(Route::Invoke),
            "/http-invoke" => Ok(Route::Http),
            "/initialize" => Ok(Route::Initialize),
            "/pre-stop" => Ok(Route::PreStop),
            "/pre-freeze" => Ok(Route::PreFreeze),
            other => Err(BadRequest::invalid(format!(
                "unknown {CONTROL_PATH} {other:?}; Function Compute sends /invoke, /http-invoke, /initialize, /pre-stop or /pre-freeze"
            ))),
        };
    }
    let lifecycle = matches!(*method, Method::GET | Method::POST);
    Ok(match path {
        "/invoke" if *method == Method::POST && accepts.events => Route::Invoke,
        "/initialize" if *method == Method::POST => Route::Initialize,
        "/pre-stop" if lifecycle => Route::PreStop,
        "/pre-freeze" if lifecycle => Route::PreFreeze,
        _ => Route::Http,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: Accepts = Accepts {
        events: true,
        http: false,
    };
    const HTTP: Accepts = Accepts {
        events: false,
        http: true,
    };

    #[test]
    fn the_control_path_decides_whatever_the_path() {
        let route = |control| route(&Method::POST, "/", Some(control), EVENTS);
        assert_eq!(route("/invoke"), Ok(Route::Invoke));
        assert_eq!(route("/http-invoke"), Ok(Route::Http));
        assert_eq!(route("/initialize"), Ok(Route::Initialize));
        assert_eq!(route("/pre-stop"), Ok(Route::PreStop));
        assert_eq!(route("/pre-freeze"), Ok(Route::PreFreeze));
        let invoke_path = super::route(&Method::POST, "/invoke", Some("/http-invoke"), HTTP);
        assert_eq!(invoke_path, Ok(Route::Http));
    }

    #[test]
    fn an_unknown_control_path_is_refused_by_name() {
        let error = route(&Method::POST, "/invoke", Some("/invok"), EVENTS).unwrap_err();
        assert_eq!(error.code, "InvalidArgument");
        assert!(error.message.contains("\"/invok\""), "{}", error.message);
    }

    #[test]
    fn without_the_header_the_documented_paths_decide() {
        assert_eq!(
            route(&Method::POST, "/invoke", None, EVENTS),
            Ok(Route::Invoke)
        );
        assert_eq!(
            route(&Method::POST, "/initialize", None, EVENTS),
            Ok(Route::Initialize)
        );
        assert_eq!(
            route(&Method::GET, "/pre-stop", None, HTTP),
            Ok(Route::PreStop)
        );
        assert_eq!(
            route(&Method::GET, "/pre-freeze", None, HTTP),
            Ok(Route::PreFreeze)
        );
        assert_eq!(route(&Method::GET, "/a/b", None, HTTP), Ok(Route::Http));
        assert_eq!(
            route(&Method::GET, "/invoke", None, EVENTS),
            Ok(Route::Http)
        );
    }

    #[test]
    fn an_http_only_component_keeps_its_own_invoke_route() {
        assert_eq!(route(&Method::POST, "/invoke", None, HTTP), Ok(Route::Http));
    }
}
