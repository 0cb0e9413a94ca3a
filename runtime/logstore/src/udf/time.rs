//! SLS date and time functions (reference/sls.md §6), all in UTC.
//!
//! **Representation.** SQLite has no timestamp type. `__time__` is INTEGER UNIX seconds, and
//! so is the result of `date_trunc` (so `GROUP BY`/`ORDER BY` on it are numeric and
//! `date_trunc('minute', __time__) - 60` works). `from_unixtime` and `now` return the text
//! SLS displays, `2025-01-01 08:30:00.000`, which sorts chronologically. Every function that
//! takes a time accepts both: a number (UNIX seconds, fractions allowed) or a text timestamp
//! (`YYYY-MM-DD HH:MM:SS[.fff]`, ISO 8601 with `T`/`Z`/offset, or `YYYY-MM-DD`).
//!
//! `date_add(unit, n, t)` returns UNIX seconds as well; `date_diff(unit, a, b)` whole units;
//! `from_iso8601_timestamp(s)` the display text.
//!
//! `time_series(t, '5m', fmt, padding)` returns the formatted start of `t`'s bucket; the
//! padding of empty buckets is not done (the argument is accepted and ignored).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Result};

use super::user_error;

/// How `from_unixtime` and `now` print a timestamp (SLS's display form, milliseconds).
const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.3f";

/// Registers the time functions.
pub(crate) fn register(conn: &Connection) -> Result<()> {
    let f = super::pure();
    conn.create_scalar_function("date_trunc", 2, f, |ctx| {
        let unit = text_arg(ctx, 0).unwrap_or_default();
        let Some(t) = instant(ctx.get_raw(1)) else {
            return Ok(None);
        };
        truncate(&unit, t).map(|t| Some(t.timestamp()))
    })?;
    conn.create_scalar_function("date_format", 2, f, |ctx| {
        let fmt = text_arg(ctx, 1).unwrap_or_default();
        Ok(instant(ctx.get_raw(0)).map(|t| format_mysql(t, &fmt)))
    })?;
    conn.create_scalar_function("from_unixtime", 1, f, |ctx| {
        Ok(instant(ctx.get_raw(0)).map(|t| t.format(TIMESTAMP_FORMAT).to_string()))
    })?;
    conn.create_scalar_function("to_unixtime", 1, f, |ctx| {
        Ok(instant(ctx.get_raw(0)).map(|t| t.timestamp_micros() as f64 / 1e6))
    })?;
    conn.create_scalar_function("date_parse", 2, f, |ctx| {
        let (Some(s), Some(fmt)) = (text_arg(ctx, 0), text_arg(ctx, 1)) else {
            return Ok(None);
        };
        parse_mysql(&s, &fmt).map(|t| Some(t.format(TIMESTAMP_FORMAT).to_string()))
    })?;
    conn.create_scalar_function("date_add", 3, f, |ctx| {
        let unit = text_arg(ctx, 0).unwrap_or_default();
        let n: i64 = ctx.get(1)?;
        let Some(t) = instant(ctx.get_raw(2)) else {
            return Ok(None);
        };
        add(&unit, n, t).map(|t| Some(t.timestamp()))
    })?;
    conn.create_scalar_function("date_diff", 3, f, |ctx| {
        let unit = text_arg(ctx, 0).unwrap_or_default();
        let (Some(a), Some(b)) = (instant(ctx.get_raw(1)), instant(ctx.get_raw(2))) else {
            return Ok(None);
        };
        diff(&unit, a, b).map(Some)
    })?;
    conn.create_scalar_function("from_iso8601_timestamp", 1, f, |ctx| {
        Ok(instant(ctx.get_raw(0)).map(|t| t.format(TIMESTAMP_FORMAT).to_string()))
    })?;
    // Not deterministic: the clock moves.
    conn.create_scalar_function("now", 0, FunctionFlags::SQLITE_UTF8, |_| {
        Ok(Utc::now().format(TIMESTAMP_FORMAT).to_string())
    })?;
    conn.create_scalar_function("time_series", 4, f, |ctx| {
        let window = text_arg(ctx, 1).unwrap_or_default();
        let fmt = text_arg(ctx, 2).unwrap_or_default();
        let step = window_seconds(&window)?;
        let Some(t) = instant(ctx.get_raw(0)) else {
            return Ok(None);
        };
        let start = t.timestamp().div_euclid(step) * step;
        Ok(Utc
            .timestamp_opt(start, 0)
            .single()
            .map(|b| format_mysql(b, &fmt)))
    })?;
    Ok(())
}

