//! Response headers: FC's `x-fc-*` invocation headers, the headers a
//! function may not set, and CORS as `fun local start` does it.

use fclocal_invoke::{Report, framing};
use http::{HeaderMap, HeaderName, HeaderValue};

/// What fun (and FC) expose to browsers on every response.
pub const EXPOSE_HEADERS: &str = "Date,X-Fc-Request-Id,x-fc-error-type,x-fc-code-checksum,x-fc-invocation-duration,x-fc-max-memory-usage,x-fc-log-result,x-fc-invocation-code-version";

/// Response headers a function may not set (FC doc 85445): every `x-fc-*`
/// header and the hop-by-hop ones.
const RESERVED: [&str; 7] = [
    "accept-encoding",
    "connection",
    "keep-alive",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
];

fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Drops what a function may not set, and `content-length`, which the
/// server recomputes from the body it sends.
pub fn drop_reserved(headers: &mut HeaderMap) {
    let reserved: Vec<HeaderName> = headers
        .keys()
        .filter(|name| {
            let name = name.as_str();
            name.starts_with("x-fc-") || RESERVED.contains(&name) || name == "content-length"
        })
        .cloned()
        .collect();
    for name in reserved {
        headers.remove(name);
    }
}

/// The `x-fc-*` headers every invocation answer carries.
pub fn invocation_headers<T>(headers: &mut HeaderMap, report: &Report<T>, code_checksum: &str) {
    headers.insert("x-fc-request-id", value(&report.request_id));
    headers.insert(
        "x-fc-invocation-duration",
        value(&framing::billed_millis(report.duration).to_string()),
    );
    headers.insert(
        "x-fc-max-memory-usage",
        value(&format!(
            "{:.2}",
            report.memory_used_bytes as f64 / (1024.0 * 1024.0)
        )),
    );
    headers.insert(
        "x-fc-invocation-service-version",
        HeaderValue::from_static("LATEST"),
    );
    headers.insert("x-fc-instance-id", value(&report.instance_id));
    headers.insert("x-fc-code-checksum", value(code_checksum));
}

/// Makes sure a response carries `x-fc-request-id`,
/// `x-fc-invocation-duration` and `x-fc-max-memory-usage`, even when no
/// function ran (a 404, a refused signature): then duration and memory are 0.
pub fn ensure_request_headers(headers: &mut HeaderMap, request_id: &str) {
    if !headers.contains_key("x-fc-request-id") {
        headers.insert("x-fc-request-id", value(request_id));
    }
    for name in ["x-fc-invocation-duration", "x-fc-max-memory-usage"] {
        if !headers.contains_key(name) {
            headers.insert(name, HeaderValue::from_static("0"));
        }
    }
}

/// FC reports a code checksum (a CRC-64, printed in decimal); fclocal uses
/// the first 64 bits of the component's SHA-256, so it changes when the
/// code does (a hot reload is visible in it).
pub fn code_checksum(digest: &str) -> String {
    digest
        .get(..16)
        .and_then(|prefix| u64::from_str_radix(prefix, 16).ok())
        .unwrap_or_default()
        .to_string()
}

/// CORS as fun sets it on every response: the exposed headers, and the
/// request's `Origin` allowed back. A function's own CORS headers win.
pub fn cors(headers: &mut HeaderMap, origin: Option<&HeaderValue>) {
    if !headers.contains_key("access-control-expose-headers") {
        headers.insert(
            "access-control-expose-headers",
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
    }
    if let Some(origin) = origin
        && !headers.contains_key("access-control-allow-origin")
    {
        headers.insert("access-control-allow-origin", origin.clone());
    }
}

/// The answer to a CORS preflight (`OPTIONS`): 200, cached for an hour, the
/// methods and headers asked for allowed.
pub fn preflight(request: &HeaderMap, methods: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("access-control-max-age", HeaderValue::from_static("3600"));
    headers.insert("access-control-allow-methods", value(methods));
    if let Some(asked) = request.get("access-control-request-headers") {
        headers.insert("access-control-allow-headers", asked.clone());
    }
    headers.insert(
        "access-control-allow-credentials",
        HeaderValue::from_static("true"),
    );
    cors(&mut headers, request.get(http::header::ORIGIN));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_cannot_set_reserved_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-fc-request-id", value("spoofed"));
        headers.insert("x-fc-anything", value("x"));
        headers.insert("transfer-encoding", value("chunked"));
        headers.insert("content-length", value("5"));
        headers.insert("x-custom", value("ok"));
        headers.insert("content-type", value("text/plain"));
        drop_reserved(&mut headers);
        let mut names: Vec<&str> = headers.keys().map(|name| name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["content-type", "x-custom"]);
    }

    #[test]
    fn cors_echoes_the_origin_unless_the_function_set_its_own() {
        let mut headers = HeaderMap::new();
        cors(&mut headers, Some(&value("http://app.local")));
        assert_eq!(headers["access-control-allow-origin"], "http://app.local");
        assert_eq!(headers["access-control-expose-headers"], EXPOSE_HEADERS);
        let mut own = HeaderMap::new();
        own.insert("access-control-allow-origin", value("*"));
        cors(&mut own, Some(&value("http://app.local")));
        assert_eq!(own["access-control-allow-origin"], "*");
    }

    #[test]
    fn the_checksum_is_a_decimal_u64_of_the_digest() {
        assert_eq!(code_checksum("00000000000000ff1234"), "255");
        assert_eq!(code_checksum("short"), "0");
    }
}
