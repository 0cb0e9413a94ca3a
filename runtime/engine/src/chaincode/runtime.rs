//! [`ChaincodeRuntime`]: a second wasmtime engine, for chaincode only.
//!
//! Chaincode must behave the same on every endorsing peer, so this engine
//! meters with **fuel** (deterministic: a runaway loop fails after the same
//! number of instructions everywhere) instead of the function engine's epoch
//! interruption (timing-based), and canonicalises NaNs. Fuel is compiled
//! into the code, hence a separate engine (and separate cache entries: the
//! cache key includes the engine's settings). Every call gets a fresh
//! instance, so no state leaks from one transaction into the next.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, Store, StoreLimitsBuilder, Trap,
};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

use super::bindings::{Chaincode, ChaincodePre};
use super::determinism::{StoppedClock, TxWallClock, insecure_seed, rng};
use super::host::ChaincodeHost;
use super::state::ChaincodeState;
use crate::cache::{CacheOutcome, CompileCache, Loaded, load_component};
use crate::error::{BoxError, EngineError, boxed};

/// Limits of one chaincode call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChaincodeLimits {
    /// Fuel units (about one per WebAssembly instruction).
    pub fuel: u64,
    /// The most linear memory the instance may use.
    pub memory_bytes: usize,
    /// The most stdout + stderr output kept; more traps the call.
    pub output_bytes: usize,
}

impl Default for ChaincodeLimits {
    /// 500 M fuel (a Marbles call uses well under 1 M), 64 MiB, 64 KiB of output.
    fn default() -> Self {
        ChaincodeLimits {
            fuel: 500_000_000,
            memory_bytes: 64 << 20,
            output_bytes: 64 << 10,
        }
    }
}

/// Which export to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChaincodeCall {
    /// `init(args)`.
    Init(Vec<String>),
    /// `invoke(function, args)`.
    Invoke {
        /// The chaincode function, e.g. `set_owner`.
        function: String,
        /// Its string arguments.
        args: Vec<String>,
    },
}

/// What the chaincode answered (Fabric's `Response`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaincodeResponse {
    /// 200 OK; 400 and above are errors.
    pub status: u32,
    /// The error message, if any.
    pub message: String,
    /// The result bytes.
    pub payload: Vec<u8>,
}

/// A finished call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaincodeOutcome {
    /// The chaincode's answer.
    pub response: ChaincodeResponse,
    /// Fuel the call used.
    pub fuel_used: u64,
    /// What it printed (stdout, then stderr).
    pub output: String,
}

/// Why a call produced no answer. The transaction fails; nothing else does.
#[derive(Debug, thiserror::Error)]
pub enum ChaincodeError {
    /// The call used its whole fuel budget: an endless loop, or too much work.
    #[error(
        "chaincode {} ran out of fuel after {budget} units (an endless loop, or more work than one transaction may do)",
        path.display()
    )]
    OutOfFuel {
        /// The component.
        path: PathBuf,
        /// The budget it had.
        budget: u64,
    },
    /// The chaincode trapped: a panic, an out-of-bounds access, too much memory or output.
    #[error("chaincode {} failed: {message}", path.display())]
    Trap {
        /// The component.
        path: PathBuf,
        /// What happened, with the guest's last output line if any.
        message: String,
    },
    /// The instance could not start.
    #[error("cannot start chaincode {}", path.display())]
    Instantiate {
        /// The component.
        path: PathBuf,
        /// wasmtime's error.
        #[source]
        source: BoxError,
    },
}

/// The most chaincode calls that may run at once on one [`ChaincodeRuntime`]
/// (its instance pool's size). Hosts bound their concurrency by it; a call
/// beyond it fails to instantiate rather than waiting.
pub const MAX_CONCURRENT_CALLS: u32 = 32;

