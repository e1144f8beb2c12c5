"""Turning the store engine's raw results into the project's :class:`~evawkg.shacl.report.Report`:
each :class:`~evawkg.shacl.report.Result` and SHACL's own ``sh:ValidationReport`` graph, built the
way pySHACL builds it, so that every rendering shows the same thing whichever engine ran.

As pySHACL does, blank nodes a result names (a property shape, a path, a focus node) are copied
into the report graph with their descriptions and keep their ids, and ``sh:node`` results carry
the node shape's own results as ``sh:detail``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, SH

from .messages import result_messages
from .paths import path_text
from .report import REPORT_PREFIXES, Report, Result, severity_rank, short_term
from .terms import Term, to_rdflib


def sort_key(result: Result):
    """The order reports list results in: worst first, then by node shape, focus, path, shape."""
    return (severity_rank(result.severity), str(result.node_shape), str(result.focus),
            str(result.path), str(result.shape), str(result.value))


class ReportBuilder:
    """Collects results into one report graph and :class:`Result` list."""

    def __init__(self, model, data=None, *, locate=None):
        self.model = model
        self.data = data
        self.locate = locate
        self.shapes_graph = model.graph.rdflib_graph()
        self.graph = Graph()
        for prefix, namespace in {**model.graph.namespaces, **REPORT_PREFIXES}.items():
            self.graph.bind(prefix, namespace, override=True, replace=True)
        self._copied: set = set()

    def build(self, raws: Iterable, *, allow_warnings: bool = True) -> Report:
        raws = list(raws)
        if self.locate is not None and hasattr(self.locate, "prepare"):
            self.locate.prepare(raws)
        results, nodes = [], []
        for raw in raws:
            node, result = self._result(raw)
            results.append(result)
            nodes.append(node)
        if allow_warnings:
            conforms = not any(r.severity == SH.Violation for r in results)
        else:
            conforms = not results
        report = BNode()
        self.graph.add((report, RDF.type, SH.ValidationReport))
        self.graph.add((report, SH.conforms, Literal(conforms)))
        for node in nodes:
            self.graph.add((report, SH.result, node))
        return Report(conforms=conforms, results=sorted(results, key=sort_key), graph=self.graph)

    def _result(self, raw) -> tuple[BNode, Result]:
        graph, shape = self.graph, raw.shape
        node = BNode()
        focus, value = to_rdflib(raw.focus), to_rdflib(raw.value)
        shape_node = to_rdflib(shape.node)
        severity = to_rdflib(shape.severity)
        if raw.path_given:
            path_term, text = raw.path, short_term(to_rdflib(raw.path))
        elif shape.is_property:
            path_term, text = shape.path_node, path_text(shape.path)
        else:
            path_term, text = None, "-"
        path = to_rdflib(path_term)
        messages = [to_rdflib(m) for m in result_messages(raw)]
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.sourceConstraintComponent, to_rdflib(raw.component)))
        graph.add((node, SH.sourceShape, shape_node))
        graph.add((node, SH.resultSeverity, severity))
        graph.add((node, SH.focusNode, focus))
        self._copy(raw.focus, from_data=True)
        self._copy(shape.node)
        if value is not None:
            graph.add((node, SH.value, value))
            self._copy(raw.value, from_data=True)
        if path is not None:
            graph.add((node, SH.resultPath, path))
            self._copy(path_term, from_data=raw.path_given)
        if raw.source_constraint is not None:
            graph.add((node, SH.sourceConstraint, to_rdflib(raw.source_constraint)))
            self._copy(raw.source_constraint)
        for message in messages:
            graph.add((node, SH.resultMessage, message))
        for detail in raw.details:
            detail_node, _ = self._result(detail)
            graph.add((node, SH.detail, detail_node))
        owner = self.model.owners.get(shape.node, shape.node)
        result = Result(focus=focus, path=path, value=value, severity=severity, shape=shape_node,
                        constraint=to_rdflib(raw.component), message=_preferred(messages),
                        node_shape=to_rdflib(owner), path_text=text)
        if self.locate is not None:
            where = self.locate(raw, result)
            if where:
                result = _with_location(result, where)
        return node, result

    def _copy(self, term: Term | None, *, from_data: bool = False) -> None:
        """Copy a blank node's description (and the blank nodes it reaches) into the report."""
        if not isinstance(term, ox.BlankNode) or (term, from_data) in self._copied:
            return
        stack = [term]
        while stack:
            current = stack.pop()
            if (current, from_data) in self._copied:
                continue
            self._copied.add((current, from_data))
            if from_data:
                if self.data is None:
                    continue
                pairs = self.data.predicate_objects(current)
            else:
                pairs = list(self.model.graph.predicate_objects(current))
            if len(pairs) > 1000:
                pairs = pairs[:1000]
            for predicate, obj in pairs:
                self.graph.add((to_rdflib(current), to_rdflib(predicate), to_rdflib(obj)))
                if isinstance(obj, ox.BlankNode):
                    stack.append(obj)


def _preferred(messages: list) -> str:
    """The English (or untagged) message if there is one, else any (as the report model does)."""
    texts = sorted((m for m in messages if isinstance(m, Literal)),
                   key=lambda m: (m.language not in (None, "en"), str(m)))
    return str(texts[0]) if texts else ""


def _with_location(result: Result, where: str) -> Result:
    from dataclasses import replace

    return replace(result, location=where)


__all__ = ["ReportBuilder", "sort_key"]
