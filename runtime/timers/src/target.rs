//! What the scheduler drives: [`TimerTarget`], implemented by the server.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

use crate::TimerSpec;

/// Runs a timer's function. Implemented by the server (invoke the function, record the
/// outcome in the logstore); tests implement it with channels.
pub trait TimerTarget: Send + Sync + 'static {
    /// Runs the function of `timer` with `event` (from [`timer_event`](crate::timer_event)).
    /// `scheduled` is the firing's scheduled time (for a manual firing, the clock's time
    /// when it was asked for); `manual` is true for
    /// [`Scheduler::fire_now`](crate::Scheduler::fire_now).
    ///
    /// Called on a task of its own; the returned future resolves when the run has
    /// finished, and until then further firings of this timer are skipped. A panic here or
    /// in the future counts as finished and does not disturb the scheduler.
    fn fire(
        &self,
        timer: &TimerSpec,
        scheduled: DateTime<Utc>,
        manual: bool,
        event: Vec<u8>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

    /// A firing came while the previous run of the same timer was still going, so it was
    /// skipped (FC does not overlap runs of one timer). Called on the scheduler's task:
    /// return quickly.
    fn skipped(&self, timer: &TimerSpec, scheduled: DateTime<Utc>, manual: bool);
}
