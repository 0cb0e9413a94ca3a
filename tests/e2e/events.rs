//! `fclocal events generate`: FC's event shapes.

use crate::common::Sandbox;

#[test]
fn every_kind_prints_json_in_fcs_shape() {
    let sandbox = Sandbox::new();
    let timer = sandbox.run(&["events", "generate", "timer"]).expect_code(0);
    let timer: serde_json::Value = serde_json::from_str(&timer.stdout).unwrap();
    assert_eq!(timer["triggerName"], "timer-trigger");
    assert!(timer["triggerTime"].is_string() && timer["payload"].is_string());

    for (kind, key) in [
        ("http", "method"),
        ("oss", "events"),
        ("sls", "source"),
        ("mns", "TopicName"),
    ] {
        let run = sandbox.run(&["events", "generate", kind]).expect_code(0);
        let event: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert!(event.get(key).is_some(), "{kind}: {event}");
    }
    let unknown = sandbox.run(&["events", "generate", "s3"]).expect_code(2);
    assert!(
        unknown.stderr.contains("possible values"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn the_http_sample_drives_an_http_function() {
    let sandbox = Sandbox::new();
    let sample = sandbox.run(&["events", "generate", "http"]).expect_code(0);
    let run = sandbox
        .run_with_stdin(&["invoke", "processEvent", "-s"], sample.stdout.as_bytes())
        .expect_code(0);
    let response: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(response["statusCode"], 200);
}
