"""Finding the handler in `/code`, and FC's error bodies."""

import importlib
import importlib._bootstrap_external
import importlib.machinery
import json
import os
import sys
import traceback

CODE_DIR = "/code"

# Files of this package (their frames are left out of stack traces).
_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))

# Suffixes of compiled extension modules built for CPython on Linux, macOS
# or Windows (`x.cpython-310-x86_64-linux-gnu.so`, `x.abi3.so`, `x.pyd`).
_NATIVE_SUFFIXES = (".so", ".pyd", ".dylib")


class HandlerFailure(Exception):
    """A failed call, already shaped as FC's error body."""

    def __init__(self, body, unhandled=True):
        super().__init__(body)
        self.body = body
        self.unhandled = unhandled


def _native_extension_for(fullname, path):
    """The compiled extension file that would have been `fullname`, if any."""
    leaf = fullname.rpartition(".")[2]
    directories = path if path is not None else sys.path
    for directory in directories:
        if not isinstance(directory, str) or not directory:
            continue
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        for entry in entries:
            if entry.endswith(_NATIVE_SUFFIXES) and (
                entry.split(".", 1)[0] == leaf
            ):
                return os.path.join(directory, entry)
    return None


class NativeExtensionFinder:
    """Last on `sys.meta_path`: when nothing else found a module but a
    compiled extension of that name exists, say why it cannot load (instead
    of a bare "No module named ..."). It raises `ModuleNotFoundError`, so
    packages with a pure-Python fallback (`except ImportError:`) still work.
    """

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        found = _native_extension_for(fullname, path)
        if found is None:
            return None
        raise ModuleNotFoundError(
            f"compiled extension module '{fullname}' ({found}) cannot run in "
            "fclocal's WebAssembly Python engine; use a pure-Python package "
            "(or the package's pure-Python fallback)",
            name=fullname,
            path=found,
        )

    @classmethod
    def invalidate_caches(cls):
        pass


def _source_only_path_hook():
    """A FileFinder hook that loads `.py` and `.pyc` but never extension
    modules: `/code` may hold `.so` files built for Linux, which this
    interpreter cannot load."""
    return importlib.machinery.FileFinder.path_hook(
        (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES),
        (importlib.machinery.SourcelessFileLoader, importlib.machinery.BYTECODE_SUFFIXES),
    )


def code_path():
    """`sys.path` at run time: `/code` first (as FC), then `PYTHONPATH` and
    the site-packages `fun install` creates under `/code/.fun/python`."""
    paths = [CODE_DIR]
    for entry in os.environ.get("PYTHONPATH", "").split(":"):
        if entry and entry not in paths:
            paths.append(entry)
    fun_lib = os.path.join(CODE_DIR, ".fun", "python", "lib")
    try:
        versions = sorted(os.listdir(fun_lib))
    except OSError:
        versions = []
    for version in versions:
        site = os.path.join(fun_lib, version, "site-packages")
        if os.path.isdir(site) and site not in paths:
            paths.append(site)
    return paths


def prepare_import_system(stdlib_finder):
    """Build-time import set-up: the embedded standard library after the path
    finder (so `/code` wins, as on FC), the compiled-extension diagnosis
    last, and a path hook that never loads extension modules. Done before
    the snapshot, so instances do not pay for it."""
    sys.path_hooks[:] = [
        hook for hook in sys.path_hooks if getattr(hook, "__name__", "") == "zipimporter"
    ]
    sys.path_hooks.append(_source_only_path_hook())
    sys.meta_path[:] = [
        finder
        for finder in sys.meta_path
        if finder is not stdlib_finder and finder is not NativeExtensionFinder
    ]
    sys.meta_path.append(stdlib_finder)
    sys.meta_path.append(NativeExtensionFinder)
    # `/code` is read-only; do not even try to write `__pycache__` there.
    sys.dont_write_bytecode = True


def use_code_path():
    """Run-time: `sys.path` becomes the function's code. The build-time
    directories (`/python`, `/world`, `/0`, `/bundled`) do not exist in an
    instance; their cached finders find nothing and stay unused."""
    paths = code_path()
    sys.path[:] = paths
    for path in paths:
        sys.path_importer_cache.pop(path, None)


PYCACHE_DIR = "/pycache"


def use_bytecode_cache():
    """When fclocal mounts a writable directory at `/pycache`, compiled
    modules of `/code` are kept there (`sys.pycache_prefix`), so the next
    instance loads bytecode instead of compiling the sources again, which is
    most of a cold start for a framework such as Flask. Without it nothing is
    written: `/code` is read-only."""
    if os.path.isdir(PYCACHE_DIR):
        sys.pycache_prefix = PYCACHE_DIR
        sys.dont_write_bytecode = False
        importlib._bootstrap_external._write_atomic = _write_atomic


def _write_atomic(path, data, mode=0o666):
    """importlib's `_write_atomic`, but writing until all bytes are out: a
    WASI write may take only part of the buffer, and importlib's single
    `os.write` then gives up on every `.pyc` larger than that."""
    temporary = f"{path}.{os.urandom(6).hex()}.tmp"
    fd = os.open(temporary, os.O_EXCL | os.O_CREAT | os.O_WRONLY, mode & 0o666)
    try:
        with open(fd, "wb", buffering=0) as file:
            view = memoryview(data)
            while view:
                written = file.write(view)
                if not written:
                    raise OSError(f"cannot write {temporary}")
                view = view[written:]
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def split_handler(handler):
    """`index.handler` -> (`index`, `handler`); the last dot separates the
    function, a path-like module (`src/index`) is a dotted one."""
    module, dot, function = handler.rpartition(".")
    if not dot or not module or not function:
        raise HandlerFailure(
            error_body(
                f"Invalid handler '{handler}': expected <module>.<function>, e.g. index.handler",
                "InvalidHandler",
                [],
            )
        )
    module = module.replace("/", ".").strip(".")
    return module, function


