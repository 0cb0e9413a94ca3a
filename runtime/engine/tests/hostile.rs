//! Hostile event guests fail alone: loops stop at the timeout, memory bombs
//! stop at `MemorySize`, panics become traps with their message, floods are
//! bounded — and the same runtime goes on serving the next invocation.

mod common;

use std::time::Duration;

use common::{context, event, instance, load, runtime, sink};
use fclocal_engine::{InvocationError, LineSource};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_millis(400);

#[tokio::test]
async fn an_infinite_loop_stops_at_the_timeout_and_the_host_serves_the_next_call() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    let mut looping = instance(&hostile, 64).await;
    let looped = looping
        .invoke_event(
            &event(json!({"action": "loop"})),
            &context("r1"),
            TIMEOUT,
            sink(),
        )
        .await;
    assert_eq!(
        looped.result,
        Err(InvocationError::Timeout { limit: TIMEOUT })
    );
    assert!(looped.duration >= TIMEOUT, "{:?}", looped.duration);
    assert!(
        looped.duration < TIMEOUT * 3,
        "stopped late: {:?}",
        looped.duration
    );
    assert!(
        !looping.is_usable(),
        "a timed-out instance must be discarded"
    );

    let mut fresh = instance(&hostile, 64).await;
    let ok = fresh
        .invoke_event(
            &event(json!({"action": "ok"})),
            &context("r2"),
            TIMEOUT,
            sink(),
        )
        .await;
    assert_eq!(ok.result, Ok(b"ok".to_vec()));
}

#[tokio::test]
async fn a_blocking_sleep_is_stopped_by_the_host_side_deadline() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    let mut sleeper = instance(&hostile, 64).await;
    let slept = sleeper
        .invoke_event(
            &event(json!({"action": "sleep", "ms": 60_000})),
            &context("r1"),
            TIMEOUT,
            sink(),
        )
        .await;
    assert_eq!(
        slept.result,
        Err(InvocationError::Timeout { limit: TIMEOUT })
    );
    assert!(
        slept.duration < Duration::from_secs(5),
        "{:?}",
        slept.duration
    );
    assert!(!sleeper.is_usable());
}

#[tokio::test]
async fn allocating_past_memory_size_fails_with_out_of_memory_under_the_cap() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    let mut bomb = instance(&hostile, 32).await;
    let lines = sink();
    let allocated = bomb
        .invoke_event(
            &event(json!({"action": "alloc", "mb": 100})),
            &context("r1"),
            Duration::from_secs(10),
            lines.clone(),
        )
        .await;
    let Err(InvocationError::OutOfMemory {
        limit_bytes,
        requested_bytes,
    }) = allocated.result
    else {
        panic!("expected out of memory, got {:?}", allocated.result);
    };
    assert_eq!(limit_bytes, 32 << 20);
    assert!(requested_bytes > limit_bytes);
    assert!(
        allocated.memory_used_bytes <= 32 << 20,
        "peak {}",
        allocated.memory_used_bytes
    );
    assert!(
        allocated.memory_used_bytes > 16 << 20,
        "peak {}",
        allocated.memory_used_bytes
    );
    assert!(!bomb.is_usable());

    // Within the cap, the same component allocates fine.
    let mut modest = instance(&hostile, 32).await;
    let ok = modest
        .invoke_event(
            &event(json!({"action": "alloc", "mb": 8})),
            &context("r2"),
            Duration::from_secs(10),
            sink(),
        )
        .await;
    assert_eq!(ok.result, Ok(b"8".to_vec()));
}

#[tokio::test]
async fn a_panic_is_an_unhandled_trap_carrying_the_panic_message() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    let mut panicking = instance(&hostile, 64).await;
    let lines = sink();
    let panicked = panicking
        .invoke_event(
            &event(json!({"action": "panic"})),
            &context("r1"),
            TIMEOUT,
            lines.clone(),
        )
        .await;
    let Err(error @ InvocationError::Trap { .. }) = &panicked.result else {
        panic!("expected a trap, got {:?}", panicked.result);
    };
    assert_eq!(error.fc_error_type(), "UnhandledInvocationError");
    let InvocationError::Trap { message, backtrace } = error else {
        unreachable!()
    };
    assert!(
        message.contains("hostile guest panicked on purpose"),
        "{message}"
    );
    assert!(message.contains("unreachable"), "{message}");
    assert!(!backtrace.is_empty(), "a trap carries its wasm backtrace");
    assert!(
        lines
            .texts(LineSource::Stderr)
            .iter()
            .any(|line| line.contains("panicked at")),
        "the panic line is also logged"
    );
    assert!(!panicking.is_usable());
}

