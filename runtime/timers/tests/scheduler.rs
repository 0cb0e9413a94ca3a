//! Scheduler behaviour on a [`ManualClock`]: no test sleeps or reads the real clock.
//!
//! The target reports every call on a channel; after moving the clock, a test awaits the
//! report of the scheduler's reaction. The await is guarded by a generous tokio timeout,
//! which costs nothing under paused time and turns a missing firing into a quick failure.
//! Tests run on the current-thread runtime, so a run's `Finished` report is only seen
//! once that run's task (and its busy flag) is done.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use fclocal_timers::{Clock, FireNow, ManualClock, Scheduler, TimerError, TimerSpec, timer_event};
use tokio::sync::mpsc;

mod support;

use support::{Behaviour, Harness, Seen, TestTarget, finished, fired, skipped, t, timer};

#[tokio::test(start_paused = true)]
async fn six_field_cron_with_seconds_fires_at_its_times_in_order() {
    let mut h = Harness::start(
        t(3),
        vec![timer("tick", "*/10 * * * * *", true)],
        Behaviour::Quick,
    );
    assert_eq!(h.scheduler.schedule()[0].1, Some(t(10)));

    h.advance(7); // 08:00:10
    assert_eq!(h.next().await, fired("svc/fn/tick", t(10)));
    assert_eq!(h.next().await, finished("svc/fn/tick", t(10)));
    h.advance(5); // 08:00:15: nothing due
    h.assert_quiet().await;
    assert_eq!(h.scheduler.schedule()[0].1, Some(t(20)));
    h.advance(5); // 08:00:20
    assert_eq!(h.next().await, fired("svc/fn/tick", t(20)));
    assert_eq!(h.next().await, finished("svc/fn/tick", t(20)));
    h.advance(10); // 08:00:30
    assert_eq!(h.next().await, fired("svc/fn/tick", t(30)));
    assert_eq!(h.next().await, finished("svc/fn/tick", t(30)));

    let events = h.target.events.lock().expect("not poisoned").clone();
    assert_eq!(
        String::from_utf8(events[0].clone()).expect("utf-8"),
        r#"{"triggerTime":"2026-11-23T08:00:10Z","triggerName":"tick","payload":"awesome-fc"}"#
    );
    h.shut_down().await;
}

#[tokio::test(start_paused = true)]
async fn every_5m_fires_every_five_minutes_from_startup() {
    let mut h = Harness::start(
        t(0),
        vec![timer("every", "@every 5m", true)],
        Behaviour::Quick,
    );
    assert_eq!(h.scheduler.schedule()[0].1, Some(t(300)));
    for n in 1..=3 {
        h.advance(240);
        h.assert_quiet().await;
        h.advance(60);
        assert_eq!(h.next().await, fired("svc/fn/every", t(300 * n)));
        assert_eq!(h.next().await, finished("svc/fn/every", t(300 * n)));
    }
    h.shut_down().await;
}

#[tokio::test(start_paused = true)]
async fn cron_tz_shanghai_8am_fires_at_midnight_utc() {
    let mut h = Harness::start(
        t(0), // 08:00 UTC = 16:00 in Shanghai
        vec![timer("daily", "CRON_TZ=Asia/Shanghai 0 0 8 * * *", true)],
        Behaviour::Quick,
    );
    let midnight = |day| {
        Utc.with_ymd_and_hms(2026, 11, day, 0, 0, 0)
            .single()
            .expect("valid date")
    };
    assert_eq!(h.scheduler.schedule()[0].1, Some(midnight(24)));
    h.advance(16 * 3600 - 1);
    h.assert_quiet().await;
    h.advance(1);
    assert_eq!(h.next().await, fired("svc/fn/daily", midnight(24)));
    assert_eq!(h.next().await, finished("svc/fn/daily", midnight(24)));
    h.advance(24 * 3600);
    assert_eq!(h.next().await, fired("svc/fn/daily", midnight(25)));
    h.shut_down().await;
}

#[tokio::test(start_paused = true)]
async fn disabled_timers_are_listed_without_next_and_never_fire() {
    let mut h = Harness::start(
        t(0),
        vec![
            timer("off", "*/10 * * * * *", false),
            timer("on", "0 * * * * *", true),
        ],
        Behaviour::Quick,
    );
    let schedule = h.scheduler.schedule();
    assert_eq!(schedule.len(), 2);
    assert_eq!(
        (schedule[0].0.key().as_str(), schedule[0].1),
        ("svc/fn/off", None)
    );
    assert_eq!(
        (schedule[1].0.key().as_str(), schedule[1].1),
        ("svc/fn/on", Some(t(60)))
    );

    for minute in 1..=3 {
        h.advance(60);
        assert_eq!(h.next().await, fired("svc/fn/on", t(60 * minute)));
        assert_eq!(h.next().await, finished("svc/fn/on", t(60 * minute)));
    }
    h.assert_quiet().await;
    assert_eq!(h.scheduler.schedule()[0].1, None);
    h.shut_down().await;
}

