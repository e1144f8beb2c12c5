"""Validating a new file as if it were added to the bundled graph (``evawkg validate FILE
--with-graph``), reporting only what the file itself describes.

A curator's new record refers to resources the graph already has (UN Women as publisher, the
UN M49 regions, concepts of the vocabularies, the Inventory); validated alone, every such
reference would break ``sh:class``. Validated together with the bundle it resolves, but then the
bundle's own warnings (unverified Wikidata matches, countries without every UN-language label)
would drown the file's. So the file is added to the bundle's asserted data, the whole is
validated once, and only results whose focus node the file describes (a subject of one of its
triples) are kept; ``conforms`` is recomputed from them. SHACL: https://www.w3.org/TR/shacl/.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ..graph.bundle import Bundle, default_bundle
from ..graph.store import load_bundle, to_rdflib
from .report import Report
from .uploads import read_upload
from .validation import validate


def validate_with_graph(uploads: Iterable, bundle: Bundle | None = None, shapes: Graph | None = None, *,
                        inference: str = "none",
                        shape_iris: Iterable[str | URIRef] | None = None) -> Report:
    """Validate untrusted RDF (read as :func:`evawkg.shacl.uploads.read_upload` reads it) together
    with the bundle's asserted data, keeping the results about the nodes the uploads describe."""
    bundle = bundle or default_bundle()
    added = Graph()
    for upload in uploads:
        added.addN((s, p, o, added) for s, p, o in read_upload(upload))
    described = set(added.subjects())
    combined = to_rdflib(load_bundle(bundle, infer=False), [s.graph for s in bundle.data_sources()])
    combined.addN((s, p, o, combined) for s, p, o in added)
    report = validate(combined, shapes, inference=inference, shape_iris=shape_iris)
    return only_about(report, described)


def only_about(report: Report, focus_nodes: set[Node]) -> Report:
    """The part of ``report`` whose results have one of ``focus_nodes`` as focus node: its results
    and its report graph (the ``sh:ValidationReport`` with ``sh:conforms`` recomputed and the kept
    ``sh:result`` nodes with everything they reach through blank nodes)."""
    results = [r for r in report.results if r.focus in focus_nodes]
    conforms = not any(r.severity == SH.Violation for r in results)
    graph = Graph()
    for prefix, namespace in report.graph.namespaces():
        graph.bind(prefix, namespace)
    for node in report.graph.subjects(RDF.type, SH.ValidationReport):
        graph.add((node, RDF.type, SH.ValidationReport))
        graph.add((node, SH.conforms, Literal(conforms)))
        for result in report.graph.objects(node, SH.result):
            if report.graph.value(result, SH.focusNode) in focus_nodes:
                graph.add((node, SH.result, result))
                _copy_reachable(report.graph, result, graph)
    return Report(conforms=conforms, results=results, graph=graph)


def _copy_reachable(source: Graph, root: Node, target: Graph) -> None:
    """Copy ``root``'s triples and, through blank-node objects, those of the nodes it reaches
    (SHACL paths and nested results are blank nodes)."""
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for _, predicate, value in source.triples((node, None, None)):
            target.add((node, predicate, value))
            if isinstance(value, BNode):
                stack.append(value)


__all__ = ["validate_with_graph", "only_about"]
