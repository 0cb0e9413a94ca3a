//! `fclocal start`: hot reload under traffic, and graceful shutdown that
//! loses no log line.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::common::Sandbox;
use crate::server::Server;

const PREBUILT: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    app:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: app.wasm
        Runtime: custom
        CodeUri: ./dist
      Events:
        web:
          Type: HTTP
          Properties:
            AuthType: ANONYMOUS
            Methods: ['GET']
"#;

#[test]
fn a_replaced_component_is_swapped_in_under_traffic_without_a_failed_request() {
    let sandbox = Sandbox::with_template(PREBUILT);
    std::fs::create_dir(sandbox.path().join("dist")).unwrap();
    let first = fclocal_test_support::guest("hostile-http");
    std::fs::copy(&first, sandbox.path().join("dist/app.wasm")).unwrap();
    let server = Server::start(&sandbox, &[]);
    let before = server.get("/2016-08-15/proxy/demo/app/state");
    assert_eq!(before.text(), "1");
    let checksum_before = before.header("x-fc-code-checksum").to_owned();

    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicUsize::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    let server = Arc::new(std::sync::Mutex::new(server));
    let base = server.lock().unwrap().base.clone();
    let traffic: Vec<_> = (0..3)
        .map(|_| {
            let (stop, failures, served, base) =
                (stop.clone(), failures.clone(), served.clone(), base.clone());
            std::thread::spawn(move || {
                let agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .new_agent();
                while !stop.load(Ordering::Relaxed) {
                    match agent
                        .get(format!("{base}/2016-08-15/proxy/demo/app/state"))
                        .call()
                    {
                        Ok(response) if response.status() == 200 => {
                            served.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();

    // Replace the component the way a build tool does: write aside, rename over.
    let second = fclocal_test_support::guest("echo-http");
    std::fs::copy(&second, sandbox.path().join("dist/app.wasm.tmp")).unwrap();
    std::fs::rename(
        sandbox.path().join("dist/app.wasm.tmp"),
        sandbox.path().join("dist/app.wasm"),
    )
    .unwrap();
    server.lock().unwrap().wait_for("Reloaded demo/app");
    // Let the traffic see the new component for a while.
    let seen_at_reload = served.load(Ordering::Relaxed);
    while served.load(Ordering::Relaxed) < seen_at_reload + 50 {
        std::thread::yield_now();
    }
    stop.store(true, Ordering::Relaxed);
    for thread in traffic {
        thread.join().unwrap();
    }
    assert_eq!(
        failures.load(Ordering::Relaxed),
        0,
        "no request failed during the reload"
    );
    let server = server.lock().unwrap();
    let after = server.get("/2016-08-15/proxy/demo/app/state");
    assert!(
        after.text().contains("clientIP"),
        "echo-http answers now: {}",
        after.text()
    );
    assert_ne!(after.header("x-fc-code-checksum"), checksum_before);
}

#[test]
fn shutdown_drains_in_flight_requests_and_loses_no_log_line() {
    let sandbox = Sandbox::with_template(crate::start_http::TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    for i in 0..40 {
        let answer = server.get(&format!("/2016-08-15/proxy/demo/processEvent/?n={i}"));
        assert_eq!(answer.status, 200);
    }
    // One request still running when the signal arrives.
    let url = server.url("/2016-08-15/proxy/demo/web/sleep?ms=700");
    let in_flight = std::thread::spawn(move || {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let mut response = agent.get(&url).call().expect("the server answers");
        (
            response.status().as_u16(),
            response.body_mut().read_to_string().unwrap_or_default(),
        )
    });
    loop {
        let instances = server.get("/fclocal/instances").json();
        if instances["demo/web"][0]["assigned"] == 1 {
            break;
        }
        std::thread::yield_now();
    }
    let (code, printed) = server.terminate();
    assert_eq!(code, Some(0), "{printed:?}");
    assert!(
        printed.iter().any(|line| line.starts_with("Shutting down")),
        "{printed:?}"
    );
    let (status, body) = in_flight.join().unwrap();
    assert_eq!(status, 200, "the in-flight request finished: {body}");

    // Every line of every invocation is in the logstore: 40 × (start, queries, end).
    let logs = sandbox
        .run(&["logs", "-f", "processEvent", "-n", "1000"])
        .expect_code(0);
    assert_eq!(logs.stdout.lines().count(), 120, "{}", logs.stdout);
    let slow = sandbox
        .run(&["logs", "-f", "web", "-k", "FC Invoke End"])
        .expect_code(0);
    assert_eq!(slow.stdout.lines().count(), 1, "{}", slow.stdout);
}

#[test]
fn editing_a_function_crate_rebuilds_and_reloads_it() {
    let sandbox = Sandbox::with_template(
        r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    greeter:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: greeter.wasm
        Runtime: custom
        CodeUri: ./greeter
"#,
    );
    // A function crate of the user's own, built with the repository's SDK.
    // It shares the guest target dir, so only the crate itself compiles.
    let root = fclocal_test_support::repo_root();
    let crate_dir = sandbox.path().join("greeter");
    std::fs::create_dir_all(crate_dir.join("src")).unwrap();
    std::fs::create_dir_all(crate_dir.join(".cargo")).unwrap();
    std::fs::write(
        crate_dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"greeter\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n[dependencies]\nfclocal-sdk = {{ path = \"{}\" }}\n\n[workspace]\n",
            root.join("functions/sdk").display()
        ),
    )
    .unwrap();
    std::fs::write(
        crate_dir.join(".cargo/config.toml"),
        format!(
            "[build]\ntarget = \"wasm32-wasip2\"\ntarget-dir = \"{}\"\n",
            root.join("target/guests").display()
        ),
    )
    .unwrap();
    let source = |greeting: &str| {
        format!(
            "use fclocal_sdk::{{Context, EventFunction, FunctionError}};\n\
             pub struct Greeter;\n\
             impl EventFunction for Greeter {{\n\
                 fn handle(_event: Vec<u8>, _ctx: Context) -> Result<Vec<u8>, FunctionError> {{\n\
                     Ok(b\"{greeting}\".to_vec())\n\
                 }}\n\
             }}\n\
             fclocal_sdk::export_event_function!(Greeter);\n"
        )
    };
    std::fs::write(crate_dir.join("src/lib.rs"), source("hello, first")).unwrap();
    let server = Server::start(&sandbox, &["--no-auth"]);
    let path = "/2016-08-15/services/demo/functions/greeter/invocations";
    assert_eq!(server.send("POST", path, &[], b"{}").text(), "hello, first");

    std::fs::write(crate_dir.join("src/lib.rs"), source("hello, second")).unwrap();
    server.wait_for("Reloaded demo/greeter");
    assert_eq!(
        server.send("POST", path, &[], b"{}").text(),
        "hello, second"
    );
}
