"""A validation report restricted to some focus nodes (what "against the served graph" shows):
its results about them and its report graph with ``sh:conforms`` recomputed."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .report import Report


def only_about(report: Report, focus_nodes: set[Node], *, allow_warnings: bool = True) -> Report:
    """The part of ``report`` whose results have one of ``focus_nodes`` as focus node: its results
    and its report graph (the ``sh:ValidationReport`` with ``sh:conforms`` recomputed and the kept
    ``sh:result`` nodes with everything they reach through blank nodes)."""
    results = [r for r in report.results if r.focus in focus_nodes]
    if allow_warnings:
        conforms = not any(r.severity == SH.Violation for r in results)
    else:
        conforms = not results
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


__all__ = ["only_about"]
