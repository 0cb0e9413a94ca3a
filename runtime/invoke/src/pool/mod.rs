//! FC's instance lifecycle ([`Pools`]), for `fclocal start`.
//!
//! - An instance serves many invocations in turn, so a guest's global state
//!   persists within it. Up to `InstanceConcurrency` invocations are
//!   assigned to one instance at once before another instance starts — the
//!   same scale-out rule as FC. A WASI 0.2 component runs one call at a time,
//!   so the invocations assigned to an instance run in arrival order (like a
//!   single-threaded runtime without awaits); see the README.
//! - More instances start on demand, up to a global cap
//!   ([`PoolConfig::max_instances`]). At the cap, an idle instance of any
//!   function is evicted to make room; if none is idle, the request waits up
//!   to [`PoolConfig::throttle_wait`] and is then throttled (FC's 429).
//! - `Initializer` runs once per instance, before its first invocation.
//! - A trapped, timed-out or out-of-memory instance is discarded, never
//!   reused; invocations queued on it move to another instance.
//! - Idle instances are reclaimed after [`PoolConfig::idle_timeout`]
//!   ([`Pools::reap_idle`], called periodically by the server).
//! - Hot reload ([`Pools::insert`] of a new component) retires the old
//!   instances: invocations already assigned finish on them, new ones start
//!   instances of the new component.

mod slot;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use fclocal_engine::{
    EngineError, EventContext, FunctionInstance, FunctionKind, HttpRequest, HttpResponse,
    Invocation,
};
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;

use crate::error::InvokeError;
use crate::host::{CallFor, FunctionHost, LoadedFunction, OnInstance, Report, new_instance_id};
use crate::lanes::Lanes;
use crate::sink::InvocationLog;
use slot::Slot;

/// Limits of the instance pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    /// The most instances alive at once, across all functions.
    pub max_instances: usize,
    /// An instance idle this long is reclaimed.
    pub idle_timeout: Duration,
    /// How long a request waits for an instance at the cap before it is
    /// throttled.
    pub throttle_wait: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            max_instances: 64,
            idle_timeout: Duration::from_secs(300),
            throttle_wait: Duration::from_secs(1),
        }
    }
}

/// Why an invocation could not run.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// No such function is loaded.
    #[error("no function {0} is loaded")]
    UnknownFunction(String),
    /// Every instance is busy and the cap is reached.
    #[error(
        "function {function} is throttled: all {limit} instances are busy (raise the cap with `fclocal start --max-instances`)"
    )]
    Throttled {
        /// `service/function`.
        function: String,
        /// The cap.
        limit: usize,
    },
    /// The instance could not start, or the logs could not be stored.
    #[error(transparent)]
    Invoke(#[from] InvokeError),
}

/// One instance, as reported by [`Pools::instances`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceInfo {
    /// `instanceID`.
    pub id: String,
    /// Invocations assigned to it now.
    pub assigned: usize,
    /// Whether it runs an older component than the current one.
    pub retired: bool,
}

struct FunctionPool {
    /// The current component and its generation.
    current: RwLock<(LoadedFunction, u64)>,
    slots: Mutex<Vec<Arc<Slot>>>,
}

impl FunctionPool {
    fn current(&self) -> (LoadedFunction, u64) {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        (current.0.clone(), current.1)
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Slot>>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A place on an instance, held from assignment to release. Dropping it
/// releases the place, so an invocation whose future is dropped (a caller
/// that gave up) never leaks its assignment.
struct Lease {
    pool: Arc<FunctionPool>,
    slot: Arc<Slot>,
    function: LoadedFunction,
    changed: Arc<Notify>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.slot.release() == 0 && self.slot.is_retired() {
            self.pool
                .slots()
                .retain(|slot| !Arc::ptr_eq(slot, &self.slot));
        }
        self.changed.notify_waiters();
    }
}

/// Holds an instance while a call runs. If the call's future is dropped
/// before it finishes, the store is left mid-call and cannot be trusted:
/// the instance is discarded.
struct CallGuard<'a> {
    instance: tokio::sync::MutexGuard<'a, Option<FunctionInstance>>,
    slot: &'a Slot,
    finished: bool,
}

