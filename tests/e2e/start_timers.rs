//! `fclocal start`, timer triggers on a test clock: they fire on schedule
//! with FC's event, a disabled one never does, a firing that overlaps the
//! previous run is skipped and logged, and one can be fired by hand. The
//! test moves the clock; nothing waits for time to pass.

use crate::common::Sandbox;
use crate::server::Server;

const TEMPLATE: &str = r#"
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Resources:
  demo:
    Type: 'Aliyun::Serverless::Service'
    ticker:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile.wasm
        Runtime: custom
        CodeUri: {functions}/hostile
      Events:
        every-minute:
          Type: Timer
          Properties:
            CronExpression: '0 * * * * *'
            Payload: '{"action":"state"}'
        paused:
          Type: Timer
          Properties:
            CronExpression: '@every 1m'
            Payload: '{"action":"ok"}'
            Enable: false
    sleeper:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: hostile.wasm
        Runtime: custom
        CodeUri: {functions}/hostile
        Timeout: 30
      Events:
        slow:
          Type: Timer
          Properties:
            CronExpression: '@every 1m'
            Payload: '{"action":"sleep","ms":1500}'
"#;

const START: &str = "2026-01-01T00:00:30Z";

fn advance(server: &Server, by: &str) {
    let answer = server.send("POST", &format!("/fclocal/clock/advance?by={by}"), &[], b"");
    assert_eq!(answer.status, 200, "{}", answer.text());
}

#[test]
fn timers_fire_on_schedule_with_fcs_event_and_disabled_ones_never_do() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch", "--test-clock", START]);
    let printed = server.printed().join("\n");
    assert!(
        printed.contains("Timer every-minute of demo/ticker was registered"),
        "{printed}"
    );
    assert!(
        printed.contains("\tnext: 2026-01-01T00:01:00Z"),
        "{printed}"
    );
    assert!(
        printed.contains("Timer paused of demo/ticker is disabled"),
        "{printed}"
    );

    advance(&server, "30s");
    server.wait_for("Timer demo/ticker/every-minute fired for 2026-01-01T00:01:00Z");
    let run = server.wait_for("Timer demo/ticker/every-minute run ");
    assert!(run.contains("succeeded"), "{run}");
    advance(&server, "60s");
    server.wait_for("Timer demo/ticker/every-minute fired for 2026-01-01T00:02:00Z");

    let printed = server.printed().join("\n");
    assert!(
        !printed.contains("Timer demo/ticker/paused fired"),
        "{printed}"
    );
    // The function received FC's timer event (the guest logs its trigger name).
    let logs = sandbox.run(&["logs", "-f", "ticker", "-k", "timer every-minute fired"]);
    assert!(logs.stdout.lines().count() >= 1, "{}", logs.stdout);
}

#[test]
fn a_firing_during_the_previous_run_is_skipped_and_logged() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch", "--test-clock", START]);
    advance(&server, "60s");
    server.wait_for("Timer demo/sleeper/slow fired for 2026-01-01T00:01:30Z");
    // The run sleeps 1.5 s of real time; the clock moves on at once.
    advance(&server, "60s");
    let skipped = server.wait_for("Timer demo/sleeper/slow skipped");
    assert!(skipped.contains("2026-01-01T00:02:30Z"), "{skipped}");
    assert!(skipped.contains("previous run is still going"), "{skipped}");
    server.wait_for("Timer demo/sleeper/slow run ");
    let logs = sandbox
        .run(&["logs", "-f", "sleeper", "-k", "skipped"])
        .expect_code(0);
    assert!(logs.stdout.contains("[WARN]"), "{}", logs.stdout);
}

#[test]
fn a_timer_fires_by_hand_from_the_cli_even_when_disabled() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let server = Server::start(&sandbox, &["--no-watch", "--test-clock", START]);
    let fired = sandbox
        .run(&["timer", "fire", "demo/ticker/paused", "--url", &server.base])
        .expect_code(0);
    assert!(
        fired.stderr.contains("Fired demo/ticker/paused"),
        "{}",
        fired.stderr
    );
    server.wait_for("Timer demo/ticker/paused fired by hand");

    let unknown = sandbox
        .run(&["timer", "fire", "demo/ticker/nope", "--url", &server.base])
        .expect_code(1);
    assert!(
        unknown.stderr.contains("demo/ticker/every-minute"),
        "lists the known timers: {}",
        unknown.stderr
    );
}

#[test]
fn timer_fire_without_a_server_says_how_to_start_one() {
    let sandbox = Sandbox::with_template(TEMPLATE);
    let run = sandbox
        .run(&[
            "timer",
            "fire",
            "demo/ticker/paused",
            "--url",
            "http://127.0.0.1:9",
        ])
        .expect_code(1);
    assert!(run.stderr.contains("fclocal start"), "{}", run.stderr);
}