/// Argument `i` as text (numbers converted), `None` for NULL.
fn text_arg(ctx: &Context<'_>, i: usize) -> Option<String> {
    super::values::as_text(ctx.get_raw(i))
}

/// A time argument: UNIX seconds (number or numeric text) or a text timestamp.
pub(crate) fn instant(v: ValueRef<'_>) -> Option<DateTime<Utc>> {
    match v {
        ValueRef::Integer(s) => Utc.timestamp_opt(s, 0).single(),
        ValueRef::Real(f) => from_seconds(f),
        ValueRef::Text(t) => parse_text(std::str::from_utf8(t).ok()?.trim()),
        _ => None,
    }
}

fn from_seconds(f: f64) -> Option<DateTime<Utc>> {
    if !f.is_finite() {
        return None;
    }
    DateTime::from_timestamp_micros((f * 1e6).round() as i64)
}

fn parse_text(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(f) = s.parse::<f64>() {
        return from_seconds(f);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// `date_trunc(unit, t)`: the start of `t`'s second/minute/…/year (weeks start on Monday).
fn truncate(unit: &str, t: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let day = t.date_naive();
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|n| n.and_utc());
    let first_of = |month: u32| NaiveDate::from_ymd_opt(day.year(), month, 1);
    let out = match unit.to_ascii_lowercase().as_str() {
        "second" => t.with_nanosecond(0),
        "minute" => t.with_nanosecond(0).and_then(|t| t.with_second(0)),
        "hour" => t
            .with_nanosecond(0)
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_minute(0)),
        "day" => midnight(day),
        "week" => midnight(day - Duration::days(i64::from(day.weekday().num_days_from_monday()))),
        "month" => first_of(day.month()).and_then(midnight),
        "quarter" => first_of((day.month() - 1) / 3 * 3 + 1).and_then(midnight),
        "year" => first_of(1).and_then(midnight),
        other => return Err(unknown_unit("date_trunc", other)),
    };
    out.ok_or_else(|| user_error("date_trunc: the time is out of range"))
}

fn unknown_unit(function: &str, unit: &str) -> rusqlite::Error {
    user_error(&format!(
        "{function}: unknown unit {unit:?}; use second, minute, hour, day, week, month, quarter or year"
    ))
}

/// Months in a calendar unit, `None` for fixed-length units.
fn months(unit: &str) -> Option<i64> {
    match unit {
        "month" => Some(1),
        "quarter" => Some(3),
        "year" => Some(12),
        _ => None,
    }
}

/// Seconds in a fixed-length unit.
fn seconds_of(unit: &str) -> Option<i64> {
    match unit {
        "second" => Some(1),
        "minute" => Some(60),
        "hour" => Some(3_600),
        "day" => Some(86_400),
        "week" => Some(604_800),
        _ => None,
    }
}

/// `date_add(unit, n, t)`: calendar units keep the day of month where it exists (Jan 31 +
/// 1 month = Feb 28/29), like Presto.
fn add(unit: &str, n: i64, t: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let unit = unit.to_ascii_lowercase();
    let out = if let Some(m) = months(&unit) {
        let total = n.saturating_mul(m);
        let count = chrono::Months::new(u32::try_from(total.unsigned_abs()).unwrap_or(u32::MAX));
        if total >= 0 {
            t.checked_add_months(count)
        } else {
            t.checked_sub_months(count)
        }
    } else if let Some(s) = seconds_of(&unit) {
        t.checked_add_signed(Duration::seconds(n.saturating_mul(s)))
    } else {
        return Err(unknown_unit("date_add", &unit));
    };
    out.ok_or_else(|| user_error("date_add: the time is out of range"))
}

