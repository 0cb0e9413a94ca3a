use super::*;
use chrono::{Datelike, TimeZone, Weekday};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn parse(text: &str) -> CronSchedule {
    CronSchedule::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn err(text: &str) -> String {
    CronSchedule::parse(text).unwrap_err().to_string()
}

/// The next `n` firings after `t`, each fed back as the next anchor (as a scheduler does).
fn firings(s: &CronSchedule, mut t: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    for _ in 0..n {
        t = s.next_after(t).unwrap();
        out.push(t);
    }
    out
}

fn weekdays(s: &CronSchedule, from: DateTime<Utc>, n: usize) -> Vec<Weekday> {
    firings(s, from, n).iter().map(|d| d.weekday()).collect()
}

// 2024-01-01 is a Monday.
const MONDAY: (i32, u32, u32) = (2024, 1, 1);

fn monday_midnight() -> DateTime<Utc> {
    utc(MONDAY.0, MONDAY.1, MONDAY.2, 0, 0, 0)
}

#[test]
fn every_minute_on_the_minute() {
    let s = parse("0 */1 * * * *");
    assert_eq!(
        firings(&s, utc(2024, 5, 1, 10, 0, 30), 2),
        [utc(2024, 5, 1, 10, 1, 0), utc(2024, 5, 1, 10, 2, 0)]
    );
    assert_eq!(s.to_string(), "0 */1 * * * *");
    assert_eq!(s.time_zone(), None);
    assert_eq!(s.interval(), None);
}

#[test]
fn strictly_after() {
    let s = parse("0 0 8 * * *");
    assert_eq!(
        s.next_after(utc(2024, 5, 1, 8, 0, 0)),
        Some(utc(2024, 5, 2, 8, 0, 0))
    );
}

#[test]
fn day_of_week_numbers_are_iso() {
    use Weekday::*;
    let from = monday_midnight() - TimeDelta::days(1); // Sunday 2023-12-31 00:00
    assert_eq!(weekdays(&parse("0 0 12 * * 1"), from, 2), [Mon, Mon]);
    assert_eq!(weekdays(&parse("0 0 12 * * 5"), from, 1), [Fri]);
    assert_eq!(weekdays(&parse("0 0 12 * * 6"), from, 1), [Sat]);
    assert_eq!(weekdays(&parse("0 0 12 * * 7"), from, 2), [Sun, Sun]);
    assert_eq!(weekdays(&parse("0 0 12 * * 0"), from, 2), [Sun, Sun]);
}

#[test]
fn day_of_week_names() {
    use Weekday::*;
    let from = monday_midnight();
    assert_eq!(
        weekdays(&parse("0 0 12 * * MON-FRI"), from, 6),
        [Mon, Tue, Wed, Thu, Fri, Mon]
    );
    assert_eq!(
        weekdays(&parse("0 0 12 * * sun,Wed"), from, 3),
        [Wed, Sun, Wed]
    );
    assert_eq!(weekdays(&parse("0 0 12 * * SATURDAY"), from, 1), [Sat]);
}

#[test]
fn day_of_week_ranges_cross_into_sunday() {
    use Weekday::*;
    let from = monday_midnight();
    assert_eq!(
        weekdays(&parse("0 0 12 * * 5-7"), from, 4),
        [Fri, Sat, Sun, Fri]
    );
    assert_eq!(
        weekdays(&parse("0 0 12 * * FRI-SUN"), from, 3),
        [Fri, Sat, Sun]
    );
    // A week written Sunday-first, numerically or by name.
    for text in ["0 0 12 * * 0-6", "0 0 12 * * SUN-SAT", "0 0 12 * * 1-7"] {
        assert_eq!(
            weekdays(&parse(text), from, 7),
            [Mon, Tue, Wed, Thu, Fri, Sat, Sun],
            "{text}"
        );
    }
    assert_eq!(weekdays(&parse("0 0 12 * * 0-1"), from, 2), [Mon, Sun]);
}

#[test]
fn day_of_week_steps() {
    use Weekday::*;
    let from = monday_midnight();
    assert_eq!(
        weekdays(&parse("0 0 12 * * */2"), from, 5),
        [Mon, Wed, Fri, Sun, Mon]
    );
    assert_eq!(
        weekdays(&parse("0 0 12 * * 1-5/2"), from, 4),
        [Mon, Wed, Fri, Mon]
    );
    assert_eq!(weekdays(&parse("0 0 12 * * 2/3"), from, 3), [Tue, Fri, Tue]);
    assert_eq!(
        weekdays(&parse("0 0 12 * * MON/3"), from, 3),
        [Mon, Thu, Sun]
    );
}

#[test]
fn question_mark_in_day_fields() {
    use Weekday::*;
    assert_eq!(
        weekdays(&parse("0 0 12 ? * TUE"), monday_midnight(), 2),
        [Tue, Tue]
    );
    assert_eq!(
        firings(&parse("0 0 12 15 * ?"), monday_midnight(), 2),
        [utc(2024, 1, 15, 12, 0, 0), utc(2024, 2, 15, 12, 0, 0)]
    );
}

#[test]
fn both_day_fields_restricted_means_either() {
    // The 13th of each month, and every Friday.
    let s = parse("0 0 0 13 * FRI");
    assert_eq!(
        firings(&s, monday_midnight(), 4),
        [
            utc(2024, 1, 5, 0, 0, 0),
            utc(2024, 1, 12, 0, 0, 0),
            utc(2024, 1, 13, 0, 0, 0),
            utc(2024, 1, 19, 0, 0, 0),
        ]
    );
}

#[test]
fn months_by_number_and_name() {
    let a = parse("0 0 0 1 1,7 *");
    let b = parse("0 0 0 1 JAN,jul *");
    let expected = [utc(2024, 7, 1, 0, 0, 0), utc(2025, 1, 1, 0, 0, 0)];
    assert_eq!(firings(&a, utc(2024, 2, 1, 0, 0, 0), 2), expected);
    assert_eq!(firings(&b, utc(2024, 2, 1, 0, 0, 0), 2), expected);
}

#[test]
fn cron_tz_shifts_to_the_zone() {
    // FC doc example: 04:00 in UTC+8 on the 1st = 20:00 UTC on the previous day.
    let s = parse("CRON_TZ=Asia/Shanghai 0 0 4 1 * *");
    assert_eq!(s.time_zone(), Some(chrono_tz::Asia::Shanghai));
    assert_eq!(
        s.next_after(utc(2024, 1, 15, 0, 0, 0)),
        Some(utc(2024, 1, 31, 20, 0, 0))
    );
    assert_eq!(s.to_string(), "CRON_TZ=Asia/Shanghai 0 0 4 1 * *");
}

#[test]
fn cron_tz_day_of_week_is_local() {
    // Monday 07:00 in Shanghai is Sunday 23:00 UTC.
    let s = parse("CRON_TZ=Asia/Shanghai 0 0 7 * * MON");
    assert_eq!(
        s.next_after(monday_midnight()),
        Some(utc(2024, 1, 7, 23, 0, 0))
    );
}

#[test]
fn cron_tz_follows_daylight_saving() {
    let s = parse("CRON_TZ=America/New_York 0 0 9 * * *");
    // 2024-03-10: EST (UTC-5) → EDT (UTC-4).
    assert_eq!(
        firings(&s, utc(2024, 3, 9, 0, 0, 0), 2),
        [utc(2024, 3, 9, 14, 0, 0), utc(2024, 3, 10, 13, 0, 0)]
    );
    // 2024-11-03: back to EST.
    assert_eq!(
        firings(&s, utc(2024, 11, 2, 0, 0, 0), 2),
        [utc(2024, 11, 2, 13, 0, 0), utc(2024, 11, 3, 14, 0, 0)]
    );
}

#[test]
fn skipped_local_time_does_not_fire_that_day() {
    // 02:30 does not exist in New York on 2024-03-10.
    let s = parse("CRON_TZ=America/New_York 0 30 2 * * *");
    assert_eq!(
        firings(&s, utc(2024, 3, 9, 12, 0, 0), 1),
        [utc(2024, 3, 11, 6, 30, 0)]
    );
}

#[test]
fn repeated_local_time_fires_once_and_never_goes_back() {
    // 01:30 happens twice in New York on 2024-11-03: 05:30Z (EDT) and 06:30Z (EST).
    let s = parse("CRON_TZ=America/New_York 0 30 1 * * *");
    assert_eq!(
        firings(&s, utc(2024, 11, 3, 0, 0, 0), 2),
        [utc(2024, 11, 3, 5, 30, 0), utc(2024, 11, 4, 6, 30, 0)]
    );
    // Asked from inside the repeated hour, the answer is still in the future.
    let t = utc(2024, 11, 3, 6, 0, 0);
    assert!(s.next_after(t).unwrap() > t);
}

#[test]
fn every_intervals_anchor_on_the_previous_firing() {
    let t = utc(2024, 5, 1, 10, 0, 7);
    for (text, secs) in [
        ("@every 5m", 300),
        ("@every 30s", 30),
        ("@every 1h30m", 5400),
        ("@every 1.5h", 5400),
        ("@every 2h45m10s", 9910),
        ("@every 1500ms", 1),
        ("  @every   4m ", 240),
        ("CRON_TZ=Asia/Shanghai @every 1m", 60),
    ] {
        let s = parse(text);
        let expected_std = std::time::Duration::from_millis(if text.contains("1500ms") {
            1500
        } else {
            secs * 1000
        });
        assert_eq!(s.interval(), Some(expected_std), "{text}");
        assert_eq!(
            s.next_after(t),
            t.checked_add_signed(TimeDelta::from_std(expected_std).unwrap())
        );
        assert_eq!(s.to_string(), text);
    }
}

#[test]
fn bad_intervals() {
    assert_eq!(
        err("@every 0s"),
        "invalid `@every` duration `0s`: it must be greater than zero"
    );
    assert_eq!(
        err("@every -5m"),
        "invalid `@every` duration `-5m`: it must be positive"
    );
    assert_eq!(
        err("@every 5"),
        "invalid `@every` duration `5`: a unit is missing; use ns, us, ms, s, m or h"
    );
    assert_eq!(
        err("@every 1d"),
        "invalid `@every` duration `1d`: unknown unit; use ns, us, ms, s, m or h (there is no `d`)"
    );
    assert_eq!(
        err("@every 500ms"),
        "invalid `@every` duration `500ms`: it must be at least 1s; timers fire at second resolution"
    );
    assert!(err("@every").starts_with("invalid `@every` duration ``"));
    assert!(err("@every 1h 30m").contains("without spaces"));
    assert!(err("@every m").contains("expected a number"));
    assert!(err("@every 99999999999h").contains("too long"));
}

#[test]
fn bad_shapes() {
    assert_eq!(
        err("*/5 * * * *"),
        "expected 6 fields (Seconds Minutes Hours Day-of-month Month Day-of-week), found 5; \
         FC's cron starts with a Seconds field: did you mean `0 */5 * * * *`?"
    );
    assert!(err("0 0 0 1 1 * 2025").ends_with("found 7; FC's cron has no Year field"));
    assert!(err("   ").starts_with("the expression is empty"));
    assert!(err("@daily").starts_with("unsupported `@daily`"));
    assert_eq!(
        err("CRON_TZ=Mars/Olympus 0 0 4 * * *"),
        "unknown time zone `Mars/Olympus` in CRON_TZ; use an IANA name such as `Asia/Shanghai` or `UTC`"
    );
    assert!(err("TZ=UTC 0 0 4 * * *").contains("CRON_TZ="));
    assert!(err("CRON_TZ=UTC").starts_with("the expression is empty"));
}

#[test]
fn bad_fields() {
    assert_eq!(
        err("0 ? * * * *"),
        "invalid Minutes field `?`: `?` is allowed only in Day-of-month and Day-of-week"
    );
    assert_eq!(
        err("0 0 0 * * 8"),
        "invalid Day-of-week field `8`: `8` is not a day; use 1-7 (MON=1 … SUN=7, 0 is also SUN) or MON-SUN"
    );
    assert_eq!(
        err("0 0 0 * * FRI-MON"),
        "invalid Day-of-week field `FRI-MON`: range `FRI-MON` runs backwards (MON=1 … SUN=7); \
         split it, e.g. `FRI-SUN,MON`"
    );
    assert!(err("0 0 0 * * FUNDAY").contains("`FUNDAY` is not a day"));
    assert!(err("0 0 0 * * */0").contains("step `0` must be a number from 1 to 7"));
    assert_eq!(
        err("0 61 * * * *"),
        "invalid Minutes field `61`: `61` is out of range 0-59"
    );
    assert_eq!(
        err("0 0 0-24 * * *"),
        "invalid Hours field `0-24`: `24` is out of range 0-23"
    );
    assert_eq!(
        err("0 0 0 0 * *"),
        "invalid Day-of-month field `0`: `0` is out of range 1-31"
    );
    assert_eq!(
        err("0 0 0 1 FOO *"),
        "invalid Month field `FOO`: `FOO` is not a number from 1 to 12 or JAN-DEC"
    );
    assert_eq!(
        err("x * * * * *"),
        "invalid Seconds field `x`: `x` is not a number from 0 to 59"
    );
    assert_eq!(
        err("0 0/0 * * * *"),
        "invalid Minutes field `0/0`: step `0` must be a whole number of at least 1"
    );
    assert_eq!(
        err("0 30-10 * * * *"),
        "invalid Minutes field `30-10`: range `30-10` runs backwards"
    );
    assert!(err("0 0 0 L * *").contains("`L` is not a number"));
    assert!(err("0 0 0 * * 1#2").contains("`1#2` is not a day"));
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "@",
        "@every ",
        "CRON_TZ=",
        "CRON_TZ= ",
        "- - - - - -",
        "0 0 0 * * ,",
        "0 0 0 * * -",
        "0 0 0 * * 1-",
        "0 0 0 * * /",
        "0 0 0 * * 1//2",
        "0 0 0 * * 255",
        "0 0 0 * * 99999",
        "@every ..s",
        "@every 1.2.3s",
        "@every µ",
        "0 0 0 * * é",
        "0 0 0 ? * ?",
    ] {
        let _ = CronSchedule::parse(text);
    }
    assert!(CronSchedule::parse("0 0 0 ? * ?").is_ok());
}

#[test]
fn equality_is_by_text() {
    assert_eq!(parse("0 0 8 * * *"), parse("0 0 8 * * *"));
    assert_ne!(parse("0 0 8 * * *"), parse("0  0 8 * * *"));
    assert_eq!(
        "@every 5m".parse::<CronSchedule>().unwrap().as_str(),
        "@every 5m"
    );
}

#[test]
fn no_firing_beyond_the_crate_horizon() {
    let s = parse("0 0 0 1 1 *");
    assert_eq!(s.next_after(utc(2100, 6, 1, 0, 0, 0)), None);
}
