"""The access log: one line per answered request, at info level on the ``evawkg.access`` logger.

One function writes it, for the requests Flask answers (the app's after-request step) and for
those the worker answers again from memory (:mod:`evawkg.web.repeats`), so both read the same.
"""

from __future__ import annotations

import logging

from flask import request

from .errors import shown_path

access_log = logging.getLogger("evawkg.access")

#: The longest path and query string a line quotes.
PATH_MOST = 200


def logged_target() -> str:
    """The request's path and query as sent, never a control character (the query string is
    the raw one, which the framing already holds to visible ASCII): what a line quotes."""
    query = request.query_string.decode("latin-1")
    return shown_path() + ("?" + query if query else "")


def log_request(client: str | None, method: str, path: str, status: int, size: int,
                elapsed_ms: float, query_seconds: float | None, rows, error_code=None) -> None:
    """Log one request: who, what (the path with its query string, cut at :data:`PATH_MOST`),
    the status, the body's bytes, the time since it arrived at the app, the store's time on
    its query (``-``: none ran) and the rows it gave."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    access_log.info(
        '%s "%s %s" %d %s bytes %.1f ms query=%s rows=%s%s',
        client or "-", method, path[:PATH_MOST], status, size, elapsed_ms,
        f"{query_seconds * 1000:.1f}ms" if query_seconds is not None else "-", rows,
        f" error={error_code}" if error_code else "")


__all__ = ["access_log", "log_request", "logged_target", "PATH_MOST"]
