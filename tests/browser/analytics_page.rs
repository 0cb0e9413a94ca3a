//! `/analytics`: three charts load, and the total chart is drawn in colour.

use crate::harness::Browser;
use crate::pixels::Image;
use crate::site::Site;
use crate::{keep_screenshot, run_browser_test};

#[test]
fn the_analytics_page_draws_its_three_charts() {
    run_browser_test(async {
        let site = Site::start().await;
        let browser = Browser::start().await;
        browser.goto(&site.url("/analytics")).await;
        for chart in ["#chart-total", "#chart-type", "#chart-owner"] {
            let width = browser.wait_for_image(chart).await;
            assert!(width >= 320, "{chart} is {width} px wide");
        }
        let current = browser.text("nav a[aria-current=page]").await;
        assert_eq!(current, "Analytics");

        let region = browser.rect("#chart-total").await;
        let png = browser.screenshot().await;
        let saved = keep_screenshot("analytics", &png);
        let image = Image::decode(&png);
        let line_pixels = image.count_colour(region, fclocal_web::CHART_RGB, 40);
        let line_columns = image.columns_with_colour(region, fclocal_web::CHART_RGB, 40);
        assert!(
            line_pixels > 500 && line_columns > 200,
            "expected the total line in {region:?}: {line_pixels} pixels in {line_columns} columns; see {}",
            saved.display()
        );

        browser.select("#range", "6h").await;
        browser
            .wait_until(
                "the range to reach the charts",
                "document.getElementById('chart-type').src.includes('series=type') && location.search.includes('range=6h')",
            )
            .await;
        browser.wait_for_image("#chart-type").await;
        browser.close().await;
    });
}
