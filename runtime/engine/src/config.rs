//! How the engine is set up.

use std::path::PathBuf;
use std::time::Duration;

/// Settings for a [`Runtime`](crate::Runtime). The defaults suit a laptop.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Where compiled components are cached (`.fclocal/cache`); `None` keeps
    /// nothing on disk and compiles on every start.
    pub cache_dir: Option<PathBuf>,
    /// Whether instances come from wasmtime's pooling allocator.
    pub pooling: PoolingMode,
    /// The most instances alive at once when pooling (slots in the pool).
    pub max_instances: u32,
    /// The epoch tick: how often a running guest may yield, and how precise
    /// timeouts are.
    pub epoch_tick: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            cache_dir: None,
            pooling: PoolingMode::Auto,
            max_instances: 256,
            epoch_tick: Duration::from_millis(10),
        }
    }
}

/// Whether to use the pooling allocator (fast instantiation with
/// copy-on-write memory images) or allocate each instance on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolingMode {
    /// Pool when the machine has the address space for it, else on demand.
    Auto,
    /// Always pool; fail if the pool cannot be reserved.
    Always,
    /// Never pool.
    Never,
}
