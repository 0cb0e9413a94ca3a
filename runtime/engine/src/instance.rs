//! A running instance ([`FunctionInstance`]) and its invocations.
//!
//! An instance serves many invocations in turn; a guest's global state
//! persists between them, as on Function Compute. Every call runs under a
//! deadline enforced twice: epoch interruption stops busy WebAssembly within
//! one tick of the deadline, and a host-side timeout stops a guest blocked in
//! a host call (a sleep, a slow request), which epochs cannot interrupt.
//! After a trap, a timeout or running out of memory the instance is marked
//! unusable and must be discarded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{Store, Trap, WasmBacktrace};
use wasmtime_wasi_http::p2::bindings::Proxy;

use crate::bindings::exports::fclocal::function::{handler, initializer};
use crate::context::EventContext;
use crate::error::InvocationError;
use crate::host::HostState;
use crate::lang::reported;
use crate::lang_bindings::EngineGuest;
use crate::logs::{CaptureSummary, LogCapture, LogSink};
use crate::prepared::PreparedComponent;

/// How much later than the deadline the host-side timeout fires: long enough
/// for the epoch trap (which says more) to win when WebAssembly is running.
const HOST_TIMEOUT_GRACE: Duration = Duration::from_millis(50);

pub(crate) enum InstanceExports {
    Event {
        handler: handler::Guest,
        initializer: Option<initializer::Guest>,
    },
    Http(Proxy),
    Language(EngineGuest),
}

/// The outcome of one call, with what FC reports about it.
#[derive(Debug)]
pub struct Invocation<T> {
    /// The result, or how it failed.
    pub result: Result<T, InvocationError>,
    /// Wall time of the call.
    pub duration: Duration,
    /// Linear memory in use at the end, which is also the instance's peak.
    pub memory_used_bytes: u64,
    /// Dropped output and the panic message, if any.
    pub log: CaptureSummary,
}

/// One instance of a prepared component.
pub struct FunctionInstance {
    store: Store<HostState>,
    exports: InstanceExports,
    capture: Arc<LogCapture>,
    component: PreparedComponent,
    poisoned: bool,
    initialized: bool,
    /// Linear memory after the first call ended: what the instance needs
    /// once warm, the baseline for [`FunctionInstance::memory_growth_bytes`].
    warm_bytes: Option<u64>,
}

impl FunctionInstance {
    pub(crate) fn new(
        store: Store<HostState>,
        exports: InstanceExports,
        capture: Arc<LogCapture>,
        component: PreparedComponent,
    ) -> Self {
        FunctionInstance {
            store,
            exports,
            capture,
            component,
            poisoned: false,
            initialized: false,
            warm_bytes: None,
        }
    }

    /// The component this instance runs.
    pub fn component(&self) -> &PreparedComponent {
        &self.component
    }

    /// False once a call trapped, timed out or ran out of memory.
    pub fn is_usable(&self) -> bool {
        !self.poisoned
    }

    /// Whether the initializer has run successfully on this instance.
    pub fn is_initialized(&self) -> bool {
        self.initialized
    }

    /// Linear memory in use now (also the peak so far).
    pub fn memory_used_bytes(&self) -> u64 {
        self.store.data().limiter.used_bytes()
    }

    /// How much linear memory grew since the first call ended: a guest that
    /// keeps growing while it serves (a language engine's heap) shows here.
    pub fn memory_growth_bytes(&self) -> u64 {
        let warm = self.warm_bytes.unwrap_or(u64::MAX);
        self.memory_used_bytes().saturating_sub(warm)
    }

    /// Runs the guest's initializer (FC's `Initializer`) within `timeout`.
    /// A component without one is an error: the template asked for it.
    pub async fn initialize(
        &mut self,
        context: &EventContext,
        timeout: Duration,
        sink: Arc<dyn LogSink>,
    ) -> Invocation<()> {
        let started = self.begin(timeout, sink);
        let wit_context = context.to_wit();
        if let InstanceExports::Language(engine) = &self.exports {
            let call = engine.call_initialize(&mut self.store, &wit_context);
            let outcome = tokio::time::timeout(timeout + HOST_TIMEOUT_GRACE, call)
                .await
                .map(|called| called.map(|result| result.map_err(reported)));
            let invocation = self.finish(started, timeout, outcome);
            if invocation.result.is_ok() {
                self.initialized = true;
            }
            return invocation;
        }
        let InstanceExports::Event {
            initializer: Some(guest),
            ..
        } = &self.exports
        else {
            let message = format!(
                "{} does not export `fclocal:function/initializer`; implement `initialize` in your EventFunction or remove `Initializer` from template.yml",
                self.component.path().display()
            );
            return self.finish(
                started,
                timeout,
                Ok(Ok(Err(InvocationError::Host { message }))),
            );
        };
        let call = guest.call_initialize(&mut self.store, &wit_context);
        let outcome = tokio::time::timeout(timeout + HOST_TIMEOUT_GRACE, call)
            .await
            .map(|called| called.map(|result| result.map_err(handled)));
        let invocation = self.finish(started, timeout, outcome);
        if invocation.result.is_ok() {
            self.initialized = true;
        }
        invocation
    }

