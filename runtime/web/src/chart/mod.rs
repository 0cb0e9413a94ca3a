//! Charts drawn with plotters' SVG backend.
//!
//! Text is emitted as SVG `<text>` in a generic `sans-serif` family, so the
//! browser lays it out with its own fonts: nothing is loaded from the network
//! and no font files are embedded.

pub(crate) mod analytics;
pub(crate) mod histogram;

use chrono::{DateTime, FixedOffset};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::params::{Size, TimeRange};

/// The histogram's bar colour (also the analytics "total" line). Browser
/// tests count pixels of exactly this colour in screenshots, so keep bars
/// solid (no gradient, no transparency).
pub(crate) const CHART_COLOUR: RGBColor =
    RGBColor(crate::CHART_RGB.0, crate::CHART_RGB.1, crate::CHART_RGB.2);

/// Series colours for multi-line charts: distinguishable, with the first one
/// being [`CHART_COLOUR`].
pub(crate) const PALETTE: [RGBColor; 9] = [
    CHART_COLOUR,
    RGBColor(0xe6, 0x7e, 0x22),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// The one font family: the browser's default sans-serif.
pub(crate) const FONT: &str = "sans-serif";

const ERROR_COLOUR: RGBColor = RGBColor(0xb0, 0x1c, 0x1c);
const MUTED_COLOUR: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID_COLOUR: RGBColor = RGBColor(0xe6, 0xe6, 0xe6);

/// Boxed plotters failures (the SVG backend's errors are I/O errors on a
/// `String`, so in practice this does not happen).
pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// A chart that is only a title and an error message in red: bad
/// parameters, a failing source, anything that cannot be drawn.
pub(crate) fn error_svg(size: Size, title: &str, message: &str) -> String {
    let mut out = String::new();
    let drawn = draw_error(&mut out, size, title, message);
    if drawn.is_err() {
        // Drawing text on a fresh white canvas cannot fail with the SVG
        // backend; an empty SVG is still a valid image if it ever does.
        out.clear();
        let _ = SVGBackend::with_string(&mut out, (size.width, size.height))
            .into_drawing_area()
            .present();
    }
    out
}

fn draw_error(out: &mut String, size: Size, title: &str, message: &str) -> DrawResult {
    let root = SVGBackend::with_string(out, (size.width, size.height)).into_drawing_area();
    root.fill(&WHITE)?;
    let centre = i32::try_from(size.width / 2).unwrap_or(0);
    let title_style =
        TextStyle::from((FONT, 22).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    root.draw(&Text::new(title.to_owned(), (centre, 12), title_style))?;
    let style = TextStyle::from((FONT, 18).into_font())
        .color(&ERROR_COLOUR)
        .pos(Pos::new(HPos::Center, VPos::Center));
    let chars_per_line = usize::try_from(size.width / 9).unwrap_or(40).max(20);
    let lines = wrap(message, chars_per_line);
    let height = i32::try_from(size.height).unwrap_or(0);
    let first = height / 2 - 10 * i32::try_from(lines.len()).unwrap_or(0) + 10;
    for (i, line) in lines.into_iter().enumerate() {
        let y = first + 20 * i32::try_from(i).unwrap_or(0);
        root.draw(&Text::new(line, (centre, y), style.clone()))?;
    }
    root.present()?;
    Ok(())
}

/// Writes `message` (and a grey `hint` below it) across the middle of a
/// plotting area: the empty state drawn over empty axes.
pub(crate) fn draw_empty_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    message: &str,
    hint: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (width, height) = area.dim_in_pixel();
    let centre = (
        i32::try_from(width / 2).unwrap_or(0),
        i32::try_from(height / 2).unwrap_or(0),
    );
    let anchor = Pos::new(HPos::Center, VPos::Center);
    let main = TextStyle::from((FONT, 20).into_font())
        .color(&MUTED_COLOUR)
        .pos(anchor);
    let small = TextStyle::from((FONT, 16).into_font())
        .color(&MUTED_COLOUR)
        .pos(anchor);
    area.draw(&Text::new(
        message.to_owned(),
        (centre.0, centre.1 - 10),
        main,
    ))?;
    area.draw(&Text::new(
        hint.to_owned(),
        (centre.0, centre.1 + 12),
        small,
    ))?;
    Ok(())
}

/// The time axis' label for one tick, as precise as the span needs.
pub(crate) fn time_label(range: &TimeRange, tick: &DateTime<FixedOffset>) -> String {
    let span = range.to - range.from;
    let format = if span <= 10 * 60 {
        "%H:%M:%S"
    } else if span <= 36 * 60 * 60 {
        "%H:%M"
    } else {
        "%m-%d %H:%M"
    };
    tick.format(format).to_string()
}

/// The time axis' description, naming the zone the labels are in.
pub(crate) fn time_axis_desc(range: &TimeRange) -> String {
    format!("time (UTC{})", range.zone)
}

/// Light grid lines.
pub(crate) fn grid_style() -> ShapeStyle {
    GRID_COLOUR.stroke_width(1)
}

/// The top of a count axis: headroom above `max`, and at least 1.
pub(crate) fn count_axis_top(max: u64) -> u64 {
    max.saturating_add(max / 10).saturating_add(1)
}

/// Shortens `text` to at most `max` characters, marking the cut with `…`.
pub(crate) fn ellipsize(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

/// Greedy word wrap; words longer than a line are cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let word: String = ellipsize(word, width);
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    lines.truncate(8);
    lines
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Checks shared by the chart tests.

    /// Whether `svg` has a `<text>` element saying exactly `text` (the SVG
    /// backend writes the text on a line of its own).
    pub(crate) fn has_text(svg: &str, text: &str) -> bool {
        svg.contains(&format!(">\n{text}\n</text>"))
    }

    /// Asserts `svg` is one well-nested `<svg>` document: every element
    /// opened is closed in order, or self-closed.
    pub(crate) fn assert_well_formed(svg: &str) {
        let body = svg.trim();
        assert!(
            body.starts_with("<svg"),
            "does not start with <svg: {body:.80}"
        );
        assert!(body.ends_with("</svg>"), "does not end with </svg>");
        let mut stack: Vec<String> = Vec::new();
        let mut rest = body;
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').expect("unterminated tag") + start;
            let tag = &rest[start + 1..end];
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().unwrap_or_else(|| panic!("stray </{name}>"));
                assert_eq!(open, name.trim(), "mis-nested tags");
            } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
                let name = tag.split_whitespace().next().unwrap_or_default();
                stack.push(name.to_owned());
            }
            rest = &rest[end + 1..];
        }
        assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{assert_well_formed, has_text};
    use super::*;

    #[test]
    fn error_svg_is_well_formed_and_escapes_text() {
        let size = Size {
            width: 600,
            height: 200,
        };
        let svg = error_svg(size, "Lines over time", "query error at <col 3> & more");
        assert_well_formed(&svg);
        assert!(has_text(&svg, "Lines over time"), "{svg}");
        assert!(
            has_text(&svg, "query error at &lt;col 3&gt; &amp; more"),
            "{svg}"
        );
    }

    #[test]
    fn long_messages_wrap() {
        let lines = wrap("one two three four five six", 10);
        assert_eq!(lines, ["one two", "three four", "five six"]);
        assert_eq!(ellipsize("abcdef", 4), "abc…");
    }

    #[test]
    fn count_axis_always_has_room() {
        assert_eq!(count_axis_top(0), 1);
        assert!(count_axis_top(100) > 100);
    }
}
