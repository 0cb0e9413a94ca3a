//! Both pages over a real `fclocal start`: Marbles events sent to
//! processEvent's HTTP trigger are found by the logs explorer (table and
//! histogram), and the analytics function's summary, fired by hand, is
//! drawn on the analytics page. No fakes: the real binary, its logstore,
//! its SLS API and the real guest components.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use crate::common::{Sandbox, marbles_template};
use crate::harness::Browser;
use crate::pixels::Image;
use crate::server::Server;
use crate::{keep_screenshot, run_browser_test};

/// Whole seconds since the epoch, rounded up.
fn unix_seconds(time: SystemTime) -> u64 {
    let since = time.duration_since(UNIX_EPOCH).expect("after 1970");
    since.as_secs() + u64::from(since.subsec_nanos() > 0)
}

const EVENTS: [(&str, &str); 6] = [
    ("create", "alice"),
    ("create", "bob"),
    ("create", "alice"),
    ("create", "carol"),
    ("transfer", "alice"),
    ("transfer", "bob"),
];

#[test]
fn the_pages_show_what_a_real_server_logged() {
    let sandbox = Sandbox::with_template(&marbles_template(600));
    // A test clock ten minutes back, moved to just after the events before
    // the timer fires by hand: its window `[triggerTime - 600 s, triggerTime)`
    // then holds every event whatever second they were sent in, and ends no
    // later than the page's "now".
    let start = SystemTime::now() - Duration::from_secs(600);
    let start_secs = unix_seconds(start);
    let start_text = DateTime::<Utc>::from(UNIX_EPOCH + Duration::from_secs(start_secs))
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let server = Server::start(&sandbox, &["--no-watch", "--test-clock", &start_text]);
    for (kind, owner) in EVENTS {
        let answer = server.get(&format!(
            "/2016-08-15/proxy/marblesFC/processEvent/event?type={kind}&owner={owner}"
        ));
        assert_eq!(answer.status, 200, "{}", answer.text());
    }
    let after_events = unix_seconds(SystemTime::now()) + 1;
    let advanced = server.send(
        "POST",
        &format!("/fclocal/clock/advance?by={}s", after_events - start_secs),
        &[],
        b"",
    );
    assert_eq!(advanced.status, 200, "{}", advanced.text());
    let fired = server.send(
        "POST",
        "/fclocal/timers/marblesAnalytics/analytics/hourly/fire",
        &[],
        b"",
    );
    assert_eq!(fired.status, 202, "{}", fired.text());
    let run = server.wait_for("Timer marblesAnalytics/analytics/hourly run ");
    assert!(run.contains("succeeded"), "{run}");

    let base = server.url("");
    let chart_url = run_browser_test(async move {
        let browser = Browser::start().await;
        browser.goto(&format!("{base}/logs")).await;
        browser
            .wait_until(
                "the logstore pickers",
                &format!(
                    "document.getElementById('project').value === {} && document.getElementById('logstore').value === {}",
                    json!("marbles-logs"),
                    json!("events")
                ),
            )
            .await;
        browser
            .type_into("#query", "__topic__:marblesFC and create")
            .await;
        browser.click("#run").await;
        browser
            .wait_until(
                "the search results",
                "document.getElementById('status').textContent.startsWith('4 lines')",
            )
            .await;
        let functions = browser.texts("#results td[data-field=functionName]").await;
        assert_eq!(functions, ["processEvent"; 4]);
        browser
            .wait_until(
                "the histogram to follow the query",
                "document.getElementById('histogram').src.includes('create')",
            )
            .await;
        browser.wait_for_image("#histogram").await;
        let region = browser.rect("#histogram").await;
        let png = browser.screenshot().await;
        let saved = keep_screenshot("real-logs", &png);
        let bars = Image::decode(&png).count_colour(region, fclocal_web::CHART_RGB, 30);
        assert!(
            bars > 20,
            "expected histogram bars in {region:?}; see {}",
            saved.display()
        );

        browser.goto(&format!("{base}/analytics")).await;
        browser.wait_for_image("#chart-type").await;
        let by_type = browser
            .eval(
                "return document.getElementById('chart-type').src;",
                Vec::new(),
            )
            .await;
        let region = browser.rect("#chart-total").await;
        let png = browser.screenshot().await;
        let saved = keep_screenshot("real-analytics", &png);
        let drawn = Image::decode(&png).count_colour(region, fclocal_web::CHART_RGB, 40);
        assert!(
            drawn > 10,
            "expected the summary's point in {region:?}; see {}",
            saved.display()
        );
        browser.close().await;
        by_type.as_str().expect("an image URL").to_owned()
    });
    // The by-type chart the page showed names both event types.
    let svg = ureq::get(&chart_url)
        .call()
        .expect("the chart loads")
        .body_mut()
        .read_to_string()
        .expect("SVG text");
    assert!(svg.contains("create") && svg.contains("transfer"), "{svg}");
    drop(server);
}