#[tokio::test]
async fn a_returned_error_is_handled_and_keeps_the_instance() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    let mut guest = instance(&hostile, 64).await;
    let failed = guest
        .invoke_event(
            &event(json!({"action": "error"})),
            &context("r1"),
            TIMEOUT,
            sink(),
        )
        .await;
    assert_eq!(
        failed.result,
        Err(InvocationError::Handled {
            message: "hostile error on purpose".into(),
            error_type: "HostileError".into(),
            stack_trace: vec![],
        })
    );
    assert!(guest.is_usable());
    let again = guest
        .invoke_event(
            &event(json!({"action": "state"})),
            &context("r2"),
            TIMEOUT,
            sink(),
        )
        .await;
    assert_eq!(again.result, Ok(b"1".to_vec()));
}

#[tokio::test]
async fn an_endless_stdout_flood_is_bounded_and_never_traps_the_guest() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    // A small budget, so even a slow machine floods past it before the timeout.
    let budget = 64 * 1024;
    let mut settings = common::settings(64);
    settings.capture = fclocal_engine::CaptureLimits {
        max_line_bytes: 1024,
        max_bytes_per_invocation: budget,
    };
    let mut flooder = hostile.instantiate(&settings).await.unwrap();
    let lines = sink();
    let flooded = flooder
        .invoke_event(
            &event(json!({"action": "flood"})),
            &context("r1"),
            TIMEOUT,
            lines.clone(),
        )
        .await;
    // It only stops because of the deadline, not because writing failed.
    assert_eq!(
        flooded.result,
        Err(InvocationError::Timeout { limit: TIMEOUT })
    );
    assert!(flooded.log.dropped_bytes > 0);
    assert!(
        lines.total_bytes() <= budget,
        "kept {} bytes",
        lines.total_bytes()
    );
    let notices = lines.texts(LineSource::Host);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("dropped"), "{notices:?}");
}

#[tokio::test]
async fn a_bounded_flood_arrives_line_by_line() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    let mut flooder = instance(&hostile, 64).await;
    let lines = sink();
    let flooded = flooder
        .invoke_event(
            &event(json!({"action": "flood", "lines": 500})),
            &context("r1"),
            Duration::from_secs(5),
            lines.clone(),
        )
        .await;
    assert_eq!(flooded.result, Ok(b"ok".to_vec()));
    let stdout = lines.texts(LineSource::Stdout);
    assert_eq!(stdout.len(), 500);
    for (index, line) in stdout.iter().enumerate() {
        assert_eq!(
            line.split_whitespace().nth(2),
            Some(index.to_string().as_str()),
            "lines arrive whole and in order: {line}"
        );
    }
}

#[tokio::test]
async fn the_guest_gets_no_filesystem_and_only_its_environment() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    let mut guest = instance(&hostile, 64).await;
    let fs = guest
        .invoke_event(
            &event(json!({"action": "fs"})),
            &context("r1"),
            TIMEOUT,
            sink(),
        )
        .await;
    let fs: serde_json::Value = serde_json::from_slice(&fs.result.unwrap()).unwrap();
    assert!(fs["readDir"].get("error").is_some(), "{fs}");
    assert!(fs["readPasswd"].get("error").is_some(), "{fs}");

    let env = guest
        .invoke_event(
            &event(json!({"action": "env"})),
            &context("r2"),
            TIMEOUT,
            sink(),
        )
        .await;
    let env: serde_json::Value = serde_json::from_slice(&env.result.unwrap()).unwrap();
    assert_eq!(
        env,
        json!({"GREETING": "hi"}),
        "only the configured variables"
    );
}

#[tokio::test]
async fn outbound_http_is_denied_by_default_with_a_log_line_saying_how_to_allow_it() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    let mut guest = instance(&hostile, 64).await;
    let lines = sink();
    let fetched = guest
        .invoke_event(
            &event(json!({"action": "http", "url": "http://127.0.0.1:9/"})),
            &context("r1"),
            Duration::from_secs(5),
            lines.clone(),
        )
        .await;
    let text = String::from_utf8(fetched.result.unwrap()).unwrap();
    assert!(text.contains("HttpRequestDenied"), "{text}");
    let notices = lines.texts(LineSource::Host);
    assert!(
        notices
            .iter()
            .any(|line| line.contains("InternetAccess: true")),
        "{notices:?}"
    );
}

