//! Helpers for the engine's tests: a runtime, an instance of a test guest,
//! and a sink that keeps every line.

#![allow(dead_code, reason = "each test file uses a different subset")]

pub mod lang;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fclocal_engine::{
    CaptureLimits, CapturedLine, EngineConfig, EventContext, FunctionInstance, InstanceSettings,
    LineSource, LogSink, OutboundAccess, PreparedComponent, Runtime,
};

/// Keeps every captured line.
#[derive(Default)]
pub struct Lines(Mutex<Vec<CapturedLine>>);

impl LogSink for Lines {
    fn line(&self, line: CapturedLine) {
        self.0.lock().unwrap().push(line);
    }
}

impl Lines {
    pub fn texts(&self, source: LineSource) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|line| line.source == source)
            .map(|line| line.text.clone())
            .collect()
    }

    pub fn total_bytes(&self) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|line| line.text.len())
            .sum()
    }
}

pub fn runtime() -> Runtime {
    Runtime::new(EngineConfig::default()).expect("the engine starts")
}

pub fn load(runtime: &Runtime, guest: &str) -> PreparedComponent {
    runtime
        .load(&fclocal_test_support::guest(guest))
        .expect("the test guest loads")
}

pub fn settings(memory_mb: u64) -> InstanceSettings {
    InstanceSettings {
        memory_limit_bytes: memory_mb << 20,
        environment: vec![("GREETING".into(), "hi".into())],
        outbound: OutboundAccess::Deny,
        capture: CaptureLimits::default(),
        start_timeout: Duration::from_secs(5),
        code_dir: None,
    }
}

pub async fn instance(component: &PreparedComponent, memory_mb: u64) -> FunctionInstance {
    component
        .instantiate(&settings(memory_mb))
        .await
        .expect("the test guest instantiates")
}

pub fn context(request_id: &str) -> EventContext {
    EventContext {
        request_id: request_id.into(),
        function: fclocal_engine::FunctionInfo {
            name: "hostile".into(),
            ..Default::default()
        },
        service: fclocal_engine::ServiceInfo {
            name: "tests".into(),
            qualifier: "LATEST".into(),
            ..Default::default()
        },
        ..Default::default()
    }
}

pub fn event(json: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json).unwrap()
}

pub fn sink() -> Arc<Lines> {
    Arc::new(Lines::default())
}
