"""FC's HTTP functions: WSGI (PEP 3333), as FC's Python runtime calls them."""

import io
import os
import sys
import wsgiref.util

# Headers that WSGI passes as CGI variables instead of HTTP_*.
_CGI_HEADERS = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}


def _latin1(text):
    """A str of the path's UTF-8 bytes, one char per byte (PEP 3333's
    "bytes as latin-1"), as wsgiref and FC's runtime hand it over."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def build_environ(request, context):
    """The WSGI environ FC builds for one request."""
    host = ""
    for name, value in request.headers:
        if name == "host":
            host = value
            break
    server_name = host.rsplit(":", 1)[0] if host and not host.endswith("]") else host
    if server_name.startswith("[") and "]" in server_name:
        server_name = server_name[: server_name.index("]") + 1]
    # As wsgiref (FC's server) does: the process environment first (FC_*,
    # the template's EnvironmentVariables), then the request's keys.
    environ = dict(os.environ)
    environ.update({
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": _latin1(request.path),
        "QUERY_STRING": request.query,
        # wsgiref's default when the request has none (seen on FC).
        "CONTENT_TYPE": "text/plain",
        "CONTENT_LENGTH": str(len(request.body)),
        "REMOTE_ADDR": request.client_ip,
        "REMOTE_HOST": "",
        "SERVER_NAME": server_name or "localhost",
        "SERVER_PORT": "9000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "WSGIServer/0.2",
        "GATEWAY_INTERFACE": "CGI/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": wsgiref.util.FileWrapper,
        "fc.context": context,
        "fc.request_uri": request.url,
    })
    for name, value in request.headers:
        cgi = _CGI_HEADERS.get(name)
        if cgi is not None:
            if name == "content-type":
                environ[cgi] = value
            continue
        if "_" in name:
            # wsgiref drops these: HTTP_X_A would be ambiguous with x-a.
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in environ:
            separator = "; " if key == "HTTP_COOKIE" else ","
            environ[key] = environ[key] + separator + value
        else:
            environ[key] = value
    return environ


class _Response:
    """What `start_response` and `write` collected."""

    def __init__(self):
        self.status = None
        self.headers = None
        self.chunks = []

    def start_response(self, status, headers, exc_info=None):
        replacing = exc_info is not None
        # With exc_info, an error page replaces the first response: nothing
        # has been sent yet (the body is buffered), so there is nothing to
        # re-raise (PEP 3333).
        exc_info = None
        if self.status is not None and not replacing:
            raise AssertionError("start_response() was already called (pass exc_info to replace the response)")
        if not isinstance(status, str):
            raise TypeError(f"start_response(): the status must be a str like '200 OK', not {type(status).__name__}")
        code = status.split(" ", 1)[0]
        if len(code) != 3 or not code.isdigit():
            raise ValueError(f"start_response(): invalid status {status!r}; expected e.g. '200 OK'")
        checked = []
        for header in headers:
            if not (isinstance(header, tuple) and len(header) == 2) or not all(
                isinstance(part, str) for part in header
            ):
                raise TypeError(f"start_response(): each header must be a (str, str) tuple, not {header!r}")
            checked.append((header[0], header[1]))
        self.status = int(code)
        self.headers = checked
        return self.write

    def write(self, data):
        if self.status is None:
            raise AssertionError("write() called before start_response()")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"write() argument must be bytes, not {type(data).__name__}")
        self.chunks.append(bytes(data))


def call(application, environ):
    """Calls a WSGI application; returns (status, headers, body)."""
    response = _Response()
    result = application(environ, response.start_response)
    if result is None:
        raise TypeError(
            "the HTTP handler returned None: an HTTP function's handler is a WSGI "
            "application, handler(environ, start_response), that returns an iterable of bytes"
        )
    try:
        if isinstance(result, (bytes, bytearray)):
            raise TypeError(
                "the HTTP handler returned bytes: a WSGI application returns an iterable "
                "of bytes, e.g. [body]"
            )
        if isinstance(result, str):
            raise TypeError(
                "the HTTP handler returned a str: a WSGI application returns an iterable "
                "of bytes, e.g. [body.encode()]"
            )
        for chunk in result:
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise TypeError(
                    f"the HTTP handler's response iterable yielded {type(chunk).__name__}, not bytes"
                )
            if chunk:
                if response.status is None:
                    raise AssertionError("the HTTP handler yielded body data before calling start_response()")
                response.chunks.append(bytes(chunk))
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if response.status is None:
        raise AssertionError(
            "the HTTP handler never called start_response(status, headers)"
        )
    return response.status, response.headers, b"".join(response.chunks)
