//! Timer triggers for fclocal: the template's `Type: Timer` triggers, fired for real on
//! their `CronExpression` schedules.
//!
//! The server builds one [`TimerSpec`] per Timer trigger, hands them to a [`Scheduler`]
//! with a [`Clock`] and a [`TimerTarget`] (which runs the function), prints
//! [`Scheduler::schedule`] in its banner and runs [`Scheduler::run`] until shutdown.
//! Each firing gives the function FC's timer event ([`timer_event`]):
//! `{"triggerTime":"2026-11-23T08:00:00Z","triggerName":"…","payload":"…"}`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use fclocal_timers::{Scheduler, SystemClock, TimerSpec, TimerTarget};
//!
//! # async fn demo(timers: Vec<TimerSpec>, target: Arc<dyn TimerTarget>) {
//! let scheduler = Scheduler::new(Arc::new(SystemClock), timers, target);
//! for (timer, next) in scheduler.schedule() {
//!     println!("{}  {}  next: {next:?}", timer.key(), timer.schedule);
//! }
//! let shutdown = async { let _ = tokio::signal::ctrl_c().await; };
//! scheduler.run(shutdown).await;
//! # }
//! ```
//!
//! # Firing rules
//!
//! - **Schedule.** An enabled timer's first firing is `next_after(now)` when the
//!   [`Scheduler`] is created; each later one is `next_after(the previous firing)`, so
//!   `@every 5m` keeps its phase and six-field crons hit their exact seconds.
//! - **No replay.** Firings that fell while fclocal was not running are not replayed.
//! - **Clock jumps.** When the clock moves past several firings at once (a suspended
//!   laptop, a wall-clock change, a test advancing a [`ManualClock`] by many periods), the
//!   timer fires **once**, for the latest firing that is due, then continues with the next
//!   one after now; there is no burst of catch-up runs. The event's `triggerTime` is that
//!   latest scheduled time. When the clock is set *back*, the pending firing waits until
//!   the clock reaches it again.
//! - **Disabled timers** (`Enable: false`) are listed by [`Scheduler::schedule`] with no
//!   next firing and never fire on their own. They can still be fired by hand with
//!   [`Scheduler::fire_now`]: `Enable` only switches the schedule off, and FC's console
//!   also test-runs such a function on request.
//! - **No overlap.** A firing (scheduled or manual) of a timer whose previous run is still
//!   going is skipped and reported through [`TimerTarget::skipped`]; runs of different
//!   timers are independent and may overlap.
//! - **Isolation.** Every run is its own tokio task; a run that panics counts as finished
//!   and the timer keeps firing.
//! - **Shutdown.** [`Scheduler::run`] returns promptly when its shutdown future resolves;
//!   runs in flight are left to the server to drain.
//!
//! Times are wall-clock UTC instants from the [`Clock`]: [`SystemClock`] in the server,
//! [`ManualClock`] in tests, which therefore never sleep.
//!
//! # Layout
//!
//! - `clock.rs`: [`Clock`], [`SystemClock`], [`ManualClock`].
//! - `spec.rs`: [`TimerSpec`] and the FC event, [`timer_event`].
//! - `target.rs`: [`TimerTarget`], what the server implements to run a function.
//! - `scheduler.rs`: [`Scheduler`] (the per-timer loops, manual firing, the busy flag) and
//!   [`FireNow`].
//! - `catch_up.rs`: after a wake-up, which firing is due and which comes next (the
//!   clock-jump rule).
//! - `error.rs`: [`TimerError`].

#![deny(missing_docs)]

mod catch_up;
mod clock;
mod error;
mod scheduler;
mod spec;
mod target;

pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::error::TimerError;
pub use crate::scheduler::{FireNow, Scheduler};
pub use crate::spec::{TimerSpec, timer_event};
pub use crate::target::TimerTarget;
