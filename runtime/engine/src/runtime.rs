//! The [`Runtime`]: one wasmtime engine, its linker, the compile cache and the
//! epoch ticker, shared by every function of an app.

use std::path::Path;
use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::cache::{CompileCache, Loaded, load_component};
use crate::config::{EngineConfig, PoolingMode};
use crate::epoch::EpochTicker;
use crate::error::{EngineError, boxed};
use crate::host::HostState;
use crate::prepared::{PreparedComponent, classify};

/// Compiles, caches and prepares components; creates instances.
pub struct Runtime {
    engine: Engine,
    linker: Arc<Linker<HostState>>,
    cache: Option<CompileCache>,
    pooling: bool,
    config: EngineConfig,
    // Declared last: stops the ticker thread after everything else is dropped.
    _ticker: EpochTicker,
}

impl Runtime {
    /// Creates the engine. With [`PoolingMode::Auto`] it tries the pooling
    /// allocator first and falls back to on-demand allocation where the
    /// machine lacks the address space (small VMs, 39-bit address spaces).
    pub fn new(config: EngineConfig) -> Result<Self, EngineError> {
        let (engine, pooling) = match config.pooling {
            PoolingMode::Never => (new_engine(&config, false)?, false),
            PoolingMode::Always => (new_engine(&config, true)?, true),
            PoolingMode::Auto => match new_engine(&config, true) {
                Ok(engine) => (engine, true),
                Err(error) => {
                    tracing::info!(
                        "pooling allocator unavailable, allocating instances on demand: {}",
                        error_chain(&error)
                    );
                    (new_engine(&config, false)?, false)
                }
            },
        };
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| EngineError::Engine(boxed(e)))?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(|e| EngineError::Engine(boxed(e)))?;
        crate::lang_bindings::fclocal::function::engine_host::add_to_linker::<_, HasSelf<_>>(
            &mut linker,
            |state| state,
        )
        .map_err(|e| EngineError::Engine(boxed(e)))?;
        let cache = config
            .cache_dir
            .as_deref()
            .map(|dir| CompileCache::new(dir, &engine));
        let ticker = EpochTicker::start(&engine, config.epoch_tick)
            .map_err(|e| EngineError::Engine(Box::new(e)))?;
        Ok(Runtime {
            engine,
            linker: Arc::new(linker),
            cache,
            pooling,
            config,
            _ticker: ticker,
        })
    }

    /// Whether instances come from the pooling allocator.
    pub fn uses_pooling(&self) -> bool {
        self.pooling
    }

    /// The configuration the runtime was created with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Loads a component file: checks it is a component, compiles it (or
    /// loads it from the cache), works out whether it is an event or an HTTP
    /// function, and links it once so instances start fast.
    pub fn load(&self, path: &Path) -> Result<PreparedComponent, EngineError> {
        self.load_cached(path, self.cache.as_ref())
    }

    /// Like [`Runtime::load`], for a component shared by every project on
    /// the machine (a language engine): its compiled code is cached in
    /// `cache_dir` beside it rather than in the project's cache, so a new
    /// project loads it precompiled instead of spending seconds in Cranelift.
    pub fn load_shared(
        &self,
        path: &Path,
        cache_dir: &Path,
    ) -> Result<PreparedComponent, EngineError> {
        let cache = CompileCache::new(cache_dir, &self.engine);
        self.load_cached(path, Some(&cache))
    }

    fn load_cached(
        &self,
        path: &Path,
        cache: Option<&CompileCache>,
    ) -> Result<PreparedComponent, EngineError> {
        let Loaded {
            component,
            outcome: cache_outcome,
            digest,
        } = load_component(&self.engine, path, cache)?;
        let kind = classify(path, &self.engine, &component)?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| EngineError::Link {
                path: path.to_owned(),
                source: boxed(e),
            })?;
        PreparedComponent::new(path, digest, kind, cache_outcome, pre)
    }
}

fn new_engine(config: &EngineConfig, pooling: bool) -> Result<Engine, EngineError> {
    let mut wasm = Config::new();
    wasm.wasm_component_model(true)
        .epoch_interruption(true)
        .memory_init_cow(true)
        .parallel_compilation(true);
    if pooling {
        wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool_for(
            config.max_instances.max(1),
        )));
    }
    Engine::new(&wasm).map_err(|e| EngineError::Engine(boxed(e)))
}

/// Core instances, memories and tables one pool slot allows for: enough for
/// the largest component fclocal runs (a language engine).
const CORE_INSTANCES_PER_SLOT: u32 = 32;
const MEMORIES_PER_SLOT: u32 = 4;
const TABLES_PER_SLOT: u32 = 32;

/// An instance pool holding `slots` components at once (functions and
/// chaincode size theirs differently).
pub(crate) fn pool_for(slots: u32) -> PoolingAllocationConfig {
    let mut pool = PoolingAllocationConfig::new();
    // A Rust component holds a few core instances (its module plus adapter
    // shims); a language engine many more (componentize-py's holds ~14, with
    // several memories and tables). Size the pool so `slots` of the largest
    // fit: a full pool would refuse instances that the instance cap allows.
    pool.total_component_instances(slots)
        .total_core_instances(slots.saturating_mul(CORE_INSTANCES_PER_SLOT))
        .total_memories(slots.saturating_mul(MEMORIES_PER_SLOT))
        .total_tables(slots.saturating_mul(TABLES_PER_SLOT))
        .total_stacks(slots)
        .table_elements(100_000)
        .max_memory_size(4 << 30)
        // Reset small instances with memset rather than madvise: cheaper
        // than a page fault per touched page on every instantiation.
        .linear_memory_keep_resident(2 << 20)
        .table_keep_resident(512 << 10);
    pool
}

/// Tells a component from a core module, a precompiled artifact or not-wasm,
/// so the error says how to fix it.
pub(crate) fn check_header(path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
    let not_a_component = |reason: &str| EngineError::NotAComponent {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    if bytes.starts_with(b"\x7fELF") {
        return Err(not_a_component(
            "it is a precompiled artifact; point Handler at the original .wasm component",
        ));
    }
    if !bytes.starts_with(b"\0asm") || bytes.len() < 8 {
        return Err(not_a_component(
            "it is not WebAssembly at all; build the function crate with `fclocal build`, which produces a component",
        ));
    }
    if bytes[4..8] == [1, 0, 0, 0] {
        return Err(not_a_component(
            "it is a core WebAssembly module; build for the wasm32-wasip2 target, which produces components, or wrap it with `wasm-tools component new`",
        ));
    }
    Ok(())
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
