"""The outcome of a validation, independent of how it was computed or shown: :class:`Report` and
its :class:`Result` s, terms and SHACL paths as people read them, and the text, JSON and RDF
renderings. The HTML rendering is :mod:`evawkg.shacl.pages`, which imports this module and never
the other way round.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ..graph.formats import format_by_name
from ..graph.jsonld import compact, prefix_context
from ..graph.public_base import PublicBase
from ..namespaces import PREFIXES, SHAPES

#: Severities from worst to mildest, as SHACL names them.
SEVERITIES: tuple[URIRef, ...] = (SH.Violation, SH.Warning, SH.Info)

#: Prefixes used when a report names terms: the project's plus ``shapes:``.
REPORT_PREFIXES: dict[str, str] = {**PREFIXES, "shapes": str(SHAPES)}

#: The prefixes a rendering names terms with: :data:`REPORT_PREFIXES`, or the same prefixes with
#: their namespaces under a public base while :func:`published_prefixes` is in effect.
_PREFIXES: ContextVar[dict[str, str]] = ContextVar("report_prefixes", default=REPORT_PREFIXES)


@dataclass(frozen=True)
class Result:
    """One ``sh:ValidationResult``: which node broke which constraint, and how to fix it."""

    focus: Node
    path: Node | None
    value: Node | None
    severity: URIRef
    shape: Node
    constraint: URIRef
    message: str
    #: The node shape whose ``sh:property`` the failing shape is (itself for a node shape).
    node_shape: Node | None = None
    #: ``path`` in SPARQL property-path syntax with prefixed names (``time:hasEnd/time:inXSDgYearMonth``).
    path_text: str = "-"
    #: Where to look: the upload's line and, for a blank-node focus, the path to it from the
    #: nearest IRI (``line 12; id:activity/x → time:hasBeginning → _:b1``); ``None`` if unknown.
    location: str | None = None

    @property
    def severity_name(self) -> str:
        """``Violation``, ``Warning`` or ``Info``."""
        return local_name(self.severity)


@dataclass
class Report:
    """The outcome of one validation: ``conforms``, its results and SHACL's own report graph."""

    conforms: bool
    results: list[Result]
    graph: Graph

    def counts_by_severity(self) -> dict[str, int]:
        counts = Counter(r.severity_name for r in self.results)
        return {local_name(s): counts.get(local_name(s), 0) for s in SEVERITIES}

    def counts_by_shape(self) -> dict[str, int]:
        """Results per failing shape (property shapes by their own IRI), worst shapes first."""
        counts = Counter(str(r.shape) for r in self.results)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == SH.Violation]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == SH.Warning]


def severity_rank(severity: Node) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)




def local_name(iri: Node) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def short_term(term: Node | None) -> str:
    """A term as a person reads it: ``id:country/TH``, ``"xx"^^xsd:string``, ``_:b0``."""
    if term is None:
        return "-"
    if isinstance(term, URIRef):
        text = str(term)
        prefixes = _PREFIXES.get()
        best = max((ns for ns in prefixes.values() if text.startswith(ns)),
                   key=len, default=None)
        if best is not None:
            local = text[len(best):]
            if local and not any(c in local for c in " <>\"{}|^`\\"):
                prefix = next(p for p, ns in prefixes.items() if ns == best)
                return f"{prefix}:{local}"
        return f"<{text}>"
    if isinstance(term, Literal):
        lexical = json.dumps(str(term), ensure_ascii=False)
        if term.language:
            return f"{lexical}@{term.language}"
        if term.datatype is not None:
            return f"{lexical}^^{short_term(term.datatype)}"
        return lexical
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


_UNARY_PATHS = {SH.inversePath: "^{}", SH.zeroOrMorePath: "{}*", SH.oneOrMorePath: "{}+",
                SH.zeroOrOnePath: "{}?"}


def path_text(graph: Graph, path: Node | None) -> str:
    """A SHACL property path (https://www.w3.org/TR/shacl/#property-paths) in SPARQL syntax."""
    if path is None:
        return "-"
    if not isinstance(path, BNode):
        return short_term(path)
    if graph.value(path, RDF.first) is not None:
        return "/".join(path_text(graph, step) for step in graph.items(path))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(graph, step) for step in graph.items(alternatives)) + ")"
    for predicate, template in _UNARY_PATHS.items():
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(path_text(graph, inner))
    return short_term(path)