impl Drop for CallGuard<'_> {
    fn drop(&mut self) {
        if !self.finished {
            *self.instance = None;
            self.slot.retire();
        }
    }
}

/// The instances of every function of an app.
pub struct Pools {
    host: Arc<FunctionHost>,
    config: PoolConfig,
    permits: Arc<Semaphore>,
    functions: RwLock<BTreeMap<String, Arc<FunctionPool>>>,
    /// Signalled whenever an assignment ends or an instance goes away.
    changed: Arc<Notify>,
    /// Where long-running invocations finish (see `lanes.rs`).
    lanes: Lanes,
}

impl Pools {
    /// Empty pools running functions on `host`.
    ///
    /// Fails only when the background lane's threads cannot start.
    pub fn new(host: Arc<FunctionHost>, config: PoolConfig) -> std::io::Result<Arc<Pools>> {
        Ok(Arc::new(Pools {
            host,
            permits: Arc::new(Semaphore::new(config.max_instances.max(1))),
            config,
            functions: RwLock::new(BTreeMap::new()),
            changed: Arc::new(Notify::new()),
            lanes: Lanes::new()?,
        }))
    }

    /// How many invocations ran long enough to move to the background lane.
    pub fn demoted(&self) -> u64 {
        self.lanes.demoted()
    }

    /// The host.
    pub fn host(&self) -> &FunctionHost {
        &self.host
    }

    /// The limits.
    pub fn config(&self) -> PoolConfig {
        self.config
    }

    /// Adds a function, or replaces its component (hot reload): instances
    /// of the old component take no new invocations and go away once idle.
    pub fn insert(&self, function: LoadedFunction) {
        let label = function.spec.label();
        let mut functions = self.functions.write().unwrap_or_else(|p| p.into_inner());
        match functions.get(&label) {
            Some(pool) => {
                {
                    let mut current = pool.current.write().unwrap_or_else(|p| p.into_inner());
                    let generation = current.1 + 1;
                    *current = (function, generation);
                }
                let mut slots = pool.slots();
                for slot in slots.iter() {
                    slot.retire();
                }
                slots.retain(|slot| slot.assigned() > 0);
                drop(slots);
                self.changed.notify_waiters();
            }
            None => {
                functions.insert(
                    label,
                    Arc::new(FunctionPool {
                        current: RwLock::new((function, 0)),
                        slots: Mutex::new(Vec::new()),
                    }),
                );
            }
        }
    }

    /// The current component of `label` (`service/function`).
    pub fn function(&self, label: &str) -> Option<LoadedFunction> {
        self.pool(label).map(|pool| pool.current().0)
    }

