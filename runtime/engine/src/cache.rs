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
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::error::{EngineError, boxed};

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

    /// Loads the precompiled code stored for `digest`, if there is usable code.
    fn load(&self, engine: &Engine, digest: &str) -> Option<Component> {
        let path = self.entry_path(digest);
        if !path.is_file() {
            return None;
        }
        // SAFETY: the file is a `Component::serialize` output written by
        // this cache (atomically, via rename) into fclocal's own data
        // directory, and wasmtime checks its header and engine
        // compatibility before use. A user who edits `.fclocal/cache` by
        // hand can break this, as with any JIT cache.
        #[allow(unsafe_code, reason = "loading our own precompiled code")]
        let loaded = unsafe { Component::deserialize_file(engine, &path) };
        match loaded {
            Ok(component) => Some(component),
            Err(error) => {
                tracing::warn!(
                    path = %path.display(),
                    "discarding unusable compile-cache entry: {error}"
                );
                None
            }
        }
    }

    /// Stores `component`, compiled from bytes hashing to `digest`; a
    /// failure only costs a compile on the next run.
    fn store_logged(&self, digest: &str, component: &Component) {
        let path = self.entry_path(digest);
        if let Err(error) = self.store(&path, component) {
            tracing::warn!(
                path = %path.display(),
                "cannot write the compile cache; the next run compiles again: {error}"
            );
        }
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

/// A loaded component: its compiled code, whether that came from the cache,
/// and the SHA-256 (hex) of the component file it was compiled from.
pub(crate) struct Loaded {
    pub(crate) component: Component,
    pub(crate) outcome: CacheOutcome,
    pub(crate) digest: String,
}

/// Loads the component file at `path`: from `cache` when it holds code for
/// the file's bytes, else compiled now (and stored in `cache`).
///
/// A hit never holds the file in memory: it is hashed in chunks, and the
/// code is mapped from the cache entry. Language engines are 20-30 MB
/// components; reading one whole just to hash it left a freed 32 MiB
/// buffer in the allocator, resident until jemalloc's decay returned it
/// ~10 s later, so `fclocal start` with both engines peaked ~58 MB above
/// where it settled. Only a miss, which compiles anyway, reads the file
/// whole, and hashes those very bytes again, so the entry matches the code
/// even if the file changed in between.
pub(crate) fn load_component(
    engine: &Engine,
    path: &Path,
    cache: Option<&CompileCache>,
) -> Result<Loaded, EngineError> {
    let read_error = |source| EngineError::Read {
        path: path.to_owned(),
        source,
    };
    if let Some(cache) = cache {
        let (head, digest) = hash_file(path).map_err(read_error)?;
        crate::runtime::check_header(path, &head)?;
        if let Some(component) = cache.load(engine, &digest) {
            return Ok(Loaded {
                component,
                outcome: CacheOutcome::Hit,
                digest,
            });
        }
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    crate::runtime::check_header(path, &bytes)?;
    let digest = hex::encode(Sha256::digest(&bytes));
    let component = Component::new(engine, &bytes).map_err(|e| EngineError::Compile {
        path: path.to_owned(),
        source: boxed(e),
    })?;
    if let Some(cache) = cache {
        cache.store_logged(&digest, &component);
    }
    Ok(Loaded {
        component,
        outcome: CacheOutcome::Compiled,
        digest,
    })
}

/// The file's first bytes (up to 8, for [`crate::runtime::check_header`])
/// and the SHA-256 of all of it, hex, read in 64 KiB chunks.
fn hash_file(path: &Path) -> std::io::Result<(Vec<u8>, String)> {
    const HEADER: usize = 8;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(HEADER);
    let mut buffer = vec![0u8; 64 << 10];
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        let chunk = &buffer[..read];
        let missing = HEADER - head.len();
        head.extend_from_slice(&chunk[..missing.min(read)]);
        hasher.update(chunk);
    }
    Ok((head, hex::encode(hasher.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_in_chunks_matches_hashing_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        // Several chunks and a partial one, so chunk boundaries are crossed.
        let bytes: Vec<u8> = (0..200_003u32).map(|i| (i % 251) as u8).collect();
        let path = dir.path().join("big.wasm");
        std::fs::write(&path, &bytes).unwrap();
        let (head, digest) = hash_file(&path).unwrap();
        assert_eq!(head, bytes[..8]);
        assert_eq!(digest, hex::encode(Sha256::digest(&bytes)));

        let short = dir.path().join("short.wasm");
        std::fs::write(&short, b"\0asm").unwrap();
        let (head, digest) = hash_file(&short).unwrap();
        assert_eq!(head, b"\0asm");
        assert_eq!(digest, hex::encode(Sha256::digest(b"\0asm")));
    }
}