/// `date_diff(unit, a, b)`: whole units from `a` to `b` (negative when `b` is earlier).
fn diff(unit: &str, a: DateTime<Utc>, b: DateTime<Utc>) -> Result<i64> {
    let unit = unit.to_ascii_lowercase();
    if let Some(s) = seconds_of(&unit) {
        return Ok((b.timestamp() - a.timestamp()) / s);
    }
    let Some(m) = months(&unit) else {
        return Err(unknown_unit("date_diff", &unit));
    };
    let (early, late, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
    let mut whole = i64::from(late.year() - early.year()) * 12 + i64::from(late.month())
        - i64::from(early.month());
    // A month only counts once the day and time of month are reached again.
    if whole > 0 && add("month", whole, early)? > late {
        whole -= 1;
    }
    Ok(sign * (whole / m))
}

/// `'5m'` → 300: a number and `s`, `m`, `h` or `d`.
fn window_seconds(window: &str) -> Result<i64> {
    let bad = || {
        user_error(&format!(
            "time_series: invalid window {window:?}; write a number and s, m, h or d, e.g. '5m'"
        ))
    };
    let w = window.trim();
    let split = w.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let n: i64 = w[..split].parse().map_err(|_| bad())?;
    let unit = match &w[split..] {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    if n <= 0 {
        return Err(bad());
    }
    Ok(n * unit)
}

/// Formats `t` with MySQL `date_format` specifiers (SLS uses them): `%Y %y %m %c %d %e %H %k
/// %h %I %l %i %s %S %f %p %a %W %b %M %j %T %r %w %%`; other characters are copied.
pub(crate) fn format_mysql(t: DateTime<Utc>, fmt: &str) -> String {
    let mut out = String::with_capacity(fmt.len() + 8);
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else {
            out.push('%');
            break;
        };
        let piece = match spec {
            'Y' => t.format("%Y").to_string(),
            'y' => t.format("%y").to_string(),
            'm' => t.format("%m").to_string(),
            'c' => t.month().to_string(),
            'd' => t.format("%d").to_string(),
            'e' => t.day().to_string(),
            'H' => t.format("%H").to_string(),
            'k' => t.hour().to_string(),
            'h' | 'I' => t.format("%I").to_string(),
            'l' => t.hour12().1.to_string(),
            'i' => t.format("%M").to_string(),
            's' | 'S' => t.format("%S").to_string(),
            'f' => format!("{:06}", t.timestamp_subsec_micros()),
            'p' => t.format("%p").to_string(),
            'a' => t.format("%a").to_string(),
            'W' => t.format("%A").to_string(),
            'b' => t.format("%b").to_string(),
            'M' => t.format("%B").to_string(),
            'j' => t.format("%j").to_string(),
            'T' => t.format("%H:%M:%S").to_string(),
            'r' => t.format("%I:%M:%S %p").to_string(),
            'w' => t.weekday().num_days_from_sunday().to_string(),
            other => other.to_string(),
        };
        out.push_str(&piece);
    }
    out
}

/// `date_parse(s, fmt)` with MySQL specifiers (`%Y %m %d %H %i %s %S %f %T`, others as in
/// chrono), as UTC.
fn parse_mysql(s: &str, fmt: &str) -> Result<DateTime<Utc>> {
    let mut chrono_fmt = String::with_capacity(fmt.len() + 4);
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            chrono_fmt.push(c);
            continue;
        }
        match chars.next() {
            Some('i') => chrono_fmt.push_str("%M"),
            Some('s') => chrono_fmt.push_str("%S"),
            Some('f') => chrono_fmt.push_str("%6f"),
            Some('T') => chrono_fmt.push_str("%H:%M:%S"),
            Some(other) => {
                chrono_fmt.push('%');
                chrono_fmt.push(other);
            }
            None => chrono_fmt.push('%'),
        }
    }
    let bad = |e: chrono::ParseError| {
        user_error(&format!(
            "date_parse: {s:?} does not match the format {fmt:?}: {e}"
        ))
    };
    match NaiveDateTime::parse_from_str(s, &chrono_fmt) {
        Ok(t) => Ok(t.and_utc()),
        Err(e) => NaiveDate::parse_from_str(s, &chrono_fmt)
            .map_err(|_| bad(e))?
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .ok_or_else(|| user_error("date_parse: the time is out of range")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2025-01-01T08:30:45Z, a Wednesday.
    const T: i64 = 1_735_720_245;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(s, 0).single().unwrap()
    }

    #[test]
    fn truncation_units() {
        let t = at(T);
        let f = |u: &str| format_mysql(truncate(u, t).unwrap(), "%Y-%m-%d %H:%i:%s");
        assert_eq!(f("second"), "2025-01-01 08:30:45");
        assert_eq!(f("minute"), "2025-01-01 08:30:00");
        assert_eq!(f("HOUR"), "2025-01-01 08:00:00");
        assert_eq!(f("day"), "2025-01-01 00:00:00");
        assert_eq!(f("week"), "2024-12-30 00:00:00");
        assert_eq!(f("month"), "2025-01-01 00:00:00");
        assert_eq!(f("quarter"), "2025-01-01 00:00:00");
        assert_eq!(f("year"), "2025-01-01 00:00:00");
        assert!(truncate("fortnight", t).is_err());
        assert_eq!(truncate("hour", t).unwrap().timestamp(), T - 1845);
    }

    #[test]
    fn formats_and_parses() {
        let t = at(T);
        assert_eq!(
            format_mysql(
                t,
                "%Y/%m/%d %H:%i:%s %a %b %W %M %j %p %T %e %c %k %l %% %q"
            ),
            "2025/01/01 08:30:45 Wed Jan Wednesday January 001 AM 08:30:45 1 1 8 8 % q"
        );
        assert_eq!(instant(ValueRef::Text(b"2025-01-01 08:30:45.000")), Some(t));
        assert_eq!(instant(ValueRef::Text(b"2025-01-01T08:30:45Z")), Some(t));
        assert_eq!(instant(ValueRef::Text(b"1735720245")), Some(t));
        assert_eq!(instant(ValueRef::Integer(T)), Some(t));
        assert_eq!(
            parse_mysql("2025-01-01 08:30:45", "%Y-%m-%d %H:%i:%s").unwrap(),
            t
        );
        assert_eq!(window_seconds("5m").unwrap(), 300);
        let jan31 = parse_text("2025-01-31 10:00:00").unwrap();
        let f = |t: DateTime<Utc>| format_mysql(t, "%Y-%m-%d %H:%i");
        assert_eq!(f(add("month", 1, jan31).unwrap()), "2025-02-28 10:00");
        assert_eq!(f(add("quarter", -1, jan31).unwrap()), "2024-10-31 10:00");
        assert_eq!(f(add("hour", 2, jan31).unwrap()), "2025-01-31 12:00");
        let mar1 = parse_text("2025-03-01 09:00:00").unwrap();
        assert_eq!(diff("month", jan31, mar1).unwrap(), 1);
        assert_eq!(diff("month", mar1, jan31).unwrap(), -1);
        assert_eq!(diff("day", jan31, mar1).unwrap(), 28);
        assert_eq!(diff("year", jan31, mar1).unwrap(), 0);
        assert!(diff("fortnight", jan31, mar1).is_err());
        assert!(window_seconds("5x").is_err());
        assert!(window_seconds("m").is_err());
    }
}
