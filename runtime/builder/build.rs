//! Embeds the language engines' sources (`engines/<language>/`) and the WIT
//! contracts (`../wit/`) in the builder, so an installed `fclocal` can build
//! its Node.js and Python engines on any machine without the repository.
//!
//! Writes `OUT_DIR/engine_sources.rs`: one `&[(path, bytes)]` const per
//! engine and one for the WIT files, paths relative to their folder, sorted
//! so the engines' digests are stable.

use std::path::{Path, PathBuf};

/// Folders and files never embedded: installed packages, caches, builds,
/// and the engines' READMEs (for their maintainers, not inputs of a build).
const SKIPPED: [&str; 6] = [
    "README.md",
    "node_modules",
    ".venv",
    "__pycache__",
    "target",
    ".pytest_cache",
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let mut code = String::new();
    // The WIT folder's own files only: `chaincode/` is another package.
    for (name, dir, recursive) in [
        ("NODE_ENGINE", manifest.join("engines/node"), true),
        ("PYTHON_ENGINE", manifest.join("engines/python"), true),
        ("WIT", manifest.join("../wit"), false),
    ] {
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files = Vec::new();
        collect(&dir, &dir, recursive, &mut files);
        files.sort();
        code.push_str(&format!("pub(crate) const {name}: &[(&str, &[u8])] = &[\n"));
        for (relative, absolute) in files {
            println!("cargo:rerun-if-changed={}", absolute.display());
            code.push_str(&format!(
                "    ({relative:?}, include_bytes!({:?})),\n",
                absolute.display().to_string()
            ));
        }
        code.push_str("];\n");
    }
    std::fs::write(out.join("engine_sources.rs"), code).expect("OUT_DIR is writable");
}

fn collect(root: &Path, dir: &Path, recursive: bool, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if SKIPPED.contains(&name.as_str()) || name.ends_with(".wasm") || name.ends_with(".pyc") {
            continue;
        }
        if path.is_dir() {
            if recursive {
                println!("cargo:rerun-if-changed={}", path.display());
                collect(root, &path, recursive, files);
            }
        } else if let Ok(relative) = path.strip_prefix(root) {
            files.push((relative.to_string_lossy().replace('\\', "/"), path));
        }
    }
}
