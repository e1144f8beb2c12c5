"""Answers already given, kept by data version and request, so a repeated query is not run again.

Analysts' tools and pages ask the same queries over and over (a dashboard's named queries, the
home page's figures, a notebook re-run): between two changes of the data, the same text with
the same graphs, substitutions, formats and public base has the same answer. Serving it from
memory skips the process hop and the query itself (a point lookup's web-side work is most of
its cost, see docs/benchmarks.md). The key holds the service's ``data_version``, read before
the query runs: a write changes the version, so nothing stale is served; at worst an answer
newer than its key is stored, and the next version's requests never look it up.

Not kept: answers of queries whose text calls a function that differs between runs (``NOW``,
``RAND``, ``UUID``, ``STRUUID``, ``BNODE``) or asks another endpoint (``SERVICE``);
:func:`answers_repeat` decides (the ``ETag`` of ``/sparql`` asks it too); errors (a timeout,
too many rows) are never kept. Memory is bounded: ``max_bytes`` of payloads and the requests
they answer (a query text may be a 1 MB body for a 30-byte answer) per process, least recently
used first out (with :data:`ENTRY_BYTES` an entry), and no single one over an eighth of it;
beside each, once a client took it compressed, its gzip form (``Answer.compressed``, one per
``gzip_level``: a fraction of the payload, not counted).
"""

from __future__ import annotations

import dataclasses
import re
import sys
import threading
from collections import OrderedDict
from typing import Any, Callable

from ..errors import QuerySyntaxError
from .rules import unescape_codepoints
from .service import Answer, QueryRequest, SparqlService

#: Functions whose value differs between two runs of a query (SPARQL 1.1 sections 17.4.5.1,
#: 17.4.3.16-17, 17.4.4.3, 17.4.2.9), and SERVICE, whose data is not this service's. Matched
#: on the whole text (a word in a string or comment only costs a cache miss), with what SPARQL
#: allows between a function's name and its "(": white space and comments (``RAND #x`` on one
#: line, ``()`` on the next). Possessive repeats: no backtracking over long runs of spaces.
_UNREPEATABLE = re.compile(r"\b(?:now|rand|uuid|struuid|bnode)(?:\s|#[^\r\n]*+)*+\(|\bservice\b",
                           re.IGNORECASE)

_WORDS = ("now", "rand", "uuid", "bnode", "service")

#: The largest share of the cache one answer may take.
LARGEST_SHARE = 8

#: What an entry holds beside its answer's and key's own bytes: the key tuple, the request and
#: answer objects, the ordered map's node (400-530 bytes measured on CPython 3.11, for a
#: query's answer and for a worker's whole HTTP answer). Uncounted, a budget of short answers
#: held about three times its size.
ENTRY_BYTES = 512


def answers_repeat(text: str) -> bool:
    """Whether running ``text`` twice on the same data must give the same answer."""
    if "\\u" in text or "\\U" in text:
        # Codepoint escapes are replaced before parsing, anywhere in the text (SPARQL 1.1
        # section 19.2): R\u0041ND() is RAND(). A text whose escapes do not unescape is an error.
        try:
            text = unescape_codepoints(text)
        except QuerySyntaxError:
            return False
    lowered = text.lower()
    # Most texts name none of these words: a substring test settles them at C speed.
    if not any(word in lowered for word in _WORDS):
        return True
    return _UNREPEATABLE.search(text) is None


def payload_size(answer: Answer) -> int:
    return len(answer.payload)


class AnswerCache:
    """A bounded, thread-safe map from (data version, request) to an answer, least recently used
    first out. An entry counts against ``max_bytes`` what ``size_of`` says of its answer, what
    :meth:`put` is told its key holds (a query text, a request's head: often far more than a
    short answer, so a budget of answers alone would keep any number of them) and
    ``entry_bytes`` for the objects around them."""

    def __init__(self, max_bytes: int, size_of: Callable[[Any], int] = payload_size,
                 entry_bytes: int = ENTRY_BYTES):
        self.max_bytes = max_bytes
        self.size_of = size_of
        self.entry_bytes = entry_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._answers: OrderedDict[Any, tuple[Any, int]] = OrderedDict()  # (answer, size)
        self._lock = threading.Lock()

    def get(self, key: Any) -> Answer | None:
        with self._lock:
            entry = self._answers.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return entry[0]

    @property
    def largest(self) -> int:
        """The most one entry may count (a larger one is not kept): a share of the whole."""
        return self.max_bytes // LARGEST_SHARE

    def count_hit(self) -> None:
        """Count an answer given from memory by another route (the worker's repeats)."""
        with self._lock:
            self.hits += 1

    def put(self, key: Any, answer: Answer, key_bytes: int = 0) -> None:
        """Keep ``answer`` under ``key``, which holds ``key_bytes`` of its own."""
        size = self.size_of(answer) + key_bytes + self.entry_bytes
        if size > self.largest:
            return
        with self._lock:
            previous = self._answers.pop(key, None)
            if previous is not None:
                self.size -= previous[1]
            self._answers[key] = (answer, size)
            self.size += size
            while self.size > self.max_bytes:
                _, (_, evicted) = self._answers.popitem(last=False)
                self.size -= evicted


class CachingService:
    """``service`` with its query answers kept in an :class:`AnswerCache`; everything else
    (``describe``, ``call``, ``health``…) is the service's own."""

    def __init__(self, service: SparqlService, max_bytes: int):
        self.service = service
        self.cache = AnswerCache(max_bytes)

    def query(self, request: QueryRequest) -> Answer:
        if not answers_repeat(request.text):
            return self.service.query(request)
        # The timeout bounds the work, not the answer: requests differing only in it share one.
        key = (self.service.data_version, dataclasses.replace(request, timeout=0.0))
        answer = self.cache.get(key)
        if answer is not None:
            return dataclasses.replace(answer, seconds=0.0)
        answer = self.service.query(request)
        self.cache.put(key, answer, request_bytes(request))
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.service, name)


def request_bytes(request: QueryRequest) -> int:
    """The memory a kept request holds: its text (up to a whole request body), its graphs and
    public base; a bound substitution's term is small."""
    strings = (request.text, request.public_base or "", *(request.default_graphs or ()),
               *(request.named_graphs or ()))
    return sum(map(sys.getsizeof, strings))


def answer_cache_of(service: SparqlService) -> AnswerCache | None:
    """The answer cache ``service`` keeps (None: it keeps none, every query runs)."""
    return service.cache if isinstance(service, CachingService) else None


def with_answer_cache(service: SparqlService, max_bytes: int) -> SparqlService:
    """``service`` answering repeated queries from memory; as it is when ``max_bytes`` is 0 or
    when its ``data_version`` may miss a change (``exact_data_version`` not set: a store other
    tools write to, whose version is measured now and then), where a kept answer could go stale."""
    if max_bytes <= 0 or not getattr(service, "exact_data_version", False):
        return service
    return CachingService(service, max_bytes)


__all__ = ["AnswerCache", "CachingService", "answer_cache_of", "answers_repeat",
           "with_answer_cache"]
