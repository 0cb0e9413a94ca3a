//! Timer trigger schedules: FC's `CronExpression`.
//!
//! FC (doc 171746) accepts three forms, all evaluated in UTC unless a zone is given:
//!
//! - six fields, `Seconds Minutes Hours Day-of-month Month Day-of-week`, e.g. `0 0/5 * * * *`;
//!   months `1-12` or `JAN-DEC`; day-of-week `1-7` or `MON-SUN` read as ISO (1 = Monday,
//!   7 = Sunday; 0 is also accepted as Sunday); `?` is allowed in the two day fields;
//! - `@every <duration>` with a Go duration (`30s`, `5m`, `1h30m`, `1.5h`);
//! - either form prefixed with `CRON_TZ=<IANA zone> `, e.g. `CRON_TZ=Asia/Shanghai 0 0 4 1 * *`.
//!
//! The six-field form is evaluated by the `cron` crate, which numbers days of the week
//! 1 = Sunday … 7 = Saturday. To keep FC's meaning, the day-of-week field is expanded here
//! into an explicit list of day names (`5-7` becomes `FRI,SAT,SUN`) before the crate sees it.
//! When both day fields are restricted, a day matches if either matches, as in standard
//! cron (the crate alone would require both), so the expression is split into two schedules
//! whose earliest next time wins.
//!
//! Daylight-saving time with `CRON_TZ`: a local time that a spring-forward transition skips
//! does not fire that day; a local time that a fall-back transition repeats fires once, at
//! its first occurrence.

mod fields;
mod interval;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

/// A validated `CronExpression`. Displays as the original text.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    text: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// `@every`: fires every `interval`, anchored on the previous firing.
    Interval(TimeDelta),
    /// Six fields; one schedule, or two whose union is the schedule (see the module docs).
    Cron {
        zone: Option<Tz>,
        schedules: Vec<::cron::Schedule>,
    },
}

/// Why a `CronExpression` was rejected. The message says what FC expects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CronError {
    /// Nothing but whitespace.
    #[error("the expression is empty; write six fields like `0 */5 * * * *` or `@every 5m`")]
    Empty,
    /// The wrong number of fields.
    #[error(
        "expected 6 fields (Seconds Minutes Hours Day-of-month Month Day-of-week), found {found}{hint}"
    )]
    FieldCount {
        /// How many fields there were.
        found: usize,
        /// A suggestion, starting with `; ` when present.
        hint: String,
    },
    /// `@something` other than `@every`.
    #[error(
        "unsupported `{0}`: FC accepts `@every <duration>` (e.g. `@every 5m`) or six cron fields"
    )]
    UnsupportedShorthand(String),
    /// A bad `@every` duration.
    #[error("invalid `@every` duration `{text}`: {reason}")]
    Interval {
        /// The duration text.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `CRON_TZ=` names no known zone.
    #[error(
        "unknown time zone `{0}` in CRON_TZ; use an IANA name such as `Asia/Shanghai` or `UTC`"
    )]
    TimeZone(String),
    /// A field is malformed.
    #[error("invalid {field} field `{value}`: {reason}")]
    Field {
        /// Which field (`Day-of-week`, …).
        field: &'static str,
        /// Its text.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The `cron` crate rejected the expression.
    #[error("{0}")]
    Invalid(String),
}

impl CronSchedule {
    /// Parses and validates an FC `CronExpression`.
    pub fn parse(text: &str) -> Result<CronSchedule, CronError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(CronError::Empty);
        }
        let (zone, rest) = split_zone(trimmed)?;
        let kind = if let Some(shorthand) = rest.strip_prefix('@') {
            let mut words = shorthand.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some("every"), Some(duration), None) => {
                    Kind::Interval(interval::parse_interval(duration)?)
                }
                (Some("every"), _, _) => {
                    return Err(CronError::Interval {
                        text: shorthand.trim_start_matches("every").trim().to_owned(),
                        reason: "write one Go duration without spaces, e.g. `@every 1h30m`".into(),
                    });
                }
                _ => {
                    let word = rest.split_whitespace().next().unwrap_or(rest);
                    return Err(CronError::UnsupportedShorthand(word.to_owned()));
                }
            }
        } else {
            Kind::Cron {
                zone,
                schedules: fields::parse_fields(rest)?,
            }
        };
        Ok(CronSchedule {
            text: text.to_owned(),
            kind,
        })
    }

    /// The expression exactly as written in the template.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// For `@every` schedules, the interval.
    pub fn interval(&self) -> Option<std::time::Duration> {
        match &self.kind {
            Kind::Interval(d) => d.to_std().ok(),
            Kind::Cron { .. } => None,
        }
    }

    /// The `CRON_TZ` zone of a six-field schedule; `None` means UTC.
    pub fn time_zone(&self) -> Option<Tz> {
        match &self.kind {
            Kind::Cron { zone, .. } => *zone,
            Kind::Interval(_) => None,
        }
    }

    /// The first firing strictly after `t`, or `None` if there is none (past year 2100, or
    /// an interval that would overflow).
    ///
    /// `@every` schedules anchor on the previous firing: pass the last firing time and get
    /// `t + interval`. The caller owns the clock; nothing here reads the wall clock.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match &self.kind {
            Kind::Interval(d) => t.checked_add_signed(*d),
            Kind::Cron { zone, schedules } => schedules
                .iter()
                .filter_map(|s| match zone {
                    Some(tz) => first_after(s, t.with_timezone(tz)),
                    None => first_after(s, t),
                })
                .min(),
        }
    }
}

/// The first instant of `schedule` after `t`. The crate yields both instants of an
/// ambiguous (fall-back) local time, earliest first, and the earlier one can lie before
/// `t`; skip those.
fn first_after<Z: chrono::TimeZone>(
    schedule: &::cron::Schedule,
    t: DateTime<Z>,
) -> Option<DateTime<Utc>> {
    let t_utc = t.with_timezone(&Utc);
    schedule
        .after(&t)
        .take(4)
        .map(|d| d.with_timezone(&Utc))
        .find(|d| *d > t_utc)
}

impl PartialEq for CronSchedule {
    /// Two schedules are equal when written identically.
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for CronSchedule {}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for CronSchedule {
    type Err = CronError;

    fn from_str(s: &str) -> Result<Self, CronError> {
        CronSchedule::parse(s)
    }
}

fn split_zone(text: &str) -> Result<(Option<Tz>, &str), CronError> {
    let Some(rest) = text.strip_prefix("CRON_TZ=") else {
        if text.starts_with("TZ=") {
            return Err(CronError::Invalid(
                "FC writes the time zone prefix as `CRON_TZ=<zone> `, not `TZ=`".into(),
            ));
        }
        return Ok((None, text));
    };
    let (name, expression) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let zone = name
        .parse::<Tz>()
        .map_err(|_| CronError::TimeZone(name.to_owned()))?;
    let expression = expression.trim();
    if expression.is_empty() {
        return Err(CronError::Empty);
    }
    Ok((Some(zone), expression))
}

#[cfg(test)]
mod tests;
