"""pySHACL as the oracle the store engine answers to: reports of both engines on the same data,
and the form they are compared in (focus node, path, value, severity, source shape, source
constraint component and message; blank nodes up to renaming)."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph

from evawkg.shacl import engine, validation
from evawkg.shacl.loading import load_uploads
from evawkg.shacl.report import Report
from evawkg.graph.uploads import Upload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shapes"
BASE = FIXTURES / "_base.ttl"


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*.ttl") if not p.name.startswith("_"))


def _term(node) -> str:
    return "_:" if isinstance(node, BNode) else node.n3()


def comparable(report: Report) -> tuple[bool, Counter]:
    """``conforms`` and the multiset of results, blank nodes as ``_:``."""
    return report.conforms, Counter(
        (_term(r.focus), r.path_text, _term(r.value) if r.value is not None else "-",
         str(r.severity), _term(r.shape), str(r.constraint), r.message) for r in report.results)


def differences(store_report: Report, pyshacl_report: Report) -> str:
    """What differs between the two engines' reports, or ``""``."""
    (a_conforms, a), (b_conforms, b) = comparable(store_report), comparable(pyshacl_report)
    lines = []
    if a_conforms != b_conforms:
        lines.append(f"conforms: store engine {a_conforms}, pySHACL {b_conforms}")
    lines += [f"only the store engine: {k}" for k in sorted(a - b)]
    lines += [f"only pySHACL: {k}" for k in sorted(b - a)]
    return "\n".join(lines)


@lru_cache(maxsize=1)
def ontology() -> Graph:
    return validation.load_ontology()


def store_report(turtle_documents: list[bytes]) -> Report:
    """The store engine on Turtle uploads with the bundled ontology and shapes."""
    loaded = load_uploads([Upload(data, "turtle", source=f"part-{i}")
                           for i, data in enumerate(turtle_documents)])
    from evawkg.graph.store import from_rdflib

    from_rdflib(ontology(), loaded.store, graph_name="urn:x-test:ontology")
    return engine.validate(loaded.store, engine.bundled_model(), originals=loaded.originals)


def pyshacl_report(turtle_documents: list[bytes]) -> Report:
    graph = Graph()
    for data in turtle_documents:
        graph.parse(data=data, format="turtle")
    return validation.validate(graph)


@lru_cache(maxsize=None)
def pyshacl_fixture_report(path: Path) -> Report:
    """pySHACL on the base graph and one fixture (shared by the tests that need it: one run each)."""
    return pyshacl_report([BASE.read_bytes(), path.read_bytes()])


def store_fixture_report(path: Path) -> Report:
    return store_report([BASE.read_bytes(), path.read_bytes()])


def empty_store() -> ox.Store:
    return ox.Store()