def render_text(report: Report) -> str:
    """A readable report: a summary line, then results grouped by node shape and sorted by
    focus node, one line each with severity, focus node, path, value and message."""
    counts = report.counts_by_severity()
    summary = ", ".join(f"{n} {name.lower()}{'s' if n != 1 else ''}" for name, n in counts.items())
    lines = [f"{'Conforms' if report.conforms else 'Does not conform'}: {summary}."]
    groups: dict[str, list[Result]] = {}
    for result in report.results:
        groups.setdefault(short_term(result.node_shape), []).append(result)
    for shape_name, results in sorted(groups.items(),
                                      key=lambda g: (min(severity_rank(r.severity) for r in g[1]), g[0])):
        lines.append("")
        lines.append(f"{shape_name} ({len(results)} result{'s' if len(results) != 1 else ''})")
        for result in sorted(results, key=lambda r: (str(r.focus), severity_rank(r.severity),
                                                     str(r.path), str(r.value))):
            value = f" = {short_term(result.value)}" if result.value is not None else ""
            lines.append(f"  {result.severity_name:<9} {short_term(result.focus)}  "
                         f"{result.path_text}{value}")
            lines.append(f"            {result.message}")
            if result.location:
                lines.append(f"            at {result.location}")
    return "\n".join(lines) + "\n"


def _term_json(term: Node | None) -> dict | None:
    """A term in the SPARQL 1.1 JSON results form (``type``, ``value``, ``datatype``/``xml:lang``)."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        answer = {"type": "literal", "value": str(term)}
        if term.language:
            answer["xml:lang"] = term.language
        elif term.datatype is not None:
            answer["datatype"] = str(term.datatype)
        return answer
    return {"type": "path", "value": str(term)}


def report_to_dict(report: Report) -> dict:
    """The JSON summary: ``conforms``, counts by severity and by shape, and every result."""
    return {
        "conforms": report.conforms,
        "counts": {"by_severity": report.counts_by_severity(),
                   "by_shape": report.counts_by_shape()},
        "results": [{
            "focus": _term_json(r.focus),
            "path": (str(r.path) if isinstance(r.path, URIRef)
                     else r.path_text if r.path is not None else None),
            "value": _term_json(r.value),
            "severity": r.severity_name,
            "shape": str(r.shape) if isinstance(r.shape, URIRef) else _term_json(r.shape),
            "node_shape": str(r.node_shape) if isinstance(r.node_shape, URIRef) else None,
            "constraint": str(r.constraint),
            "message": r.message,
            **({"location": r.location} if r.location else {}),
        } for r in report.results],
    }


def render_json(report: Report, *, indent: int | None = 2) -> str:
    return json.dumps(report_to_dict(report), indent=indent, ensure_ascii=False) + "\n"


def render_graph(report: Report, format: str = "turtle") -> str:
    """SHACL's own ``sh:ValidationReport`` in an RDF format (``turtle``, ``json-ld``…); JSON-LD
    is compacted with the project's prefixes, like every JSON-LD the project writes."""
    if format == "json-ld":
        prefixes = {p: ns for p, ns in _PREFIXES.get().items() if p in PREFIXES}
        return compact(report.graph, prefix_context(prefixes)).decode()
    return report.graph.serialize(format=format_by_name(format).rdflib_name)


# --- Reports under a public base ------------------------------------------------------------------

def publish_report(report: Report, iris: PublicBase) -> Report:
    """``report`` with every IRI under the canonical base (focus nodes, values, shapes, SHACL's
    report graph) published under the public one, as the server publishes every IRI
    (:mod:`evawkg.graph.public_base`). Messages, paths and locations are text and stay: their
    prefixed names (``country:TH``) read the same under either base."""
    if iris.identity:
        return report

    def term(node):
        if isinstance(node, URIRef):
            return URIRef(iris.iri_out(str(node)))
        if isinstance(node, Literal) and node.datatype is not None and not node.language:
            return Literal(str(node), datatype=URIRef(iris.iri_out(str(node.datatype))))
        return node

    graph = Graph()
    for prefix, namespace in report.graph.namespaces():
        graph.bind(prefix, iris.iri_out(str(namespace)), override=True, replace=True)
    for s, p, o in report.graph:
        graph.add((term(s), term(p), term(o)))
    results = [replace(r, focus=term(r.focus), value=term(r.value), shape=term(r.shape),
                       node_shape=term(r.node_shape), path=term(r.path))
               for r in report.results]
    return Report(report.conforms, results, graph)


@contextmanager
def published_prefixes(iris: PublicBase):
    """Renderings inside name terms with the project's prefixes under ``iris``'s public base."""
    token = _PREFIXES.set(iris.prefixes_out(REPORT_PREFIXES))
    try:
        yield
    finally:
        _PREFIXES.reset(token)


__all__ = ["Report", "Result", "SEVERITIES", "REPORT_PREFIXES", "local_name", "short_term",
           "publish_report", "published_prefixes",
           "path_text", "severity_rank", "render_text", "report_to_dict", "render_json",
           "render_graph"]
