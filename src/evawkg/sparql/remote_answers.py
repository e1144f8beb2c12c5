"""Reading a remote store's answers with pyoxigraph, streamed, and writing them as the embedded
store does (so both answer a query with the same bytes).

The store is asked for SPARQL JSON (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE); pyoxigraph
reads the HTTP body as it arrives, and the embedded store's writers
(:func:`evawkg.sparql.answers.write_solutions`, the same line-counting cap) write the client's
format, stopping at the row cap. So the cap holds however much the store sends, and no more than
the cap is ever held in memory.

A body is read under a deadline and a size limit (:class:`TimedBody`, :func:`store_answer_limit`);
the answer written is held to the server's ``max_answer_mb`` as the embedded store's is
(:func:`evawkg.sparql.answers.refuse_oversize`). Virtuoso's blank node identifiers
(``nodeID://b1234``, which are no SPARQL results syntax) are rewritten on the way.
"""

from __future__ import annotations

import time

import pyoxigraph as ox

from ..errors import EvawError, ResultTooLarge, StoreTimeout, StoreUnreachable
from .answers import _capped, _write_solutions, refuse_oversize, serialize_graph
from .service import Answer, AnswerFormat

#: Most bytes one answer of the store may have (the row cap usually stops it long before).
MAX_ANSWER_BYTES = 1 << 30
#: How many times the client's largest answer (``max_answer_mb``) the store's answer may be: the
#: store writes SPARQL JSON or N-Triples, which may be several times the client's CSV or Turtle.
STORE_ANSWER_FACTOR = 4


def store_answer_limit(max_bytes: int) -> int:
    """The most bytes read of one answer of the store, for a client answer cap of ``max_bytes``
    (0: none): :data:`STORE_ANSWER_FACTOR` times it, never over :data:`MAX_ANSWER_BYTES`."""
    return min(STORE_ANSWER_FACTOR * max_bytes, MAX_ANSWER_BYTES) if max_bytes else MAX_ANSWER_BYTES


#: Media types asked of the store for each kind of answer.
RESULTS_MEDIA_TYPE = "application/sparql-results+json"
GRAPH_MEDIA_TYPE = "application/n-triples"

_RESULTS_READERS = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                    "application/json": ox.QueryResultsFormat.JSON,
                    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
                    "application/xml": ox.QueryResultsFormat.XML,
                    "text/tab-separated-values": ox.QueryResultsFormat.TSV}
_GRAPH_READERS = {"application/n-triples": ox.RdfFormat.N_TRIPLES,
                  "text/plain": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE,
                  "application/rdf+xml": ox.RdfFormat.RDF_XML,
                  "application/n-quads": ox.RdfFormat.N_QUADS}

# Virtuoso writes blank nodes as "nodeID://b10003" in SPARQL JSON and XML; "b10003" is the label
# its N-Triples use too. The JSON key order and spacing are Virtuoso's own, and none of these
# byte strings can occur inside a JSON string or XML text (their quotes and < are escaped there).
_VIRTUOSO_BLANK = ((b'"bnode", "value": "nodeID://', b'"bnode", "value": "'),
                   (b"<bnode>nodeID://", b"<bnode>"))


class TimedBody:
    """A file-like view of a response body for pyoxigraph: each read checks the deadline and the
    size limit, and rewrites ``replacements`` (across read boundaries too)."""

    def __init__(self, response, deadline: float, *, limit: int = MAX_ANSWER_BYTES,
                 replacements: tuple[tuple[bytes, bytes], ...] = (), timeout: float = 0.0):
        self.response = response
        self.deadline = deadline
        self.timeout = timeout
        self.limit = limit
        self.read_bytes = 0
        self.replacements = replacements
        self._carry = b""  # raw bytes that may start a replaced byte string
        self._ready = b""  # rewritten bytes not yet handed out
        self._ended = False
        self._keep = max((len(old) for old, _ in replacements), default=1) - 1

    def read(self, size: int = -1) -> bytes:
        want = size if size and size > 0 else 65536
        while not self._ready and not self._ended:
            self._fill(want)
        data, self._ready = self._ready[:want], self._ready[want:]
        return data

    def _fill(self, want: int) -> None:
        if time.monotonic() > self.deadline:
            raise TimeoutError("the answer took longer than the time limit")
        chunk = self.response.stream.read(max(want, 8192))
        self.read_bytes += len(chunk)
        if self.read_bytes > self.limit:
            raise ResultTooLarge(
                f"the store's answer is larger than {self.limit / 1_048_576:.0f} MB, the most "
                "the server reads of one answer; add LIMIT (and OFFSET to page through it), "
                "select fewer or shorter values, or aggregate")
        if not chunk:
            self._ended = True
        if not self.replacements:
            self._ready = chunk
            return
        data = self._carry + chunk
        for old, new in self.replacements:
            data = data.replace(old, new)
        cut = len(data) if self._ended else max(len(data) - self._keep, 0)
        self._ready, self._carry = data[:cut], data[cut:]

    def readable(self) -> bool:
        return True


