"""The seam between the HTTP layer and a SPARQL store: what a query asks for, how its answer is written.

Implements the query side of the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/)
without HTTP: the web layer turns a request into a :class:`QueryRequest`, and a
:class:`SparqlService` turns that into an :class:`Answer` (bytes and a media type) or raises one of
:mod:`evawkg.errors`. Two services can stand behind the same web layer: the embedded one
(:class:`evawkg.sparql.embedded.EmbeddedSparqlService`, pyoxigraph in killable processes) and, later,
any remote SPARQL 1.1 store.

The rules a query must pass before it reaches a service are :mod:`evawkg.sparql.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..errors import NotAcceptable
from ..graph.formats import RDF_FORMATS

_W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class AnswerFormat:
    """One serialisation of query answers: its names, media types and W3C format IRI."""

    name: str
    kind: str  # "results" (SELECT, ASK) or "graph" (CONSTRUCT, DESCRIBE)
    media_types: tuple[str, ...]
    w3c_iri: str
    aliases: tuple[str, ...] = ()

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header: text types say their charset."""
        if self.media_type.startswith("text/"):
            return self.media_type + "; charset=utf-8"
        return self.media_type


#: SELECT and ASK answers, the default first (https://www.w3.org/TR/sparql11-results-json/ etc.).
RESULT_FORMATS: tuple[AnswerFormat, ...] = (
    AnswerFormat("json", "results", ("application/sparql-results+json", "application/json"),
                 _W3C_FORMATS + "SPARQL_Results_JSON", ("srj",)),
    AnswerFormat("xml", "results",
                 ("application/sparql-results+xml", "application/xml", "text/xml"),
                 _W3C_FORMATS + "SPARQL_Results_XML", ("srx",)),
    AnswerFormat("csv", "results", ("text/csv",), _W3C_FORMATS + "SPARQL_Results_CSV"),
    AnswerFormat("tsv", "results", ("text/tab-separated-values",), _W3C_FORMATS + "SPARQL_Results_TSV"),
)

_GRAPH_FORMAT_IRIS = {"turtle": "Turtle", "ntriples": "N-Triples", "json-ld": "JSON-LD",
                      "rdfxml": "RDF_XML", "trig": "TriG", "nquads": "N-Quads"}
_GRAPH_FORMAT_ALIASES = {"turtle": ("ttl", "n3"),  # Turtle is valid N3
                          "ntriples": ("nt", "n-triples"),
                         "json-ld": ("jsonld",), "rdfxml": ("rdf", "xml", "rdf/xml", "rdf+xml", "owl"),
                         "trig": (), "nquads": ("nq", "n-quads")}

#: CONSTRUCT and DESCRIBE answers, in the order of :data:`evawkg.graph.formats.RDF_FORMATS`.
GRAPH_FORMATS: tuple[AnswerFormat, ...] = tuple(
    AnswerFormat(f.name, "graph", f.media_types, _W3C_FORMATS + _GRAPH_FORMAT_IRIS[f.name],
                 _GRAPH_FORMAT_ALIASES[f.name])
    for f in RDF_FORMATS)


def answer_format(name: str) -> AnswerFormat:
    """The format called ``name`` (results formats first: ``xml`` is SPARQL XML here)."""
    for fmt in RESULT_FORMATS + GRAPH_FORMATS:
        if fmt.name == name:
            return fmt
    raise KeyError(name)


@dataclass(frozen=True)
class PreparedQuery:
    """A query that passed the read-only and SERVICE rules (:func:`evawkg.sparql.prepare_query`),
    and what it asks for."""

    text: str  # the text to run: codepoint escapes already replaced
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE; None when not parsed or unreadable
    has_dataset: bool = False  # names its own FROM / FROM NAMED graphs
    services: tuple[str, ...] = ()  # allow-listed endpoints it calls
    parsed: bool = True  # False: rdflib was not run (the text mentions no SERVICE nor FROM)

    @property
    def kind(self) -> str:
        """``graph`` for CONSTRUCT/DESCRIBE, else ``results``."""
        return kind_of(self.form)


def kind_of(form: str | None) -> str:
    """The kind of answer of a query form: ``graph`` for CONSTRUCT/DESCRIBE, else ``results``."""
    return "graph" if form in ("CONSTRUCT", "DESCRIBE") else "results"