    /// Every loaded function, by label.
    pub fn labels(&self) -> Vec<String> {
        self.functions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    /// The instances of `label`, for tests and the admin API.
    pub fn instances(&self, label: &str) -> Vec<InstanceInfo> {
        let Some(pool) = self.pool(label) else {
            return Vec::new();
        };
        pool.slots()
            .iter()
            .map(|slot| InstanceInfo {
                id: slot.id.clone(),
                assigned: slot.assigned(),
                retired: slot.is_retired(),
            })
            .collect()
    }

    /// Invocations assigned to any instance right now.
    pub fn in_flight(&self) -> usize {
        let functions = self.functions.read().unwrap_or_else(|p| p.into_inner());
        functions
            .values()
            .map(|pool| {
                pool.slots()
                    .iter()
                    .map(|slot| slot.assigned())
                    .sum::<usize>()
            })
            .sum()
    }

    fn pool(&self, label: &str) -> Option<Arc<FunctionPool>> {
        self.functions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(label)
            .cloned()
    }

    /// Invokes an event function. A long-running call finishes on the
    /// background lane (see `lanes.rs`).
    pub async fn invoke_event(
        self: &Arc<Self>,
        label: &str,
        request_id: String,
        event: Vec<u8>,
    ) -> Result<Report<Vec<u8>>, PoolError> {
        let call_for = CallFor {
            request_id,
            context: None,
        };
        self.event_call(label, call_for, event).await
    }

    /// [`Pools::invoke_event`] with the context the caller was given (a
    /// custom runtime reads it from FC's `x-fc-*` headers, credentials
    /// included) instead of the one derived from the function's spec. The
    /// request id is `context.request_id`.
    pub async fn invoke_event_with(
        self: &Arc<Self>,
        label: &str,
        context: EventContext,
        event: Vec<u8>,
    ) -> Result<Report<Vec<u8>>, PoolError> {
        let call_for = CallFor {
            request_id: context.request_id.clone(),
            context: Some(context),
        };
        self.event_call(label, call_for, event).await
    }

    async fn event_call(
        self: &Arc<Self>,
        label: &str,
        call_for: CallFor,
        event: Vec<u8>,
    ) -> Result<Report<Vec<u8>>, PoolError> {
        let pools = Arc::clone(self);
        let label = label.to_owned();
        let call = async move {
            pools
                .invoke(
                    &label,
                    call_for,
                    async |instance, context, log, spec_timeout| {
                        instance
                            .invoke_event(&event, context, spec_timeout, log)
                            .await
                    },
                )
                .await
        };
        self.run_in_lane(Box::pin(call)).await
    }

    /// Invokes an HTTP function. A long-running call finishes on the
    /// background lane (see `lanes.rs`).
    pub async fn invoke_http(
        self: &Arc<Self>,
        label: &str,
        request_id: String,
        request: HttpRequest,
    ) -> Result<Report<HttpResponse>, PoolError> {
        let call_for = CallFor {
            request_id,
            context: None,
        };
        self.http_call(label, call_for, request).await
    }

    /// [`Pools::invoke_http`] with the caller's context (see
    /// [`Pools::invoke_event_with`]).
    pub async fn invoke_http_with(
        self: &Arc<Self>,
        label: &str,
        context: EventContext,
        request: HttpRequest,
    ) -> Result<Report<HttpResponse>, PoolError> {
        let call_for = CallFor {
            request_id: context.request_id.clone(),
            context: Some(context),
        };
        self.http_call(label, call_for, request).await
    }

    async fn http_call(
        self: &Arc<Self>,
        label: &str,
        call_for: CallFor,
        request: HttpRequest,
    ) -> Result<Report<HttpResponse>, PoolError> {
        let max_bytes = self.host.settings().max_response_bytes;
        let pools = Arc::clone(self);
        let label = label.to_owned();
        let call = async move {
            pools
                .invoke(
                    &label,
                    call_for,
                    async |instance, context, log, spec_timeout| {
                        instance
                            .invoke_http(request, context, spec_timeout, max_bytes, log)
                            .await
                    },
                )
                .await
        };
        self.run_in_lane(Box::pin(call)).await
    }

    /// Runs the function's `Initializer` on an instance that has not run it
    /// (starting one if none has room), without invoking the handler: a
    /// custom runtime's `POST /initialize`. Framed by `FC Initialize
    /// Start/End`; succeeds with nothing run when the instance is already
    /// initialized or the function sets no `Initializer`. A failed
    /// initializer discards the instance, as on FC.
    pub async fn initialize(
        self: &Arc<Self>,
        label: &str,
        context: EventContext,
    ) -> Result<Report<()>, PoolError> {
        let call_for = CallFor {
            request_id: context.request_id.clone(),
            context: Some(context),
        };
        let pools = Arc::clone(self);
        let label = label.to_owned();
        let call = async move {
            pools
                .on_instance(&label, async |host, function, on| {
                    host.initialize_on(function, on, call_for, None).await
                })
                .await
        };
        self.run_in_lane(Box::pin(call)).await
    }

    /// Runs `call` in its lane ([`Lanes::run`]), then answers after the
    /// invocations already ready to run. The call has freed its instance and
    /// made its lines durable; the requests of those invocations were read,
    /// so on a busy server the answers leave in a burst and the client is
    /// woken once per burst rather than once per answer (16 connections:
    /// ~11,000 to ~14,000 requests/s in `scripts/bench-http.sh`). Alone, it
    /// costs one poll of the I/O driver. Outside the lane, so the yield never
    /// counts as a long call and moves a finished one to the background.
    async fn run_in_lane<T: Send + 'static>(
        &self,
        call: std::pin::Pin<Box<dyn Future<Output = T> + Send>>,
    ) -> T {
        let output = self.lanes.run(call).await;
        tokio::task::yield_now().await;
        output
    }

