//! The chart endpoints' query strings, parsed into typed requests.
//!
//! Every field arrives as an optional string so a bad value never becomes
//! axum's plain-text 400: it becomes a [`ParamError`] that the chart draws,
//! which is what an `<img>` can show.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

/// Default histogram buckets (SLS GetHistograms gives up to 60).
pub(crate) const DEFAULT_BUCKETS: usize = 60;
/// Most buckets a histogram may ask for.
pub(crate) const MAX_BUCKETS: usize = 200;

/// The raw query string of either chart endpoint.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawParams {
    project: Option<String>,
    logstore: Option<String>,
    query: Option<String>,
    from: Option<String>,
    to: Option<String>,
    buckets: Option<String>,
    series: Option<String>,
    tz: Option<String>,
    width: Option<String>,
    height: Option<String>,
}

/// A bad parameter, worded for the chart that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParamError(pub(crate) String);

/// `[from, to)` in UNIX seconds, `from < to`, plus the zone labels are drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeRange {
    /// Start (inclusive), UNIX seconds.
    pub(crate) from: i64,
    /// End (exclusive), UNIX seconds.
    pub(crate) to: i64,
    /// The viewer's UTC offset, from `tz` (minutes east of UTC).
    pub(crate) zone: FixedOffset,
}

impl TimeRange {
    /// Start as a [`SystemTime`].
    pub(crate) fn start(&self) -> SystemTime {
        unix_to_system(self.from)
    }

    /// End as a [`SystemTime`].
    pub(crate) fn end(&self) -> SystemTime {
        unix_to_system(self.to)
    }

    /// A UNIX second as a date-time in the viewer's zone.
    pub(crate) fn local(&self, secs: i64) -> DateTime<FixedOffset> {
        DateTime::from_timestamp(secs, 0)
            .unwrap_or_default()
            .with_timezone(&self.zone)
    }
}

/// Pixel size of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Size {
    /// Width in pixels.
    pub(crate) width: u32,
    /// Height in pixels.
    pub(crate) height: u32,
}

/// `GET /fclocal/web/histogram.svg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HistogramRequest {
    /// SLS project.
    pub(crate) project: String,
    /// Logstore in the project.
    pub(crate) logstore: String,
    /// Search statement (`*` when absent).
    pub(crate) query: String,
    /// The time axis.
    pub(crate) range: TimeRange,
    /// Number of equal buckets.
    pub(crate) buckets: usize,
    /// Chart size.
    pub(crate) size: Size,
}

/// Which analytics series to plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Series {
    /// One line: events per window.
    Total,
    /// One line per event type.
    Type,
    /// One line per owner.
    Owner,
}

impl Series {
    /// The chart's title.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Series::Total => "Events per window",
            Series::Type => "Events per window, by event type",
            Series::Owner => "Events per window, by owner",
        }
    }
}

/// `GET /fclocal/web/analytics.svg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AnalyticsRequest {
    /// The time axis.
    pub(crate) range: TimeRange,
    /// What to plot.
    pub(crate) series: Series,
    /// Chart size.
    pub(crate) size: Size,
}

impl RawParams {
    /// The chart size, defaulting to `default`; clamped to sane bounds.
    pub(crate) fn size(&self, default: Size) -> Result<Size, ParamError> {
        let width = parse_opt::<u32>("width", self.width.as_deref())?.unwrap_or(default.width);
        let height = parse_opt::<u32>("height", self.height.as_deref())?.unwrap_or(default.height);
        Ok(Size {
            width: width.clamp(320, 2400),
            height: height.clamp(160, 1200),
        })
    }

    /// The time range; missing ends default to `now` and `now - default_span`.
    pub(crate) fn range(
        &self,
        now: SystemTime,
        default_span: Duration,
    ) -> Result<TimeRange, ParamError> {
        let zone = match parse_opt::<i32>("tz", self.tz.as_deref())? {
            None => FixedOffset::east_opt(0),
            Some(minutes) if minutes.abs() <= 16 * 60 => FixedOffset::east_opt(minutes * 60),
            Some(minutes) => {
                return Err(ParamError(format!(
                    "tz={minutes} is not a UTC offset; give minutes east of UTC, between -960 and 960"
                )));
            }
        }
        .unwrap_or(FixedOffset::east_opt(0).expect("zero offset"));
        let now = system_to_unix(now);
        let to = parse_opt::<i64>("to", self.to.as_deref())?.unwrap_or(now);
        let span = i64::try_from(default_span.as_secs()).unwrap_or(i64::MAX);
        let from = parse_opt::<i64>("from", self.from.as_deref())?
            .unwrap_or_else(|| to.saturating_sub(span));
        if from >= to {
            return Err(ParamError(format!(
                "from={from} is not before to={to}; the range is [from, to) in UNIX seconds"
            )));
        }
        Ok(TimeRange { from, to, zone })
    }