def read_failure(error: BaseException, response, timeout: float) -> EvawError:
    """What a failure while reading the store's answer means for the client."""
    response.close(broken=True)
    if isinstance(error, EvawError):
        return error
    if isinstance(error, TimeoutError):
        return StoreTimeout(f"the SPARQL store's answer did not arrive whole within {timeout:g} "
                            "s, the time limit; the request was abandoned")
    reason = " ".join(str(error).split())[:300] or type(error).__name__
    return StoreUnreachable(f"the SPARQL store answered something that is no {response.media_type or 'SPARQL'} "
                            f"answer ({reason}); check the store (its log) and the endpoint URL")


def blank_replacements(kind: str | None) -> tuple[tuple[bytes, bytes], ...]:
    return _VIRTUOSO_BLANK if kind == "virtuoso" else ()


def write_answer(response, body: TimedBody, formats, kind: str | None, max_rows: int,
                 prefixes: dict[str, str], started: float, timeout: float,
                 max_bytes: int = 0) -> Answer:
    """The client's answer from the store's ``response`` (read through ``body``), at most
    ``max_rows`` rows and ``max_bytes`` bytes (0: no cap)."""
    media_type = response.media_type
    try:
        if media_type in _RESULTS_READERS:
            results = ox.parse_query_results(body, format=_RESULTS_READERS[media_type])
            fmt: AnswerFormat = formats.of("results")
            if isinstance(results, ox.QueryBoolean):
                payload, rows = results.serialize(format=_result_format(fmt.name)), 1
            else:
                payload, rows = _write_solutions(results, fmt.name, max_rows)
        elif media_type in _GRAPH_READERS:
            fmt = formats.of("graph")
            quads = ox.parse(body, format=_GRAPH_READERS[media_type])
            payload, rows = _write_triples(quads, fmt.name, max_rows, prefixes)
        else:
            raise StoreUnreachable(f"the SPARQL store answered {media_type or 'no media type'}, "
                                   "which is no SPARQL answer; check the endpoint URL")
        refuse_oversize(payload, fmt.name, max_bytes)
    except EvawError as error:
        response.close(broken=True)
        raise error from None
    except (SyntaxError, ValueError, OSError, TimeoutError) as error:
        raise read_failure(error, response, timeout) from None
    response.close()
    return Answer(payload, fmt, rows, time.perf_counter() - started)


def _result_format(name: str) -> ox.QueryResultsFormat:
    return {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
            "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[name]


def _write_triples(quads, name: str, max_rows: int, prefixes: dict[str, str]) -> tuple[bytes, int]:
    """As :func:`evawkg.sparql.answers._write_triples`, from parsed quads."""
    lines = _capped(lambda out: ox.serialize((quad.triple for quad in quads), out,
                                             format=ox.RdfFormat.N_TRIPLES),
                    max_rows, "triples")
    count = lines.count(b"\n")
    if name in ("ntriples", "nquads"):
        return lines, count
    triples = [quad.triple for quad in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES)]
    return serialize_graph(triples, name, prefixes), count


__all__ = ["TimedBody", "write_answer", "read_failure", "blank_replacements", "store_answer_limit",
           "RESULTS_MEDIA_TYPE", "GRAPH_MEDIA_TYPE", "MAX_ANSWER_BYTES"]
