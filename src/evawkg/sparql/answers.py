"""Checking and running one query on a pyoxigraph store and writing its answer (inside a query
process, under the query's time limit: parsing a hostile text costs this process, never a request
thread).

Answers are serialised by pyoxigraph itself, never through rdflib terms (which would cost
1.5-5x). The row cap is enforced while writing: the answer is first written as TSV (SELECT) or
N-Triples (CONSTRUCT), where one line is one row or triple, so counting lines counts rows and
writing stops as soon as the cap is passed; the lines are then re-read by pyoxigraph into the
requested format. SELECT answers asked as JSON (what analysts and most clients ask for) are
written as JSON directly, without that re-read (0.1-0.45 ms less on a 50-120 kB answer), counting
an upper bound on their rows as they stream; an answer whose bound passes the cap while its rows
may not is run again and written through TSV, so the cap is exact either way (see
:func:`_json_solutions`). JSON-LD is compacted with the project's prefixes as its ``@context``
(:func:`evawkg.graph.jsonld.compact`); Turtle and TriG declare only the prefixes they use.

IRIs are published under the request's public base (:class:`evawkg.graph.public_base.PublicBase`):
the IRIs a query writes in full, its graph names and its parameters are mapped to the canonical
base the store holds before it runs, and every IRI of the answer back to the public base, in every
format, term by term.

Formats: https://www.w3.org/TR/sparql11-results-json/, /rdf-sparql-XMLres/,
/sparql11-results-csv-tsv/, /json-ld11/.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import (ClientError, EvawError, NotAcceptable, QuerySyntaxError, ResultTooLarge,
                      ServiceFailed, UnsupportedFunction)
from ..graph.formats import RDF_FORMATS
from ..graph.jsonld import compact, prefix_context
from ..graph.prefixed import refuse_what_xml_cannot_carry, serialize_graph_as, used_prefixes
from ..graph.public_base import PublicBase
from .projection import as_written
from .query_text import rewrite_iris, slash_hint
from .rules import prepare_query, refuse_update, unescape_codepoints
from .service import Answer, AnswerFormats, DatasetDescription, GraphCount, PreparedQuery
from .syntax_words import explain

_RESULTS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
            "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
_GRAPHS = frozenset(rdf_format.name for rdf_format in RDF_FORMATS)
_POSITION = re.compile(r"^error at (\d+):(\d+): ")
_EMPTY_ROW = re.compile(rb"\},\{\}")  # a regex finds it in half the time ``in`` does


@dataclass(frozen=True)
class QueryJob:
    """One query as a query process receives it (plain values: it crosses a pipe).

    ``text`` is the client's text, not yet checked: :func:`execute` applies the rules
    (:func:`evawkg.sparql.rules.prepare_query`) here, under the query's time limit."""

    text: str
    formats: AnswerFormats
    prefixes: dict[str, str]
    max_rows: int = 0
    max_bytes: int = 0  # the answer's largest size in bytes (0: no cap)
    base_iri: str | None = None
    union: bool = True
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    allow_service: tuple[str, ...] = ()
    # Named-query parameters (variable name -> RDF term), bound by pyoxigraph, never pasted.
    substitutions: tuple[tuple[str, ox.NamedNode | ox.Literal], ...] = ()
    # The base the answer's IRIs are published under (None: the canonical base_iri itself).
    public_base: str | None = None

    @property
    def iris(self) -> PublicBase:
        """The mapping between the store's base and the published one (none without both)."""
        if not self.base_iri or not self.public_base:
            return PublicBase()
        return PublicBase(self.base_iri, self.public_base)


class _RowLimit(Exception):
    pass


class _LineCountingWriter:
    """A binary output that keeps what pyoxigraph writes and stops it past ``limit`` lines."""

    def __init__(self, limit: int):
        self.limit = limit
        self.lines = 0
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.lines += data.count(b"\n")
        if self.limit and self.lines > self.limit:
            raise _RowLimit()
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)


