//! `histogram.svg`: log lines per bucket over time, as solid bars.

use plotters::prelude::*;

use super::{
    CHART_COLOUR, DrawResult, FONT, count_axis_top, draw_empty_note, ellipsize, error_svg,
    grid_style, time_axis_desc, time_label,
};
use crate::params::{HistogramRequest, system_to_unix};
use crate::source::Bucket;

/// The chart's title: which logstore, and the query when it filters.
pub(crate) fn title(request: &HistogramRequest) -> String {
    let store = format!("{}/{}", request.project, request.logstore);
    if request.query == "*" {
        format!("Log lines over time: {store}")
    } else {
        format!(
            "Log lines over time: {store}, matching {}",
            ellipsize(&request.query, 60)
        )
    }
}

/// Draws the histogram; a drawing failure becomes an error chart.
pub(crate) fn render(request: &HistogramRequest, buckets: &[Bucket]) -> String {
    let mut out = String::new();
    match draw(&mut out, request, buckets) {
        Ok(()) => out,
        Err(error) => error_svg(
            request.size,
            &title(request),
            &format!("cannot draw the chart: {error}"),
        ),
    }
}

fn draw(out: &mut String, request: &HistogramRequest, buckets: &[Bucket]) -> DrawResult {
    let range = &request.range;
    let size = request.size;
    let root = SVGBackend::with_string(out, (size.width, size.height)).into_drawing_area();
    root.fill(&WHITE)?;
    let max = buckets.iter().map(|b| b.count).max().unwrap_or(0);
    let mut chart = ChartBuilder::on(&root)
        .caption(title(request), (FONT, 22))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(
            range.local(range.from)..range.local(range.to),
            0u64..count_axis_top(max),
        )?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(8)
        .y_labels(5)
        .x_label_formatter(&|tick| time_label(range, tick))
        .x_desc(time_axis_desc(range))
        .y_desc("lines")
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(grid_style())
        .bold_line_style(grid_style())
        .draw()?;
    chart.draw_series(buckets.iter().filter(|b| b.count > 0).map(|bucket| {
        let from = range.local(system_to_unix(bucket.from).max(range.from));
        let to = range.local(system_to_unix(bucket.to).min(range.to));
        let mut bar = Rectangle::new([(from, 0), (to, bucket.count)], CHART_COLOUR.filled());
        bar.set_margin(0, 0, 1, 1);
        bar
    }))?;
    if max == 0 {
        draw_empty_note(
            &chart.plotting_area().strip_coord_spec(),
            "No log lines in this time range",
            "Widen the time range or change the query",
        )?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use chrono::FixedOffset;

    use super::*;
    use crate::chart::test_support::{assert_well_formed, has_text};
    use crate::params::{Size, TimeRange};

    const FROM: i64 = 1_700_000_000;

    fn request(query: &str, tz_minutes: i32) -> HistogramRequest {
        HistogramRequest {
            project: "demo-project".into(),
            logstore: "fc-logs".into(),
            query: query.into(),
            range: TimeRange {
                from: FROM,
                to: FROM + 900,
                zone: FixedOffset::east_opt(tz_minutes * 60).expect("offset"),
            },
            buckets: 3,
            size: Size {
                width: 800,
                height: 240,
            },
        }
    }

    fn buckets(counts: &[u64]) -> Vec<Bucket> {
        counts
            .iter()
            .enumerate()
            .map(|(i, &count)| {
                let start = FROM as u64 + 300 * i as u64;
                Bucket {
                    from: UNIX_EPOCH + Duration::from_secs(start),
                    to: UNIX_EPOCH + Duration::from_secs(start + 300),
                    count,
                }
            })
            .collect()
    }

    #[test]
    fn draws_one_bar_per_non_empty_bucket_with_titles_and_time_labels() {
        let svg = render(&request("functionName:hello", 0), &buckets(&[4, 0, 9]));
        assert_well_formed(&svg);
        assert!(has_text(
            &svg,
            "Log lines over time: demo-project/fc-logs, matching functionName:hello"
        ));
        assert!(has_text(&svg, "time (UTC+00:00)"), "{svg}");
        assert!(has_text(&svg, "lines"), "y axis description");
        // 1_700_000_000 is 2023-11-14 22:13:20 UTC: ticks fall on round minutes.
        assert!(has_text(&svg, "22:16"), "{svg}");
        let bar_fill = "fill=\"#1F77B4\"";
        assert_eq!(svg.matches(bar_fill).count(), 2, "{svg}");
        assert!(!svg.contains("No log lines"));
    }

    #[test]
    fn labels_follow_the_viewers_zone() {
        let svg = render(&request("*", 8 * 60), &buckets(&[1, 1, 1]));
        assert!(has_text(&svg, "time (UTC+08:00)"));
        assert!(has_text(&svg, "06:16"), "{svg}");
        assert!(has_text(&svg, "Log lines over time: demo-project/fc-logs"));
    }

    #[test]
    fn empty_data_draws_axes_and_says_so() {
        for data in [buckets(&[0, 0, 0]), Vec::new()] {
            let svg = render(&request("*", 0), &data);
            assert_well_formed(&svg);
            assert!(has_text(&svg, "No log lines in this time range"), "{svg}");
            assert!(has_text(&svg, "lines"), "axes are still drawn");
        }
    }
}
