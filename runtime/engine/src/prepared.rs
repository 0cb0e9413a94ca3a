//! A component compiled, classified and linked once ([`PreparedComponent`]),
//! from which instances start fast.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{Component, InstancePre};
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};
use wasmtime_wasi_http::WasiHttpCtx;
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::bindings::{HandlerIndices, InitializerIndices};
use crate::cache::CacheOutcome;
use crate::code::{CODE_MOUNT, CodeMount};
use crate::error::{EngineError, boxed};
use crate::host::HostState;
use crate::instance::{FunctionInstance, InstanceExports};
use crate::lang_bindings::EngineIndices;
use crate::limits::MemoryLimiter;
use crate::logs::{CaptureLimits, CaptureStream, LineSource, LogCapture};
use crate::outbound::{OutboundAccess, OutboundPolicy};

const EVENT_HANDLER: &str = "fclocal:function/handler@0.1";
const EVENT_INITIALIZER: &str = "fclocal:function/initializer@0.1";
const HTTP_HANDLER: &str = "wasi:http/incoming-handler@0.2";
const LANGUAGE_ENGINE: &str = "fclocal:function/engine-function@0.1";

/// What kind of function a component is, read from its exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    /// Exports `fclocal:function/handler`: called with event bytes.
    Event {
        /// Whether it also exports `fclocal:function/initializer`.
        has_initializer: bool,
    },
    /// Exports `wasi:http/incoming-handler`: a `wasi:http/proxy` component.
    Http,
    /// Exports `fclocal:function/engine-function`: a language engine
    /// (Node.js, Python) that runs the code mounted at `/code`. It takes both
    /// events and HTTP requests; the template's triggers say which.
    Language,
}

impl FunctionKind {
    /// A short name for messages: `event function` or `HTTP function`.
    pub fn describe(self) -> &'static str {
        match self {
            FunctionKind::Event { .. } => "event function",
            FunctionKind::Http => "HTTP function",
            FunctionKind::Language => "language engine",
        }
    }
}

/// How one instance is set up.
#[derive(Debug, Clone)]
pub struct InstanceSettings {
    /// `MemorySize`: the cap on all of the instance's linear memory together.
    pub memory_limit_bytes: u64,
    /// Environment variables: the function's own plus FC's system variables.
    pub environment: Vec<(String, String)>,
    /// Which outbound HTTP requests are allowed.
    pub outbound: OutboundAccess,
    /// Bounds on captured output.
    pub capture: CaptureLimits,
    /// How long instantiation may run (component start functions).
    pub start_timeout: Duration,
    /// The function's code folder (`CodeUri`), mounted read-only at `/code`
    /// for language engines; `None` grants no filesystem at all.
    pub code_dir: Option<PathBuf>,
}

/// A component ready to instantiate. Cheap to clone.
#[derive(Clone)]
pub struct PreparedComponent(Arc<Prepared>);

struct Prepared {
    path: PathBuf,
    digest: String,
    kind: FunctionKind,
    cache_outcome: CacheOutcome,
    exports: PreparedExports,
}

enum PreparedExports {
    Event {
        pre: InstancePre<HostState>,
        handler: HandlerIndices,
        initializer: Option<InitializerIndices>,
    },
    Http(ProxyPre<HostState>),
    Language {
        pre: InstancePre<HostState>,
        engine: EngineIndices,
    },
}

impl PreparedComponent {
    pub(crate) fn new(
        path: &Path,
        digest: String,
        kind: FunctionKind,
        cache_outcome: CacheOutcome,
        pre: InstancePre<HostState>,
    ) -> Result<Self, EngineError> {
        let link_error = |e| EngineError::Link {
            path: path.to_owned(),
            source: boxed(e),
        };
        let exports = match kind {
            FunctionKind::Event { has_initializer } => PreparedExports::Event {
                handler: HandlerIndices::new(&pre).map_err(link_error)?,
                initializer: if has_initializer {
                    Some(InitializerIndices::new(&pre).map_err(link_error)?)
                } else {
                    None
                },
                pre,
            },
            FunctionKind::Http => PreparedExports::Http(ProxyPre::new(pre).map_err(link_error)?),
            FunctionKind::Language => PreparedExports::Language {
                engine: EngineIndices::new(&pre).map_err(link_error)?,
                pre,
            },
        };
        Ok(PreparedComponent(Arc::new(Prepared {
            path: path.to_owned(),
            digest,
            kind,
            cache_outcome,
            exports,
        })))
    }

    /// The component file.
    pub fn path(&self) -> &Path {
        &self.0.path
    }

    /// SHA-256 of the component's bytes, hex.
    pub fn digest(&self) -> &str {
        &self.0.digest
    }

    /// Event or HTTP function.
    pub fn kind(&self) -> FunctionKind {
        self.0.kind
    }