_modules = {}


def load_module(module_name, handler, role="handler"):
    """Imports a module of the function's code once per instance (a failed
    import is retried on the next call, as FC does)."""
    module = _modules.get(module_name)
    if module is not None:
        return module
    try:
        module = importlib.import_module(module_name)
    except BaseException as error:  # noqa: BLE001 - reported to the caller
        if isinstance(error, MemoryError):
            raise
        raise HandlerFailure(
            exception_body(
                error,
                message=f"Unable to import module '{module_name}' for {role} '{handler}': {error_text(error)}",
            )
        ) from None
    _check_not_shadowed(module_name, module)
    _modules[module_name] = module
    return module


# Modules FC's own Python runtime has imported before it adds `/code` to
# `sys.path` (the interpreter's start-up, its server and its logging): a
# `/code` module of one of these names cannot replace it on FC either.
_RUNTIME_MODULES = frozenset(
    {
        "abc", "codecs", "collections", "datetime", "email", "encodings",
        "enum", "functools", "genericpath", "http", "importlib", "io", "json",
        "logging", "os", "posixpath", "re", "site", "socket", "socketserver",
        "stat", "sys", "threading", "time", "traceback", "types", "typing",
        "urllib", "warnings", "wsgiref",
    }
)


def release_shadowed_modules():
    """Lets the function's own modules win over the standard library's, as
    `/code` first on `sys.path` makes them win on FC: a top-level module or
    package of `/code` named like a module the engine pre-imported at build
    time (`secrets`, `calendar`, `statistics`, ...) is dropped from
    `sys.modules`, so the next `import` finds `/code`'s. The engine keeps its
    own references to what it uses."""
    try:
        entries = os.listdir(CODE_DIR)
    except OSError:
        return
    for entry in entries:
        if entry.endswith(".py"):
            name = entry[:-3]
        elif os.path.isfile(os.path.join(CODE_DIR, entry, "__init__.py")):
            name = entry
        else:
            continue
        if name in _RUNTIME_MODULES or name not in sys.modules:
            continue
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[loaded]


def _check_not_shadowed(module_name, module):
    """A handler module named like a standard-library module FC's runtime
    itself has imported (`http`, `email`, `json`, ...) resolves to the
    standard library's, not to `/code`'s file, on FC as here: say so instead
    of reporting a missing handler."""
    origin = getattr(module, "__file__", None) or ""
    if origin.startswith(CODE_DIR + "/"):
        return
    top = module_name.split(".", 1)[0]
    for candidate in (os.path.join(CODE_DIR, top + ".py"), os.path.join(CODE_DIR, top, "__init__.py")):
        if os.path.isfile(candidate):
            raise HandlerFailure(
                error_body(
                    f"module '{top}' of the function's code ({candidate}) has the name of a "
                    f"standard-library module that fclocal's Python engine has already imported; "
                    f"rename it (and the Handler) to run it",
                    "ImportModuleError",
                    [],
                )
            )


def load_function(handler, role="handler"):
    """The callable named by `handler` (`module.function`)."""
    module_name, function_name = split_handler(handler)
    module = load_module(module_name, handler, role)
    function = getattr(module, function_name, None)
    if function is None or not callable(function):
        where = getattr(module, "__file__", None) or module_name
        what = "missing" if function is None else "not callable"
        raise HandlerFailure(
            error_body(
                f"{role.capitalize()} '{function_name}' is {what} on module '{module_name}' ({where}); "
                f"check the function's {'Initializer' if role == 'initializer' else 'Handler'} '{handler}'",
                "HandlerNotFound" if function is None else "TypeError",
                [],
            )
        )
    return function


def error_text(error):
    """The exception's message as `str(error)` gives it (SyntaxError included)."""
    text = str(error)
    if isinstance(error, KeyError) and len(error.args) == 1:
        text = str(error.args[0])
    return text


def error_body(message, error_type, stack_trace):
    """FC's error body, compact JSON with the keys in FC's order."""
    body = {"errorMessage": message, "errorType": error_type}
    if stack_trace is not None:
        body["stackTrace"] = stack_trace
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def stack_trace(error):
    """FC's python stackTrace: one `[file, line, function, code]` per frame,
    the engine's own frames left out."""
    frames = []
    for frame in traceback.extract_tb(error.__traceback__):
        filename = frame.filename or ""
        if filename.startswith(_ENGINE_DIR):
            continue
        frames.append(
            [
                f'File "{filename}"',
                f"line {frame.lineno}",
                f"in {frame.name}",
                (frame.line or "").strip(),
            ]
        )
    # A syntax error has no frame in the user's file: point at the line.
    if isinstance(error, SyntaxError) and error.filename:
        frames.append(
            [
                f'File "{error.filename}"',
                f"line {error.lineno}",
                "in <module>",
                (error.text or "").strip(),
            ]
        )
    return frames


def exception_body(error, message=None):
    """FC's body for an uncaught exception."""
    return error_body(
        error_text(error) if message is None else message,
        type(error).__name__,
        stack_trace(error),
    )