class _RowBoundWriter:
    """A binary output that keeps what pyoxigraph writes as SPARQL JSON results and stops it once
    an upper bound on its rows passes ``limit`` (0: never).

    pyoxigraph writes the results compactly, one object per row in ``"bindings":[...]``; two rows
    meet at ``},{``, which nothing else in the document writes outside a string (two terms of a
    row meet at ``},"``). A literal's text may hold ``},{`` too, so the count of ``},{`` + 1 is an
    upper bound on the rows, never an under-estimate. Counting costs a pass over the bytes
    (0.6 ns a byte, 70 us on a 120 kB answer), so it starts only when the bound could pass the
    cap: ``},{`` cannot overlap itself, so n bytes hold at most n // 3 of them. Occurrences
    across two writes are counted with the last two bytes of the previous one."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.separators: int | None = None  # None: not counted yet (the bound cannot pass)
        self.tail = b""
        self.chunks: list[bytes] = []
        self.stopped = False

    def write(self, data) -> int:
        if self.stopped:  # pyoxigraph's buffer writes its bytes once more as it is dropped
            raise _RowLimit()
        data = bytes(data)
        self.chunks.append(data)  # kept: the rows certainly begun are counted in it
        self.size += len(data)
        if not self.limit or self.size // 3 + 1 <= self.limit:
            return len(data)
        if self.separators is None:
            seen = self.getvalue()
            self.separators, self.tail = seen.count(b"},{"), seen[-2:]
        else:
            # A separator split over two writes lies within the previous write's last two bytes
            # and this one's first two; neither part alone holds one, so none counts twice.
            self.separators += (self.tail + data[:2]).count(b"},{") + data.count(b"},{")
            self.tail = (self.tail + data[-2:])[-2:]
        if self.separators + 1 > self.limit:
            self.stopped = True
            raise _RowLimit()
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)


def execute(store: ox.Store, job: QueryJob) -> Answer:
    """Check ``job`` against the rules, run it on ``store`` and serialise the answer.

    Raises ReadOnly or ServiceRefused (the rules), QuerySyntaxError, NotAcceptable (no format of
    the query's kind was acceptable), ResultTooLarge or ServiceFailed; never an engine exception."""
    started = time.perf_counter()
    iris = job.iris
    text = job.text
    if not iris.identity:
        # Escapes first, so that an IRI written with \u escapes is read as the parsers read it;
        # a text that never names the public base has nothing to map (a substring test in C).
        text = unescape_codepoints(text)
        if iris.public in text:
            text = rewrite_iris(text, iris.iri_in)
    prepared = prepare_query(text, allow_service=job.allow_service, base_iri=job.base_iri,
                             prefixes=job.prefixes, always_parse=False)
    options: dict = {"prefixes": _named_prefixes(prepared.text, job.prefixes),
                     "base_iri": job.base_iri}
    if job.default_graphs is not None or job.named_graphs is not None:
        # The protocol's graphs replace the query's FROM / FROM NAMED (SPARQL 1.1 Protocol 2.1.4).
        options["default_graph"] = _graphs(job.default_graphs, "default-graph-uri", iris)
        options["named_graphs"] = _graphs(job.named_graphs, "named-graph-uri", iris)
    elif job.union and not prepared.has_dataset:
        # Only without FROM: pyoxigraph's union flag would silently override the query's FROM.
        options["use_default_graph_as_union"] = True
    if job.substitutions:
        options["substitutions"] = {ox.Variable(name): iris.term_in(term)
                                    for name, term in job.substitutions}
    try:
        return _run(store, prepared, job, options, started)
    except SyntaxError as error:
        refuse_update(prepared.text)  # pyoxigraph's Store.query never runs an update
        raise syntax_error(error, prepared.text, job.prefixes) from None
    except (OSError, RuntimeError, ValueError) as error:
        unsupported = UnsupportedFunction.named_in(str(error))
        if unsupported:
            raise UnsupportedFunction(iris.iri_out(unsupported)) from None
        if prepared.services:
            endpoints = ", ".join(f"<{endpoint}>" for endpoint in prepared.services)
            raise ServiceFailed(f"the SERVICE endpoint {endpoints} failed: {_said(error)}; "
                                "try again later, or ask without SERVICE") from None
        raise EvawError(f"the query engine failed: {_said(error)}") from None


def _named_prefixes(text: str, prefixes: dict[str, str]) -> dict[str, str]:
    """The predeclared ``prefixes`` that ``text`` may use: a prefixed name is its prefix and a
    colon, written out (escapes are replaced before parsing, so a text with one keeps them all).
    pyoxigraph converts every prefix it is given on each query (~30 us for the project's 54, a
    third of a point lookup); the substring tests cost a tenth of that."""
    if "\\u" in text or "\\U" in text:
        return prefixes
    return {prefix: iri for prefix, iri in prefixes.items() if prefix + ":" in text}


def _graphs(names: tuple[str, ...] | None, parameter: str, iris: PublicBase) -> list[ox.NamedNode]:
    try:
        return [ox.NamedNode(iris.iri_in(name)) for name in names or ()]
    except ValueError as error:
        raise ClientError(f"{parameter} must be absolute IRIs ({error})") from None


def _said(error: Exception) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__


def _run(store: ox.Store, prepared: PreparedQuery, job: QueryJob, options: dict,
         started: float) -> Answer:
    if prepared.form is not None:
        job.formats.of(prepared.kind)  # 406 before any work
    # SELECT *'s columns in the order the text writes them (pyoxigraph sorts them by name).
    text = as_written(prepared.text, options["prefixes"], options["base_iri"])
    result = store.query(text, **options)
    if isinstance(result, ox.QueryTriples):
        fmt = job.formats.of("graph")
        payload, rows = _write_triples(result, fmt.name, job.max_rows, job.prefixes, job.iris)
    elif isinstance(result, ox.QueryBoolean):
        fmt = job.formats.of("results")
        payload, rows = result.serialize(format=_RESULTS[fmt.name]), 1
    else:
        fmt = job.formats.of("results")
        payload, rows = _write_solutions(result, fmt.name, job.max_rows, job.iris,
                                         again=lambda: store.query(text, **options))
    # Here, in the query process: a huge answer never crosses to the web worker, which would
    # hold it and compress it outside the query's limits.
    refuse_oversize(payload, fmt.name, job.max_bytes)
    return Answer(payload, fmt, rows, time.perf_counter() - started)


def refuse_oversize(payload: bytes, format_name: str, max_bytes: int) -> None:
    """ResultTooLarge when ``payload``, the answer in the format called ``format_name``, is
    larger than ``max_bytes`` (the ``max_answer_mb`` setting; 0: no cap)."""
    if max_bytes and len(payload) > max_bytes:
        raise ResultTooLarge(
            f"the answer is {len(payload) / 1_048_576:.0f} MB as {format_name}, more than the "
            f"server's cap of {max_bytes / 1_048_576:.0f} MB; add LIMIT (and OFFSET to page "
            "through it), select fewer or shorter values, or aggregate")


def syntax_error(error: SyntaxError, text: str | None = None,
                 prefixes: dict[str, str] | None = None) -> QuerySyntaxError:
    """The parser's message with its position said in words, and kept as ``line``/``column``;
    when ``text`` runs a prefixed name on with a slash (``id:country/TH``), how to write it."""
    message = str(error.args[0]) if error.args else str(error)
    hint = slash_hint(text, prefixes or {}) if text else None
    suffix = f"; {hint}" if hint else ""
    match = _POSITION.match(message)
    if not match:
        return QuerySyntaxError(f"query syntax error: {message}{suffix}")
    line, column = int(match.group(1)), int(match.group(2))
    words = explain(message[match.end():], text, line, column, prefixes or {})
    found = QuerySyntaxError(f"query syntax error at line {line}, column {column}: {words}{suffix}")
    found.line, found.column = line, column
    return found


def _capped(write, limit: int, what: str) -> bytes:
    writer = _LineCountingWriter(limit)
    try:
        write(writer)
    except (_RowLimit, OSError, ValueError):
        if writer.limit and writer.lines > writer.limit:
            raise _too_large(_cap(limit, what), what) from None
        raise
    return writer.getvalue()


def _cap(limit: int, what: str) -> int:
    return limit - 1 if what == "rows" else limit


def _too_large(cap: int, what: str) -> ResultTooLarge:
    return ResultTooLarge(f"the answer has more than {cap} {what}, the server's cap; "
                          f"add LIMIT (and OFFSET to page through it) or aggregate")


def _write_solutions(solutions: ox.QuerySolutions, name: str, max_rows: int,
                     iris: PublicBase = PublicBase(), again=None) -> tuple[bytes, int]:
    """``solutions`` in the results format called ``name``, with their row count, IRIs published
    under ``iris``; ResultTooLarge past ``max_rows`` rows (0: no cap). ``again()`` gives the same
    solutions anew (the query run again): JSON is then written directly, and only an answer
    whose rows :func:`_json_solutions` cannot bound within the cap is run again through TSV."""
    if name not in _RESULTS:
        raise ValueError(f"{name} is no SPARQL results format")
    if name == "json" and (again is not None or not max_rows):
        written = _json_solutions(solutions, max_rows, iris)
        if written is not None:
            return written
        solutions = again()
    limit = max_rows + 1 if max_rows else 0  # + the header line
    tsv = _capped(lambda out: solutions.serialize(out, format=ox.QueryResultsFormat.TSV),
                  limit, "rows")
    rows = max(tsv.count(b"\n") - 1, 0)
    tsv = iris.tsv_out(tsv)  # one term per field: every format below is read from it
    if name == "tsv":
        return tsv, rows
    try:
        reread = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
        written = reread.serialize(format=_RESULTS[name])
    except SyntaxError as error:
        # pyoxigraph's TSV reader stops at triple terms nested about a hundred deep ("Too many
        # nested triples"), which its JSON and TSV writers write: the answer, not the query,
        # is what cannot be read back (a SyntaxError here would be reported as the query's).
        raise NotAcceptable(f"the answer cannot be written as {name}: {_said(error)}; ask for "
                            "JSON or TSV") from None
    if name == "xml":
        refuse_what_xml_cannot_carry(written, "JSON, CSV or TSV")
    return written, rows


def _json_solutions(solutions: ox.QuerySolutions, max_rows: int,
                    iris: PublicBase) -> tuple[bytes, int] | None:
    """``solutions`` as pyoxigraph writes them in SPARQL JSON, with their exact row count; None
    when the upper bound of :class:`_RowBoundWriter` passed ``max_rows`` but the rows certainly
    seen did not (a literal holding ``},{``): only writing them again as TSV can tell.

    Exact rows: a row that binds a variable starts ``{"``, so rows after the first are the
    occurrences of ``},{"`` before a variable's name (:func:`_rows_after_the_first`).
    A row that binds nothing is ``{}`` (a projection of unbound OPTIONAL variables): the first
    row, or after another at ``},{}``, which a literal may hold too; with either the document is
    parsed and its rows counted (rare, slower, exact)."""
    writer = _RowBoundWriter(max_rows)
    try:
        solutions.serialize(writer, format=ox.QueryResultsFormat.JSON)
    except (_RowLimit, OSError, ValueError):
        if not writer.stopped:
            raise
        if _rows_after_the_first(writer.getvalue()) + 1 > max_rows:  # rows certainly begun
            raise _too_large(max_rows, "rows") from None
        return None
    payload = writer.getvalue()
    first = payload.find(b'"bindings":[') + len(b'"bindings":[')  # after the head: near the start
    if payload.startswith(b"]", first):
        rows = 0
    elif payload.startswith(b"{}", first) or _EMPTY_ROW.search(payload):
        rows = len(json.loads(payload)["results"]["bindings"])
    else:
        rows = _rows_after_the_first(payload) + 1
    return iris.json_out(payload), rows


def _rows_after_the_first(payload: bytes) -> int:
    """How many rows of a SPARQL JSON answer (as pyoxigraph writes it) begin after its first:
    the ``},{"`` followed by a variable's name. A quote inside a string is escaped, so the only
    other ``},{"`` is a literal whose text ends in ``},{`` meeting its closing quote; after that
    comes ``}`` (the term's end) or ``,`` (its language or datatype), never a name. A part of an
    answer (a stopped one) ending in ``},{"`` may be either: it is not counted, so the count
    stays a lower bound. Three searches in C, no match objects."""
    found = payload.count(b'},{"')
    if not found:
        return 0
    return (found - payload.count(b'},{"}') - payload.count(b'},{",')
            - payload.endswith(b'},{"'))


def _write_triples(triples: ox.QueryTriples, name: str, max_rows: int,
                   prefixes: dict[str, str], iris: PublicBase = PublicBase()) -> tuple[bytes, int]:
    if name not in _GRAPHS:
        raise ValueError(f"{name} is no RDF format")
    lines = _capped(lambda out: triples.serialize(out, format=ox.RdfFormat.N_TRIPLES),
                    max_rows, "triples")
    count = lines.count(b"\n")
    if name in ("ntriples", "nquads") and iris.identity:
        return lines, count  # an N-Triples document is an N-Quads document
    triples = iris.triples_out(quad.triple for quad in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES))
    return serialize_graph(triples, name, iris.prefixes_out(prefixes)), count


def serialize_graph(triples: list[ox.Triple], name: str, prefixes: dict[str, str]) -> bytes:
    """``triples`` in the graph format called ``name``: Turtle and TriG declare the prefixes of
    ``prefixes`` they use and no other; JSON-LD is compacted with those as its context."""
    return serialize_graph_as(name, triples, prefixes, json_ld=lambda statements: compact(
        statements, prefix_context(used_prefixes(statements, prefixes)), indent=None))


def describe_dataset(store: ox.Store, *, union: bool) -> DatasetDescription:
    """Graph names and sizes (VoID ``void:triples``) of ``store``."""
    counts = [GraphCount(s["g"].value, int(s["n"].value)) for s in store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")]
    default = store.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                          "WHERE { ?s ?p ?o } }", use_default_graph_as_union=union)
    quads = len(store)
    return DatasetDescription(int(next(iter(default))["n"].value), quads, tuple(counts), union)


__all__ = ["QueryJob", "execute", "serialize_graph", "syntax_error", "describe_dataset",
           "refuse_oversize"]
