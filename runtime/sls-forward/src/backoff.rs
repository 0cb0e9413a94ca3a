//! How long to wait before the next attempt after failures.
//!
//! Connection errors, timeouts, 5xx and throttling (SLS's 403
//! `WriteQuotaExceed`/`ShardWriteQuotaExceed`, 429) are retried after
//! `first`, `2 × first`, `4 × first`… up to `max`. Errors that waiting will
//! not fix (a wrong AccessKey, a missing project or logstore) are retried
//! every `max`, so fixing the cloud side resumes forwarding without a
//! restart, yet the forwarder never spins: no wait is shorter than
//! [`Backoff::MIN_WAIT`], whatever the configuration says.

use std::time::Duration;

/// An exponential backoff with a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Wait after the first failure.
    pub first: Duration,
    /// Longest wait; also the wait after errors that need a fix elsewhere.
    pub max: Duration,
}

impl Default for Backoff {
    /// 500 ms doubling up to 30 s.
    fn default() -> Backoff {
        Backoff {
            first: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The shortest wait: a zero `first` or `max` would retry in a tight loop.
    pub const MIN_WAIT: Duration = Duration::from_millis(100);

    /// The wait after `failures` consecutive transient failures (1 = the
    /// first failure).
    pub fn transient(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.first
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.max)
            .min(self.max)
            .max(Self::MIN_WAIT)
    }

    /// The wait after an error that needs fixing on the remote side.
    pub fn stuck(&self) -> Duration {
        self.max.max(Self::MIN_WAIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap() {
        let backoff = Backoff::default();
        let waits: Vec<u128> = (1..=9).map(|n| backoff.transient(n).as_millis()).collect();
        assert_eq!(
            waits,
            [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
        assert_eq!(backoff.transient(u32::MAX), Duration::from_secs(30));
        assert_eq!(backoff.stuck(), Duration::from_secs(30));
    }

    #[test]
    fn a_small_cap_wins_from_the_start() {
        let backoff = Backoff {
            first: Duration::from_secs(2),
            max: Duration::from_secs(1),
        };
        assert_eq!(backoff.transient(1), Duration::from_secs(1));
    }

    #[test]
    fn zero_waits_are_raised_so_retries_never_spin() {
        let backoff = Backoff {
            first: Duration::ZERO,
            max: Duration::ZERO,
        };
        assert_eq!(backoff.transient(1), Backoff::MIN_WAIT);
        assert_eq!(backoff.transient(9), Backoff::MIN_WAIT);
        assert_eq!(backoff.stuck(), Backoff::MIN_WAIT);
    }
}
