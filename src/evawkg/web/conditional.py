"""Conditional and range requests on a file the server sends whole: the dumps and the assets
(RFC 9110, https://www.rfc-editor.org/rfc/rfc9110, sections 13 and 14).

werkzeug's ``make_conditional`` served a range before it looked at the preconditions (a
``Range`` with an ``If-Match`` that fails was a 206, with an ``If-None-Match`` that holds a 206
instead of a 304), honoured an ``If-Range`` naming the weak tag of the gzip form (whose bytes
are others: a resumed download joined gzip bytes to plain ones) or any date not before the
file's, ignored ``If-Unmodified-Since``, and refused a range it could not serve (another unit,
several ranges) with a 416 that RFC 9110 says to answer with the whole file. :func:`answer`
evaluates them in the order of section 13.2.2 and leaves werkzeug only the cutting of one range
that holds.
"""

from __future__ import annotations

from flask import Blueprint, Request, Response, request, send_from_directory
from werkzeug.http import parse_date, parse_etags, parse_range_header, unquote_etag

from ..errors import PreconditionFailed, RangeNotSatisfiable


def answer(response: Response, request: Request, *, ranges: bool) -> Response:
    """``response`` (a 200 with its ``ETag`` and ``Last-Modified``, and with ``ranges`` its
    complete length) answered to ``request``'s preconditions: a 412 raised, a 304, one range
    (206, or a 416 raised when it lies past the end), or the whole file."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    tag, weak = unquote_etag(response.headers.get("ETag"))
    modified = parse_date(response.headers.get("Last-Modified"))
    if request.headers.get("If-Match") is not None:
        wanted = parse_etags(request.headers["If-Match"])
        if not (wanted.star_tag or (tag and not weak and wanted.is_strong(tag))):
            response.close()
            current = response.headers.get("ETag")
            raise PreconditionFailed(
                f"If-Match does not match {request.path}: "
                + (f"its gzip form's ETag, {current}, is weak and If-Match compares strong tags "
                   "only; ask without Accept-Encoding: gzip for the strong tag, or send no "
                   "If-Match" if weak else
                   f"its current ETag is {current}; GET it again and send that ETag, or send "
                   "no If-Match"))
    elif modified is not None and _one_date(request.headers.get("If-Unmodified-Since")):
        since = parse_date(request.headers["If-Unmodified-Since"])
        if since is not None and modified > since:
            response.close()
            raise PreconditionFailed(
                f"{request.path} was modified at {response.headers['Last-Modified']}, after the "
                "If-Unmodified-Since date; GET it again, or send no If-Unmodified-Since")
    if request.headers.get("If-None-Match") is not None:
        if tag and parse_etags(request.headers["If-None-Match"]).contains_weak(tag):
            return _not_modified(response)
    elif modified is not None and _one_date(request.headers.get("If-Modified-Since")):
        since = parse_date(request.headers["If-Modified-Since"])
        if since is not None and modified <= since:
            return _not_modified(response)
    if not ranges:
        return response
    length = response.content_length
    response.accept_ranges = "bytes"
    wanted_range = request.headers.get("Range")
    # Range is defined for GET alone (section 14.2); a HEAD gets the headers of the whole file.
    if request.method != "GET" or wanted_range is None or not length:
        return response
    if not _if_range_holds(request.headers.get("If-Range"), tag, weak, response):
        return response
    parsed = parse_range_header(wanted_range)
    # Another unit, a malformed or several ranges: the whole file (section 14.2 lets a server
    # ignore a Range; it must ignore an unknown unit). A single range past the end is a 416.
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        return response
    if parsed.range_for_length(length) is None:
        response.close()
        raise RangeNotSatisfiable(
            f"the range {wanted_range[:100]!r} starts past the end of {request.path}, which is "
            f"{length} bytes; ask for bytes=0-{length - 1} or less", length=length)
    return response.make_conditional({"REQUEST_METHOD": "GET", "HTTP_RANGE": wanted_range},
                                     accept_ranges=True, complete_length=length)


class AssetsBlueprint(Blueprint):
    """A Blueprint whose static files (``/assets``) get :func:`answer` instead of werkzeug's
    conditional answer."""

    def send_static_file(self, filename: str) -> Response:
        response = send_from_directory(str(self.static_folder), filename, conditional=False,
                                       max_age=self.get_send_file_max_age(filename))
        return answer(response, request, ranges=True)


def _one_date(header: str | None) -> bool:
    """Whether a date precondition is one date (section 13.1.3: a list of them is ignored; an
    HTTP-date holds one comma, after the day's name)."""
    return header is not None and header.count(",") <= 1


def _if_range_holds(header: str | None, tag: str | None, weak: bool, response: Response) -> bool:
    """Whether a range may be sent under ``If-Range`` (section 13.1.5): no ``If-Range``, the
    file's strong tag by strong comparison, or exactly its ``Last-Modified`` date."""
    if header is None:
        return True
    header = header.strip()
    if header.startswith(('"', "W/")):
        named, named_weak = unquote_etag(header)
        return bool(tag) and not weak and not named_weak and named == tag
    named_date = parse_date(header)
    modified = parse_date(response.headers.get("Last-Modified"))
    return named_date is not None and named_date == modified


def _not_modified(response: Response) -> Response:
    response.close()  # the file's handle
    response.status_code = 304
    response.response = []
    for name in ("Content-Length", "Content-Range", "Content-Encoding"):
        response.headers.pop(name, None)
    return response


__all__ = ["answer", "AssetsBlueprint"]
