"""Standard-library modules imported while the component is built.

Everything imported here is part of the snapshot, so handlers import it for
free (a dictionary lookup) instead of compiling it from the embedded source
(`stdlib.py`) in their first invocation. The list is what FC handlers
commonly use; any other pure-Python module of the standard library still
imports, just more slowly the first time. A module that cannot be imported
in WebAssembly (no threads, no processes, no TLS) is skipped silently.
"""

import importlib

PRELOADED = (
    # Text, data and encodings
    "json", "re", "string", "textwrap", "unicodedata", "difflib", "pprint",
    "reprlib", "codecs", "base64", "binascii", "quopri", "struct",
    "encodings", "encodings.utf_8", "encodings.utf_8_sig", "encodings.utf_16",
    "encodings.utf_32", "encodings.latin_1", "encodings.ascii",
    "encodings.idna", "encodings.punycode", "encodings.cp1252",
    "encodings.gbk", "encodings.gb2312", "encodings.gb18030", "encodings.big5",
    "encodings.raw_unicode_escape", "encodings.unicode_escape",
    "encodings.hex_codec", "encodings.base64_codec",
    "csv", "html", "html.parser", "html.entities",
    "xml.etree.ElementTree", "xml.dom.minidom", "xml.sax", "xml.sax.saxutils",
    # Numbers, time, collections, functional
    "math", "cmath", "decimal", "fractions", "numbers", "random", "statistics",
    "datetime", "time", "calendar", "zoneinfo", "collections",
    "collections.abc", "heapq", "bisect", "array", "copy", "enum", "types",
    "typing", "dataclasses", "functools", "itertools", "operator",
    "contextlib", "abc", "weakref", "graphlib",
    # Crypto, ids, compression, serialization
    "hashlib", "hmac", "secrets", "uuid", "zlib", "gzip", "zipfile",
    "tarfile", "pickle", "copyreg", "shelve", "marshal",
    # Files and OS (as far as WASI goes)
    "os", "io", "pathlib", "glob", "fnmatch", "shutil", "tempfile", "stat",
    "fileinput", "filecmp", "linecache", "platform", "errno", "locale",
    "gettext", "argparse", "getopt", "configparser", "tomllib", "shlex",
    "mimetypes", "sysconfig",
    # Internet formats and protocols
    "email", "email.message", "email.parser", "email.policy", "email.utils",
    "email.header", "email.charset", "email.encoders", "email.generator",
    "email.mime.text", "email.mime.multipart", "email.mime.base",
    "email.mime.application", "email.mime.image", "email.feedparser",
    "email.headerregistry", "email.contentmanager",
    "http", "http.client", "http.cookies", "http.cookiejar", "http.server",
    "urllib", "urllib.parse", "urllib.request", "urllib.response",
    "urllib.error", "urllib.robotparser", "ipaddress", "socket", "selectors",
    "ssl", "wsgiref", "wsgiref.util", "wsgiref.headers", "wsgiref.handlers",
    "wsgiref.simple_server", "wsgiref.validate", "mailbox", "smtplib",
    "imaplib", "poplib", "ftplib", "xmlrpc.client",
    # Language services and runtime
    "logging", "logging.handlers", "logging.config", "traceback", "warnings",
    "inspect", "dis", "ast", "tokenize", "token", "keyword", "importlib",
    "importlib.util", "importlib.machinery", "importlib.metadata",
    "importlib.resources", "pkgutil", "queue", "threading", "contextvars",
    "asyncio", "concurrent.futures", "sched", "atexit", "gc", "signal",
    "string.templatelib", "sqlite3",
)


def preload():
    """Imports every module of `PRELOADED`; returns the names that failed."""
    failed = []
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module WASI cannot host is just skipped
            failed.append(name)
    return failed
