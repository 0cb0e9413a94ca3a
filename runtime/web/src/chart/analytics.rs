//! `analytics.svg`: the analytics function's per-window counts as lines.

use std::collections::BTreeMap;

use plotters::prelude::*;

use super::{
    CHART_COLOUR, DrawResult, FONT, PALETTE, count_axis_top, draw_empty_note, error_svg,
    grid_style, time_axis_desc, time_label,
};
use crate::params::{AnalyticsRequest, Series, system_to_unix};
use crate::source::Summary;

/// Most named lines on one chart; smaller keys are added up as "other".
pub(crate) const MAX_LINES: usize = 8;

/// One plotted line: its legend label and its `(UNIX s, count)` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// Legend label.
    pub(crate) label: String,
    /// Points, oldest first.
    pub(crate) points: Vec<(i64, u64)>,
}

/// Splits summaries inside the range into the lines `series` asks for.
pub(crate) fn lines(request: &AnalyticsRequest, summaries: &[Summary]) -> Vec<Line> {
    let range = &request.range;
    let inside: Vec<(i64, &Summary)> = summaries
        .iter()
        .map(|s| (system_to_unix(s.window_end), s))
        .filter(|(t, _)| (range.from..=range.to).contains(t))
        .collect();
    if inside.is_empty() {
        return Vec::new();
    }
    let pick: fn(&Summary) -> &BTreeMap<String, u64> = match request.series {
        Series::Total => {
            return vec![Line {
                label: "total".into(),
                points: inside.iter().map(|(t, s)| (*t, s.total)).collect(),
            }];
        }
        Series::Type => |s| &s.by_type,
        Series::Owner => |s| &s.by_owner,
    };
    let mut sums: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, summary) in &inside {
        for (key, count) in pick(summary) {
            *sums.entry(key).or_default() += count;
        }
    }
    let mut keys: Vec<(&str, u64)> = sums.into_iter().collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let (named, rest) = if keys.len() > MAX_LINES {
        keys.split_at(MAX_LINES - 1)
    } else {
        (&keys[..], &[][..])
    };
    let mut lines: Vec<Line> = named
        .iter()
        .map(|(key, _)| Line {
            label: (*key).to_owned(),
            points: inside
                .iter()
                .map(|(t, s)| (*t, pick(s).get(*key).copied().unwrap_or(0)))
                .collect(),
        })
        .collect();
    if !rest.is_empty() {
        lines.push(Line {
            label: format!("other ({} more)", rest.len()),
            points: inside
                .iter()
                .map(|(t, s)| {
                    let map = pick(s);
                    (*t, rest.iter().filter_map(|(k, _)| map.get(*k)).sum())
                })
                .collect(),
        });
    }
    lines
}

/// Draws the chart; a drawing failure becomes an error chart.
pub(crate) fn render(request: &AnalyticsRequest, summaries: &[Summary]) -> String {
    let mut out = String::new();
    match draw(&mut out, request, &lines(request, summaries)) {
        Ok(()) => out,
        Err(error) => error_svg(
            request.size,
            request.series.title(),
            &format!("cannot draw the chart: {error}"),
        ),
    }
}

