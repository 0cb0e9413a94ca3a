//! The wall-clock time source the scheduler reads: real ([`SystemClock`]) or driven by a
//! test ([`ManualClock`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

/// Wall-clock time source, injectable so tests never sleep.
///
/// Cron schedules are wall-clock schedules (`0 0 8 * * *` means 08:00 UTC, whatever the
/// machine did in between), so the scheduler asks the clock for *times*, never for
/// monotonic durations.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;

    /// Completes once [`now`](Clock::now) `>= deadline` (immediately if already past).
    fn sleep_until(
        &self,
        deadline: DateTime<Utc>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
}

/// The real clock: [`Utc::now`] and `tokio::time::sleep`.
///
/// Tokio sleeps on a monotonic clock, which on Linux stops while the machine is
/// suspended and does not follow wall-clock adjustments. So a sleep never lasts longer
/// than [`SystemClock::MAX_NAP`]: on each wake the remaining time is recomputed from the
/// wall clock, and a firing that a suspend or clock change made due is noticed within
/// that bound.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl SystemClock {
    /// The longest single tokio sleep before the wall clock is read again.
    pub const MAX_NAP: Duration = Duration::from_secs(30);
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(
        &self,
        deadline: DateTime<Utc>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(async move {
            loop {
                // Negative (already past) fails `to_std`: done.
                let Ok(left) = deadline.signed_duration_since(Utc::now()).to_std() else {
                    return;
                };
                if left.is_zero() {
                    return;
                }
                tokio::time::sleep(left.min(SystemClock::MAX_NAP)).await;
            }
        })
    }
}

/// A clock that only moves when told to: for tests, and for replaying a schedule.
///
/// Cloning gives another handle on the same clock. [`advance`](ManualClock::advance) and
/// [`set`](ManualClock::set) wake every [`sleep_until`](Clock::sleep_until) whose deadline
/// has passed; sleeping never involves tokio timers, so it works with or without paused
/// tokio time.
#[derive(Clone)]
pub struct ManualClock {
    /// The current time; every pending `sleep_until` holds a receiver and re-checks its
    /// deadline whenever the value changes.
    now: watch::Sender<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock reading `start` until moved.
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock {
            now: watch::Sender::new(start),
        }
    }

    /// Moves the clock forward by `by` (saturating at the largest representable time).
    pub fn advance(&self, by: Duration) {
        let by = TimeDelta::from_std(by).unwrap_or(TimeDelta::MAX);
        self.now.send_modify(|now| {
            *now = now
                .checked_add_signed(by)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
        });
    }

    /// Sets the clock to `t`, forwards or backwards (a wall-clock jump).
    pub fn set(&self, t: DateTime<Utc>) {
        self.now.send_replace(t);
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &*self.now.borrow())
            .finish()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    fn sleep_until(
        &self,
        deadline: DateTime<Utc>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        let mut now = self.now.subscribe();
        Box::pin(async move {
            if now.wait_for(|t| *t >= deadline).await.is_err() {
                // Every handle on the clock is gone, so time can never reach the
                // deadline: never complete (completing would make callers spin).
                std::future::pending::<()>().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0)
            .single()
            .expect("valid date")
    }

    #[tokio::test(start_paused = true)]
    async fn manual_clock_wakes_sleepers_whose_deadline_passed() {
        let clock = ManualClock::new(t0());
        let early = tokio::spawn(clock.sleep_until(t0() + TimeDelta::seconds(10)));
        let late = tokio::spawn(clock.sleep_until(t0() + TimeDelta::seconds(60)));
        tokio::task::yield_now().await;

        clock.advance(Duration::from_secs(10));
        tokio::time::timeout(Duration::from_secs(60), early)
            .await
            .expect("the early sleeper wakes")
            .expect("no panic");
        assert!(!late.is_finished());

        clock.set(t0() + TimeDelta::minutes(5));
        tokio::time::timeout(Duration::from_secs(60), late)
            .await
            .expect("the late sleeper wakes")
            .expect("no panic");
        assert_eq!(clock.now(), t0() + TimeDelta::minutes(5));
    }

    #[tokio::test(start_paused = true)]
    async fn manual_clock_past_deadline_completes_at_once_and_clones_share_time() {
        let clock = ManualClock::new(t0());
        let other: Arc<dyn Clock> = Arc::new(clock.clone());
        clock.advance(Duration::from_secs(90));
        assert_eq!(other.now(), t0() + TimeDelta::seconds(90));
        tokio::time::timeout(Duration::from_secs(1), other.sleep_until(t0()))
            .await
            .expect("a past deadline completes immediately");
    }

    #[test]
    fn manual_clock_advance_saturates() {
        let clock = ManualClock::new(t0());
        clock.advance(Duration::MAX);
        assert_eq!(clock.now(), DateTime::<Utc>::MAX_UTC);
    }

    #[tokio::test]
    async fn system_clock_past_deadline_completes_at_once() {
        let past = SystemClock.now() - TimeDelta::seconds(1);
        tokio::time::timeout(Duration::from_secs(5), SystemClock.sleep_until(past))
            .await
            .expect("a past deadline completes immediately");
    }
}