    /// Calls an event function's handler with `event`.
    pub async fn invoke_event(
        &mut self,
        event: &[u8],
        context: &EventContext,
        timeout: Duration,
        sink: Arc<dyn LogSink>,
    ) -> Invocation<Vec<u8>> {
        let started = self.begin(timeout, sink);
        let wit_context = context.to_wit();
        if let InstanceExports::Language(engine) = &self.exports {
            let call = engine.call_invoke(&mut self.store, event, &wit_context);
            let outcome = tokio::time::timeout(timeout + HOST_TIMEOUT_GRACE, call)
                .await
                .map(|called| called.map(|result| result.map_err(reported)));
            return self.finish(started, timeout, outcome);
        }
        let InstanceExports::Event { handler: guest, .. } = &self.exports else {
            let message = format!(
                "{} is an HTTP function; send it an HTTP request instead of an event",
                self.component.path().display()
            );
            return self.finish(
                started,
                timeout,
                Ok(Ok(Err(InvocationError::Host { message }))),
            );
        };
        let call = guest.call_handle(&mut self.store, event, &wit_context);
        let outcome = tokio::time::timeout(timeout + HOST_TIMEOUT_GRACE, call)
            .await
            .map(|called| called.map(|result| result.map_err(handled)));
        self.finish(started, timeout, outcome)
    }

    pub(crate) fn parts(&mut self) -> (&mut Store<HostState>, &InstanceExports) {
        (&mut self.store, &self.exports)
    }

    /// Starts a call: routes output to `sink` and arms the deadline.
    pub(crate) fn begin(&mut self, timeout: Duration, sink: Arc<dyn LogSink>) -> Instant {
        let started = Instant::now();
        self.capture.begin(sink);
        self.store.data_mut().deadline = Some(started + timeout);
        self.store.set_epoch_deadline(1);
        started
    }

    /// Ends a call: classifies how it failed, detaches the log sink, and
    /// poisons the instance if it can no longer be trusted.
    pub(crate) fn finish<T>(
        &mut self,
        started: Instant,
        timeout: Duration,
        outcome: Result<wasmtime::Result<Result<T, InvocationError>>, tokio::time::error::Elapsed>,
    ) -> Invocation<T> {
        let duration = started.elapsed();
        let state = self.store.data_mut();
        state.deadline = None;
        let refused = state.limiter.take_refusal();
        let limit_bytes = state.limiter.limit_bytes();
        let log = self.capture.end();
        let result = match outcome {
            Err(_elapsed) => Err(InvocationError::Timeout { limit: timeout }),
            Ok(Ok(result)) => result,
            Ok(Err(error)) => Err(classify_trap(&error, timeout, limit_bytes, refused, &log)),
        };
        if result
            .as_ref()
            .is_err_and(InvocationError::poisons_instance)
        {
            self.poisoned = true;
        }
        let memory_used_bytes = self.memory_used_bytes();
        self.warm_bytes.get_or_insert(memory_used_bytes);
        Invocation {
            result,
            duration,
            memory_used_bytes,
            log,
        }
    }
}

/// A guest's `function-error` is FC's handled error.
fn handled(error: crate::bindings::wit::FunctionError) -> InvocationError {
    InvocationError::Handled {
        message: error.message,
        error_type: if error.error_type.is_empty() {
            "Error".to_owned()
        } else {
            error.error_type
        },
        stack_trace: error.stack_trace,
    }
}

fn classify_trap(
    error: &wasmtime::Error,
    timeout: Duration,
    limit_bytes: u64,
    refused: Option<u64>,
    log: &CaptureSummary,
) -> InvocationError {
    if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        return InvocationError::Timeout { limit: timeout };
    }
    if let Some(requested_bytes) = refused {
        return InvocationError::OutOfMemory {
            limit_bytes,
            requested_bytes,
        };
    }
    let backtrace = error
        .downcast_ref::<WasmBacktrace>()
        .map(|backtrace| {
            backtrace
                .to_string()
                .lines()
                .map(|line| line.trim().to_owned())
                .filter(|line| !line.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let cause = error.root_cause().to_string();
    let message = match &log.panic_message {
        Some(panic) => format!("{panic} ({cause})"),
        None => cause,
    };
    InvocationError::Trap { message, backtrace }
}
