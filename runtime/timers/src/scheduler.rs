//! [`Scheduler`]: one loop per enabled timer, waiting on the [`Clock`] and starting runs
//! through the [`TimerTarget`] under the no-overlap rule.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use tokio::runtime::Handle;
use tokio::task::JoinSet;

use crate::catch_up::{CatchUp, catch_up};
use crate::{Clock, TimerError, TimerSpec, TimerTarget, timer_event};

/// What a manual firing ([`Scheduler::fire_now`]) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FireNow {
    /// A run was started.
    Started,
    /// The previous run of this timer is still going, so nothing was started;
    /// [`TimerTarget::skipped`] was called.
    SkippedBusy,
}

impl fmt::Display for FireNow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FireNow::Started => "started",
            FireNow::SkippedBusy => "skipped: the previous run of this timer is still going",
        })
    }
}

/// Fires the template's timers on their schedules. A cheap handle: clones share the
/// timers, their state and the clock.
///
/// See the crate docs for the firing rules.
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Arc<dyn Clock>,
    target: Arc<dyn TimerTarget>,
    /// In the order given to [`Scheduler::new`]; looked up by key (few timers).
    timers: Vec<Arc<Timer>>,
    /// Set while [`Scheduler::run`] is looping, so a second call cannot double the loops.
    looping: AtomicBool,
}

/// One timer and its live state.
struct Timer {
    spec: TimerSpec,
    key: String,
    /// A run is in flight. Set when a run starts, cleared by [`BusyGuard`] when the run's
    /// task ends (finished, panicked or cancelled).
    busy: AtomicBool,
    /// The next automatic firing: computed in [`Scheduler::new`], then kept by the timer's
    /// loop. `None` for disabled timers and exhausted schedules.
    next: Mutex<Option<DateTime<Utc>>>,
}

impl Timer {
    fn next(&self) -> Option<DateTime<Utc>> {
        *self.next.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_next(&self, next: Option<DateTime<Utc>>) {
        *self.next.lock().unwrap_or_else(PoisonError::into_inner) = next;
    }
}

/// Clears [`Timer::busy`] when the run's task ends, however it ends.
struct BusyGuard(Arc<Timer>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::Release);
    }
}

impl Scheduler {
    /// A scheduler for `timers`, which fires runs through `target`.
    ///
    /// Each enabled timer's first firing is `next_after(clock.now())`, computed here, so
    /// [`schedule`](Scheduler::schedule) shows exactly what [`run`](Scheduler::run) will
    /// do. Keys (`service/function/trigger`) are expected to be unique; with duplicates,
    /// [`fire_now`](Scheduler::fire_now) picks the first.
    pub fn new(
        clock: Arc<dyn Clock>,
        timers: Vec<TimerSpec>,
        target: Arc<dyn TimerTarget>,
    ) -> Scheduler {
        let now = clock.now();
        let timers = timers
            .into_iter()
            .map(|spec| {
                let next = spec
                    .enabled
                    .then(|| spec.schedule.next_after(now))
                    .flatten();
                Arc::new(Timer {
                    key: spec.key(),
                    spec,
                    busy: AtomicBool::new(false),
                    next: Mutex::new(next),
                })
            })
            .collect();
        Scheduler {
            inner: Arc::new(Inner {
                clock,
                target,
                timers,
                looping: AtomicBool::new(false),
            }),
        }
    }

    /// Every timer with its next automatic firing (`None` for disabled timers and for
    /// schedules with no further firing), in the order given to
    /// [`new`](Scheduler::new): for the startup banner and the admin API.
    pub fn schedule(&self) -> Vec<(TimerSpec, Option<DateTime<Utc>>)> {
        self.inner
            .timers
            .iter()
            .map(|timer| (timer.spec.clone(), timer.next()))
            .collect()
    }

