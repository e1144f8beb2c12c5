"""The W3C SHACL test suite (core and SHACL-SPARQL), read from its copy in the repository
(``tests/vendor/w3c-shacl-tests``; its README says where it comes from and how reports are
compared).

Each ``sht:Validate`` entry names a data graph and a shapes graph (often the test file itself)
and the expected ``sh:ValidationReport``, or ``sht:Failure`` when the engine must refuse the
shapes. A report matches when ``sh:conforms`` agrees and the results agree as a set of (focus
node, path, value, severity, source shape, source constraint component), blank nodes matched up
to renaming (graph isomorphism); messages are not compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tests" / "vendor" / "w3c-shacl-tests"

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = rdflib.Namespace("http://www.w3.org/ns/shacl-test#")
_COMPARED = (SH.focusNode, SH.resultPath, SH.value, SH.resultSeverity, SH.sourceShape,
             SH.sourceConstraintComponent)


@dataclass(frozen=True)
class W3CTest:
    name: str  # core/property/datatype-ill-formed
    file: Path
    data: Path
    shapes: Path
    failure: bool  # the engine must refuse the shapes (sht:Failure)


def tests() -> list[W3CTest]:
    """Every sht:Validate entry reachable from the suite's manifest.ttl."""
    found, seen = [], set()
    pending = [SUITE / "manifest.ttl"]
    while pending:
        manifest = pending.pop(0)
        if manifest in seen:
            continue
        seen.add(manifest)
        graph = rdflib.Graph().parse(manifest, format="turtle")
        for include in graph.objects(None, MF.include):
            pending.append(Path(str(include).removeprefix("file://")))
        for entry in graph.subjects(RDF.type, SHT.Validate):
            action = graph.value(entry, MF.action)
            result = graph.value(entry, MF.result)
            data = Path(str(graph.value(action, SHT.dataGraph)).removeprefix("file://"))
            shapes = Path(str(graph.value(action, SHT.shapesGraph)).removeprefix("file://"))
            name = str(manifest.parent.relative_to(SUITE) / Path(str(entry)).name)
            found.append(W3CTest(name, manifest, data, shapes, result == SHT.Failure))
    return sorted(found, key=lambda t: t.name)


def expected_report(test: W3CTest) -> tuple[bool, rdflib.Graph]:
    graph = rdflib.Graph().parse(test.file, format="turtle")
    entry = next(e for e in graph.subjects(RDF.type, SHT.Validate)
                 if str(e).endswith("/" + test.name.rsplit("/", 1)[-1]))
    report = graph.value(entry, MF.result)
    return _summary(graph, report)


def actual_report(turtle: str) -> tuple[bool, rdflib.Graph]:
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    report = next(graph.subjects(RDF.type, SH.ValidationReport))
    return _summary(graph, report)


def _summary(graph: rdflib.Graph, report) -> tuple[bool, rdflib.Graph]:
    """``sh:conforms`` and a graph of the compared properties of each result (each result with
    its own copy of its path: a report may share one path node between results)."""
    conforms = bool(graph.value(report, SH.conforms).toPython())
    summary = rdflib.Graph()
    for result in graph.objects(report, SH.result):
        node = rdflib.BNode()
        summary.add((node, RDF.type, SH.ValidationResult))
        for predicate in _COMPARED:
            for value in graph.objects(result, predicate):
                if predicate == SH.resultPath:
                    value = _copy_path(graph, value, summary)
                summary.add((node, predicate, value))
    return conforms, summary


_PATH_PREDICATES = (SH.alternativePath, SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath,
                    SH.zeroOrOnePath)


def _copy_path(graph: rdflib.Graph, node, target: rdflib.Graph):
    """A fresh copy of the SHACL path at ``node`` (a list's rdf:first/rest, else the one path
    predicate), so that paths compare as paths; returns the copy's root."""
    if not isinstance(node, rdflib.BNode):
        return node
    copy = rdflib.BNode()
    if graph.value(node, RDF.first) is not None:
        predicates = (RDF.first, RDF.rest)
    else:
        predicates = _PATH_PREDICATES
    for predicate in predicates:
        for value in graph.objects(node, predicate):
            target.add((copy, predicate, _copy_path(graph, value, target)))
    return copy


def same_report(expected: tuple[bool, rdflib.Graph], actual: tuple[bool, rdflib.Graph]) -> bool:
    return expected[0] == actual[0] and isomorphic(expected[1], actual[1])
