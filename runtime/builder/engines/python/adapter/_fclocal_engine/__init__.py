"""fclocal's Python language engine: runs unmodified Function Compute Python
handlers (`handler(event, context)`, WSGI `handler(environ, start_response)`,
`initializer(context)`) from the function's code mounted at `/code`.

componentize-py imports this package while it builds the component and
snapshots the interpreter; everything done at module level here (reading the
standard library, pre-importing modules, configuring logging) is therefore
done once per machine, not once per instance. `_Instance.start` does the rest
in each instance, on its first call.
"""

import gc
import json
import os
import sys

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.engine_function import HandlerError, HttpResponse
from wit_world.imports import engine_host

from . import fc, handlers, preload, stdlib, wsgi

# --- Build time (runs inside componentize-py's pre-initialisation) ---------

stdlib.collect(stdlib.stdlib_dir())
PRELOAD_FAILED = preload.preload()
stdlib.adopt_loaded_modules()
handlers.prepare_import_system(stdlib.StdlibFinder)
fc.install_logging()
# Everything above lives as long as the instance: keep it out of the cyclic
# garbage collector's sight, so no collection walks (and copies on write)
# the whole snapshot.
gc.collect()
gc.freeze()


# --- Run time ---------------------------------------------------------------


class _Instance:
    """Per-instance set-up, done on the first call into the engine."""

    started = False

    @classmethod
    def start(cls):
        if cls.started:
            return
        cls.started = True
        # Unbuffered output: each line reaches fclocal during the call that
        # printed it.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.reconfigure(line_buffering=True, write_through=True)
            except (AttributeError, ValueError):
                pass
        # The instance's environment (componentize-py already copies WASI's;
        # engine-host's is the contract).
        try:
            for name, value in engine_host.environment():
                os.environ[name] = value
        except Exception:  # noqa: BLE001 - an older host without it
            pass
        os.environ.setdefault("FC_FUNC_CODE_PATH", handlers.CODE_DIR)
        if not sys.argv:
            sys.argv.append("")
        handlers.use_code_path()
        handlers.release_shadowed_modules()
        handlers.use_bytecode_cache()
        try:
            os.chdir(handlers.CODE_DIR)
        except OSError:
            pass


def _fail(failure):
    raise Err(HandlerError(body=failure.body, unhandled=failure.unhandled))


def _run(call):
    """Runs `call`, turning every exception into FC's error body. A
    MemoryError is left to trap: the instance is spent and fclocal reports
    it as running out of memory."""
    try:
        return call()
    except handlers.HandlerFailure as failure:
        _fail(failure)
    except MemoryError:
        raise
    except SystemExit as exit_:
        # On FC, sys.exit ends the runtime's process mid-request.
        message = (
            "Process exited unexpectedly before completing request "
            f"(exit code {exit_.code if exit_.code is not None else 0})"
        )
        _fail(handlers.HandlerFailure(json.dumps({"errorMessage": message})))
    except BaseException as error:  # noqa: BLE001 - FC reports every exception
        _fail(handlers.HandlerFailure(handlers.exception_body(error)))
    finally:
        _flush()


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass


def event_result(value):
    """An event handler's return value as the invocation's bytes: bytes as
    they are, str as UTF-8, None as nothing, anything else JSON-serialisable
    (dict, list, numbers, booleans) as JSON, other objects as str()."""
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):
        return str(value).encode("utf-8", "surrogatepass")


class EngineFunction(exports.EngineFunction):
    """The `fclocal:function/engine-function` export."""

    def initialize(self, context):
        _Instance.start()
        name = context.function.initializer
        if not name:
            return None

        def call():
            # The handler's module first (FC's contract: initialize loads it),
            # then the initializer, often a function of the same module.
            handler = context.function.handler
            if handler:
                module_name, _ = handlers.split_handler(handler)
                handlers.load_module(module_name, handler)
            function = handlers.load_function(name, role="initializer")
            function(fc.FCContext(context))

        return _run(call)

    def invoke(self, event, context):
        _Instance.start()

        def call():
            function = handlers.load_function(context.function.handler)
            return event_result(function(bytes(event), fc.FCContext(context)))

        return _run(call)

    def handle_http(self, request, context):
        _Instance.start()

        def call():
            application = handlers.load_function(context.function.handler)
            fc_context = fc.FCContext(context)
            environ = wsgi.build_environ(request, fc_context)
            status, headers, body = wsgi.call(application, environ)
            return HttpResponse(status=status, headers=headers, body=body)

        return _run(call)

