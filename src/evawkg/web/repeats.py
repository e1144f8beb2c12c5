"""Whole HTTP answers to repeated ``GET /sparql`` and named-query requests, sent again by the
worker's event loop without a request thread, gunicorn's parser or Flask.

The answer cache (:mod:`evawkg.sparql.answer_cache`) spares a repeated query its run and its hop
to a query process; what such a request still costs is the web layer: handing the request to a
thread, gunicorn's parsing, Flask's request context and hooks, and the response's assembly. On
the peer benchmark's point lookup that is 0.6-0.7 ms of CPU per request, more than the bare
Flask + pyoxigraph endpoint spends on its whole request, query included (0.5 ms); sent from here,
0.1 ms (docs/benchmarks.md, "Repeated requests from the event loop"). Dashboards, pages and
notebooks that repeat their queries are the users.

**The key** is the request's exact bytes (its request line and every header), the client's
address and the service's ``data_version`` read before the request is served. Whatever a header
can change in the answer (``Accept``, ``Accept-Encoding``, ``Host`` and a trusted proxy's
``X-Forwarded-Proto`` for the public base, ``Origin`` for CORS, ``If-None-Match``) is part of the
key, so no rule here needs to know which headers matter; a write changes the version, and the
next requests never find the earlier answers (the answer cache's argument).

**Kept** are the bytes a request thread sent for such a request, when:

* the request is a ``GET /sparql?…`` or ``GET /queries/…`` without a body, with nothing
  pipelined behind it, and without ``Authorization``, ``Cookie`` or ``Expect`` headers;
* the app marked its answer repeatable (:func:`mark_repeatable`: the query went through the
  answer cache, whose rules say which answers repeat);
* the answer is a ``200`` that keeps the connection alive, its body whole after its
  ``Content-Length``.

**Sent again** with a fresh ``Date``, logged (:func:`~evawkg.web.access_log.log_request`) and
counted (the metrics' requests, the answer cache's hits) as the app would. A worker that is
stopping, or about to restart at ``max_requests``, serves through the app instead, which says
``Connection: close``.

Memory: a quarter of ``answer_cache_mb`` per worker, answers and the requests they are kept by,
least recently used first out, no answer over an eighth of that.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from email.utils import formatdate

from flask import request as current_request

from ..sparql.answer_cache import AnswerCache, answer_cache_of, answers_repeat
from .access_log import PATH_MOST, log_request, logged_target

#: The WSGI environ key by which the app marks an answer as one the worker may send again: its
#: value is a :class:`Repeatable`.
REPEATABLE = "evawkg.repeatable"

#: The share of the answer cache's bytes the worker's repeats may hold.
SHARE_OF_ANSWER_CACHE = 4

#: The requests worth a key: SPARQL queries and named queries (a GET of any other route is
#: never marked repeatable, and is not copied while it is sent).
_REQUEST_STARTS = (b"GET /sparql?", b"GET /queries/")
_UNREPEATABLE_HEADER = re.compile(rb"\r\n(?:authorization|cookie|expect)[ \t]*:", re.IGNORECASE)
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n|$)", re.IGNORECASE)
_KEEP_ALIVE = re.compile(rb"\r\nconnection:[ \t]*keep-alive[ \t]*(?=\r\n|$)", re.IGNORECASE)
_NOT_KEPT_HEADER = re.compile(rb"\r\n(?:transfer-encoding|set-cookie)[ \t]*:", re.IGNORECASE)
_DATE = b"\r\nDate: "


@dataclass(frozen=True, slots=True)
class Repeatable:
    """What the app says of an answer the worker may send again: enough to log and count it as
    the app did (its route's rule, the path with its query string, its rows)."""

    route: str
    path: str
    rows: int


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """An answer's bytes around its ``Date`` value, and what its log line and count need."""

    before_date: bytes
    after_date: bytes
    body_size: int
    repeatable: Repeatable

    @property
    def size(self) -> int:
        return len(self.before_date) + len(self.after_date)

    def dated(self, date: bytes) -> bytes:
        return self.before_date + date + self.after_date


def mark_repeatable(service, text: str, rows: int) -> None:
    """Let the worker send the answer being made again to the same request (a Flask view's
    step): when it answers a GET, ``service`` keeps answers (so its data version follows every
    change) and ``text`` gives the same answer on the same data."""
    if (current_request.method == "GET" and answer_cache_of(service) is not None
            and answers_repeat(text)):
        current_request.environ[REPEATABLE] = Repeatable(
            current_request.url_rule.rule, logged_target()[:PATH_MOST], rows)


def kept_answer(sent: bytes, repeatable: Repeatable) -> KeptAnswer | None:
    """``sent`` (a whole HTTP/1.1 answer as written to the socket) ready to send again, or None
    when it is not one to keep (see the module docstring)."""
    head_end = sent.find(b"\r\n\r\n")
    if head_end < 0 or not sent.startswith(b"HTTP/1.1 200 "):
        return None
    head = sent[:head_end]
    length = _CONTENT_LENGTH.search(head)
    body_size = len(sent) - head_end - 4
    if (length is None or int(length.group(1)) != body_size or not _KEEP_ALIVE.search(head)
            or _NOT_KEPT_HEADER.search(head)):
        return None
    date = head.find(_DATE)
    if date < 0:
        return None
    date_start = date + len(_DATE)
    date_end = head.find(b"\r\n", date_start)
    if date_end < 0:
        date_end = head_end
    return KeptAnswer(sent[:date_start], sent[date_end:], body_size, repeatable)


class RepeatedAnswers:
    """One worker's kept answers, and the steps around them (see the module docstring)."""

    def __init__(self, service, cache: AnswerCache, metrics=None):
        self.service = service
        self.answer_cache = cache
        self.metrics = metrics
        self.kept = AnswerCache(cache.max_bytes // SHARE_OF_ANSWER_CACHE,
                                size_of=lambda kept: kept.size)
        self._date_second = -1
        self._date = b""

    @classmethod
    def of_app(cls, app) -> RepeatedAnswers | None:
        """The repeats of a Flask app made by :func:`evawkg.web.create_app`; None when its
        service keeps no answers (``answer_cache_mb`` 0, or a store others write to)."""
        extensions = getattr(app, "extensions", None) or {}
        state = extensions.get("evawkg")
        cache = answer_cache_of(state.service) if state is not None else None
        if cache is None or cache.max_bytes // SHARE_OF_ANSWER_CACHE <= 0:
            return None
        return cls(state.service, cache, extensions.get("evawkg.metrics"))

    @property
    def largest(self) -> int:
        """The most bytes one kept answer may have, with the request it is kept by (larger ones
        are not recorded)."""
        return self.kept.largest

    def key(self, request: bytes | None, client) -> tuple | None:
        """The key of a request (its bytes, from :meth:`RequestFraming.bodiless_request`) from
        ``client`` (gunicorn's peer address), or None when it is not one to repeat."""
        if (request is None or not request.startswith(_REQUEST_STARTS)
                or _UNREPEATABLE_HEADER.search(request)):
            return None
        return (self.service.data_version, _address(client), request)

    def get(self, key: tuple) -> KeptAnswer | None:
        return self.kept.get(key)

    def keep(self, key: tuple, sent: bytes, repeatable: Repeatable) -> None:
        # The key's request (up to max_head_bytes, 64 KiB) counts too: a short answer to a
        # request padded with headers would otherwise hold 200 times its count.
        request = len(key[-1])
        if len(sent) + request > self.largest:
            return
        answer = kept_answer(sent, repeatable)
        if answer is not None:
            self.kept.put(key, answer, request)

    def sending(self, answer: KeptAnswer) -> bytes:
        """The answer's bytes with this second's ``Date``."""
        second = int(time.time())
        if second != self._date_second:
            self._date = formatdate(second, usegmt=True).encode("ascii")
            self._date_second = second
        return answer.dated(self._date)

    def count(self, answer: KeptAnswer, client, started: float) -> None:
        """Log and count an answer about to be sent again, as the app logs and counts its own
        (before sending: a client that has its answer finds it counted)."""
        seconds = time.perf_counter() - started
        repeatable = answer.repeatable
        log_request(_address(client), "GET", repeatable.path, 200, answer.body_size, seconds * 1000, 0.0,
                    repeatable.rows)
        if self.metrics is not None:
            self.metrics.count(repeatable.route, "GET", 200, seconds)
        self.answer_cache.count_hit()


def _address(client) -> str | None:
    """The client's address from gunicorn's peer (``(host, port)`` on TCP; a Unix socket's peer
    has none)."""
    return client[0] if isinstance(client, tuple) else None


class SentBytes:
    """A request thread's socket that keeps a copy of what is sent through ``sendall`` (how
    gunicorn writes a response), up to ``most`` bytes; past that, or once anything is sent
    another way (``send``, ``sendfile``), it keeps nothing."""

    def __init__(self, sock, most: int):
        self.sock = sock
        self.most = most
        self._data: bytearray | None = bytearray()

    def sendall(self, data, *args):
        if self._data is not None:
            if len(self._data) + len(data) > self.most:
                self._data = None
            else:
                self._data += data
        return self.sock.sendall(data, *args)

    def sendfile(self, *args, **kwargs):
        self._data = None
        return self.sock.sendfile(*args, **kwargs)

    def send(self, data, *args):
        self._data = None
        return self.sock.send(data, *args)

    def sent(self) -> bytes | None:
        return bytes(self._data) if self._data is not None else None

    def __getattr__(self, name):
        return getattr(self.sock, name)


__all__ = ["REPEATABLE", "KeptAnswer", "Repeatable", "RepeatedAnswers", "SentBytes",
           "kept_answer", "mark_repeatable"]
