//! A function's code directory as a language engine sees it: FC mounts
//! `CodeUri` at `/code`, so engines ask for `/code/index.js` and fclocal
//! answers from the real folder, never from outside it.

use std::path::{Component, Path, PathBuf};

use crate::lang_bindings::EntryKind;

/// The guest path where the function's code appears, as on FC.
pub const CODE_MOUNT: &str = "/code";

/// Largest file an engine may read through `read-file` (FC's code package
/// limit is 500 MB unzipped; a single module above this is a mistake).
const MAX_FILE_BYTES: u64 = 64 << 20;

/// Most entries `read-dir` lists from one directory: enough for any code
/// folder (`node_modules` included), bounded so one call cannot build a huge
/// answer.
const MAX_DIR_ENTRIES: usize = 100_000;

/// `CodeUri` mounted at [`CODE_MOUNT`].
#[derive(Debug, Clone)]
pub(crate) struct CodeMount {
    root: PathBuf,
}

impl CodeMount {
    pub(crate) fn new(root: PathBuf) -> Self {
        CodeMount { root }
    }

    /// Maps a guest path (`/code/a/../b.js`) to the host file, or `None` when
    /// it leaves `/code`. Resolution is lexical, like a mount: `..` never
    /// climbs above the root, and symlinks inside the folder that point out
    /// of it are refused by [`CodeMount::inside`].
    fn host_path(&self, guest: &str) -> Option<PathBuf> {
        let relative = guest.strip_prefix(CODE_MOUNT)?;
        if !(relative.is_empty() || relative.starts_with('/')) {
            return None;
        }
        let mut parts: Vec<&str> = Vec::new();
        for part in Path::new(relative).components() {
            match part {
                Component::Normal(name) => parts.push(name.to_str()?),
                Component::ParentDir => {
                    parts.pop()?;
                }
                Component::CurDir | Component::RootDir => {}
                Component::Prefix(_) => return None,
            }
        }
        let mut path = self.root.clone();
        path.extend(parts);
        Some(path)
    }

    /// Whether `path`, with symlinks resolved, is still under the root.
    fn inside(&self, path: &Path) -> bool {
        match (path.canonicalize(), self.root.canonicalize()) {
            (Ok(real), Ok(root)) => real.starts_with(root),
            _ => false,
        }
    }

    pub(crate) fn read(&self, guest: &str) -> Result<Vec<u8>, String> {
        let path = self
            .host_path(guest)
            .filter(|path| self.inside(path))
            .ok_or_else(|| format!("ENOENT: no such file or directory, open '{guest}'"))?;
        let metadata = std::fs::metadata(&path)
            .map_err(|_| format!("ENOENT: no such file or directory, open '{guest}'"))?;
        if metadata.is_dir() {
            return Err(format!(
                "EISDIR: illegal operation on a directory, read '{guest}'"
            ));
        }
        if metadata.len() > MAX_FILE_BYTES {
            return Err(format!(
                "EFBIG: {guest} is {} MB; fclocal reads code files up to {} MB",
                metadata.len() >> 20,
                MAX_FILE_BYTES >> 20
            ));
        }
        std::fs::read(&path).map_err(|error| format!("cannot read '{guest}': {error}"))
    }

    /// The entries of a directory under the root, sorted by name, at most
    /// [`MAX_DIR_ENTRIES`] of them.
    pub(crate) fn read_dir(&self, guest: &str) -> Result<Vec<(String, EntryKind)>, String> {
        let path = self
            .host_path(guest)
            .filter(|path| self.inside(path))
            .ok_or_else(|| format!("ENOENT: no such file or directory, scandir '{guest}'"))?;
        let metadata = std::fs::metadata(&path)
            .map_err(|_| format!("ENOENT: no such file or directory, scandir '{guest}'"))?;
        if !metadata.is_dir() {
            return Err(format!("ENOTDIR: not a directory, scandir '{guest}'"));
        }
        let entries =
            std::fs::read_dir(&path).map_err(|error| format!("cannot list '{guest}': {error}"))?;
        let mut listed = Vec::new();
        for entry in entries.flatten() {
            if listed.len() == MAX_DIR_ENTRIES {
                return Err(format!(
                    "EMFILE: '{guest}' has more than {MAX_DIR_ENTRIES} entries; fclocal lists up to that many"
                ));
            }
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let entry_path = entry.path();
            if !self.inside(&entry_path) {
                continue;
            }
            let kind = match std::fs::metadata(&entry_path) {
                Ok(metadata) if metadata.is_dir() => EntryKind::Directory,
                Ok(metadata) if metadata.is_file() => EntryKind::File,
                _ => continue,
            };
            listed.push((name, kind));
        }
        listed.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(listed)
    }