#[tokio::test(start_paused = true)]
async fn a_firing_while_the_previous_run_is_going_is_skipped_and_reported() {
    let mut h = Harness::start(
        t(0),
        vec![
            timer("slow", "@every 1m", true),
            timer("other", "@every 1m", true),
        ],
        Behaviour::Gated,
    );
    h.advance(60);
    let mut first = vec![h.next().await, h.next().await];
    first.sort_by_key(|s| format!("{s:?}"));
    assert_eq!(
        first,
        vec![fired("svc/fn/other", t(60)), fired("svc/fn/slow", t(60))],
        "different timers run independently"
    );

    h.advance(60); // both still running: both skipped
    let mut second = vec![h.next().await, h.next().await];
    second.sort_by_key(|s| format!("{s:?}"));
    assert_eq!(
        second,
        vec![
            skipped("svc/fn/other", t(120)),
            skipped("svc/fn/slow", t(120))
        ]
    );

    h.release_one();
    let done = h.next().await;
    let (released, still_busy) = match &done {
        Seen::Finished { key, .. } if key == "svc/fn/slow" => ("svc/fn/slow", "svc/fn/other"),
        _ => ("svc/fn/other", "svc/fn/slow"),
    };
    assert_eq!(done, finished(released, t(60)));

    h.advance(60); // the released timer runs again, the other is skipped again
    let mut third = vec![h.next().await, h.next().await];
    third.sort_by_key(|s| format!("{s:?}"));
    let mut expected = vec![fired(released, t(180)), skipped(still_busy, t(180))];
    expected.sort_by_key(|s| format!("{s:?}"));
    assert_eq!(third, expected);
    h.shut_down().await;
}

#[tokio::test(start_paused = true)]
async fn fire_now_starts_then_skips_while_running() {
    let mut h = Harness::start(
        t(0),
        vec![timer("manual", "@every 1h", true)],
        Behaviour::Gated,
    );
    h.advance(30);
    assert_eq!(h.scheduler.fire_now("svc/fn/manual"), Ok(FireNow::Started));
    assert_eq!(
        h.scheduler.fire_now("svc/fn/manual"),
        Ok(FireNow::SkippedBusy)
    );
    assert_eq!(
        h.next().await,
        Seen::Skipped {
            key: "svc/fn/manual".into(),
            at: t(30),
            manual: true
        }
    );
    assert_eq!(
        h.next().await,
        Seen::Fired {
            key: "svc/fn/manual".into(),
            at: t(30),
            manual: true
        }
    );

    // A scheduled firing during the manual run is skipped too.
    h.advance(3600 - 30);
    assert_eq!(h.next().await, skipped("svc/fn/manual", t(3600)));

    h.release_one();
    assert_eq!(h.next().await, finished("svc/fn/manual", t(30)));
    assert_eq!(h.scheduler.fire_now("svc/fn/manual"), Ok(FireNow::Started));
    assert_eq!(
        h.next().await,
        Seen::Fired {
            key: "svc/fn/manual".into(),
            at: t(3600),
            manual: true
        }
    );
    assert_eq!(
        FireNow::SkippedBusy.to_string(),
        "skipped: the previous run of this timer is still going"
    );
    h.shut_down().await;
}

