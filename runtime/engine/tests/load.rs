//! Loading components: roles read from exports, clear errors for files that
//! are not components, and the on-disk compile cache.

mod common;

use std::path::Path;

use fclocal_engine::{CacheOutcome, EngineConfig, EngineError, FunctionKind, PoolingMode, Runtime};

#[test]
fn roles_come_from_the_exports() {
    let runtime = common::runtime();
    assert_eq!(
        common::load(&runtime, "hello").kind(),
        FunctionKind::Event {
            has_initializer: true
        }
    );
    assert_eq!(
        common::load(&runtime, "echo-http").kind(),
        FunctionKind::Http
    );
}

fn load_bytes(bytes: &[u8]) -> EngineError {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.wasm");
    std::fs::write(&path, bytes).unwrap();
    match common::runtime().load(&path) {
        Ok(_) => panic!("{bytes:?} must not load"),
        Err(error) => error,
    }
}

#[test]
fn a_text_file_is_not_webassembly() {
    let error = load_bytes(b"hello world").to_string();
    assert!(error.contains("is not a WebAssembly component"), "{error}");
    assert!(error.contains("not WebAssembly at all"), "{error}");
}

#[test]
fn a_core_module_is_told_to_build_for_wasip2() {
    // The smallest valid core module: magic and version 1.
    let error = load_bytes(b"\0asm\x01\0\0\0").to_string();
    assert!(error.contains("core WebAssembly module"), "{error}");
    assert!(error.contains("wasm32-wasip2"), "{error}");
}

#[test]
fn a_missing_file_names_the_path() {
    let error = common::runtime()
        .load(Path::new("/nonexistent/fn.wasm"))
        .err()
        .expect("a missing file must not load");
    assert!(matches!(error, EngineError::Read { .. }));
    assert!(error.to_string().contains("/nonexistent/fn.wasm"));
}

#[test]
fn a_second_runtime_loads_precompiled_code_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let config = EngineConfig {
        cache_dir: Some(cache.path().to_owned()),
        pooling: PoolingMode::Never,
        ..EngineConfig::default()
    };
    let hello = fclocal_test_support::guest("hello");
    let first = Runtime::new(config.clone()).unwrap().load(&hello).unwrap();
    assert_eq!(first.cache_outcome(), CacheOutcome::Compiled);
    let second = Runtime::new(config.clone()).unwrap().load(&hello).unwrap();
    assert_eq!(second.cache_outcome(), CacheOutcome::Hit);
    assert_eq!(first.digest(), second.digest());

    // A corrupt entry is recompiled, not trusted. (Drop the loaded code
    // first: it maps the cache file, and truncating a mapped file in place
    // is exactly what the cache itself never does — it writes and renames.)
    drop((first, second));
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        std::fs::write(entry.unwrap().path(), b"garbage").unwrap();
    }
    let third = Runtime::new(config).unwrap().load(&hello).unwrap();
    assert_eq!(third.cache_outcome(), CacheOutcome::Compiled);
}

#[test]
fn pooling_can_be_turned_off() {
    let runtime = Runtime::new(EngineConfig {
        pooling: PoolingMode::Never,
        ..EngineConfig::default()
    })
    .unwrap();
    assert!(!runtime.uses_pooling());
}
