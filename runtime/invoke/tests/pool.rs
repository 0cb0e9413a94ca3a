//! FC's instance lifecycle: reuse, InstanceConcurrency, the cap and
//! throttling, discarding failed instances, the initializer once per
//! instance, idle reclaim, eviction at the cap, and hot reload.

use std::sync::Arc;
use std::time::Duration;

use fclocal_engine::{EngineConfig, InvocationError, Runtime};
use fclocal_invoke::{
    FunctionHost, FunctionSpec, HostSettings, LoadedFunction, LogTarget, PoolConfig, PoolError,
    Pools, RequiredKind, new_request_id,
};
use fclocal_logstore::{LogQuery, LogStore};
use fclocal_template::CodeLocation;
use serde_json::json;

struct Fixture {
    pools: Arc<Pools>,
    store: LogStore,
    _dir: tempfile::TempDir,
}

fn spec(name: &str, guest: &str, concurrency: u32, initializer: bool) -> FunctionSpec {
    FunctionSpec {
        service: "svc".into(),
        function: name.into(),
        handler: format!("{guest}.wasm"),
        code: CodeLocation::Component {
            path: fclocal_test_support::guest(guest),
        },
        memory_mb: 64,
        timeout_secs: 2,
        initializer: initializer.then(|| "init".to_owned()),
        initialization_timeout_secs: 2,
        environment: vec![],
        instance_concurrency: concurrency,
        log_target: LogTarget {
            project: "p".into(),
            logstore: "l".into(),
        },
        log_config: None,
        outbound: Default::default(),
        required_kind: RequiredKind::Any,
        log_topic: "svc".into(),
    }
}

fn fixture(config: PoolConfig, specs: Vec<FunctionSpec>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(&dir.path().join("logs.db")).unwrap();
    let runtime = Runtime::new(EngineConfig::default()).unwrap();
    let host = Arc::new(FunctionHost::new(
        runtime,
        store.writer(),
        HostSettings::default(),
    ));
    let pools = Pools::new(host.clone(), config).unwrap();
    for spec in specs {
        let path = match &spec.code {
            CodeLocation::Component { path } => path.clone(),
            CodeLocation::Crate { .. } | CodeLocation::Source { .. } => unreachable!(),
        };
        pools.insert(LoadedFunction::load(host.runtime(), spec, &path).unwrap());
    }
    Fixture {
        pools,
        store,
        _dir: dir,
    }
}

fn action(name: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({ "action": name })).unwrap()
}

async fn call(pools: &Arc<Pools>, label: &str, event: Vec<u8>) -> fclocal_invoke::Report<Vec<u8>> {
    pools
        .invoke_event(label, new_request_id(), event)
        .await
        .expect("the invocation runs")
}

#[tokio::test]
async fn an_instance_serves_invocations_in_turn_and_keeps_its_state() {
    let fixture = fixture(PoolConfig::default(), vec![spec("f", "hostile", 1, false)]);
    let pools = &fixture.pools;
    let first = call(pools, "svc/f", action("state")).await;
    let second = call(pools, "svc/f", action("state")).await;
    let third = call(pools, "svc/f", action("state")).await;
    assert_eq!(first.result, Ok(b"1".to_vec()));
    assert_eq!(second.result, Ok(b"2".to_vec()));
    assert_eq!(third.result, Ok(b"3".to_vec()));
    assert!(first.cold_start && !second.cold_start && !third.cold_start);
    assert_eq!(first.instance_id, third.instance_id);
    assert_eq!(pools.instances("svc/f").len(), 1);

    // Cold starts are marked in the log records.
    let reader = fixture.store.reader().unwrap();
    let cold = reader
        .query(&LogQuery {
            fields: vec![("coldStart".into(), "true".into())],
            ..LogQuery::default()
        })
        .unwrap();
    assert!(
        cold.iter()
            .all(|log| log.get("requestId") == Some(first.request_id.as_str()))
    );
    assert_eq!(
        cold.len(),
        2,
        "the two framing lines of the first invocation"
    );
}

