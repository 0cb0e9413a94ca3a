//! `fclocal start --forward-logs`: a second fclocal (with `--auth`) stands
//! in for the real Log Service. Every line the local server stores must
//! arrive there exactly once with its fields, also across an outage of the
//! remote (stopped while invocations go on, then started again on the same
//! port with its data).

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::common::{Sandbox, TEMPLATE};
use crate::server::Server;
use crate::sls_wire::sign;

const LOGSTORE: &str = "test-log-store";
const PROJECT: &str = "test-log-project";

/// The remote: the same template, so it has the `LogConfig` project and
/// logstore; `--auth` so forwarded requests must be signed right.
fn remote(sandbox: &Sandbox, port: Option<u16>) -> Server {
    let args = ["--no-watch", "--auth"];
    match port {
        None => Server::start(sandbox, &args),
        Some(port) => Server::start_on_port(sandbox, port, &args),
    }
}

/// Invokes `processEvent` through its HTTP trigger; it logs its query.
fn invoke(local: &Server, n: u32) {
    let answer = local.get(&format!("/2016-08-15/proxy/demo/processEvent/?n={n}"));
    assert_eq!(answer.status, 200, "{}", answer.text());
}

/// One line as GetLogs returns it, minus what the receiving side adds
/// (`__tag__:*`: receive time, client address).
type Line = BTreeMap<String, String>;

