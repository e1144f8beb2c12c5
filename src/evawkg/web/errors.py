"""Every error, one body: the single place errors become HTTP responses.

A core :class:`~evawkg.errors.EvawError` keeps its ``status`` and ``code``; werkzeug's own HTTP
errors (unknown path, wrong method, body too large) are turned into ours first; anything else is
a real fault: logged with its traceback and answered 500 without internals. The body is the same
for every status, in the form the client reads best: ``application/json``
(``{"error": code, "status": status, "message": …}``) for API clients, ``text/plain`` for SPARQL
clients and scripts, ``text/html`` for browsers (Datasette does the same).

No body ever carries a traceback: a fault in a query or validation process comes back as an
error whose message holds the child's traceback; it is logged here, server-side, and the client
reads only the sentence before it.
"""

from __future__ import annotations

import copy
import html
import json
import logging
import re
from urllib.parse import quote

from flask import Flask, Response, g, request
from werkzeug.exceptions import BadHost, HTTPException

from .. import errors
from .negotiation import ERRORS

log = logging.getLogger("evawkg.web")

#: What a path shown in a log line or a message keeps as it is: printable ASCII.
_PRINTABLE = "/:@!$&'()*+,;=-._~"


def shown_path(path: str | None = None) -> str:
    """``path`` (by default the request's) percent-encoded again where it is not printable ASCII:
    werkzeug decodes ``%0A`` to a newline, which began a forged line of the access log, and
    ``%1B`` to the start of a terminal's control sequence."""
    if path is None:  # the bytes sent (PEP 3333: as Latin-1), so %FF shows as %FF, not U+FFFD
        sent = request.environ.get("PATH_INFO", "")
        return quote(b"/" + sent.lstrip("/").encode("latin-1", "replace"), safe=_PRINTABLE)
    return quote(path, safe=_PRINTABLE)


_FROM_WERKZEUG = {
    404: lambda e: errors.NotFound(f"nothing at {shown_path()}; the SPARQL endpoint is /sparql"),
    405: lambda e: errors.MethodNotAllowed(
        f"{request.method} is not allowed on {shown_path()}; use "
        + ", ".join(sorted(e.valid_methods or ())),
        allowed=tuple(sorted(e.valid_methods or ()))),
    413: lambda e: errors.PayloadTooLarge(
        f"the request body is larger than the {byte_limit(request.max_content_length)} "
        f"{shown_path()} accepts; send a smaller body"),
    415: lambda e: errors.UnsupportedMediaType(str(e.description)),
    416: lambda e: errors.RangeNotSatisfiable(
        f"the range {request.headers.get('Range', '')[:100]!r} lies outside {shown_path()}"
        + (f", which is {e.length} bytes" if getattr(e, "length", None) else "")
        + "; ask for a range within it, or send no Range", length=getattr(e, "length", None)),
}


def byte_limit(limit: int | None) -> str:
    """A size limit as a 413 message states it: ``1048576 bytes (1 MiB)``."""
    if limit is None:
        return "size"
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= size:
            return f"{limit} bytes ({limit / size:.4g} {unit})"
    return f"{limit} bytes"


#: Most characters of an error's message a client gets.
MESSAGE_MOST = 2000

#: Where a Python traceback starts in an error's message: its header, or a frame line.
_TRACEBACK = re.compile(r'Traceback \(most recent call last\)|File "|^\s+File ', re.MULTILINE)


def as_evaw_error(exception: Exception) -> errors.EvawError:
    """The project error standing for ``exception`` (logging real faults on the way)."""
    if isinstance(exception, errors.EvawError):
        if exception.status >= 500 and not isinstance(
                exception, (errors.QueryTimeout, errors.NotReady, errors.ServiceFailed)):
            log.error("server fault on %s %s: %s", request.method, shown_path(), exception.message)
        return exception
    if isinstance(exception, BadHost) or (isinstance(exception, UnicodeError)
                                          and not _host_is_readable()):
        return errors.ClientError(
            f"the Host header {request.headers.get('Host', '')[:200]!r} is no host name: a label "
            "is empty ('a..b'), longer than 63 characters or not valid punycode ('xn--a'); send "
            "the name or address the server is reached at")
    if isinstance(exception, HTTPException) and exception.code in _FROM_WERKZEUG:
        return _FROM_WERKZEUG[exception.code](exception)
    if isinstance(exception, HTTPException) and exception.code and exception.code < 500:
        converted = errors.ClientError(str(exception.description))
        converted.status = exception.code
        return converted
    log.exception("server fault on %s %s", request.method, shown_path())
    return errors.EvawError("an internal error occurred; it has been logged")


