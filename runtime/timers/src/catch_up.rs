//! After a wake-up: which firing is due now, and which comes next.
//!
//! Normally the clock reaches a firing's time and nothing else is due. When it jumps over
//! several firings at once (a suspended laptop, `ManualClock::advance` by many periods),
//! only the latest due firing runs: catching up on every missed one would start a burst
//! of runs that all overlap.

use chrono::{DateTime, TimeDelta, Utc};
use fclocal_template::CronSchedule;

/// The outcome of [`catch_up`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CatchUp {
    /// The firing to run now: the latest one at or before `now`.
    pub(crate) latest: DateTime<Utc>,
    /// The firing after `latest` (strictly after `now`), if the schedule has one.
    pub(crate) next: Option<DateTime<Utc>>,
}

/// Given a firing `due` that is at or before `now`, the latest firing at or before `now`
/// and the one after it.
///
/// `@every` schedules count whole intervals from `due`, so they keep their phase. Six-field
/// schedules bisect on `next_after` (which never decreases as its argument grows): the
/// latest firing `L <= now` is the earliest `t` with `next_after(t) > now`. That costs
/// about 64 `next_after` calls for any jump, instead of one per missed firing.
pub(crate) fn catch_up(schedule: &CronSchedule, due: DateTime<Utc>, now: DateTime<Utc>) -> CatchUp {
    let latest = if now <= due {
        due
    } else if let Some(interval) = schedule.interval() {
        latest_on_grid(due, interval, now)
    } else {
        latest_by_bisection(schedule, due, now)
    };
    CatchUp {
        latest,
        next: schedule.next_after(latest),
    }
}

/// `due + k × interval` for the largest `k` that stays at or before `now`.
fn latest_on_grid(
    due: DateTime<Utc>,
    interval: std::time::Duration,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let interval = interval.as_nanos() as i128;
    let elapsed = nanos(now.signed_duration_since(due));
    if interval <= 0 || elapsed < interval {
        return due;
    }
    let covered = elapsed - elapsed % interval;
    let secs = i64::try_from(covered / 1_000_000_000).ok();
    let subsec = u32::try_from(covered % 1_000_000_000).ok();
    secs.zip(subsec)
        .and_then(|(secs, subsec)| TimeDelta::new(secs, subsec))
        .and_then(|delta| due.checked_add_signed(delta))
        .unwrap_or(due)
}

fn nanos(delta: TimeDelta) -> i128 {
    i128::from(delta.num_seconds()) * 1_000_000_000 + i128::from(delta.subsec_nanos())
}

/// The earliest `t` in `(due, now]` with `next_after(t) > now`, or `due` if none of the
/// firings after `due` are due yet.
fn latest_by_bisection(
    schedule: &CronSchedule,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let after_now = |t: DateTime<Utc>| schedule.next_after(t).is_none_or(|n| n > now);
    if after_now(due) {
        return due;
    }
    // Invariant: !after_now(lo) && after_now(hi); `next_after(now) > now` by definition.
    let (mut lo, mut hi) = (due, now);
    let one = TimeDelta::nanoseconds(1);
    while hi.signed_duration_since(lo) > one {
        let mid = lo + hi.signed_duration_since(lo) / 2;
        if after_now(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, s)
            .single()
            .expect("valid date")
    }

    fn cron(text: &str) -> CronSchedule {
        CronSchedule::parse(text).expect("valid cron")
    }

    #[test]
    fn on_time_wake_runs_due_and_plans_the_next() {
        let c = catch_up(&cron("*/10 * * * * *"), at(8, 0, 10), at(8, 0, 10));
        assert_eq!(
            c,
            CatchUp {
                latest: at(8, 0, 10),
                next: Some(at(8, 0, 20))
            }
        );
    }

    #[test]
    fn cron_jump_runs_only_the_latest_due_firing() {
        let c = catch_up(&cron("0 */5 * * * *"), at(8, 5, 0), at(9, 12, 31));
        assert_eq!(c.latest, at(9, 10, 0));
        assert_eq!(c.next, Some(at(9, 15, 0)));
    }

    #[test]
    fn cron_jump_landing_exactly_on_a_firing_runs_that_firing() {
        let c = catch_up(&cron("0 */5 * * * *"), at(8, 5, 0), at(9, 15, 0));
        assert_eq!(c.latest, at(9, 15, 0));
        assert_eq!(c.next, Some(at(9, 20, 0)));
    }

    #[test]
    fn cron_jump_of_years_with_a_per_second_schedule_is_cheap() {
        let later = Utc
            .with_ymd_and_hms(2031, 3, 1, 12, 0, 7)
            .single()
            .expect("valid date");
        let c = catch_up(&cron("* * * * * *"), at(8, 0, 0), later);
        assert_eq!(c.latest, later);
        assert_eq!(c.next, Some(later + TimeDelta::seconds(1)));
    }

    #[test]
    fn every_jump_keeps_the_phase() {
        let c = catch_up(&cron("@every 5m"), at(8, 5, 0), at(8, 27, 59));
        assert_eq!(c.latest, at(8, 25, 0));
        assert_eq!(c.next, Some(at(8, 30, 0)));
    }

    #[test]
    fn late_but_before_the_next_firing_runs_due() {
        let c = catch_up(&cron("@every 5m"), at(8, 5, 0), at(8, 9, 0));
        assert_eq!(c.latest, at(8, 5, 0));
        assert_eq!(c.next, Some(at(8, 10, 0)));
        let c = catch_up(&cron("0 0 8 * * *"), at(8, 0, 0), at(8, 0, 1));
        assert_eq!(c.latest, at(8, 0, 0));
    }
}