#[tokio::test]
async fn concurrency_one_starts_an_instance_per_concurrent_invocation() {
    let fixture = fixture(PoolConfig::default(), vec![spec("f", "hostile", 1, false)]);
    let pools = fixture.pools.clone();
    let sleeping = serde_json::to_vec(&json!({"action": "sleep", "ms": 200})).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let pools = pools.clone();
        let event = sleeping.clone();
        tasks.spawn(async move { call(&pools, "svc/f", event).await.instance_id });
    }
    let mut ids = Vec::new();
    while let Some(id) = tasks.join_next().await {
        ids.push(id.unwrap());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        3,
        "three concurrent invocations, three instances"
    );
}

#[tokio::test]
async fn instance_concurrency_assigns_several_invocations_to_one_instance() {
    let fixture = fixture(PoolConfig::default(), vec![spec("f", "hostile", 4, false)]);
    let pools = fixture.pools.clone();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let pools = pools.clone();
        tasks.spawn(async move { call(&pools, "svc/f", action("state")).await });
    }
    let mut counters = Vec::new();
    let mut ids = Vec::new();
    while let Some(report) = tasks.join_next().await {
        let report = report.unwrap();
        counters.push(String::from_utf8(report.result.unwrap()).unwrap());
        ids.push(report.instance_id);
    }
    counters.sort();
    ids.dedup();
    assert_eq!(counters, ["1", "2", "3", "4"], "one instance, shared state");
    assert_eq!(ids.len(), 1);
    assert_eq!(pools.instances("svc/f").len(), 1);
}

#[tokio::test]
async fn past_the_cap_a_request_waits_then_is_throttled() {
    let config = PoolConfig {
        max_instances: 1,
        throttle_wait: Duration::from_millis(100),
        ..PoolConfig::default()
    };
    let fixture = fixture(config, vec![spec("f", "hostile", 1, false)]);
    let pools = fixture.pools.clone();
    let busy = {
        let pools = pools.clone();
        tokio::spawn(async move {
            let event = serde_json::to_vec(&json!({"action": "sleep", "ms": 1000})).unwrap();
            call(&pools, "svc/f", event).await
        })
    };
    // Wait until the first invocation holds the only instance.
    while pools.in_flight() == 0 {
        tokio::task::yield_now().await;
    }
    let throttled = pools
        .invoke_event("svc/f", new_request_id(), action("ok"))
        .await;
    assert!(
        matches!(throttled, Err(PoolError::Throttled { limit: 1, .. })),
        "{throttled:?}"
    );
    assert_eq!(busy.await.unwrap().result, Ok(b"ok".to_vec()));
    // Once it is free, the next request gets the instance.
    assert_eq!(
        call(&pools, "svc/f", action("ok")).await.result,
        Ok(b"ok".to_vec())
    );
}

#[tokio::test]
async fn a_trapped_instance_is_discarded_and_never_reused() {
    let fixture = fixture(PoolConfig::default(), vec![spec("f", "hostile", 1, false)]);
    let pools = &fixture.pools;
    let before = call(pools, "svc/f", action("state")).await;
    let panicked = call(pools, "svc/f", action("panic")).await;
    assert!(matches!(panicked.result, Err(InvocationError::Trap { .. })));
    assert_eq!(panicked.instance_id, before.instance_id);
    assert!(
        pools.instances("svc/f").is_empty(),
        "the trapped instance is gone"
    );
    let after = call(pools, "svc/f", action("state")).await;
    assert_eq!(after.result, Ok(b"1".to_vec()), "a fresh instance");
    assert_ne!(after.instance_id, before.instance_id);
    assert!(after.cold_start);
}

#[tokio::test]
async fn the_initializer_runs_once_per_instance() {
    let fixture = fixture(PoolConfig::default(), vec![spec("f", "hostile", 1, true)]);
    let pools = &fixture.pools;
    for _ in 0..3 {
        let report = call(pools, "svc/f", action("initialized")).await;
        assert_eq!(report.result, Ok(b"1".to_vec()));
    }
    let reader = fixture.store.reader().unwrap();
    let starts = reader
        .query(&LogQuery {
            keyword: Some("FC Initialize Start".into()),
            ..LogQuery::default()
        })
        .unwrap();
    assert_eq!(starts.len(), 1);
}

