//! The six-field form: per-field checks with readable errors, and the day-of-week
//! translation from FC's ISO numbering to the day names the `cron` crate understands.

use std::collections::BTreeSet;
use std::str::FromStr;

use super::CronError;

const FIELD_NAMES: [&str; 6] = [
    "Seconds",
    "Minutes",
    "Hours",
    "Day-of-month",
    "Month",
    "Day-of-week",
];

pub(super) fn parse_fields(text: &str) -> Result<Vec<::cron::Schedule>, CronError> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields.len() != 6 {
        let hint = match fields.len() {
            5 => format!(
                "; FC's cron starts with a Seconds field: did you mean `0 {}`?",
                fields.join(" ")
            ),
            7 => "; FC's cron has no Year field".to_owned(),
            _ => String::new(),
        };
        return Err(CronError::FieldCount {
            found: fields.len(),
            hint,
        });
    }
    for (i, field) in fields.iter().enumerate().take(5) {
        check_field(i, field).map_err(|reason| CronError::Field {
            field: FIELD_NAMES[i],
            value: (*field).to_owned(),
            reason,
        })?;
    }
    let dom = fields[3];
    let dow = expand_day_of_week(fields[5])?;
    let build = |dom: &str, dow: &str| -> Result<::cron::Schedule, CronError> {
        let expression = format!(
            "{} {} {} {dom} {} {dow}",
            fields[0], fields[1], fields[2], fields[4]
        );
        ::cron::Schedule::from_str(&expression).map_err(|e| CronError::Invalid(e.to_string()))
    };
    let unrestricted = |f: &str| f == "*" || f == "?";
    if unrestricted(dom) || unrestricted(&dow) {
        Ok(vec![build(dom, &dow)?])
    } else {
        Ok(vec![build(dom, "*")?, build("*", &dow)?])
    }
}

const MONTH_NAMES: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Checks field `index` (0 = Seconds … 4 = Month): comma-separated items, each `*`, a value
/// or a range `a-b`, optionally with a step `/n`. The `cron` crate would reject the same
/// inputs, but only by echoing the whole expression back.
fn check_field(index: usize, field: &str) -> Result<(), String> {
    let (min, max) = match index {
        0 | 1 => (0, 59),
        2 => (0, 23),
        3 => (1, 31),
        _ => (1, 12),
    };
    let value = |text: &str| -> Result<u32, String> {
        let n = if index == 4 {
            MONTH_NAMES
                .iter()
                .position(|m| text.eq_ignore_ascii_case(m))
                .and_then(|i| u32::try_from(i + 1).ok())
        } else {
            None
        };
        let n = match n {
            Some(n) => n,
            None => text.parse::<u32>().map_err(|_| {
                let names = if index == 4 { " or JAN-DEC" } else { "" };
                format!("`{text}` is not a number from {min} to {max}{names}")
            })?,
        };
        if (min..=max).contains(&n) {
            Ok(n)
        } else {
            Err(format!("`{n}` is out of range {min}-{max}"))
        }
    };
    for item in field.split(',') {
        let (base, step) = item.split_once('/').unwrap_or((item, ""));
        if item.contains('/') {
            match step.parse::<u32>() {
                Ok(n) if n >= 1 => {}
                _ => {
                    return Err(format!(
                        "step `{step}` must be a whole number of at least 1"
                    ));
                }
            }
        }
        if base == "*" {
            continue;
        }
        if base == "?" {
            if index == 3 {
                continue;
            }
            return Err("`?` is allowed only in Day-of-month and Day-of-week".into());
        }
        if let Some((a, b)) = base.split_once('-') {
            let (a, b) = (value(a)?, value(b)?);
            if a > b {
                return Err(format!("range `{base}` runs backwards"));
            }
        } else {
            value(base)?;
        }
    }
    Ok(())
}

const DAY_NAMES: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

/// Rewrites an FC day-of-week field (ISO numbering) as `*`, `?` or a list of day names.
pub(super) fn expand_day_of_week(field: &str) -> Result<String, CronError> {
    if field == "*" || field == "?" {
        return Ok(field.to_owned());
    }
    let bad = |reason: String| CronError::Field {
        field: "Day-of-week",
        value: field.to_owned(),
        reason,
    };
    let mut days = BTreeSet::new();
    for item in field.split(',') {
        let (base, step) = match item.split_once('/') {
            Some((base, step)) => {
                let step: u8 = step
                    .parse()
                    .ok()
                    .filter(|s| (1..=7).contains(s))
                    .ok_or_else(|| bad(format!("step `{step}` must be a number from 1 to 7")))?;
                (base, Some(step))
            }
            None => (item, None),
        };
        let (start, end) = if base == "*" || base == "?" {
            (1, 7)
        } else if let Some((a, b)) = base.split_once('-') {
            let start = day_value(a, true).map_err(&bad)?;
            let end = day_value(b, false).map_err(&bad)?;
            if start > end {
                return Err(bad(format!(
                    "range `{base}` runs backwards (MON=1 … SUN=7); split it, e.g. `FRI-SUN,MON`"
                )));
            }
            (start, end)
        } else {
            let day = day_value(base, false).map_err(&bad)?;
            (day, if step.is_some() { 7 } else { day })
        };
        let step = usize::from(step.unwrap_or(1));
        for day in (start..=end).step_by(step) {
            days.insert(if day == 0 { 7 } else { day });
        }
    }
    Ok(days
        .iter()
        .map(|d| DAY_NAMES[usize::from(*d - 1)])
        .collect::<Vec<_>>()
        .join(","))
}

/// A day as a number 0..=7 (0 and 7 are both Sunday). A Sunday that starts a range is 0,
/// so `SUN-SAT` and `0-6` mean the whole week.
fn day_value(text: &str, range_start: bool) -> Result<u8, String> {
    if let Ok(n) = text.parse::<u8>() {
        return if n <= 7 {
            Ok(n)
        } else {
            Err(format!(
                "`{n}` is not a day; use 1-7 (MON=1 … SUN=7, 0 is also SUN) or MON-SUN"
            ))
        };
    }
    let lower = text.to_ascii_lowercase();
    let full = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let index = DAY_NAMES
        .iter()
        .zip(full)
        .position(|(short, long)| lower == short.to_ascii_lowercase() || lower == long)
        .ok_or_else(|| format!("`{text}` is not a day; use 1-7 (MON=1 … SUN=7) or MON-SUN"))?;
    let day = u8::try_from(index + 1).unwrap_or(7);
    Ok(if day == 7 && range_start { 0 } else { day })
}