#[tokio::test]
async fn an_instance_keeps_its_state_between_invocations() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    let mut guest = instance(&hostile, 64).await;
    for expected in 1..=3 {
        let counted = guest
            .invoke_event(
                &event(json!({"action": "state"})),
                &context("r"),
                TIMEOUT,
                sink(),
            )
            .await;
        assert_eq!(counted.result, Ok(expected.to_string().into_bytes()));
    }
    let mut other = instance(&hostile, 64).await;
    let counted = other
        .invoke_event(
            &event(json!({"action": "state"})),
            &context("r"),
            TIMEOUT,
            sink(),
        )
        .await;
    assert_eq!(
        counted.result,
        Ok(b"1".to_vec()),
        "instances do not share state"
    );
}

#[tokio::test]
async fn the_context_record_arrives_complete() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    let mut guest = instance(&hostile, 64).await;
    let mut ctx = context("req-42");
    ctx.function.memory_mb = 64;
    ctx.function.timeout_secs = 3;
    ctx.credentials.access_key_id = "AKID".into();
    ctx.region = "cn-shanghai".into();
    let answered = guest
        .invoke_event(&event(json!({"action": "context"})), &ctx, TIMEOUT, sink())
        .await;
    let answered: serde_json::Value = serde_json::from_slice(&answered.result.unwrap()).unwrap();
    assert_eq!(answered["requestId"], "req-42");
    assert_eq!(answered["function"]["memory"], 64);
    assert_eq!(answered["credentials"]["accessKeyId"], "AKID");
    assert_eq!(answered["region"], "cn-shanghai");
    assert_eq!(answered["service"]["qualifier"], "LATEST");
}

#[tokio::test]
async fn the_initializer_runs_once_and_its_failures_are_reported() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    let mut guest = instance(&hostile, 64).await;
    let initialized = guest.initialize(&context("init"), TIMEOUT, sink()).await;
    assert_eq!(initialized.result, Ok(()));
    assert!(guest.is_initialized());
    let count = guest
        .invoke_event(
            &event(json!({"action": "initialized"})),
            &context("r"),
            TIMEOUT,
            sink(),
        )
        .await;
    assert_eq!(count.result, Ok(b"1".to_vec()));

    let mut settings = common::settings(64);
    settings.environment = vec![("HOSTILE_INIT".into(), "loop".into())];
    let mut stuck = hostile.instantiate(&settings).await.unwrap();
    let timed_out = stuck.initialize(&context("init"), TIMEOUT, sink()).await;
    assert_eq!(
        timed_out.result,
        Err(InvocationError::Timeout { limit: TIMEOUT })
    );

    settings.environment = vec![("HOSTILE_INIT".into(), "fail".into())];
    let mut failing = hostile.instantiate(&settings).await.unwrap();
    let failed = failing.initialize(&context("init"), TIMEOUT, sink()).await;
    assert!(
        matches!(&failed.result, Err(InvocationError::Handled { error_type, .. }) if error_type == "HostileInitError"),
        "{:?}",
        failed.result
    );
}

#[tokio::test]
async fn many_hostile_instances_at_once_leave_the_runtime_healthy() {
    let runtime = runtime();
    let hostile = load(&runtime, "hostile");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let hostile = hostile.clone();
        tasks.spawn(async move {
            let action = ["loop", "panic", "ok", "flood"][i % 4];
            let mut guest = hostile.instantiate(&common::settings(64)).await.unwrap();
            let done = guest
                .invoke_event(
                    &event(json!({"action": action})),
                    &context("r"),
                    TIMEOUT,
                    sink(),
                )
                .await;
            (action, done.result)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (action, result) = joined.unwrap();
        match action {
            "ok" => assert_eq!(result, Ok(b"ok".to_vec())),
            "panic" => assert!(matches!(result, Err(InvocationError::Trap { .. }))),
            _ => assert_eq!(result, Err(InvocationError::Timeout { limit: TIMEOUT })),
        }
    }
}