#[tokio::test(start_paused = true)]
async fn fire_now_of_an_unknown_key_lists_the_known_keys() {
    let h = Harness::idle(
        t(0),
        vec![
            timer("a", "@every 1m", true),
            timer("b", "@every 1m", false),
        ],
        Behaviour::Quick,
    );
    let err = h.scheduler.fire_now("svc/fn/c").expect_err("unknown");
    assert_eq!(
        err,
        TimerError::UnknownTimer {
            key: "svc/fn/c".into(),
            known: vec!["svc/fn/a".into(), "svc/fn/b".into()],
        }
    );
    assert!(
        err.to_string().contains("known: svc/fn/a, svc/fn/b"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn fire_now_runs_a_disabled_timer() {
    let mut h = Harness::idle(
        t(0),
        vec![timer("off", "@every 1m", false)],
        Behaviour::Quick,
    );
    assert_eq!(h.scheduler.fire_now("svc/fn/off"), Ok(FireNow::Started));
    assert_eq!(
        h.next().await,
        Seen::Fired {
            key: "svc/fn/off".into(),
            at: t(0),
            manual: true
        }
    );
}

#[test]
fn fire_now_outside_a_runtime_is_an_error_not_a_panic() {
    let clock = ManualClock::new(t(0));
    let (target, _seen) = TestTarget::new(Behaviour::Quick);
    let scheduler = Scheduler::new(Arc::new(clock), vec![timer("a", "@every 1m", true)], target);
    assert_eq!(
        scheduler.fire_now("svc/fn/a"),
        Err(TimerError::NoRuntime {
            key: "svc/fn/a".into()
        })
    );
    // The refused firing did not leave the timer marked busy.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        assert_eq!(scheduler.fire_now("svc/fn/a"), Ok(FireNow::Started));
    });
}

#[tokio::test(start_paused = true)]
async fn a_clock_jump_over_many_periods_fires_once() {
    let mut h = Harness::start(
        t(0),
        vec![
            timer("every", "@every 1m", true),
            timer("cron", "0 * * * * *", true),
        ],
        Behaviour::Quick,
    );
    h.advance(5 * 60 + 30); // 08:05:30: five firings of each are due
    assert_eq!(
        h.firings(2).await,
        vec![fired("svc/fn/cron", t(300)), fired("svc/fn/every", t(300))]
    );
    h.assert_quiet().await;
    let schedule = h.scheduler.schedule();
    assert_eq!(schedule[0].1, Some(t(360)), "@every keeps its phase");
    assert_eq!(schedule[1].1, Some(t(360)));

    h.advance(30); // 08:06:00
    assert_eq!(
        h.firings(2).await,
        vec![fired("svc/fn/cron", t(360)), fired("svc/fn/every", t(360))]
    );

    // A suspended laptop: a day later, still one firing each.
    h.clock.set(t(360 + 86_400 + 10));
    assert_eq!(
        h.firings(2).await,
        vec![
            fired("svc/fn/cron", t(360 + 86_400)),
            fired("svc/fn/every", t(360 + 86_400)),
        ]
    );
    h.assert_quiet().await;
    h.shut_down().await;
}

#[tokio::test(start_paused = true)]
async fn a_panicking_target_does_not_stop_later_firings() {
    let mut h = Harness::start(
        t(0),
        vec![timer("boom", "@every 1m", true)],
        Behaviour::Panicky,
    );
    h.advance(60); // run 0 panics inside its future
    assert_eq!(h.next().await, fired("svc/fn/boom", t(60)));
    h.advance(60); // run 1 panics in fire() itself
    assert_eq!(h.next().await, fired("svc/fn/boom", t(120)));
    h.advance(60); // not skipped: the panicked runs count as finished
    assert_eq!(h.next().await, fired("svc/fn/boom", t(180)));
    assert_eq!(h.next().await, finished("svc/fn/boom", t(180)));
    h.shut_down().await;
}

#[tokio::test(start_paused = true)]
async fn run_returns_when_shutdown_resolves_and_nothing_fires_after() {
    let mut h = Harness::start(
        t(0),
        vec![timer("slow", "@every 1m", true)],
        Behaviour::Gated,
    );
    h.advance(60);
    assert_eq!(h.next().await, fired("svc/fn/slow", t(60)));
    // The run is still in flight; run() must not wait for it.
    let clock = h.clock.clone();
    let target = Arc::clone(&h.target);
    let mut seen = std::mem::replace(&mut h.seen, mpsc::unbounded_channel().1);
    h.shut_down().await;

    clock.advance(Duration::from_secs(600));
    for _ in 0..32 {
        tokio::task::yield_now().await;
    }
    assert_eq!(seen.try_recv().ok(), None, "nothing fires after shutdown");
    target.gate.add_permits(1);
    let done = tokio::time::timeout(Duration::from_secs(3600), seen.recv())
        .await
        .expect("the in-flight run still finishes");
    assert_eq!(done, Some(finished("svc/fn/slow", t(60))));
}

#[tokio::test(start_paused = true)]
async fn run_with_no_enabled_timers_waits_for_shutdown() {
    let h = Harness::start(
        t(0),
        vec![timer("off", "@every 1m", false)],
        Behaviour::Quick,
    );
    h.shut_down().await;
}

#[test]
fn timer_event_matches_fc_shape() {
    let spec = TimerSpec {
        payload: None,
        ..timer("timer-trigger", "0 0 8 * * *", true)
    };
    let event = timer_event(&spec, t(0) + chrono::TimeDelta::nanoseconds(999_999_999));
    assert_eq!(
        String::from_utf8(event).expect("utf-8"),
        r#"{"triggerTime":"2026-11-23T08:00:00Z","triggerName":"timer-trigger","payload":""}"#
    );
    assert_eq!(ManualClock::new(t(0)).now(), t(0));
}