def _host_is_readable() -> bool:
    """Whether werkzeug can make a URL of the request's ``Host``: an ASCII name that is not
    valid punycode (``xn--a.org``) passes routing, then fails to decode wherever a URL of the
    request is built (a 500 on every page); checked only once something has failed."""
    try:
        request.host_url
    except UnicodeError:
        return False
    return True


def public(error: errors.EvawError) -> errors.EvawError:
    """``error`` as a client may read it: its message cut before any traceback (which the
    server's log keeps), and to :data:`MESSAGE_MOST` characters (messages quote the client's
    input, which may be a 60 kB path), the rest of the error unchanged."""
    message = error.message
    found = _TRACEBACK.search(message)
    if found is not None:
        head = message[:found.start()].rstrip(" \t\r\n:")
        message = (head or "an internal error occurred") + "; the details have been logged"
    if len(message) > MESSAGE_MOST:
        message = (message[:MESSAGE_MOST].rstrip() + f"… (cut: the message was {len(message):,} "
                   "characters, most of them your own input)")
    if message == error.message:
        return error
    shown = copy.copy(error)
    shown.message = message
    shown.args = (shown.message,)
    return shown


def render_error(error: errors.EvawError) -> Response:
    """One response for ``error``, shaped for the client that asked (never with a traceback)."""
    error = public(error)
    try:
        _, shape = ERRORS.choose(request.headers.get("Accept"))
    except Exception:  # noqa: BLE001 -- an error must render whatever Accept says: as text
        shape = "text"
    body = {"error": error.code, "status": error.status, "message": error.message}
    for extra in ("line", "column"):
        if getattr(error, extra, None) is not None:
            body[extra] = getattr(error, extra)
    if shape == "json":
        response = Response(json.dumps(body, ensure_ascii=False, indent=2) + "\n",
                            mimetype="application/json")
    elif shape == "html":
        response = Response(_HTML.format(status=error.status, code=html.escape(error.code),
                                         message=html.escape(error.message)),
                            mimetype="text/html")
    else:
        response = Response(f"Error {error.status} {error.code}: {error.message}\n",
                            mimetype="text/plain")
    response.status_code = error.status
    response.vary.add("Accept")
    if isinstance(error, errors.MethodNotAllowed) and error.allowed:
        response.headers["Allow"] = ", ".join(error.allowed)
    if isinstance(error, errors.RangeNotSatisfiable) and error.length is not None:
        response.headers["Content-Range"] = f"bytes */{error.length}"
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    elif isinstance(error, errors.NotReady):
        response.headers["Retry-After"] = "5"
    g.error_code = error.code
    return response


def precondition_failed_body(response: Response) -> Response:
    """The error body for a 412 made by werkzeug's ``make_conditional`` (static files, dumps),
    which sets the status but keeps the whole representation as the body."""
    if response.status_code != 412 or g.get("error_code"):
        return response
    etag = response.headers.get("ETag")
    response.close()  # a static file's handle
    current = f"its current ETag is {etag}" if etag else "it has no ETag"
    replaced = render_error(errors.PreconditionFailed(
        f"If-Match does not match {shown_path()}: {current}; GET it again and send that ETag, "
        "or send no If-Match"))
    if etag:
        replaced.headers["ETag"] = etag
    return replaced


_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error {status}</title></head>
<body><h1>Error {status}: {code}</h1><p>{message}</p><p><a href="/sparql">SPARQL endpoint</a></p>
</body></html>
"""


def register_error_handlers(app: Flask) -> None:
    """Route every exception through :func:`render_error`."""

    @app.errorhandler(Exception)
    def handle(exception: Exception) -> Response:
        return render_error(as_evaw_error(exception))


__all__ = ["register_error_handlers", "render_error", "as_evaw_error", "public", "byte_limit",
           "precondition_failed_body", "shown_path"]