fn chaincode_config(pooling: bool) -> Config {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .consume_fuel(true)
        .cranelift_nan_canonicalization(true)
        .memory_init_cow(true)
        .parallel_compilation(true);
    if pooling {
        let mut pool = crate::runtime::pool_for(MAX_CONCURRENT_CALLS);
        // Every call gets a fresh instance, and resetting its slot used to
        // memset the whole resident part of its linear memory (the guest's
        // 1 MiB stack included) although a call touches a few pages: with the
        // kernel's PAGEMAP_SCAN (Linux 6.7+) only the pages the call wrote are
        // restored from the image. Elsewhere it falls back to the memset.
        pool.pagemap_scan(Enabled::Auto);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

/// Compiles and runs chaincode components.
pub struct ChaincodeRuntime {
    engine: Engine,
    linker: Arc<Linker<ChaincodeState>>,
    cache: Option<CompileCache>,
}

impl ChaincodeRuntime {
    /// A runtime caching compiled chaincode in `cache_dir` (if given).
    pub fn new(cache_dir: Option<&Path>) -> Result<ChaincodeRuntime, EngineError> {
        // Pooled instances first: a fresh instance per call must not cost an
        // mmap/munmap pair (and its TLB shootdown) each time. Where the
        // address space for the pool cannot be reserved, allocate on demand.
        let engine = match Engine::new(&chaincode_config(true)) {
            Ok(engine) => engine,
            Err(error) => {
                tracing::debug!(
                    "chaincode instance pooling unavailable ({error}); allocating on demand"
                );
                Engine::new(&chaincode_config(false)).map_err(|e| EngineError::Engine(boxed(e)))?
            }
        };
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| EngineError::Engine(boxed(e)))?;
        Chaincode::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(|e| EngineError::Engine(boxed(e)))?;
        let cache = cache_dir.map(|dir| CompileCache::new(dir, &engine));
        Ok(ChaincodeRuntime {
            engine,
            linker: Arc::new(linker),
            cache,
        })
    }

    /// Loads a chaincode component (compiled once, or from the cache).
    pub fn load(&self, path: &Path) -> Result<PreparedChaincode, EngineError> {
        let Loaded {
            component,
            outcome: cache_outcome,
            digest,
        } = load_component(&self.engine, path, self.cache.as_ref())?;
        let link_error = |e| EngineError::Link {
            path: path.to_owned(),
            source: boxed(e),
        };
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(link_error)?;
        let pre = ChaincodePre::new(pre).map_err(link_error)?;
        Ok(PreparedChaincode(Arc::new(Prepared {
            path: path.to_owned(),
            digest,
            cache_outcome,
            pre,
        })))
    }
}

/// A chaincode component ready to run. Cheap to clone.
#[derive(Clone)]
pub struct PreparedChaincode(Arc<Prepared>);

struct Prepared {
    path: PathBuf,
    digest: String,
    cache_outcome: CacheOutcome,
    pre: ChaincodePre<ChaincodeState>,
}

impl PreparedChaincode {
    /// The component file.
    pub fn path(&self) -> &Path {
        &self.0.path
    }

    /// SHA-256 of the component's bytes, hex: the chaincode's identity.
    pub fn digest(&self) -> &str {
        &self.0.digest
    }

    /// Whether the compiled code came from the on-disk cache.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.0.cache_outcome
    }

    /// Runs one call in a fresh instance with `host` answering the stub, and
    /// hands `host` back (it holds the read/write set) with the result.
    pub fn call<H: ChaincodeHost>(
        &self,
        host: H,
        call: &ChaincodeCall,
        limits: ChaincodeLimits,
    ) -> (H, Result<ChaincodeOutcome, ChaincodeError>) {
        let (host, outcome) = self.call_boxed(Box::new(host), call, limits);
        let host: Box<dyn std::any::Any> = host;
        match host.downcast::<H>() {
            Ok(host) => (*host, outcome),
            // `call_boxed` returns the box it was given, so this cannot happen.
            Err(_) => unreachable!("the chaincode store returned another host than it was given"),
        }
    }

    /// [`PreparedChaincode::call`] for a host already boxed.
    pub fn call_boxed(
        &self,
        host: Box<dyn ChaincodeHost>,
        call: &ChaincodeCall,
        limits: ChaincodeLimits,
    ) -> (
        Box<dyn ChaincodeHost>,
        Result<ChaincodeOutcome, ChaincodeError>,
    ) {
        let tx_id = host.tx_id();
        let (seconds, nanos) = host.tx_timestamp();
        let since_epoch = Duration::new(u64::try_from(seconds).unwrap_or(0), nanos);
        let stdout = MemoryOutputPipe::new(limits.output_bytes);
        let stderr = MemoryOutputPipe::new(limits.output_bytes);
        let wasi = WasiCtxBuilder::new()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .wall_clock(TxWallClock(since_epoch))
            .monotonic_clock(StoppedClock)
            .secure_random(rng(&tx_id, "secure"))
            .insecure_random(rng(&tx_id, "insecure"))
            .insecure_random_seed(insecure_seed(&tx_id))
            .build();
        let state = ChaincodeState {
            wasi,
            table: Default::default(),
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory_bytes)
                .trap_on_grow_failure(true)
                .build(),
            host,
        };
        let mut store = Store::new(self.0.pre.engine(), state);
        store.limiter(|state| &mut state.limits);
        let result = store
            .set_fuel(limits.fuel)
            .map_err(|e| self.trap(e, &stderr))
            .and_then(|()| self.run(&mut store, call, limits.fuel, &stderr));
        let fuel_used = limits.fuel - store.get_fuel().unwrap_or(0);
        let host = store.into_data().host;
        let outcome = result.map(|response| ChaincodeOutcome {
            response,
            fuel_used,
            output: output_text(&stdout, &stderr),
        });
        (host, outcome)
    }

    fn run(
        &self,
        store: &mut Store<ChaincodeState>,
        call: &ChaincodeCall,
        budget: u64,
        stderr: &MemoryOutputPipe,
    ) -> Result<ChaincodeResponse, ChaincodeError> {
        let instance = self
            .0
            .pre
            .instantiate(&mut *store)
            .map_err(|e| self.classify(e, budget, stderr, true))?;
        let answer = match call {
            ChaincodeCall::Init(args) => instance.call_init(&mut *store, args),
            ChaincodeCall::Invoke { function, args } => {
                instance.call_invoke(&mut *store, function, args)
            }
        };
        let response = answer.map_err(|e| self.classify(e, budget, stderr, false))?;
        Ok(ChaincodeResponse {
            status: response.status,
            message: response.message,
            payload: response.payload,
        })
    }

    fn classify(
        &self,
        error: wasmtime::Error,
        budget: u64,
        stderr: &MemoryOutputPipe,
        instantiating: bool,
    ) -> ChaincodeError {
        if error.downcast_ref::<Trap>() == Some(&Trap::OutOfFuel) {
            return ChaincodeError::OutOfFuel {
                path: self.0.path.clone(),
                budget,
            };
        }
        if instantiating && error.downcast_ref::<Trap>().is_none() {
            return ChaincodeError::Instantiate {
                path: self.0.path.clone(),
                source: boxed(error),
            };
        }
        self.trap(error, stderr)
    }

    fn trap(&self, error: wasmtime::Error, stderr: &MemoryOutputPipe) -> ChaincodeError {
        let mut message = format!("{error:#}");
        let printed = String::from_utf8_lossy(&stderr.contents()).into_owned();
        if let Some(last) = printed.lines().rev().find(|line| !line.trim().is_empty()) {
            message.push_str(&format!(" (its last stderr line: {last})"));
        }
        ChaincodeError::Trap {
            path: self.0.path.clone(),
            message,
        }
    }
}

fn output_text(stdout: &MemoryOutputPipe, stderr: &MemoryOutputPipe) -> String {
    let mut text = String::from_utf8_lossy(&stdout.contents()).into_owned();
    text.push_str(&String::from_utf8_lossy(&stderr.contents()));
    text
}