@dataclass(frozen=True)
class AnswerFormats:
    """The format of each kind of answer, chosen before the query's form is known.

    The web layer negotiates both from ``Accept`` in the request thread (no parsing there); the
    query process learns the form and takes its kind's format. A kind the client accepts in no
    format has ``None`` and, in ``refusals``, the 406 message saying what is available."""

    results: AnswerFormat | None = RESULT_FORMATS[0]
    graph: AnswerFormat | None = GRAPH_FORMATS[0]
    refusals: tuple[tuple[str, str], ...] = ()  # (kind, message) for each kind that is None

    @classmethod
    def only(cls, fmt: AnswerFormat) -> AnswerFormats:
        """``fmt`` for its kind; the other kind is refused."""
        other = "graph" if fmt.kind == "results" else "results"
        what = "CONSTRUCT/DESCRIBE graphs" if other == "graph" else "SELECT/ASK results"
        refusal = ((other, f"format {fmt.name!r} cannot answer {what}"),)
        if fmt.kind == "results":
            return cls(fmt, None, refusal)
        return cls(None, fmt, refusal)

    def of(self, kind: str) -> AnswerFormat:
        """The format for ``kind``; :class:`~evawkg.errors.NotAcceptable` when there is none."""
        fmt = self.graph if kind == "graph" else self.results
        if fmt is None:
            raise NotAcceptable(dict(self.refusals).get(kind) or f"no acceptable format for {kind}")
        return fmt


@dataclass(frozen=True)
class QueryRequest:
    """Everything a service needs to answer one query, free of HTTP.

    ``text`` is the query as the client sent it: the service applies the rules
    (:func:`evawkg.sparql.prepare_query`) where it runs the query, under ``timeout``."""

    text: str
    formats: AnswerFormats
    timeout: float
    default_graphs: tuple[str, ...] | None = None  # protocol's default-graph-uri, if any
    named_graphs: tuple[str, ...] | None = None  # protocol's named-graph-uri, if any
    substitutions: tuple = ()  # (variable name, pyoxigraph term) pairs of a named query
    # The base the answer's IRIs are published under, and the query's may be written under
    # (evawkg.graph.public_base); None: the store's own base.
    public_base: str | None = None

    def __post_init__(self) -> None:
        # Callers written for the earlier shape, QueryRequest(prepared_query, answer_format, …),
        # keep working: the text of the prepared query, the one format for its kind.
        if isinstance(self.text, PreparedQuery):
            object.__setattr__(self, "text", self.text.text)
        if isinstance(self.formats, AnswerFormat):
            object.__setattr__(self, "formats", AnswerFormats.only(self.formats))


@dataclass(frozen=True)
class Answer:
    """A serialised answer: the bytes, their format and how many rows or triples they hold."""

    payload: bytes
    format: AnswerFormat
    rows: int
    seconds: float = 0.0
    #: The payload gzip-compressed, by level, once a response sent it so: an answer kept in the
    #: answer cache is compressed once, not on every request that repeats it.
    compressed: dict[int, bytes] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class GraphCount:
    name: str
    triples: int


@dataclass(frozen=True)
class DatasetDescription:
    """What a service holds, for the SPARQL Service Description and ``/healthz``."""

    triples: int  # distinct triples of the default graph
    quads: int
    graphs: tuple[GraphCount, ...] = field(default_factory=tuple)
    default_graph_as_union: bool = True


class SparqlService(Protocol):
    """What the HTTP layer needs from a SPARQL store, embedded or remote."""

    @property
    def data_version(self) -> str:
        """Changes whenever the data does (the HTTP ``ETag`` is built from it)."""

    def ready(self) -> bool:
        """Whether queries can run now (the graph is loaded)."""

    def describe(self) -> DatasetDescription:
        """The dataset's graphs and sizes; raises ``NotReady`` while loading."""

    def query(self, request: QueryRequest) -> Answer:
        """Check and run a query within ``request.timeout`` seconds, or raise an EvawError."""

    def call(self, function, *args, timeout: float):
        """``function(store, *args)`` where the data lives, within ``timeout`` seconds: a
        read-only, module-level function returning plain values (the linked-data reads). A
        service on a remote store will answer these reads with CONSTRUCT queries instead."""

    def close(self) -> None:
        """Stop every process or connection the service holds."""


__all__ = ["RESULT_FORMATS", "GRAPH_FORMATS", "AnswerFormat", "answer_format", "PreparedQuery",
           "kind_of", "AnswerFormats", "QueryRequest", "Answer", "GraphCount", "DatasetDescription", "SparqlService"]
