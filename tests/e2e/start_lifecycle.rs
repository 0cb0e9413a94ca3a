//! `fclocal start`, FC's instance lifecycle seen from outside: reuse,
//! InstanceConcurrency, the initializer once per instance, throttling at the
//! cap, discarding failed instances, and hostile guests under load.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::SystemTime;

use crate::common::Sandbox;
use crate::server::Server;
use crate::start_http::TEMPLATE;

#[test]
fn an_instance_is_reused_and_keeps_its_state() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    let answers: Vec<_> = (0..3)
        .map(|_| server.get("/2016-08-15/proxy/demo/web/state"))
        .collect();
    let counts: Vec<String> = answers.iter().map(|a| a.text()).collect();
    assert_eq!(counts, ["1", "2", "3"]);
    let ids: BTreeSet<&str> = answers
        .iter()
        .map(|a| a.header("x-fc-instance-id"))
        .collect();
    assert_eq!(ids.len(), 1, "one instance served all three");
}

/// Sends `count` requests at once; returns the instance id of each answer.
fn concurrently(server: &Arc<Server>, path: &'static str, count: usize) -> Vec<String> {
    let handles: Vec<_> = (0..count)
        .map(|_| {
            let server = server.clone();
            std::thread::spawn(move || {
                let answer = server.get(path);
                assert_eq!(answer.status, 200, "{}", answer.text());
                answer.header("x-fc-instance-id").to_owned()
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn instance_concurrency_decides_how_many_instances_serve_concurrent_requests() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Arc::new(Server::start(&sandbox, &["--no-watch"]));
    // InstanceConcurrency 1 (the default): overlapping requests, one instance each.
    let one_each: BTreeSet<String> =
        concurrently(&server, "/2016-08-15/proxy/demo/solo/sleep?ms=1500", 4)
            .into_iter()
            .collect();
    assert_eq!(one_each.len(), 4, "{one_each:?}");
    // InstanceConcurrency 4: the same overlapping requests share one instance.
    let shared: BTreeSet<String> =
        concurrently(&server, "/2016-08-15/proxy/demo/crowd/sleep?ms=1500", 4)
            .into_iter()
            .collect();
    assert_eq!(shared.len(), 1, "{shared:?}");
}

#[test]
fn the_initializer_runs_once_per_instance() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    let path = "/2016-08-15/services/demo/functions/starter/invocations";
    for _ in 0..3 {
        let headers = server.signed("POST", path, None, vec![], SystemTime::now());
        let answer = server.send("POST", path, &headers, br#"{"action":"initialized"}"#);
        assert_eq!(
            answer.text(),
            "1",
            "initialize ran exactly once in this instance"
        );
    }
    let logs = sandbox
        .run(&["logs", "-f", "starter", "-k", "FC Initialize Start"])
        .expect_code(0);
    assert_eq!(logs.stdout.lines().count(), 1, "{}", logs.stdout);
}

#[test]
fn past_the_instance_cap_requests_are_throttled_with_429() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Arc::new(Server::start(
        &sandbox,
        &[
            "--no-watch",
            "--max-instances",
            "1",
            "--throttle-wait",
            "100ms",
        ],
    ));
    let busy = {
        let server = server.clone();
        std::thread::spawn(move || server.get("/2016-08-15/proxy/demo/web/sleep?ms=800"))
    };
    // Wait until the slow request holds the only instance.
    loop {
        let instances = server.get("/fclocal/instances").json();
        if instances["demo/web"][0]["assigned"] == 1 {
            break;
        }
        std::thread::yield_now();
    }
    let throttled = server.get("/2016-08-15/proxy/demo/processEvent/");
    assert_eq!(throttled.status, 429, "{}", throttled.text());
    assert_eq!(throttled.header("x-fc-error-type"), "FcCommonError");
    assert_eq!(throttled.json()["ErrorCode"], "ResourceThrottled");
    assert_eq!(busy.join().unwrap().status, 200);
    // Once the instance is idle, another function evicts it and runs.
    assert_eq!(
        server.get("/2016-08-15/proxy/demo/processEvent/").status,
        200
    );
}

#[test]
fn a_trapped_instance_is_discarded() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    let before = server.get("/2016-08-15/proxy/demo/web/state");
    assert_eq!(server.get("/2016-08-15/proxy/demo/web/panic").status, 502);
    let after = server.get("/2016-08-15/proxy/demo/web/state");
    assert_eq!(after.text(), "1", "a fresh instance");
    assert_ne!(
        after.header("x-fc-instance-id"),
        before.header("x-fc-instance-id")
    );
}

#[test]
fn hostile_guests_under_concurrent_load_do_not_stop_the_others() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Arc::new(Server::start(&sandbox, &["--no-watch"]));
    let hostile: Vec<_> = [
        "loop",
        "panic",
        "alloc?mb=512",
        "flood?lines=100000",
        "loop",
        "alloc?mb=512",
    ]
    .into_iter()
    .map(|route| {
        let server = server.clone();
        std::thread::spawn(move || {
            server
                .get(&format!("/2016-08-15/proxy/demo/web/{route}"))
                .status
        })
    })
    .collect();
    let healthy: Vec<_> = (0..8)
        .map(|i| {
            let server = server.clone();
            std::thread::spawn(move || {
                (0..10)
                    .map(|j| {
                        server
                            .get(&format!("/2016-08-15/proxy/demo/processEvent/?i={i}&j={j}"))
                            .status
                    })
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    for statuses in healthy {
        assert!(statuses.join().unwrap().iter().all(|status| *status == 200));
    }
    for status in hostile {
        let status = status.join().unwrap();
        assert!(status == 502 || status == 200, "{status}");
    }
    assert_eq!(
        server.get("/2016-08-15/proxy/demo/processEvent/").status,
        200
    );
}

#[test]
fn a_client_that_disconnects_does_not_cut_the_function_short_or_leak_its_instance() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch"]);
    let impatient = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_millis(100)))
        .build()
        .new_agent();
    let gave_up = impatient
        .get(server.url("/2016-08-15/proxy/demo/web/sleep?ms=600"))
        .call();
    assert!(gave_up.is_err(), "the client gave up before the answer");
    // The function runs to completion and its instance becomes free again.
    loop {
        let instances = server.get("/fclocal/instances").json();
        if instances["demo/web"][0]["assigned"] == 0 {
            break;
        }
        std::thread::yield_now();
    }
    let logs = sandbox
        .run(&["logs", "-f", "web", "-k", "FC Invoke End"])
        .expect_code(0);
    assert_eq!(logs.stdout.lines().count(), 1, "{}", logs.stdout);
    // The same instance serves the next request (it was not discarded).
    assert_eq!(server.get("/2016-08-15/proxy/demo/web/state").text(), "1");
}
