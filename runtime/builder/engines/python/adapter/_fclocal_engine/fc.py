"""FC's Python `context` object and FC's logging set-up."""

import logging
import sys


class Credentials:
    """`context.credentials`."""

    def __init__(self, access_key_id, access_key_secret, security_token):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token

    # Spellings some FC samples use.
    @property
    def accessKeyId(self):  # noqa: N802
        return self.access_key_id

    @property
    def accessKeySecret(self):  # noqa: N802
        return self.access_key_secret

    @property
    def securityToken(self):  # noqa: N802
        return self.security_token

    def __repr__(self):
        return f"Credentials(access_key_id={self.access_key_id!r}, access_key_secret='***', security_token='***')"


class FunctionMeta:
    """`context.function`."""

    def __init__(self, info, service):
        self.name = info.name
        self.handler = info.handler
        self.memory = info.memory
        self.timeout = info.timeout
        self.initializer = info.initializer
        self.initialization_timeout = info.initialization_timeout
        # FC 3.0 (python3.12) names.
        self.version_id = service.version_id
        self.qualifier = service.qualifier

    def __repr__(self):
        return f"FunctionMeta(name={self.name!r}, handler={self.handler!r}, memory={self.memory}, timeout={self.timeout})"


class ServiceMeta:
    """`context.service`."""

    def __init__(self, service):
        self.name = service.name
        self.log_project = service.log_project
        self.log_store = service.log_store
        self.qualifier = service.qualifier
        self.version_id = service.version_id

    def __repr__(self):
        return f"ServiceMeta(name={self.name!r}, qualifier={self.qualifier!r})"


class Tracing:
    """`context.tracing`: no tracing locally."""

    def __init__(self):
        self.span_context = None
        self.jaeger_endpoint = ""
        self.span_baggages = {}

    def parseOpenTracingBaggages(self):  # noqa: N802
        return {}


class FCContext:
    """FC's `context` argument (python3 / 3.9 / 3.10, plus FC 3.0's names)."""

    def __init__(self, wit):
        self.request_id = wit.request_id
        self.credentials = Credentials(
            wit.credentials.access_key_id,
            wit.credentials.access_key_secret,
            wit.credentials.security_token,
        )
        self.function = FunctionMeta(wit.function, wit.service)
        self.service = ServiceMeta(wit.service)
        self.region = wit.region
        self.account_id = wit.account_id
        self.tracing = Tracing()
        # FC 3.0 (python3.12) names.
        self.log_project = wit.service.log_project
        self.log_store = wit.service.log_store
        self.logger = logging.getLogger()

    def getLogger(self):  # noqa: N802
        """The logger FC hands out: the root logger, framed by fclocal."""
        return logging.getLogger()

    def __repr__(self):
        return f"FCContext(request_id={self.request_id!r}, function={self.function.name!r}, service={self.service.name!r})"


# Python's level names as the host's level tags.
_TAGS = {
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "WARNING": "WARN",
    "WARN": "WARN",
    "ERROR": "ERROR",
    "CRITICAL": "ERROR",
    "FATAL": "ERROR",
}


class FCLogHandler(logging.Handler):
    """Writes each record to stdout with a `[LEVEL] ` tag on every line, so
    fclocal files it at that level (FC frames it with time and request id)."""

    def emit(self, record):
        try:
            text = self.format(record)
            tag = _TAGS.get(record.levelname)
            if tag is None:
                tag = "ERROR" if record.levelno >= logging.ERROR else "INFO"
            lines = text.split("\n")
            stream = sys.stdout
            stream.write("".join(f"[{tag}] {line}\n" for line in lines))
            stream.flush()
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 - logging must never fail the handler
            self.handleError(record)


def install_logging():
    """Root logger at INFO with FC's handler, as FC's Python runtime sets it up."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = FCLogHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
