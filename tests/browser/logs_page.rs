//! `/logs`: search, SQL, errors, histogram, live tail, and a screenshot check.

use serde_json::json;

use crate::harness::Browser;
use crate::pixels::Image;
use crate::site::{LOGSTORE, PROJECT, SEEDED, Site, line};
use crate::{keep_screenshot, run_browser_test};

/// Opens `/logs` and waits until the pickers are filled and the automatic
/// first search has finished.
async fn open_logs(browser: &Browser, site: &Site) {
    browser.goto(&site.url("/logs")).await;
    browser
        .wait_until(
            "the logstore pickers",
            &format!(
                "document.getElementById('project').value === {} && document.getElementById('logstore').value === {}",
                json!(PROJECT),
                json!(LOGSTORE)
            ),
        )
        .await;
    browser
        .wait_until(
            "the first search",
            "document.getElementById('status').textContent.includes('lines')",
        )
        .await;
}

async fn search(browser: &Browser, query: &str) {
    browser.type_into("#query", query).await;
    browser.click("#run").await;
}

#[test]
fn a_search_fills_the_table_and_the_histogram_shows_bars() {
    run_browser_test(async {
        let site = Site::start().await;
        let browser = Browser::start().await;
        open_logs(&browser, &site).await;
        assert_eq!(
            browser.texts("#results tbody tr").await.len(),
            SEEDED,
            "the first search shows every line"
        );

        search(&browser, "functionName:processEvent").await;
        browser
            .wait_until(
                "the filtered results",
                "document.getElementById('status').textContent.startsWith('20 lines')",
            )
            .await;
        let headers = browser.texts("#results thead th").await;
        assert_eq!(
            headers[..5],
            ["time", "functionName", "requestId", "level", "message"],
            "time and FC's fields come first: {headers:?}"
        );
        let functions = browser.texts("#results td[data-field=functionName]").await;
        assert_eq!(functions.len(), 20);
        assert!(
            functions.iter().all(|f| f == "processEvent"),
            "{functions:?}"
        );
        let messages = browser.texts("#results td[data-field=message]").await;
        assert_eq!(messages[0], "event 0", "newest first");
        assert_eq!(
            browser.texts("#results tbody tr.level-error").await.len(),
            4,
            "ERROR lines are marked"
        );

        let src = browser
            .wait_until(
                "the histogram to follow the query",
                "document.getElementById('histogram').src.includes('query=functionName%3AprocessEvent')",
            )
            .await;
        assert_eq!(src, json!(true));
        let natural_width = browser.wait_for_image("#histogram").await;
        assert!(natural_width >= 320, "histogram width {natural_width}");

        // Screenshot check: the histogram's region holds bars in the chart
        // colour, spread over many columns (a blank page, a broken image or
        // an error chart has none).
        let region = browser.rect("#histogram").await;
        let png = browser.screenshot().await;
        let saved = keep_screenshot("logs", &png);
        let image = Image::decode(&png);
        let bar_pixels = image.count_colour(region, fclocal_web::CHART_RGB, 6);
        let bar_columns = image.columns_with_colour(region, fclocal_web::CHART_RGB, 6);
        assert!(
            bar_pixels > 2_000 && bar_columns > 100,
            "expected histogram bars in {region:?}: {bar_pixels} pixels in {bar_columns} columns of the chart colour; see {}",
            saved.display()
        );
        let table = browser.rect("#results").await;
        assert!(
            image.count_ink(table) > 0 || table.y > f64::from(image.height),
            "the table is drawn"
        );
        browser.close().await;
    });
}

#[test]
fn an_sql_query_shows_its_columns() {
    run_browser_test(async {
        let site = Site::start().await;
        let browser = Browser::start().await;
        open_logs(&browser, &site).await;
        search(&browser, "functionName:hello | select count(*) as n").await;
        browser
            .wait_until(
                "the SQL result",
                "document.getElementById('status').textContent.startsWith('1 row')",
            )
            .await;
        assert_eq!(browser.texts("#results thead th").await, ["n"]);
        assert_eq!(
            browser.texts("#results td[data-field=n]").await,
            [(SEEDED / 2).to_string()]
        );
        browser.close().await;
    });
}

#[test]
fn an_api_error_is_shown_above_the_table_with_its_position() {
    run_browser_test(async {
        let site = Site::start().await;
        let browser = Browser::start().await;
        open_logs(&browser, &site).await;
        search(&browser, "functionName:hello)").await;
        browser
            .wait_until("the error box", "!document.getElementById('error').hidden")
            .await;
        assert_eq!(browser.text("#error-code").await, "QuerySyntaxError:");
        assert_eq!(
            browser.text("#error-message").await,
            "unexpected ')' at line 1, column 19"
        );
        let pointer = browser.texts("#error-where").await.remove(0);
        assert_eq!(
            pointer,
            format!("functionName:hello)\n{}^", " ".repeat(18)),
            "the caret sits under the ')'"
        );
        assert!(browser.texts("#results tbody tr").await.is_empty());
        let (error_top, table_top) = (
            browser.rect("#error").await.y,
            browser.rect("#results").await.y,
        );
        assert!(error_top < table_top, "the error is above the table");
        browser.close().await;
    });
}

#[test]
fn live_tail_adds_new_lines_as_they_arrive() {
    run_browser_test(async {
        let site = Site::start().await;
        let browser = Browser::start().await;
        open_logs(&browser, &site).await;
        search(&browser, "functionName:processEvent").await;
        browser
            .wait_until(
                "the filtered results",
                "document.getElementById('status').textContent.startsWith('20 lines')",
            )
            .await;
        browser.click("#tail").await;
        browser
            .wait_until(
                "the tail to start",
                "document.getElementById('status').textContent.startsWith('Live tail on')",
            )
            .await;

        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        site.data
            .push(line(now, "processEvent", "INFO", "tail says hello"));
        site.data
            .push(line(now, "hello", "INFO", "filtered out by the query"));
        let first = browser
            .wait_until(
                "the new line to appear",
                "(() => { const c = document.querySelector('#results tbody tr td[data-field=message]'); \
                   return c && c.textContent === 'tail says hello' && c.textContent; })()",
            )
            .await;
        assert_eq!(first, json!("tail says hello"));
        let messages = browser.texts("#results td[data-field=message]").await;
        assert_eq!(
            messages.len(),
            21,
            "one new line, no duplicates: {messages:?}"
        );
        assert!(!messages.iter().any(|m| m == "filtered out by the query"));

        // Two more ticks must not repeat it.
        site.data
            .push(line(now + 1, "processEvent", "WARN", "second tail line"));
        browser
            .wait_until(
                "the second line",
                "document.querySelector('#results tbody td[data-field=message]').textContent === 'second tail line'",
            )
            .await;
        let messages = browser.texts("#results td[data-field=message]").await;
        assert_eq!(
            messages.iter().filter(|m| *m == "tail says hello").count(),
            1,
            "{messages:?}"
        );
        assert_eq!(messages.len(), 22);

        browser.click("#tail").await;
        browser
            .wait_until(
                "the tail to stop",
                "document.getElementById('status').textContent === 'Live tail off.'",
            )
            .await;
        browser.close().await;
    });
}
