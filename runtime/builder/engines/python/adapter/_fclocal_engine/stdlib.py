"""The standard library, carried inside the component.

componentize-py snapshots the interpreter after importing the engine
(build-time pre-initialisation). At run time the component has no
filesystem for the standard library: the `/python` directory it was
imported from exists only while the component is built. A module nobody
imported at build time (`fractions`, `encodings.idna`, ...) would then fail
with `ModuleNotFoundError`.

So, while the component is built, this module reads every pure-Python
module of the standard library from that directory and keeps its source,
zlib-compressed, in memory; the snapshot carries it into every instance. At
run time `StdlibFinder` (on `sys.meta_path`, after the path finder, so
`/code` wins as it does on FC) compiles a module from that source the first
time it is imported. Modules the engine pre-imports (see `preload.py`) are
already in `sys.modules` and cost nothing.
"""

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import zlib

# Directories and modules of the standard library that make no sense in a
# function (GUI, REPL, docs, test suite, installers) and are left out.
_SKIPPED = frozenset(
    {
        "idlelib",
        "tkinter",
        "turtledemo",
        "turtle",
        "pydoc_data",
        "_pyrepl",
        "ensurepip",
        "venv",
        "test",
        "tests",
        "__phello__",
        "lib2to3",
        "site-packages",
        "__pycache__",
        "lib",
    }
)

# name -> (filename, is_package, compressed source)
_SOURCES = {}


def stdlib_dir():
    """Where the standard library's source files are while the component is
    built (componentize-py mounts them at `/python`). Found from a module
    that is never frozen into the interpreter (`os` is, and its `__file__`
    names a directory that does not exist)."""
    spec = importlib.util.find_spec("json")
    if spec is None or not spec.origin:
        raise RuntimeError("cannot find the standard library's sources")
    return os.path.dirname(os.path.dirname(spec.origin))


def collect(root):
    """Reads and compresses every `.py` file under `root` (build time only)."""
    if not os.path.isfile(os.path.join(root, "os.py")):
        raise RuntimeError(f"{root} does not hold the standard library")
    for directory, subdirs, files in os.walk(root):
        relative = os.path.relpath(directory, root)
        parts = [] if relative == "." else relative.split(os.sep)
        if any(part in _SKIPPED or not part.isidentifier() for part in parts):
            subdirs[:] = []
            continue
        if parts and "__init__.py" not in files:
            # Not a package (data or namespace directory): nothing to import.
            subdirs[:] = []
            continue
        for file in files:
            if not file.endswith(".py"):
                continue
            stem = file[:-3]
            if not parts and stem in _SKIPPED:
                continue
            if not stem.isidentifier():
                continue
            path = os.path.join(directory, file)
            with open(path, "rb") as source:
                data = source.read()
            if stem == "__init__":
                if not parts:
                    continue
                name = ".".join(parts)
                is_package = True
            else:
                name = ".".join(parts + [stem])
                is_package = False
            _SOURCES[name] = (path, is_package, zlib.compress(data, 9))


def module_names():
    """The names of every embedded module."""
    return _SOURCES.keys()


def embedded_bytes():
    """Compressed bytes held in memory."""
    return sum(len(entry[2]) for entry in _SOURCES.values())


class StdlibLoader(importlib.abc.InspectLoader):
    """Loads one embedded module: compiles its source on first import."""

    def __init__(self, name):
        self.name = name

    def is_package(self, fullname):
        entry = _SOURCES.get(fullname)
        return bool(entry and entry[1])

    def get_source(self, fullname):
        entry = _SOURCES.get(fullname)
        if entry is None:
            raise ImportError(f"no embedded source for {fullname}", name=fullname)
        return importlib.util.decode_source(zlib.decompress(entry[2]))

    def get_code(self, fullname):
        entry = _SOURCES.get(fullname)
        if entry is None:
            raise ImportError(f"no embedded source for {fullname}", name=fullname)
        return compile(zlib.decompress(entry[2]), entry[0], "exec", dont_inherit=True)

    def get_filename(self, fullname):
        return _SOURCES[fullname][0]

    def exec_module(self, module):
        exec(self.get_code(module.__name__), module.__dict__)


class StdlibFinder:
    """Finds standard-library modules among the embedded sources."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        entry = _SOURCES.get(fullname)
        if entry is None:
            return None
        filename, is_package, _ = entry
        spec = importlib.machinery.ModuleSpec(
            fullname, StdlibLoader(fullname), origin=filename, is_package=is_package
        )
        spec.has_location = True
        if is_package:
            spec.submodule_search_locations = [os.path.dirname(filename)]
        return spec

    @classmethod
    def invalidate_caches(cls):
        pass


def adopt_loaded_modules():
    """Points modules imported from the build-time directory at the embedded
    sources, so tracebacks and `inspect` still find their lines at run time."""
    for name, module in list(sys.modules.items()):
        if name in _SOURCES and getattr(module, "__spec__", None) is not None:
            loader = StdlibLoader(name)
            module.__loader__ = loader
            module.__spec__.loader = loader
