//! The scheduler tests' harness: a [`TimerTarget`] that reports every call on a channel,
//! and a [`Harness`] owning a [`ManualClock`], the [`Scheduler`] and its `run` task.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use fclocal_template::CronSchedule;
use fclocal_timers::{ManualClock, Scheduler, TimerSpec, TimerTarget};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;

/// What the target saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Fired {
        key: String,
        at: DateTime<Utc>,
        manual: bool,
    },
    Skipped {
        key: String,
        at: DateTime<Utc>,
        manual: bool,
    },
    Finished {
        key: String,
        at: DateTime<Utc>,
    },
}

pub fn fired(key: &str, at: DateTime<Utc>) -> Seen {
    Seen::Fired {
        key: key.into(),
        at,
        manual: false,
    }
}

pub fn skipped(key: &str, at: DateTime<Utc>) -> Seen {
    Seen::Skipped {
        key: key.into(),
        at,
        manual: false,
    }
}

pub fn finished(key: &str, at: DateTime<Utc>) -> Seen {
    Seen::Finished {
        key: key.into(),
        at,
    }
}

/// How the target's runs behave.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// Finish at once.
    Quick,
    /// Wait for a permit the test adds to [`Harness::gate`].
    Gated,
    /// Run 0 panics inside its future, run 1 panics in `fire` itself, later runs finish.
    Panicky,
}

pub struct TestTarget {
    pub seen: mpsc::UnboundedSender<Seen>,
    pub behaviour: Behaviour,
    pub gate: Arc<Semaphore>,
    pub runs: AtomicUsize,
    /// The event bytes of every run, in order.
    pub events: std::sync::Mutex<Vec<Vec<u8>>>,
}

impl TestTarget {
    /// A target and the receiving end of its reports.
    pub fn new(behaviour: Behaviour) -> (Arc<TestTarget>, mpsc::UnboundedReceiver<Seen>) {
        let (tx, seen) = mpsc::unbounded_channel();
        let target = Arc::new(TestTarget {
            seen: tx,
            behaviour,
            gate: Arc::new(Semaphore::new(0)),
            runs: AtomicUsize::new(0),
            events: std::sync::Mutex::new(Vec::new()),
        });
        (target, seen)
    }
}

impl TimerTarget for TestTarget {
    fn fire(
        &self,
        timer: &TimerSpec,
        scheduled: DateTime<Utc>,
        manual: bool,
        event: Vec<u8>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        let key = timer.key();
        let _ = self.seen.send(Seen::Fired {
            key: key.clone(),
            at: scheduled,
            manual,
        });
        self.events.lock().expect("not poisoned").push(event);
        let run = self.runs.fetch_add(1, Ordering::SeqCst);
        let seen = self.seen.clone();
        let gate = Arc::clone(&self.gate);
        let behaviour = self.behaviour;
        if matches!(behaviour, Behaviour::Panicky) && run == 1 {
            panic!("test target: panic in fire()");
        }
        Box::pin(async move {
            match behaviour {
                Behaviour::Quick => {}
                Behaviour::Gated => gate.acquire().await.expect("gate open").forget(),
                Behaviour::Panicky if run == 0 => panic!("test target: panic in the run"),
                Behaviour::Panicky => {}
            }
            let _ = seen.send(Seen::Finished { key, at: scheduled });
        })
    }

    fn skipped(&self, timer: &TimerSpec, scheduled: DateTime<Utc>, manual: bool) {
        let _ = self.seen.send(Seen::Skipped {
            key: timer.key(),
            at: scheduled,
            manual,
        });
    }
}

pub struct Harness {
    pub clock: ManualClock,
    pub scheduler: Scheduler,
    pub target: Arc<TestTarget>,
    pub seen: mpsc::UnboundedReceiver<Seen>,
    shutdown: Option<oneshot::Sender<()>>,
    run: JoinHandle<()>,
}

/// 2026-11-23T08:00:00Z plus `secs`.
pub fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0)
        .single()
        .expect("valid date")
        + chrono::TimeDelta::seconds(secs)
}

pub fn timer(trigger: &str, cron: &str, enabled: bool) -> TimerSpec {
    TimerSpec {
        service: "svc".into(),
        function: "fn".into(),
        trigger: trigger.into(),
        schedule: CronSchedule::parse(cron).expect("valid cron"),
        payload: Some("awesome-fc".into()),
        enabled,
    }
}

impl Harness {
    /// A scheduler over `timers` whose clock starts at `start`, with `run` already spawned.
    pub fn start(start: DateTime<Utc>, timers: Vec<TimerSpec>, behaviour: Behaviour) -> Harness {
        let mut harness = Harness::idle(start, timers, behaviour);
        let (tx, rx) = oneshot::channel::<()>();
        let scheduler = harness.scheduler.clone();
        harness.run = tokio::spawn(async move {
            scheduler
                .run(async move {
                    let _ = rx.await;
                })
                .await;
        });
        harness.shutdown = Some(tx);
        harness
    }

    /// Like [`Harness::start`] but without `run`: only manual firings happen.
    pub fn idle(start: DateTime<Utc>, timers: Vec<TimerSpec>, behaviour: Behaviour) -> Harness {
        let clock = ManualClock::new(start);
        let (target, seen) = TestTarget::new(behaviour);
        let scheduler = Scheduler::new(
            Arc::new(clock.clone()),
            timers,
            Arc::clone(&target) as Arc<dyn TimerTarget>,
        );
        Harness {
            clock,
            scheduler,
            target,
            seen,
            shutdown: None,
            run: tokio::spawn(async {}),
        }
    }

    pub fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }

    /// The target's next report.
    pub async fn next(&mut self) -> Seen {
        tokio::time::timeout(Duration::from_secs(3600), self.seen.recv())
            .await
            .expect("the scheduler reacted in time")
            .expect("the target is alive")
    }

    /// The next `n` `Fired` reports (other reports dropped), sorted: for timers firing at
    /// the same instant, whose tasks may run in any order.
    pub async fn firings(&mut self, n: usize) -> Vec<Seen> {
        let mut firings = Vec::new();
        while firings.len() < n {
            let seen = self.next().await;
            if matches!(seen, Seen::Fired { .. }) {
                firings.push(seen);
            }
        }
        firings.sort_by_key(|s| format!("{s:?}"));
        firings
    }

    /// Lets every runnable task run, then checks nothing fired or was skipped meanwhile
    /// (runs finishing are fine).
    pub async fn assert_quiet(&mut self) {
        for _ in 0..32 {
            tokio::task::yield_now().await;
        }
        while let Ok(seen) = self.seen.try_recv() {
            assert!(
                matches!(seen, Seen::Finished { .. }),
                "unexpected report: {seen:?}"
            );
        }
    }

    pub fn release_one(&self) {
        self.target.gate.add_permits(1);
    }

    pub async fn shut_down(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(Duration::from_secs(3600), &mut self.run)
            .await
            .expect("run returned after shutdown")
            .expect("run did not panic");
    }
}