    async fn invoke<T>(
        &self,
        label: &str,
        call_for: CallFor,
        call_fn: impl AsyncFnOnce(
            &mut FunctionInstance,
            &EventContext,
            Arc<InvocationLog>,
            Duration,
        ) -> Invocation<T>,
    ) -> Result<Report<T>, PoolError> {
        self.on_instance(label, async |host, function, on| {
            let timeout = Duration::from_secs(u64::from(function.spec.timeout_secs));
            host.run_on(
                function,
                on,
                call_for,
                None,
                async |instance, context, log| call_fn(instance, context, log, timeout).await,
            )
            .await
        })
        .await
    }

    /// Leases a place on an instance of `label` (starting one when needed),
    /// runs `run` on it, and discards the instance afterwards when it can
    /// no longer be trusted.
    async fn on_instance<T>(
        &self,
        label: &str,
        run: impl AsyncFnOnce(
            &FunctionHost,
            &LoadedFunction,
            OnInstance<'_>,
        ) -> Result<Report<T>, InvokeError>,
    ) -> Result<Report<T>, PoolError> {
        loop {
            let lease = self.lease(label).await?;
            let mut guard = lease.slot.instance.lock().await;
            let mut cold_start = false;
            if guard.is_none() {
                if lease.slot.is_retired() {
                    // Discarded while this invocation queued on it: go again.
                    continue;
                }
                let spec = &lease.function.spec;
                let settings = self.host.instance_settings(spec, &lease.slot.id);
                match lease.function.component.instantiate(&settings).await {
                    Ok(instance) => *guard = Some(instance),
                    Err(EngineError::PoolFull { .. }) => {
                        // The allocator, not the instance cap, ran out: a
                        // capacity refusal, like the cap itself.
                        lease.slot.retire();
                        return Err(PoolError::Throttled {
                            function: label.to_owned(),
                            limit: self.config.max_instances,
                        });
                    }
                    Err(error) => {
                        lease.slot.retire();
                        return Err(InvokeError::from(error).into());
                    }
                }
                cold_start = true;
            }
            let mut call = CallGuard {
                instance: guard,
                slot: &lease.slot,
                finished: false,
            };
            let Some(instance) = call.instance.as_mut() else {
                unreachable!("the instance was just started");
            };
            let on = OnInstance {
                instance,
                instance_id: &lease.slot.id,
                cold_start,
            };
            let report = run(&self.host, &lease.function, on).await;
            call.finished = true;
            let needs_initializer = lease.function.spec.initializer.is_some();
            let memory_limit = u64::from(lease.function.spec.memory_mb) << 20;
            let language = lease.function.component.kind() == FunctionKind::Language;
            if call.instance.as_ref().is_some_and(|instance| {
                !instance.is_usable()
                    || (needs_initializer && !instance.is_initialized())
                    || near_memory_limit(instance.memory_used_bytes(), memory_limit)
                    || (language && instance.memory_growth_bytes() > LANGUAGE_GROWTH_LIMIT)
            }) {
                // A trap, timeout or OOM, or a failed initializer: never reuse
                // it. Nor one whose memory crept close to MemorySize: the next
                // request would fail for a leak it did not cause, while a
                // fresh instance starts in milliseconds. A language engine's
                // heap grows a little with every call (componentize-js, and
                // SpiderMonkey collects late), so its instances are renewed
                // once they grew by LANGUAGE_GROWTH_LIMIT: every few thousand
                // calls, which keeps the server's memory flat under load.
                *call.instance = None;
                lease.slot.retire();
            }
            drop(call);
            drop(lease);
            return Ok(report?);
        }
    }

