//! Which `fclocal` executable goes into a package.
//!
//! FC's custom runtime runs `bootstrap` on its own Debian image, whose glibc
//! may be older than the one fclocal was built against, so the packaged
//! binary must not depend on the system's dynamic loader: it must be
//! statically linked (the `x86_64-unknown-linux-musl` target). This module
//! finds one and tells a static executable from a dynamic one by its ELF
//! program headers (a dynamic executable names its loader in `PT_INTERP`).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

/// The musl target the package's binary is built for.
pub const MUSL_TARGET: &str = "x86_64-unknown-linux-musl";

/// The `fclocal` to package: `explicit` when given (a dynamic one only with a
/// warning), else
/// this executable when it is static, else the musl build next to this
/// executable's cargo target directory (`target/x86_64-unknown-linux-musl/
/// release/fclocal`), else an error saying how to build one.
pub fn packaged_fclocal(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        // A dynamic binary still serves a package run on this machine (the
        // tests play FC's front end locally); FC itself needs a static one.
        if !is_static_executable(path)? {
            crate::output::status(&format!(
                "warning: {} is dynamically linked: the package runs on this machine, but FC's custom runtime needs a static fclocal (`cargo build --release --target {MUSL_TARGET}`)",
                path.display()
            ));
        }
        return Ok(path.to_owned());
    }
    let current = std::env::current_exe().context("cannot find the running fclocal executable")?;
    if is_static_executable(&current).unwrap_or(false) {
        return Ok(current);
    }
    // target/{debug,release}/fclocal -> target/<musl>/release/fclocal
    if let Some(target_dir) = current.parent().and_then(Path::parent) {
        let musl = target_dir.join(MUSL_TARGET).join("release").join("fclocal");
        if musl.is_file() && is_static_executable(&musl).unwrap_or(false) {
            return Ok(musl);
        }
    }
    bail!(
        "this fclocal ({}) is dynamically linked, and FC's custom runtime needs a statically linked one in the package: build it with `cargo build --release --target {MUSL_TARGET}` (needs Debian's musl-tools) and run `fclocal package` again, or pass --fclocal-binary PATH",
        current.display()
    )
}

/// Whether `path` is an ELF executable without a `PT_INTERP` header (no
/// dynamic loader: statically linked). Not an ELF file is an error.
pub fn is_static_executable(path: &Path) -> anyhow::Result<bool> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    elf_has_interpreter(&bytes)
        .map(|dynamic| !dynamic)
        .with_context(|| format!("{} is not an x86-64 ELF executable", path.display()))
}

/// `PT_INTERP` in a little-endian x86-64 ELF64 image's program headers;
/// `None` when the bytes are not one.
fn elf_has_interpreter(bytes: &[u8]) -> Option<bool> {
    const PT_INTERP: u32 = 3;
    /// `e_machine` of x86-64: FC's custom runtimes run on x86-64 only.
    const EM_X86_64: u16 = 62;
    if bytes.get(0..4)? != b"\x7fELF" || *bytes.get(4)? != 2 || *bytes.get(5)? != 1 {
        return None;
    }
    let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let u64_at = |at: usize| Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?));
    if u16_at(0x12)? != EM_X86_64 {
        return None;
    }
    let table = usize::try_from(u64_at(0x20)?).ok()?;
    let entry_size = usize::from(u16_at(0x36)?);
    let entries = usize::from(u16_at(0x38)?);
    for index in 0..entries {
        let at = table.checked_add(index.checked_mul(entry_size)?)?;
        let kind = u32::from_le_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?);
        if kind == PT_INTERP {
            return Some(true);
        }
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_binary_is_dynamic_and_garbage_is_not_elf() {
        let current = std::env::current_exe().unwrap();
        // Test binaries are built for the host's glibc target.
        assert!(!is_static_executable(&current).unwrap());
        assert_eq!(elf_has_interpreter(b"#!/bin/sh\n"), None);
        assert_eq!(elf_has_interpreter(b"\x7fELF"), None);
    }

    #[test]
    fn a_program_header_table_without_interp_is_static() {
        // A minimal ELF64 header with one PT_LOAD (1) program header.
        let mut image = vec![0u8; 64 + 56];
        image[0..4].copy_from_slice(b"\x7fELF");
        image[4] = 2;
        image[5] = 1;
        image[0x12..0x14].copy_from_slice(&62u16.to_le_bytes());
        image[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        image[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        image[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes());
        image[64..68].copy_from_slice(&1u32.to_le_bytes());
        assert_eq!(elf_has_interpreter(&image), Some(false));
        image[64..68].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(elf_has_interpreter(&image), Some(true));
        // An aarch64 image (183) is not one FC's custom runtime can run.
        image[0x12..0x14].copy_from_slice(&183u16.to_le_bytes());
        assert_eq!(elf_has_interpreter(&image), None);
    }
}