    /// Whether the compiled code came from the on-disk cache.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.0.cache_outcome
    }

    fn engine(&self) -> &Engine {
        match &self.0.exports {
            PreparedExports::Event { pre, .. } => pre.engine(),
            PreparedExports::Http(pre) => pre.engine(),
            PreparedExports::Language { pre, .. } => pre.engine(),
        }
    }

    /// Starts a new instance with its own store, memory cap, environment and
    /// log capture. WASI grants no sockets, and no filesystem but the
    /// read-only `/code` of a language engine.
    pub async fn instantiate(
        &self,
        settings: &InstanceSettings,
    ) -> Result<FunctionInstance, EngineError> {
        let capture = LogCapture::new(settings.capture);
        let instantiate_error = |e: wasmtime::Error| {
            if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
                .is_some()
            {
                EngineError::PoolFull {
                    path: self.0.path.clone(),
                    source: boxed(e),
                }
            } else {
                EngineError::Instantiate {
                    path: self.0.path.clone(),
                    source: boxed(e),
                }
            }
        };
        let mut wasi = WasiCtxBuilder::new();
        wasi.envs(&settings.environment)
            .stdout(CaptureStream::new(capture.clone(), LineSource::Stdout))
            .stderr(CaptureStream::new(capture.clone(), LineSource::Stderr))
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        let code = settings.code_dir.clone().map(CodeMount::new);
        if let Some(code) = &code {
            wasi.preopened_dir(code.root(), CODE_MOUNT, FsPerms::ReadOnly)
                .map_err(|error| {
                    instantiate_error(error.context(format!(
                        "cannot mount the function's code {} at {CODE_MOUNT}",
                        code.root().display()
                    )))
                })?;
        }
        let wasi = wasi.build();
        let state = HostState {
            wasi,
            http: WasiHttpCtx::new(),
            table: Default::default(),
            outbound: OutboundPolicy::new(settings.outbound.clone(), capture.clone()),
            limiter: MemoryLimiter::new(settings.memory_limit_bytes),
            deadline: Some(Instant::now() + settings.start_timeout),
            code,
            environment: settings.environment.clone(),
        };
        let mut store = Store::new(self.engine(), state);
        store.limiter(|state| &mut state.limiter);
        store.epoch_deadline_callback(|store| match store.data().deadline {
            Some(deadline) if Instant::now() >= deadline => Ok(UpdateDeadline::Interrupt),
            // Let other tasks run every tick; a busy guest never hogs a thread.
            _ => Ok(UpdateDeadline::Yield(1)),
        });
        store.set_epoch_deadline(1);

        let exports = match &self.0.exports {
            PreparedExports::Event {
                pre,
                handler,
                initializer,
            } => {
                let instance = pre
                    .instantiate_async(&mut store)
                    .await
                    .map_err(instantiate_error)?;
                let handler = handler
                    .load(&mut store, &instance)
                    .map_err(instantiate_error)?;
                let initializer = match initializer {
                    Some(indices) => Some(
                        indices
                            .load(&mut store, &instance)
                            .map_err(instantiate_error)?,
                    ),
                    None => None,
                };
                InstanceExports::Event {
                    handler,
                    initializer,
                }
            }
            PreparedExports::Http(pre) => InstanceExports::Http(
                pre.instantiate_async(&mut store)
                    .await
                    .map_err(instantiate_error)?,
            ),
            PreparedExports::Language { pre, engine } => {
                let instance = pre
                    .instantiate_async(&mut store)
                    .await
                    .map_err(instantiate_error)?;
                InstanceExports::Language(
                    engine
                        .load(&mut store, &instance)
                        .map_err(instantiate_error)?,
                )
            }
        };
        store.data_mut().deadline = None;
        Ok(FunctionInstance::new(store, exports, capture, self.clone()))
    }
}

/// Reads a component's exports to decide how to call it.
pub(crate) fn classify(
    path: &Path,
    engine: &Engine,
    component: &Component,
) -> Result<FunctionKind, EngineError> {
    let exports: Vec<String> = component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    let has = |prefix: &str| exports.iter().any(|name| name.starts_with(prefix));
    if has(LANGUAGE_ENGINE) {
        return Ok(FunctionKind::Language);
    }
    match (has(EVENT_HANDLER), has(HTTP_HANDLER)) {
        (true, true) => Err(EngineError::AmbiguousRole {
            path: path.to_owned(),
        }),
        (true, false) => Ok(FunctionKind::Event {
            has_initializer: has(EVENT_INITIALIZER),
        }),
        (false, true) => Ok(FunctionKind::Http),
        (false, false) => Err(EngineError::UnknownRole {
            path: path.to_owned(),
            exports,
        }),
    }
}