/// Every line of the logstore, through GetLogs (signed when `key` is given).
fn all_lines(server: &Server, key: Option<&fclocal_server::Credentials>) -> Vec<Line> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (from, to) = ((now - 3600).to_string(), (now + 3600).to_string());
    let mut lines = Vec::new();
    loop {
        let offset = lines.len().to_string();
        let query = [
            ("type", "log"),
            ("from", from.as_str()),
            ("to", to.as_str()),
            ("line", "100"),
            ("offset", offset.as_str()),
            ("query", "*"),
        ];
        let path = format!("/logstores/{LOGSTORE}");
        let mut headers = vec![("x-log-project", PROJECT.to_owned())];
        if let Some(key) = key {
            sign(
                &mut headers,
                "GET",
                &path,
                &query,
                b"",
                &key.access_key_id,
                &key.access_key_secret,
            );
        }
        let url = format!(
            "{path}?{}",
            query
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        );
        let answer = server.send("GET", &url, &headers, b"");
        assert_eq!(answer.status, 200, "{}", answer.text());
        let page: Vec<Line> = answer
            .json()
            .as_array()
            .expect("GetLogs answers an array")
            .iter()
            .map(|row| {
                row.as_object()
                    .expect("rows are objects")
                    .iter()
                    .filter(|(k, _)| !k.starts_with("__tag__:"))
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .collect();
        if page.is_empty() {
            break;
        }
        lines.extend(page);
    }
    lines.sort();
    lines
}

/// The forwarding status, after waiting until every stored line is forwarded.
fn forwarded(local: &Server) -> serde_json::Value {
    let newest = local.get("/fclocal/forwarding").json()["newestStoredId"]
        .as_i64()
        .expect("a newest id");
    let status = local
        .get(&format!("/fclocal/forwarding?waitFor={newest}&timeout=60"))
        .json();
    assert!(
        status["forwardedUpToId"].as_i64().unwrap() >= newest,
        "forwarding did not catch up: {status:#}"
    );
    status
}

#[test]
fn every_line_arrives_once_with_its_fields_across_a_remote_outage() {
    let remote_sandbox = Sandbox::with_template(TEMPLATE);
    let first_remote = remote(&remote_sandbox, None);
    let port = first_remote.port();
    let key = first_remote.credentials.clone();

    let local_sandbox = Sandbox::with_template(TEMPLATE);
    let endpoint = format!("127.0.0.1:{port}");
    let local = Server::start_with_env(
        &local_sandbox,
        &[
            "--no-watch",
            "--forward-logs",
            &endpoint,
            "--forward-max-backoff",
            "1s",
        ],
        &[
            ("FCLOCAL_FORWARD_ACCESS_KEY_ID", &key.access_key_id),
            ("FCLOCAL_FORWARD_ACCESS_KEY_SECRET", &key.access_key_secret),
        ],
    );
    let banner = local.wait_for("Forwarding logs to ");
    assert!(
        banner.starts_with(&format!(
            "Forwarding logs to http://{endpoint} (AccessKey {}): 0 lines behind",
            key.access_key_id
        )),
        "{banner}"
    );

    for n in 0..3 {
        invoke(&local, n);
    }
    let status = forwarded(&local);
    assert_eq!(status["backlogLines"], 0, "{status:#}");
    assert_eq!(status["droppedLines"], 0, "{status:#}");
    let sent = all_lines(&local, None);
    assert!(
        sent.len() >= 6,
        "two lines or more per invocation: {sent:#?}"
    );
    let arrived = all_lines(&first_remote, Some(&key));
    assert_eq!(arrived, sent, "each line once, with every field");
    let line = sent
        .iter()
        .find(|line| {
            line.get("message")
                .is_some_and(|m| m.contains(r#""n":"1""#))
        })
        .expect("the function's own line");
    for (field, value) in [
        ("__topic__", "demo"),
        ("serviceName", "demo"),
        ("functionName", "processEvent"),
        ("qualifier", "LATEST"),
        ("message", r#"{"n":"1"}"#),
    ] {
        assert_eq!(line.get(field).map(String::as_str), Some(value), "{line:?}");
    }
    for field in ["requestId", "instanceID", "__time_ns_part__", "__source__"] {
        assert!(
            line.get(field).is_some_and(|v| !v.is_empty()),
            "{field}: {line:?}"
        );
    }

    // The remote goes away; invocations go on and their lines wait.
    first_remote.terminate();
    invoke(&local, 10);
    let failed = local.wait_for(&format!("Log forwarding to http://{endpoint} failed"));
    assert!(failed.contains("cannot connect"), "{failed}");
    let down = local.get("/fclocal/forwarding").json();
    assert_eq!(down["state"], "failing", "{down:#}");
    let behind = down["backlogLines"].as_u64().unwrap();
    assert!(behind > 0, "{down:#}");
    invoke(&local, 11);
    let later = local.get("/fclocal/forwarding").json();
    assert!(
        later["backlogLines"].as_u64().unwrap() > behind,
        "{later:#}"
    );
    assert!(
        later["lastError"]
            .as_str()
            .unwrap()
            .contains("cannot connect"),
        "{later:#}"
    );

    // Back on the same port with the same data: everything arrives, once.
    let second_remote = remote(&remote_sandbox, Some(port));
    local.wait_for(&format!("Log forwarding to http://{endpoint} works again"));
    let status = forwarded(&local);
    assert_eq!(status["backlogLines"], 0, "{status:#}");
    assert_eq!(status["state"], "caught-up", "{status:#}");
    let sent = all_lines(&local, None);
    let arrived = all_lines(&second_remote, Some(&key));
    assert_eq!(arrived, sent, "each line once, across the outage");
    assert!(
        sent.iter().any(|line| line
            .get("message")
            .is_some_and(|m| m.contains(r#""n":"11""#))),
        "{sent:#?}"
    );

    let (code, printed) = local.terminate();
    assert_eq!(code, Some(0), "{printed:#?}");
}

#[test]
fn forwarding_without_an_access_key_or_a_log_config_is_refused_at_start() {
    let empty = std::ffi::OsStr::new("");
    let no_keys = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", empty),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", empty),
        ("FCLOCAL_FORWARD_ACCESS_KEY_ID", empty),
        ("FCLOCAL_FORWARD_ACCESS_KEY_SECRET", empty),
    ];
    let start = [
        "start",
        "--port",
        "0",
        "--no-watch",
        "--forward-logs",
        "127.0.0.1:1",
    ];
    let sandbox = Sandbox::with_template(TEMPLATE);
    let run = sandbox.run_with_env(&start, &no_keys).expect_code(1);
    assert!(
        run.stderr.contains(
            "--forward-logs needs an AccessKey that may write to the project: set FCLOCAL_FORWARD_ACCESS_KEY_ID"
        ),
        "{}",
        run.stderr
    );

    let without_log_config = TEMPLATE.replace(
        "      LogConfig:\n        Project: test-log-project\n        Logstore: test-log-store\n",
        "      Description: logs nowhere in the cloud\n",
    );
    assert_ne!(without_log_config, TEMPLATE);
    let sandbox = Sandbox::with_template(&without_log_config);
    let keys = [
        ("FCLOCAL_FORWARD_ACCESS_KEY_ID", std::ffi::OsStr::new("id")),
        (
            "FCLOCAL_FORWARD_ACCESS_KEY_SECRET",
            std::ffi::OsStr::new("secret"),
        ),
    ];
    let run = sandbox.run_with_env(&start, &keys).expect_code(1);
    assert!(
        run.stderr.contains("no service in the template has one"),
        "{}",
        run.stderr
    );

    let run = sandbox
        .run_with_env(
            &["start", "--port", "0", "--forward-logs", "ftp://x"],
            &keys,
        )
        .expect_code(2);
    assert!(
        run.stderr.contains("only http:// and https://"),
        "{}",
        run.stderr
    );

    let run = sandbox
        .run_with_env(
            &[&start[..], &["--forward-max-backoff", "0s"]].concat(),
            &keys,
        )
        .expect_code(2);
    assert!(
        run.stderr.contains("0s is too short") && run.stderr.contains("at least 100ms"),
        "{}",
        run.stderr
    );

    // A token with a line break inside could never be sent: refused at
    // start, naming where it came from (a trailing one is trimmed).
    let sandbox = Sandbox::with_template(TEMPLATE);
    let bad_token = [
        keys[0],
        keys[1],
        (
            "FCLOCAL_FORWARD_SECURITY_TOKEN",
            std::ffi::OsStr::new("STS.first\nsecond\n"),
        ),
    ];
    let run = sandbox.run_with_env(&start, &bad_token).expect_code(1);
    assert!(
        run.stderr.contains(
            "the value of --forward-security-token (FCLOCAL_FORWARD_SECURITY_TOKEN) has a line break at character 10"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_wrong_secret_is_reported_with_the_fix_and_the_lines_wait() {
    let remote_sandbox = Sandbox::with_template(TEMPLATE);
    let remote = remote(&remote_sandbox, None);
    let endpoint = format!("127.0.0.1:{}", remote.port());
    let local_sandbox = Sandbox::with_template(TEMPLATE);
    let local = Server::start_with_env(
        &local_sandbox,
        &["--no-watch", "--forward-logs", &endpoint],
        &[
            (
                "FCLOCAL_FORWARD_ACCESS_KEY_ID",
                &remote.credentials.access_key_id,
            ),
            ("FCLOCAL_FORWARD_ACCESS_KEY_SECRET", "not-the-secret"),
        ],
    );
    invoke(&local, 1);
    let failed = local.wait_for(&format!("Log forwarding to http://{endpoint} failed"));
    for part in [
        "answered 401 SignatureNotMatch to PutLogs for project test-log-project, logstore test-log-store",
        "check the AccessKey given with --forward-access-key-id",
    ] {
        assert!(failed.contains(part), "{failed}");
    }
    let status = local.get("/fclocal/forwarding").json();
    assert_eq!(status["state"], "failing", "{status:#}");
    assert!(status["backlogLines"].as_u64().unwrap() >= 3, "{status:#}");
    assert_eq!(status["forwardedLines"], 0, "{status:#}");
    assert!(all_lines(&remote, Some(&remote.credentials)).is_empty());
    // `/fclocal/` says so too, read when asked.
    let index = local.get("/fclocal/").text();
    let line = index
        .lines()
        .find(|line| line.starts_with("Log forwarding to "))
        .unwrap_or_else(|| panic!("no forwarding line on /fclocal/:\n{index}"));
    assert!(
        line.contains(": failing, forwarded up to line 0 of "),
        "{line}"
    );
    assert!(line.contains("SignatureNotMatch"), "{line}");
}