fn draw(out: &mut String, request: &AnalyticsRequest, lines: &[Line]) -> DrawResult {
    let range = &request.range;
    let size = request.size;
    let root = SVGBackend::with_string(out, (size.width, size.height)).into_drawing_area();
    root.fill(&WHITE)?;
    let max = lines
        .iter()
        .flat_map(|line| line.points.iter().map(|p| p.1))
        .max()
        .unwrap_or(0);
    let mut chart = ChartBuilder::on(&root)
        .caption(request.series.title(), (FONT, 22))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(
            range.local(range.from)..range.local(range.to),
            0u64..count_axis_top(max),
        )?;
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(5)
        .x_label_formatter(&|tick| time_label(range, tick))
        .x_desc(time_axis_desc(range))
        .y_desc("events")
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(grid_style())
        .bold_line_style(grid_style())
        .draw()?;
    for (i, line) in lines.iter().enumerate() {
        let colour = if request.series == Series::Total {
            CHART_COLOUR
        } else {
            PALETTE[i % PALETTE.len()]
        };
        let points: Vec<_> = line
            .points
            .iter()
            .map(|&(t, count)| (range.local(t), count))
            .collect();
        chart
            .draw_series(std::iter::once(PathElement::new(
                points.clone(),
                colour.stroke_width(2),
            )))?
            .label(line.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3))
            });
        chart.draw_series(
            points
                .into_iter()
                .map(|point| Circle::new(point, 3, colour.filled())),
        )?;
    }
    if lines.is_empty() {
        draw_empty_note(
            &chart.plotting_area().strip_coord_spec(),
            "No analytics summaries in this time range",
            "The analytics timer writes one summary per window; widen the range or wait for the next window",
        )?;
    } else if request.series != Series::Total {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
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

    fn request(series: Series) -> AnalyticsRequest {
        AnalyticsRequest {
            range: TimeRange {
                from: FROM,
                to: FROM + 3600,
                zone: FixedOffset::east_opt(0).expect("offset"),
            },
            series,
            size: Size {
                width: 900,
                height: 300,
            },
        }
    }

    fn summary(minute: u64, by_type: &[(&str, u64)], by_owner: &[(&str, u64)]) -> Summary {
        let map = |pairs: &[(&str, u64)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect::<BTreeMap<_, _>>()
        };
        Summary {
            window_end: UNIX_EPOCH + Duration::from_secs(FROM as u64 + 60 * minute),
            total: by_type.iter().map(|p| p.1).sum(),
            by_type: map(by_type),
            by_owner: map(by_owner),
        }
    }

    fn data() -> Vec<Summary> {
        vec![
            summary(1, &[("create", 3), ("transfer", 1)], &[("alice", 4)]),
            summary(
                2,
                &[("create", 1), ("delete", 2)],
                &[("alice", 1), ("bob", 2)],
            ),
        ]
    }

    #[test]
    fn total_is_one_line_without_legend() {
        let svg = render(&request(Series::Total), &data());
        assert_well_formed(&svg);
        assert!(has_text(&svg, "Events per window"), "{svg}");
        assert!(has_text(&svg, "events"));
        assert!(svg.contains("stroke=\"#1F77B4\""));
        assert!(!has_text(&svg, "total"), "no legend for a single line");
    }

    #[test]
    fn by_type_has_a_legend_entry_per_type_with_missing_points_as_zero() {
        let request = request(Series::Type);
        let lines = lines(&request, &data());
        let labels: Vec<_> = lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["create", "delete", "transfer"]);
        assert_eq!(lines[1].points, [(FROM + 60, 0), (FROM + 120, 2)]);
        let svg = render(&request, &data());
        assert_well_formed(&svg);
        assert!(has_text(&svg, "Events per window, by event type"));
        for label in ["create", "delete", "transfer"] {
            assert!(has_text(&svg, label), "legend {label}: {svg}");
        }
    }

    #[test]
    fn many_owners_fold_into_other() {
        let owners: Vec<(String, u64)> =
            (0..12).map(|i| (format!("owner{i:02}"), 12 - i)).collect();
        let pairs: Vec<(&str, u64)> = owners.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let lines = lines(&request(Series::Owner), &[summary(5, &[], &pairs)]);
        assert_eq!(lines.len(), MAX_LINES);
        assert_eq!(lines[0].label, "owner00");
        let other = lines.last().expect("other");
        assert_eq!(other.label, "other (5 more)");
        assert_eq!(other.points[0].1, 5 + 4 + 3 + 2 + 1);
    }

    #[test]
    fn summaries_outside_the_range_are_dropped_and_empty_says_so() {
        let outside = summary(600, &[("create", 1)], &[]);
        let svg = render(&request(Series::Owner), &[outside]);
        assert_well_formed(&svg);
        assert!(
            svg.contains("No analytics summaries in this time range"),
            "{svg}"
        );
        assert!(svg.contains("by owner"));
    }
}
