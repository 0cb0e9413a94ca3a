//! The on-disk compile cache.
//!
//! Compiling a component with Cranelift takes tens to hundreds of
//! milliseconds; loading precompiled code is a file map. Entries are keyed by
//! the SHA-256 of the component's bytes and by a hash of everything in the
//! engine that affects generated code (wasmtime's own compatibility hash plus
//! its version), so a second process, or the same one after a restart, loads
//! precompiled code, and a changed component or engine never loads stale code.
//!
//! Entries are written to a temporary file and renamed into place, so a
//! concurrent reader never sees half a file. A corrupt or incompatible entry
//! is recompiled and replaced.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

/// Whether a load was served from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded precompiled code from disk.
    Hit,
    /// Compiled now (and stored, if a cache directory is configured).
    Compiled,
}

pub(crate) struct CompileCache {
    dir: PathBuf,
    engine_key: String,
}

impl CompileCache {
    pub(crate) fn new(dir: &Path, engine: &Engine) -> Self {
        // `DefaultHasher::new()` uses fixed keys, so the key is stable across
        // processes of the same build; a different build may compute another
        // key, which only costs a recompile.
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        CompileCache {
            dir: dir.to_owned(),
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    fn entry_path(&self, digest: &str) -> PathBuf {
        self.dir
            .join(format!("{}-{}.cwasm", &digest[..32], self.engine_key))
    }

    /// Loads the compiled form of `bytes`, compiling and storing it on a miss.
    pub(crate) fn load_or_compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
        digest: &str,
    ) -> wasmtime::Result<(Component, CacheOutcome)> {
        let path = self.entry_path(digest);
        if path.is_file() {
            // SAFETY: the file is a `Component::serialize` output written by
            // this cache (atomically, via rename) into fclocal's own data
            // directory, and wasmtime checks its header and engine
            // compatibility before use. A user who edits `.fclocal/cache` by
            // hand can break this, as with any JIT cache.
            #[allow(unsafe_code, reason = "loading our own precompiled code")]
            let loaded = unsafe { Component::deserialize_file(engine, &path) };
            match loaded {
                Ok(component) => return Ok((component, CacheOutcome::Hit)),
                Err(error) => tracing::warn!(
                    path = %path.display(),
                    "discarding unusable compile-cache entry: {error}"
                ),
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Err(error) = self.store(&path, &component) {
            tracing::warn!(
                path = %path.display(),
                "cannot write the compile cache; the next run compiles again: {error}"
            );
        }
        Ok((component, CacheOutcome::Compiled))
    }

    fn store(&self, path: &Path, component: &Component) -> std::io::Result<()> {
        let serialized = component
            .serialize()
            .map_err(|error| std::io::Error::other(error.to_string()))?;
        std::fs::create_dir_all(&self.dir)?;
        let temp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&temp, serialized)?;
        std::fs::rename(&temp, path)
    }
}