    /// Finds (or makes) a place on an instance of `label`.
    async fn lease(&self, label: &str) -> Result<Lease, PoolError> {
        let pool = self
            .pool(label)
            .ok_or_else(|| PoolError::UnknownFunction(label.to_owned()))?;
        let deadline = Instant::now() + self.config.throttle_wait;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(lease) = self.try_lease(&pool) {
                return Ok(lease);
            }
            if self.evict_idle_instance() {
                continue;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Err(PoolError::Throttled {
                    function: label.to_owned(),
                    limit: self.config.max_instances,
                });
            }
        }
    }

    /// Joins the least busy instance with room, else starts a new one if the
    /// cap allows.
    fn try_lease(&self, pool: &Arc<FunctionPool>) -> Option<Lease> {
        let (function, generation) = pool.current();
        let mut slots = pool.slots();
        if let Some(slot) = slots
            .iter()
            .filter(|slot| slot.has_room(generation))
            .min_by_key(|slot| slot.assigned())
        {
            slot.assign();
            // `has_room` checked the generation: the slot runs `function`.
            return Some(Lease {
                pool: pool.clone(),
                slot: slot.clone(),
                function,
                changed: self.changed.clone(),
            });
        }
        let permit = self.permits.clone().try_acquire_owned().ok()?;
        let concurrency = function.spec.instance_concurrency as usize;
        let slot = Arc::new(Slot::new(
            new_instance_id(),
            generation,
            concurrency,
            permit,
        ));
        slot.assign();
        slots.push(slot.clone());
        Some(Lease {
            pool: pool.clone(),
            slot,
            function,
            changed: self.changed.clone(),
        })
    }

    /// At the cap: drops the longest-idle instance of any function.
    fn evict_idle_instance(&self) -> bool {
        let pools: Vec<Arc<FunctionPool>> = self
            .functions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        let oldest = pools
            .iter()
            .flat_map(|pool| {
                pool.slots()
                    .iter()
                    .filter(|slot| slot.assigned() == 0)
                    .map(|slot| (slot.last_used(), pool.clone(), slot.clone()))
                    .collect::<Vec<_>>()
            })
            .min_by_key(|(last_used, _, _)| *last_used);
        let Some((_, pool, victim)) = oldest else {
            return false;
        };
        let mut slots = pool.slots();
        let before = slots.len();
        // Re-check under the lock: it may have been assigned meanwhile.
        slots.retain(|slot| !(Arc::ptr_eq(slot, &victim) && slot.assigned() == 0));
        before != slots.len()
    }

    /// Reclaims instances idle for longer than the idle timeout; returns how
    /// many went away.
    pub fn reap_idle(&self) -> usize {
        let now = Instant::now();
        let pools: Vec<Arc<FunctionPool>> = self
            .functions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        let mut reaped = 0;
        for pool in pools {
            let mut slots = pool.slots();
            let before = slots.len();
            slots.retain(|slot| {
                slot.assigned() > 0
                    || now.duration_since(slot.last_used()) < self.config.idle_timeout
            });
            reaped += before - slots.len();
        }
        if reaped > 0 {
            self.changed.notify_waiters();
        }
        reaped
    }
}

/// How much a language engine instance may grow past its first call before
/// it is renewed (about 3,000-8,000 calls of the Node.js engine's growth).
const LANGUAGE_GROWTH_LIMIT: u64 = 8 << 20;

/// Whether an instance using `used` bytes of linear memory is within a
/// quarter of its `limit`: recycled after its call rather than reused.
fn near_memory_limit(used: u64, limit: u64) -> bool {
    limit > 0 && used > limit / 4 * 3
}
