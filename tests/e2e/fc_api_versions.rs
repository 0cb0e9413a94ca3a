//! FC's 2021-04-06 and 2023-03-30 APIs over raw HTTP: what the official
//! SDKs' tests (`sdk_fc`) cannot provoke — a body changed after signing, a
//! stale `x-acs-date`, each version's error body, `--no-auth`, the
//! cross-site guard, paging limits — and the 2016-08-15 management reads.

use std::time::{Duration, SystemTime};

use crate::common::Sandbox;
use crate::server::{Answer, Server};
use crate::start_http::TEMPLATE;

/// `headers` plus what an OpenAPI SDK adds, signed with ACS3-HMAC-SHA256 at
/// `date` over `body` (a Node.js SDK's choice of signed headers).
fn acs3_headers(
    server: &Server,
    method: &str,
    path_and_query: &str,
    mut headers: Vec<(&'static str, String)>,
    body: &[u8],
    date: SystemTime,
) -> Vec<(&'static str, String)> {
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    let host = server.base.trim_start_matches("http://").to_owned();
    headers.extend([
        ("host", host),
        ("x-acs-date", fclocal_server::acs3::format_date(date)),
        ("x-acs-signature-nonce", format!("{:?}", SystemTime::now())),
        ("x-acs-version", "2023-03-30".to_owned()),
        (
            "x-acs-content-sha256",
            fclocal_server::acs3::content_sha256(body),
        ),
    ]);
    let mut map = http::HeaderMap::new();
    for (name, value) in &headers {
        map.insert(*name, value.parse().unwrap());
    }
    let request = fclocal_server::acs3::SignedRequest {
        method,
        path,
        query,
        headers: &map,
    };
    headers.push((
        "authorization",
        fclocal_server::acs3::authorization(&server.credentials, &request),
    ));
    headers
}

fn acs3(server: &Server, method: &str, path: &str, body: &[u8]) -> Answer {
    let headers = acs3_headers(server, method, path, vec![], body, SystemTime::now());
    server.send(method, path, &headers, body)
}

fn started(args: &[&str]) -> (Sandbox, Server) {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let mut all = vec!["--no-watch"];
    all.extend_from_slice(args);
    let server = Server::start(&sandbox, &all);
    (sandbox, server)
}

const INVOKE_2023: &str = "/2023-03-30/functions/hostile/invocations";
const INVOKE_2021: &str = "/2021-04-06/services/demo/functions/hostile/invocations";

#[test]
fn acs3_signed_invocations_run_in_both_new_versions_and_the_banner_lists_them() {
    let (_sandbox, server) = started(&[]);
    let printed = server.printed().join("\n");
    assert!(
        printed.contains(&format!("\turl (FC 3.0): {}{INVOKE_2023}", server.base)),
        "{printed}"
    );
    assert!(printed.contains("2023-03-30 (ListFunctions, GetFunction, ListTriggers, GetTrigger)"));

    for path in [
        INVOKE_2023.to_owned(),
        format!("{INVOKE_2023}?qualifier=LATEST"),
        INVOKE_2021.to_owned(),
        // FC 3.0 names take the service too, percent-encoded as the SDKs send `$`.
        "/2023-03-30/functions/demo%24hostile/invocations".to_owned(),
    ] {
        let answer = acs3(&server, "POST", &path, br#"{"action":"echo","v":3}"#);
        assert_eq!(answer.status, 200, "{path}: {}", answer.text());
        assert_eq!(answer.text(), r#"{"action":"echo","v":3}"#);
        assert!(answer.headers.contains_key("x-fc-request-id"));
    }
}

#[test]
fn a_body_changed_after_signing_and_a_stale_date_are_refused() {
    let (_sandbox, server) = started(&[]);
    let headers = acs3_headers(
        &server,
        "POST",
        INVOKE_2023,
        vec![],
        br#"{"action":"ok"}"#,
        SystemTime::now(),
    );
    let tampered = server.send("POST", INVOKE_2023, &headers, br#"{"action":"echo"}"#);
    assert_eq!(tampered.status, 403);
    assert_eq!(tampered.json()["Code"], "SignatureNotMatch");
    assert!(
        tampered.json()["Message"]
            .as_str()
            .unwrap()
            .contains("not the one signed")
    );

    let stale = acs3_headers(
        &server,
        "GET",
        "/2023-03-30/functions",
        vec![],
        b"",
        SystemTime::now() - Duration::from_secs(20 * 60),
    );
    let answer = server.send("GET", "/2023-03-30/functions", &stale, b"");
    assert_eq!(answer.status, 403);
    assert_eq!(answer.json()["Code"], "RequestTimeTooSkewed");

    // A signed header changed in transit.
    let mut moved = acs3_headers(
        &server,
        "GET",
        "/2021-04-06/services?limit=1",
        vec![],
        b"",
        SystemTime::now(),
    );
    let answer = server.send("GET", "/2021-04-06/services?limit=2", &moved, b"");
    assert_eq!(answer.status, 403, "the query is signed");
    moved.retain(|(name, _)| *name != "authorization");
    let unsigned = server.send("GET", "/2021-04-06/services", &moved, b"");
    assert_eq!(unsigned.status, 400);
    assert_eq!(unsigned.json()["ErrorCode"], "MissingRequiredHeader");

    // The same request again, its date still fresh: its nonce was used.
    let once = acs3_headers(
        &server,
        "POST",
        INVOKE_2023,
        vec![],
        br#"{"action":"ok"}"#,
        SystemTime::now(),
    );
    let first = server.send("POST", INVOKE_2023, &once, br#"{"action":"ok"}"#);
    assert_eq!(first.status, 200, "{}", first.text());
    let replayed = server.send("POST", INVOKE_2023, &once, br#"{"action":"ok"}"#);
    assert_eq!(replayed.status, 403, "{}", replayed.text());
    assert_eq!(replayed.json()["Code"], "SignatureNonceUsed");
    assert!(
        replayed.json()["Message"]
            .as_str()
            .unwrap()
            .contains("already received")
    );
}

#[test]
fn each_version_answers_errors_in_its_own_shape() {
    let (_sandbox, server) = started(&[]);
    let fc3 = acs3(&server, "GET", "/2023-03-30/functions/nope", b"");
    assert_eq!(fc3.status, 404);
    let body = fc3.json();
    assert_eq!(body["Code"], "FunctionNotFound");
    assert_eq!(body["RequestId"], fc3.header("x-fc-request-id"));
    assert!(body.get("ErrorCode").is_none(), "{body}");

    let fc2 = acs3(&server, "GET", "/2021-04-06/services/nope", b"");
    assert_eq!(fc2.status, 404);
    let body = fc2.json();
    assert_eq!(body["ErrorCode"], "ServiceNotFound");
    assert_eq!(body["Code"], "ServiceNotFound");
    assert_eq!(body["RequestId"], fc2.header("x-fc-request-id"));

    let path = "/2016-08-15/services/nope";
    let headers = server.signed("GET", path, None, vec![], SystemTime::now());
    let old = server.send("GET", path, &headers, b"");
    assert_eq!(old.status, 404);
    assert_eq!(
        old.json(),
        serde_json::json!({
            "ErrorCode": "ServiceNotFound",
            "ErrorMessage": "service 'nope' does not exist in the template",
        })
    );
    assert_eq!(old.header("x-fc-error-type"), "FcCommonError");

    let unknown = acs3(&server, "GET", "/2023-03-30/layers", b"");
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["Code"], "PathNotSupported");
    let limit = acs3(&server, "GET", "/2023-03-30/functions?limit=0", b"");
    assert_eq!(limit.status, 400);
    assert!(
        limit.json()["Message"]
            .as_str()
            .unwrap()
            .contains("from 1 to 100")
    );
    let version = acs3(
        &server,
        "POST",
        &format!("{INVOKE_2023}?qualifier=prod"),
        b"{}",
    );
    assert_eq!(version.status, 404);
    assert_eq!(version.json()["Code"], "VersionNotFound");
    let write = acs3(&server, "POST", "/2023-03-30/functions", b"{}");
    assert_eq!(write.status, 400);
    assert_eq!(write.json()["Code"], "NotSupported");
}

#[test]
fn management_reads_on_2016_08_15_take_fcs_signature_and_page() {
    let (_sandbox, server) = started(&[]);
    let get = |path: &str| {
        let path_only = path.split('?').next().unwrap();
        let headers = server.signed("GET", path_only, None, vec![], SystemTime::now());
        server.send("GET", path, &headers, b"")
    };
    let first = get("/2016-08-15/services/demo/functions?limit=3");
    assert_eq!(first.status, 200, "{}", first.text());
    let body = first.json();
    let names: Vec<&str> = body["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["functionName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["crowd", "hostile", "processEvent"]);
    let next = body["nextToken"].as_str().unwrap();
    assert_eq!(next, "secure");
    let rest = get(&format!(
        "/2016-08-15/services/demo/functions?limit=100&nextToken={next}"
    ))
    .json();
    assert_eq!(rest["functions"].as_array().unwrap().len(), 4);
    assert!(rest.get("nextToken").is_none(), "{rest}");

    let hostile = get("/2016-08-15/services/demo.LATEST/functions/hostile").json();
    assert_eq!(hostile["timeout"], 1);
    assert_eq!(hostile["memorySize"], 128);
    let trigger = get("/2016-08-15/services/demo/functions/secure/triggers/signed").json();
    assert_eq!(trigger["triggerType"], "http");
    assert_eq!(
        trigger["urlInternet"],
        format!("{}/2016-08-15/proxy/demo/secure/", server.base)
    );
    // FC's own signature is accepted on the newer versions too.
    let fc3 = get("/2023-03-30/functions/hostile/triggers");
    assert_eq!(fc3.status, 200, "{}", fc3.text());
    assert_eq!(fc3.json()["triggers"], serde_json::json!([]));
}

#[test]
fn no_auth_skips_signatures_and_the_cross_site_guard_still_holds() {
    let (_sandbox, server) = started(&["--no-auth"]);
    let answer = server.send("POST", INVOKE_2023, &[], br#"{"action":"ok"}"#);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.text(), "ok");
    let listed = server.get("/2023-03-30/functions?prefix=host");
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["functions"][0]["functionName"], "hostile");

    // A page on another site may not invoke, with any version...
    for path in [INVOKE_2023, INVOKE_2021] {
        let evil = server.send(
            "POST",
            path,
            &[("origin", "http://evil.example".to_owned())],
            br#"{"action":"ok"}"#,
        );
        assert_eq!(evil.status, 403, "{path}");
    }
    // ...and may not read a function's settings: no CORS grant.
    let read = server.send(
        "GET",
        "/2023-03-30/functions/hostile",
        &[("origin", "http://evil.example".to_owned())],
        b"",
    );
    assert_eq!(read.status, 200);
    assert!(
        read.headers.get("access-control-allow-origin").is_none(),
        "{:?}",
        read.headers
    );
}
