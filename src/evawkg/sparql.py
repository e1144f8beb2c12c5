"""SPARQL queries the server answers: what a query asks for, what it may do, how its answer is written.

Implements the query side of the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/)
without HTTP: the web layer turns a request into a :class:`QueryRequest`, and a
:class:`SparqlService` turns that into an :class:`Answer` (bytes and a media type) or raises one of
:mod:`evawkg.errors`. Two services can stand behind the same web layer: the embedded one
(:class:`evawkg.query_pool.EmbeddedSparqlService`, pyoxigraph in killable processes) and, later,
any remote SPARQL 1.1 store.

Rules checked before a query runs (:func:`prepare_query`):

* SPARQL Update (``INSERT``, ``LOAD``…) is refused: the server is read-only (403).
* ``SERVICE`` is refused unless its endpoint IRI is on the operator's allow-list (403); pyoxigraph
  would otherwise fetch any URL a query names. The check reads the query with a lexer that knows
  SPARQL's strings, IRIs, comments, prefixed names and variables, so ``service`` in a literal, an
  IRI or ``ex:service`` is no call, while ``sErViCe``, ``SERVICE SILENT`` or an endpoint spelled
  with a prefix or a relative IRI is found and resolved.
* ``FROM`` / ``FROM NAMED`` select graphs of the store; pyoxigraph never fetches them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin

from .errors import ReadOnly, ServiceRefused
from .formats import RDF_FORMATS

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_OPERATIONS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD",
                     "WITH")

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

#: CONSTRUCT and DESCRIBE answers, in the order of :data:`evawkg.formats.RDF_FORMATS`.
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
    """A query that passed the read-only and SERVICE rules, and what it asks for."""

    text: str
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE; None when the parser will reject it
    has_dataset: bool = False  # names its own FROM / FROM NAMED graphs
    services: tuple[str, ...] = ()  # allow-listed endpoints it calls

    @property
    def kind(self) -> str:
        """``graph`` for CONSTRUCT/DESCRIBE, else ``results``."""
        return "graph" if self.form in ("CONSTRUCT", "DESCRIBE") else "results"


@dataclass(frozen=True)
class QueryRequest:
    """Everything a service needs to answer one query, free of HTTP."""

    query: PreparedQuery
    format: AnswerFormat
    timeout: float
    default_graphs: tuple[str, ...] | None = None  # protocol's default-graph-uri, if any
    named_graphs: tuple[str, ...] | None = None  # protocol's named-graph-uri, if any
    substitutions: tuple = ()  # (variable name, pyoxigraph term) pairs of a named query


@dataclass(frozen=True)
class Answer:
    """A serialised answer: the bytes, their format and how many rows or triples they hold."""

    payload: bytes
    format: AnswerFormat
    rows: int
    seconds: float = 0.0


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
        """Run a prepared query within ``request.timeout`` seconds, or raise an EvawError."""

    def close(self) -> None:
        """Stop every process or connection the service holds."""


# --- Reading a query's structure -------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<var>[?$][\w\u00B7]+)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[\w:%\\](?:[\w\u00B7\-.:%\\]*[\w\u00B7\-:%\\])?)
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str

    def is_keyword(self, *names: str) -> bool:
        return self.kind == "word" and ":" not in self.text and self.text.upper() in names


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)
            if m.lastgroup not in ("comment", "space")]


def _iri_text(token: _Token) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token.text[1:-1])


def prepare_query(text: str, *, allow_service: tuple[str, ...] = (), base_iri: str | None = None,
                  prefixes: dict[str, str] | None = None) -> PreparedQuery:
    """Check ``text`` against the read-only and SERVICE rules and tell its form.

    Raises :class:`ReadOnly` for SPARQL Update and :class:`ServiceRefused` for a ``SERVICE`` whose
    endpoint is not in ``allow_service``. Syntax errors are left to the engine's parser, which
    names their position.
    """
    tokens = _tokens(text)
    base = base_iri
    declared = dict(prefixes or {})
    position = 0
    # Prologue: BASE and PREFIX declarations, needed to resolve SERVICE endpoints.
    while position < len(tokens) and tokens[position].is_keyword("BASE", "PREFIX"):
        if tokens[position].is_keyword("BASE") and _kind_at(tokens, position + 1) == "iri":
            base = urljoin(base or "", _iri_text(tokens[position + 1]))
            position += 2
        elif (_kind_at(tokens, position + 1) == "word" and tokens[position + 1].text.endswith(":")
              and _kind_at(tokens, position + 2) == "iri"):
            iri = _iri_text(tokens[position + 2])
            declared[tokens[position + 1].text[:-1]] = urljoin(base or "", iri) if base else iri
            position += 3
        else:
            break
    form = None
    if position < len(tokens):
        first = tokens[position]
        if first.is_keyword(*UPDATE_OPERATIONS):
            operation = first.text.upper()
            raise ReadOnly(f"SPARQL Update ({operation}) is refused: this endpoint is read-only; "
                           "send a SELECT, ASK, CONSTRUCT or DESCRIBE query")
        if first.is_keyword(*QUERY_FORMS):
            form = first.text.upper()
    services = tuple(_service_endpoints(tokens, base, declared))
    refused = [iri for iri in services if iri not in allow_service]
    if refused:
        allowed = ("; allowed endpoints: " + ", ".join(allow_service)) if allow_service else (
            "; this server allows no SERVICE endpoint")
        raise ServiceRefused(f"SERVICE <{refused[0]}> is refused: queries may only call "
                             f"endpoints on the operator's allow-list{allowed}")
    has_dataset = any(token.is_keyword("FROM") for token in tokens)
    return PreparedQuery(text, form, has_dataset, services)


def _kind_at(tokens: list[_Token], position: int) -> str | None:
    return tokens[position].kind if position < len(tokens) else None


def _service_endpoints(tokens: list[_Token], base: str | None, prefixes: dict[str, str]):
    for position, token in enumerate(tokens):
        if not token.is_keyword("SERVICE"):
            continue
        target = position + 1
        if target < len(tokens) and tokens[target].is_keyword("SILENT"):
            target += 1
        endpoint = tokens[target] if target < len(tokens) else None
        if endpoint is not None and endpoint.kind == "iri":
            iri = _iri_text(endpoint)
            yield urljoin(base, iri) if base else iri
        elif endpoint is not None and endpoint.kind == "word" and ":" in endpoint.text:
            prefix, local = endpoint.text.split(":", 1)
            if prefix not in prefixes:
                raise ServiceRefused(f"SERVICE {endpoint.text} is refused: its prefix "
                                     f"{prefix!r} is not declared")
            yield prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
        else:
            shown = endpoint.text if endpoint is not None else "(nothing)"
            raise ServiceRefused(f"SERVICE {shown} is refused: a SERVICE endpoint must be an "
                                 "IRI on the operator's allow-list (a variable cannot be checked)")


__all__ = ["QUERY_FORMS", "RESULT_FORMATS", "GRAPH_FORMATS", "AnswerFormat", "answer_format",
           "PreparedQuery", "QueryRequest", "Answer", "GraphCount", "DatasetDescription",
           "SparqlService", "prepare_query"]