    /// Fires enabled timers on their schedules until `shutdown` resolves: one task per
    /// enabled timer, each waiting on the clock for its next firing.
    ///
    /// Returns promptly once `shutdown` resolves; no automatic firing starts after that.
    /// Runs already started are not awaited (the server drains them). Call it once: a
    /// concurrent second call only waits for its own `shutdown`.
    pub async fn run(&self, shutdown: impl Future<Output = ()> + Send) {
        let mut shutdown = std::pin::pin!(shutdown);
        if self.inner.looping.swap(true, Ordering::AcqRel) {
            tracing::warn!("Scheduler::run is already running; this call only awaits shutdown");
            shutdown.await;
            return;
        }
        let _looping = LoopingGuard(&self.inner);

        let mut loops = JoinSet::new();
        for timer in self.inner.timers.iter().filter(|t| t.spec.enabled) {
            loops.spawn(timer_loop(Arc::clone(&self.inner), Arc::clone(timer)));
        }
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(joined) = loops.join_next() => {
                    if let Err(err) = joined
                        && err.is_panic()
                    {
                        tracing::error!("a timer loop panicked; that timer stops firing");
                    }
                }
            }
        }
        loops.shutdown().await;
    }

    /// Fires the timer named `key` (`service/function/trigger`) now, as `fclocal timer
    /// fire` and the admin API do, under the same no-overlap rule as scheduled firings.
    ///
    /// Disabled timers can be fired: `Enable: false` only stops the schedule (as FC's
    /// console still lets you test-run the function). The run's `scheduled` time is the
    /// clock's now, with `manual` set. Must be called within a tokio runtime.
    pub fn fire_now(&self, key: &str) -> Result<FireNow, TimerError> {
        let Some(timer) = self.inner.timers.iter().find(|t| t.key == key) else {
            return Err(TimerError::UnknownTimer {
                key: key.to_owned(),
                known: self.inner.timers.iter().map(|t| t.key.clone()).collect(),
            });
        };
        let Ok(runtime) = Handle::try_current() else {
            return Err(TimerError::NoRuntime {
                key: key.to_owned(),
            });
        };
        Ok(self
            .inner
            .start(timer, self.inner.clock.now(), true, &runtime))
    }
}

impl fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheduler")
            .field(
                "timers",
                &self.inner.timers.iter().map(|t| &t.key).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Clears [`Inner::looping`] when [`Scheduler::run`] returns or is dropped.
struct LoopingGuard<'a>(&'a Inner);

impl Drop for LoopingGuard<'_> {
    fn drop(&mut self) {
        self.0.looping.store(false, Ordering::Release);
    }
}

/// One enabled timer: sleep until the next firing, start it, plan the one after.
async fn timer_loop(inner: Arc<Inner>, timer: Arc<Timer>) {
    let runtime = Handle::current();
    while let Some(due) = timer.next() {
        inner.clock.sleep_until(due).await;
        let now = inner.clock.now();
        if now < due {
            // A clock that woke early (or was set back meanwhile): wait again.
            continue;
        }
        let CatchUp { latest, next } = catch_up(&timer.spec.schedule, due, now);
        if latest > due {
            tracing::info!(
                timer = %timer.key, %due, %latest,
                "the clock jumped past several firings; firing once, for the latest"
            );
        }
        timer.set_next(next);
        inner.start(&timer, latest, false, &runtime);
    }
    tracing::info!(timer = %timer.key, "the schedule has no further firings");
}

impl Inner {
    /// Starts a run of `timer` on its own task, or reports it skipped if one is in flight.
    fn start(
        &self,
        timer: &Arc<Timer>,
        scheduled: DateTime<Utc>,
        manual: bool,
        runtime: &Handle,
    ) -> FireNow {
        if timer.busy.swap(true, Ordering::AcqRel) {
            tracing::debug!(timer = %timer.key, %scheduled, manual, "skipped: previous run still going");
            self.notify_skipped(timer, scheduled, manual);
            return FireNow::SkippedBusy;
        }
        tracing::debug!(timer = %timer.key, %scheduled, manual, "firing");
        let busy = BusyGuard(Arc::clone(timer));
        let target = Arc::clone(&self.target);
        let event = timer_event(&timer.spec, scheduled);
        let run = runtime.spawn(async move {
            // Held until the run ends; dropped on panic or cancellation too.
            let busy = busy;
            // Called here rather than on the scheduler's task, so a panicking `fire`
            // only ends this task.
            target.fire(&busy.0.spec, scheduled, manual, event).await;
        });
        let key = timer.key.clone();
        runtime.spawn(async move {
            if let Err(err) = run.await
                && err.is_panic()
            {
                tracing::error!(timer = %key, %scheduled, "the run panicked; the timer keeps its schedule");
            }
        });
        FireNow::Started
    }

    /// [`TimerTarget::skipped`], contained so a panicking target cannot end a timer loop.
    fn notify_skipped(&self, timer: &Timer, scheduled: DateTime<Utc>, manual: bool) {
        let notified = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.target.skipped(&timer.spec, scheduled, manual);
        }));
        if notified.is_err() {
            tracing::error!(timer = %timer.key, "TimerTarget::skipped panicked");
        }
    }
}