    pub(crate) fn stat(&self, guest: &str) -> EntryKind {
        let Some(path) = self.host_path(guest).filter(|path| self.inside(path)) else {
            return EntryKind::Missing;
        };
        match std::fs::metadata(&path) {
            Ok(metadata) if metadata.is_dir() => EntryKind::Directory,
            Ok(metadata) if metadata.is_file() => EntryKind::File,
            _ => EntryKind::Missing,
        }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount() -> (tempfile::TempDir, CodeMount) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lib")).unwrap();
        std::fs::write(dir.path().join("index.js"), "exports.x = 1").unwrap();
        std::fs::write(dir.path().join("lib/a.js"), "a").unwrap();
        let mount = CodeMount::new(dir.path().to_owned());
        (dir, mount)
    }

    #[test]
    fn reads_files_under_code() {
        let (_dir, code) = mount();
        assert_eq!(code.read("/code/index.js").unwrap(), b"exports.x = 1");
        assert_eq!(code.read("/code/lib/../lib/./a.js").unwrap(), b"a");
        assert!(matches!(code.stat("/code/lib"), EntryKind::Directory));
        assert!(matches!(code.stat("/code"), EntryKind::Directory));
        assert!(matches!(code.stat("/code/index.js"), EntryKind::File));
        assert!(matches!(code.stat("/code/nope.js"), EntryKind::Missing));
    }

    #[test]
    fn refuses_paths_outside_code() {
        let (dir, code) = mount();
        std::fs::write(dir.path().parent().unwrap().join("secret.txt"), "s").ok();
        for path in [
            "/code/../secret.txt",
            "/code/../../etc/passwd",
            "/etc/passwd",
            "/codex/index.js",
            "relative.js",
        ] {
            assert!(code.read(path).is_err(), "{path} must be refused");
            assert!(matches!(code.stat(path), EntryKind::Missing), "{path}");
        }
        let error = code.read("/code/lib").unwrap_err();
        assert!(error.starts_with("EISDIR"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlinks_that_leave_code() {
        let (dir, code) = mount();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x.js"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("x.js"), dir.path().join("link.js"))
            .unwrap();
        assert!(code.read("/code/link.js").is_err());
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
        assert!(code.read_dir("/code/out").is_err());
        let names: Vec<String> = code
            .read_dir("/code")
            .unwrap()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(names, ["index.js", "lib"], "symlinks out are not listed");
    }

    #[test]
    fn lists_directories_under_code_sorted_with_kinds() {
        let (dir, code) = mount();
        std::fs::write(dir.path().join("b.json"), "{}").unwrap();
        let listed = code.read_dir("/code").unwrap();
        let names: Vec<(&str, bool)> = listed
            .iter()
            .map(|(name, kind)| (name.as_str(), matches!(kind, EntryKind::Directory)))
            .collect();
        assert_eq!(
            names,
            [("b.json", false), ("index.js", false), ("lib", true)]
        );
        assert_eq!(code.read_dir("/code/lib/").unwrap().len(), 1);
        let error = code.read_dir("/code/index.js").unwrap_err();
        assert!(error.starts_with("ENOTDIR"), "{error}");
        let error = code.read_dir("/code/../..").unwrap_err();
        assert!(error.starts_with("ENOENT"), "{error}");
        assert!(code.read_dir("/etc").is_err());
    }
}
