//! The walkthrough's analytics, end to end on a test clock: processEvent
//! logs Marbles events sent to its HTTP trigger, the timer-triggered
//! analytics function reads them back through the SLS API at
//! `FCLOCAL_SLS_ENDPOINT` and prints a summary, which lands in the logstore
//! under its own topic, is queryable with `fclocal logs --query`, and is
//! what the analytics page charts.

use chrono::{SecondsFormat, Utc};

use crate::common::{Sandbox, marbles_template};
use crate::server::Server;

#[test]
fn the_timer_summarises_the_events_processevent_logged() {
    let sandbox = Sandbox::with_template(&marbles_template(7200));
    // The test clock starts at the real now, so the events (stamped with the
    // real time) fall inside the window that ends an hour later.
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let server = Server::start(&sandbox, &["--no-watch", "--test-clock", &now]);
    for (kind, owner) in [
        ("create", "alice"),
        ("create", "bob"),
        ("transfer", "alice"),
    ] {
        let answer = server.get(&format!(
            "/2016-08-15/proxy/marblesFC/processEvent/event?type={kind}&owner={owner}"
        ));
        assert_eq!(answer.status, 200, "{}", answer.text());
    }

    let answer = server.send("POST", "/fclocal/clock/advance?by=1h", &[], b"");
    assert_eq!(answer.status, 200, "{}", answer.text());
    server.wait_for("Timer marblesAnalytics/analytics/hourly fired");
    let run = server.wait_for("Timer marblesAnalytics/analytics/hourly run ");
    assert!(run.contains("succeeded"), "{run}");

    // The summary is a log line of the analytics service's own topic.
    let summary = sandbox
        .run(&[
            "logs",
            "-s",
            "marblesAnalytics",
            "-q",
            "marbles-summary",
            "--json",
        ])
        .expect_code(0);
    let line: serde_json::Value =
        serde_json::from_str(summary.stdout.lines().last().expect("a summary line")).expect("JSON");
    assert_eq!(line["__topic__"], "marblesAnalytics", "{line}");
    let summary: serde_json::Value =
        serde_json::from_str(line["message"].as_str().expect("a message")).expect("JSON summary");
    assert_eq!(summary["kind"], "marbles-summary", "{summary}");
    assert_eq!(summary["total"], 3, "{summary}");
    assert_eq!(summary["byType"]["create"], 2, "{summary}");
    assert_eq!(summary["byType"]["transfer"], 1, "{summary}");
    assert_eq!(summary["byOwner"]["alice"], 2, "{summary}");
    assert_eq!(summary["byOwner"]["bob"], 1, "{summary}");

    // The analytics chart draws it (the SVG names the series).
    let window_end = summary["windowEnd"].as_i64().expect("windowEnd");
    let chart = server.get(&format!(
        "/fclocal/web/analytics.svg?from={}&to={}&series=type",
        window_end - 3600,
        window_end + 3600
    ));
    assert_eq!(chart.status, 200);
    let svg = chart.text();
    assert!(svg.contains("create") && svg.contains("transfer"), "{svg}");
}
