//! `hello-http`: the smallest HTTP function. It answers every request with
//! 200 `Hello, World!` (text/plain) and prints nothing, so a benchmark
//! measures the host, not the guest. It is a plain `wasi:http/proxy`
//! component: `wasmtime serve` runs the same file, which is what makes the
//! side-by-side benchmark (`scripts/bench-http.sh`) fair.

use fclocal_sdk::http::{HttpFunction, Request, Response};

/// The exported function.
pub struct HelloHttp;

impl HttpFunction for HelloHttp {
    fn handle(_req: Request) -> Response {
        Response::text("Hello, World!")
    }
}

fclocal_sdk::export_http_function!(HelloHttp);
