//! Warm invocation of `hello` in-process: a prepared component, a fresh
//! instance from the pool, one call, teardown — what a server pays per
//! request when it does not reuse instances. Also reports a call on a
//! reused instance, and on-demand allocation for comparison.
//!
//! Run: `cargo bench -p fclocal-engine --bench warm_invoke`. Target: ≤ 30 µs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fclocal_engine::{
    CaptureLimits, CapturedLine, EngineConfig, EventContext, InstanceSettings, LogSink,
    OutboundAccess, PoolingMode, PreparedComponent, Runtime,
};

struct Discard;

impl LogSink for Discard {
    fn line(&self, _line: CapturedLine) {}
}

const ITERATIONS: u32 = 20_000;
const EVENT: &[u8] = br#"{"name":"bench"}"#;

fn settings() -> InstanceSettings {
    InstanceSettings {
        memory_limit_bytes: 128 << 20,
        environment: vec![("FC_FUNCTION_NAME".into(), "hello".into())],
        outbound: OutboundAccess::Deny,
        capture: CaptureLimits::default(),
        start_timeout: Duration::from_secs(3),
        code_dir: None,
    }
}

async fn fresh_instance_per_call(component: &PreparedComponent, iterations: u32) -> Duration {
    let settings = settings();
    let context = EventContext::default();
    let sink: Arc<dyn LogSink> = Arc::new(Discard);
    let started = Instant::now();
    for _ in 0..iterations {
        let mut instance = component.instantiate(&settings).await.expect("instantiate");
        let called = instance
            .invoke_event(EVENT, &context, Duration::from_secs(3), sink.clone())
            .await;
        assert!(called.result.is_ok(), "{:?}", called.result);
    }
    started.elapsed() / iterations
}

async fn reused_instance(component: &PreparedComponent, iterations: u32) -> Duration {
    let context = EventContext::default();
    let sink: Arc<dyn LogSink> = Arc::new(Discard);
    let mut instance = component
        .instantiate(&settings())
        .await
        .expect("instantiate");
    let started = Instant::now();
    for _ in 0..iterations {
        let called = instance
            .invoke_event(EVENT, &context, Duration::from_secs(3), sink.clone())
            .await;
        assert!(called.result.is_ok(), "{:?}", called.result);
    }
    started.elapsed() / iterations
}

fn main() {
    let hello = fclocal_test_support::guest("hello");
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    for pooling in [PoolingMode::Always, PoolingMode::Never] {
        let runtime = Runtime::new(EngineConfig {
            pooling,
            ..EngineConfig::default()
        })
        .expect("engine");
        let component = runtime.load(&hello).expect("hello loads");
        tokio.block_on(async {
            // Warm up: page in code, fill the pool's warm slots.
            fresh_instance_per_call(&component, 500).await;
            let fresh = fresh_instance_per_call(&component, ITERATIONS).await;
            let reused = reused_instance(&component, ITERATIONS).await;
            println!(
                "hello, {pooling:?} allocation: fresh instance + call + teardown {:.1} µs; call on a reused instance {:.1} µs ({ITERATIONS} iterations)",
                fresh.as_secs_f64() * 1e6,
                reused.as_secs_f64() * 1e6,
            );
        });
    }
}