    /// The histogram endpoint's request.
    pub(crate) fn histogram(&self, now: SystemTime) -> Result<HistogramRequest, ParamError> {
        let project = required("project", self.project.as_deref())?;
        let logstore = required("logstore", self.logstore.as_deref())?;
        let query = match self.query.as_deref().map(str::trim) {
            None | Some("") => "*".to_owned(),
            Some(query) => query.to_owned(),
        };
        let buckets = match parse_opt::<usize>("buckets", self.buckets.as_deref())? {
            None => DEFAULT_BUCKETS,
            Some(0) => return Err(ParamError("buckets=0: ask for at least one bucket".into())),
            Some(n) => n.min(MAX_BUCKETS),
        };
        Ok(HistogramRequest {
            project,
            logstore,
            query,
            range: self.range(now, Duration::from_secs(15 * 60))?,
            buckets,
            size: self.size(Size {
                width: 960,
                height: 240,
            })?,
        })
    }

    /// The analytics endpoint's request.
    pub(crate) fn analytics(&self, now: SystemTime) -> Result<AnalyticsRequest, ParamError> {
        let series = match self.series.as_deref() {
            None | Some("total") => Series::Total,
            Some("type") => Series::Type,
            Some("owner") => Series::Owner,
            Some(other) => {
                return Err(ParamError(format!(
                    "series={other} is unknown; use total, type or owner"
                )));
            }
        };
        Ok(AnalyticsRequest {
            range: self.range(now, Duration::from_secs(60 * 60))?,
            series,
            size: self.size(Size {
                width: 960,
                height: 300,
            })?,
        })
    }
}

fn required(name: &str, value: Option<&str>) -> Result<String, ParamError> {
    match value.map(str::trim) {
        Some(value) if !value.is_empty() => Ok(value.to_owned()),
        _ => Err(ParamError(format!(
            "choose a {name}: the `{name}` parameter is missing"
        ))),
    }
}

fn parse_opt<T: std::str::FromStr>(
    name: &str,
    value: Option<&str>,
) -> Result<Option<T>, ParamError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => raw
            .parse()
            .map(Some)
            .map_err(|_| ParamError(format!("{name}={raw} is not a valid number"))),
    }
}

/// UNIX seconds (negative before 1970) of a [`SystemTime`].
pub(crate) fn system_to_unix(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// The [`SystemTime`] of UNIX seconds.
pub(crate) fn unix_to_system(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawParams {
        let object = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned())))
            .collect();
        serde_json::from_value(serde_json::Value::Object(object)).expect("all fields are strings")
    }

    const NOW: u64 = 1_700_000_000;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW)
    }

    #[test]
    fn histogram_defaults_to_the_last_15_minutes_and_60_buckets() {
        let request = raw(&[("project", "p"), ("logstore", "l")])
            .histogram(now())
            .expect("valid");
        assert_eq!(request.range.to, NOW as i64);
        assert_eq!(request.range.from, NOW as i64 - 900);
        assert_eq!(request.buckets, DEFAULT_BUCKETS);
        assert_eq!(request.query, "*");
    }

    #[test]
    fn missing_project_and_inverted_ranges_are_explained() {
        let missing = raw(&[("logstore", "l")]).histogram(now()).unwrap_err();
        assert!(missing.0.contains("project"), "{missing:?}");
        let inverted = raw(&[
            ("project", "p"),
            ("logstore", "l"),
            ("from", "10"),
            ("to", "10"),
        ])
        .histogram(now())
        .unwrap_err();
        assert!(inverted.0.contains("not before"), "{inverted:?}");
        let bad = raw(&[("from", "yesterday")]).analytics(now()).unwrap_err();
        assert!(bad.0.contains("from=yesterday"), "{bad:?}");
    }

    #[test]
    fn series_and_zone_are_typed() {
        let request = raw(&[("series", "owner"), ("tz", "480")])
            .analytics(now())
            .expect("valid");
        assert_eq!(request.series, Series::Owner);
        assert_eq!(request.range.zone.local_minus_utc(), 480 * 60);
        assert!(raw(&[("series", "colour")]).analytics(now()).is_err());
        assert!(raw(&[("tz", "100000")]).analytics(now()).is_err());
    }

    #[test]
    fn sizes_and_buckets_are_clamped() {
        let request = raw(&[
            ("project", "p"),
            ("logstore", "l"),
            ("buckets", "100000"),
            ("width", "5"),
        ])
        .histogram(now())
        .expect("valid");
        assert_eq!(request.buckets, MAX_BUCKETS);
        assert_eq!(request.size.width, 320);
    }

    #[test]
    fn unix_conversions_round_trip() {
        for secs in [-5, 0, 1_700_000_000] {
            assert_eq!(system_to_unix(unix_to_system(secs)), secs);
        }
    }
}
