//! FC 3.0 HTTP triggers at the function's own root path.
//!
//! FC 3.0 gives every HTTP-triggered function a domain of its own
//! (`https://{function}-{account}.{region}.fcapp.run/...`): the request path
//! reaches the handler whole, so a handler that routes on `/api/...` sees
//! `/api/...`. Locally each such function gets a listener of its own on the
//! server's address (a port, because `{function}.localhost` resolves in
//! browsers but not in most HTTP clients), and every request on it goes to
//! that function's HTTP trigger with its path untouched. The trigger rules
//! (methods, auth, limits, CORS, error answers) are the `/proxy/` route's.
//! Like `/proxy/`, these ports are the user's functions: the cross-site
//! guard, which protects fclocal's own state, does not apply.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use fclocal_invoke::new_request_id;
use http::Request;
use tokio::net::TcpListener;

use crate::proxy;
use crate::state::{AppState, RouteTable};

/// A bound listener for one function's root.
#[derive(Debug)]
pub struct FunctionListener {
    /// `service/function`.
    pub label: String,
    /// FC 3.0's name for it: the function, or `service$function` when they
    /// differ.
    pub name: String,
    /// The listener.
    pub listener: TcpListener,
    /// Where it listens.
    pub address: SocketAddr,
}

/// Why a function's listener could not start.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot listen on {address} for FC 3.0 function {label}'s HTTP trigger; pick other ports with --function-port-base (0 takes free ones)"
)]
pub struct FunctionBindError {
    /// The function.
    pub label: String,
    /// The address tried.
    pub address: SocketAddr,
    /// The I/O error.
    #[source]
    pub source: std::io::Error,
}

/// Binds one listener per HTTP-triggered function of `routes` (an FC 3.0
/// app's), on `ip`: ports `base`, `base + 1`, ... in the routes' order, or
/// free ports when `base` is 0.
pub async fn bind(
    routes: &RouteTable,
    ip: IpAddr,
    base: u16,
) -> Result<Vec<FunctionListener>, FunctionBindError> {
    let mut bound = Vec::new();
    for (index, route) in routes
        .functions()
        .filter(|route| route.http.is_some())
        .enumerate()
    {
        let port = if base == 0 {
            0
        } else {
            u16::try_from(index)
                .ok()
                .and_then(|offset| base.checked_add(offset))
                .unwrap_or(0)
        };
        let address = SocketAddr::new(ip, port);
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| FunctionBindError {
                label: route.label.clone(),
                address,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| FunctionBindError {
            label: route.label.clone(),
            address,
            source,
        })?;
        let name = if route.spec.service == route.spec.function {
            route.spec.function.clone()
        } else {
            format!("{}${}", route.spec.service, route.spec.function)
        };
        bound.push(FunctionListener {
            name,
            label: route.label.clone(),
            listener,
            address,
        });
    }
    Ok(bound)
}

/// The banner's lines for the functions' own listeners.
pub fn banner_lines(listeners: &[FunctionListener]) -> Vec<String> {
    listeners
        .iter()
        .map(|bound| {
            format!(
                "FC 3.0 function {} at http://{}/ (its own root, as its FC 3.0 domain serves it)",
                bound.name, bound.address
            )
        })
        .collect()
}

/// The router of one function's root: every path and method goes to its
/// HTTP trigger.
pub fn router(state: Arc<AppState>, label: &str) -> Router {
    let label: Arc<str> = Arc::from(label);
    Router::new()
        .fallback(move |state, peer, request| handle(state, peer, request, label.clone()))
        .with_state(state)
}

async fn handle(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request<Body>,
    label: Arc<str>,
) -> Response {
    let request_id = new_request_id();
    // `/proxy/`'s `{service}/{function}{path}`, with the whole path.
    let rest = format!("{label}{}", request.uri().path());
    proxy::handle(&state, peer, request, &rest, &request_id).await
}