#[tokio::test]
async fn idle_instances_are_reclaimed_after_the_idle_timeout() {
    let config = PoolConfig {
        idle_timeout: Duration::from_secs(60),
        ..PoolConfig::default()
    };
    let fixture = fixture(config, vec![spec("f", "hostile", 1, false)]);
    let pools = &fixture.pools;
    call(pools, "svc/f", action("ok")).await;
    assert_eq!(pools.reap_idle(), 0, "not idle long enough");
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(pools.reap_idle(), 1);
    assert!(pools.instances("svc/f").is_empty());
}

#[tokio::test]
async fn at_the_cap_an_idle_instance_of_another_function_makes_room() {
    let config = PoolConfig {
        max_instances: 1,
        throttle_wait: Duration::from_millis(50),
        ..PoolConfig::default()
    };
    let fixture = fixture(
        config,
        vec![spec("a", "hostile", 1, false), spec("b", "hello", 1, false)],
    );
    let pools = &fixture.pools;
    call(pools, "svc/a", action("ok")).await;
    assert_eq!(pools.instances("svc/a").len(), 1);
    let greeted = call(pools, "svc/b", b"{}".to_vec()).await;
    assert_eq!(greeted.result, Ok(b"Hello, world!".to_vec()));
    assert!(pools.instances("svc/a").is_empty(), "evicted to make room");
}

#[tokio::test]
async fn a_reloaded_component_takes_new_invocations_while_the_old_finishes() {
    let fixture = fixture(PoolConfig::default(), vec![spec("f", "hostile", 1, false)]);
    let pools = fixture.pools.clone();
    let old_running = {
        let pools = pools.clone();
        tokio::spawn(async move {
            let event = serde_json::to_vec(&json!({"action": "sleep", "ms": 300})).unwrap();
            call(&pools, "svc/f", event).await
        })
    };
    while pools.in_flight() == 0 {
        tokio::task::yield_now().await;
    }
    let hello = spec("f", "hello", 1, false);
    let path = fclocal_test_support::guest("hello");
    pools.insert(LoadedFunction::load(pools.host().runtime(), hello, &path).unwrap());
    let new = call(&pools, "svc/f", b"{}".to_vec()).await;
    assert_eq!(new.result, Ok(b"Hello, world!".to_vec()));
    assert_eq!(old_running.await.unwrap().result, Ok(b"ok".to_vec()));
    let instances = pools.instances("svc/f");
    assert_eq!(
        instances.len(),
        1,
        "the retired instance left once idle: {instances:?}"
    );
    assert!(!instances[0].retired);
}

#[tokio::test]
async fn an_unknown_function_is_an_error() {
    let fixture = fixture(PoolConfig::default(), vec![]);
    let missing = fixture
        .pools
        .invoke_event("svc/none", new_request_id(), vec![])
        .await;
    assert!(matches!(missing, Err(PoolError::UnknownFunction(_))));
}

#[tokio::test]
async fn a_caller_that_gives_up_mid_call_leaks_nothing_and_the_instance_is_discarded() {
    let fixture = fixture(PoolConfig::default(), vec![spec("f", "hostile", 1, false)]);
    let pools = fixture.pools.clone();
    let sleeping = serde_json::to_vec(&json!({"action": "sleep", "ms": 5000})).unwrap();
    // Dropping the future mid-call is what a closed connection does.
    let gave_up = tokio::time::timeout(
        Duration::from_millis(200),
        pools.invoke_event("svc/f", new_request_id(), sleeping),
    )
    .await;
    assert!(gave_up.is_err(), "the call was cut short");
    // A call that ran long enough to move to the background lane (a slow
    // instantiation under load) is aborted there: its assignment is released
    // when that runtime drops it, which the caller does not wait for.
    tokio::time::timeout(Duration::from_secs(10), async {
        while pools.in_flight() != 0 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the assignment was released");
    assert!(
        pools.instances("svc/f").is_empty(),
        "an instance interrupted mid-call is never reused"
    );
    let next = call(&pools, "svc/f", action("state")).await;
    assert_eq!(next.result, Ok(b"1".to_vec()));
}
