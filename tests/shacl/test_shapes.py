"""The shapes: they parse, pass SHACL-for-SHACL, the bundle conforms to them, and every
constraint has a fixture (tests/fixtures/shapes/<name>.ttl) that breaks it and only it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyshacl.entrypoints import meta_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from evawkg.graph.bundle import Bundle
from evawkg.namespaces import SHAPES
from evawkg.graph.store import load_bundle, to_rdflib
from evawkg.shacl.validation import load_ontology, load_shapes, validate

from .oracle import pyshacl_fixture_report

FIXTURES = Path(__file__).parents[1] / "fixtures" / "shapes"
BASE = FIXTURES / "_base.ttl"
EXPECT = re.compile(r"^# expect: <(?P<focus>[^>]+)> (?P<path>\S+) sh:(?P<component>\w+) "
                    r"sh:(?P<severity>\w+) shapes:(?P<shape>\S+)$", re.M)

#: Constraint parameters and the component whose result proves each one fires.
COMPONENTS = {
    SH.minCount: "MinCountConstraintComponent", SH.maxCount: "MaxCountConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent", SH.pattern: "PatternConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent", SH["class"]: "ClassConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent", SH.equals: "EqualsConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent", SH.languageIn: "LanguageInConstraintComponent",
    SH.qualifiedMinCount: "QualifiedMinCountConstraintComponent",
    SH.qualifiedMaxCount: "QualifiedMaxCountConstraintComponent",
    SH["or"]: "OrConstraintComponent", SH.sparql: "SPARQLConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent", SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.lessThanOrEquals: "LessThanOrEqualsConstraintComponent",
}


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*.ttl") if not p.name.startswith("_"))


def expectations(path: Path) -> list[dict]:
    found = [m.groupdict() for m in EXPECT.finditer(path.read_text(encoding="utf-8"))]
    assert found, f"{path.name} has no '# expect:' line"
    return found


@pytest.fixture(scope="module")
def shapes(bundle: Bundle) -> Graph:
    return load_shapes(bundle)


@pytest.fixture(scope="module")
def ontology(bundle: Bundle) -> Graph:
    return load_ontology(bundle)


@pytest.fixture(scope="module")
def base_graph() -> Graph:
    return Graph().parse(BASE)


def test_shapes_pass_shacl_for_shacl(shapes: Graph):
    conforms, _, text = meta_validate(shapes)
    assert conforms, text


def test_every_property_shape_is_documented(shapes: Graph):
    for shape in shapes.subjects(RDF.type, SH.PropertyShape):
        missing = [p for p in (SH.path, SH.name, SH.description, SH.severity, SH.message)
                   if shapes.value(shape, p) is None]
        assert not missing, f"{shape} lacks {missing}"
        assert isinstance(shape, URIRef) and str(shape).startswith(str(SHAPES))


def test_every_node_shape_is_labelled_and_points_at_its_term(shapes: Graph):
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        assert str(shape).endswith("Shape"), shape
        for predicate in (RDFS_LABEL, RDFS_COMMENT, RDFS_SEE_ALSO):
            assert shapes.value(shape, predicate) is not None, f"{shape} lacks {predicate}"


RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
RDFS_COMMENT = URIRef("http://www.w3.org/2000/01/rdf-schema#comment")
RDFS_SEE_ALSO = URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso")


def test_bundled_data_conforms(bundle: Bundle, shapes: Graph, ontology: Graph):
    data = to_rdflib(load_bundle(bundle, infer=True))
    report = validate(data, shapes, ontology)
    assert report.conforms, "\n".join(f"{r.focus} {r.path_text} {r.message}" for r in report.violations)


def test_base_fixture_conforms_without_any_result(base_graph: Graph, shapes: Graph, ontology: Graph):
    report = validate(base_graph, shapes, ontology)
    assert report.results == []


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.stem)
def test_fixture_breaks_its_constraint(path: Path):
    # pySHACL's report on the base graph and the fixture, shared with the differential tests.
    report = pyshacl_fixture_report(path)
    got = {(str(r.focus), r.path_text, r.constraint.split("#")[-1], r.severity_name, str(r.shape))
           for r in report.results}
    focuses = set()
    for expected in expectations(path):
        key = (expected["focus"], expected["path"], expected["component"], expected["severity"],
               str(SHAPES[expected["shape"]]))
        assert key in got, f"{path.name}: expected {key}, got {sorted(got)}"
        focuses.add(expected["focus"])
    # The fixture breaks its own resource only: nothing of the base graph is reported.
    others = {g for g in got if g[0] not in focuses and not g[0].startswith("n")}
    assert not others, f"{path.name} also reports {sorted(others)}"


def test_every_constraint_has_a_failing_fixture(shapes: Graph):
    covered = set()
    for path in fixture_files():
        for expected in expectations(path):
            covered.add((expected["shape"], expected["component"]))
    missing = []
    for shape in shapes.subjects(RDF.type, SH.PropertyShape):
        name = str(shape).removeprefix(str(SHAPES))
        for parameter, component in COMPONENTS.items():
            if (shape, parameter, None) in shapes and (name, component) not in covered:
                missing.append(f"{name} {component}")
    assert not missing, "constraints without a failing fixture: " + ", ".join(sorted(missing))


# --- resolution symbols: one accepted form per body, malformed ones still rejected ------------

RESOLUTION = URIRef("https://evawkg.example.org/id/instrument/a-res-48-104")


def _symbol_results(base_graph: Graph, shapes: Graph, ontology: Graph, symbol: str) -> set[str]:
    """The shapes reporting on the base resolution once its symbol is ``symbol``."""
    data = Graph()
    for triple in base_graph:
        data.add(triple)
    symbol_property = URIRef("https://evawkg.example.org/ontology#symbol")
    data.remove((RESOLUTION, symbol_property, None))
    data.add((RESOLUTION, symbol_property, Literal(symbol)))
    report = validate(data, shapes, ontology)
    return {str(r.shape).removeprefix(str(SHAPES)) for r in report.results if r.focus == RESOLUTION}


@pytest.mark.parametrize("symbol", [
    "A/RES/48/104", "A/RES/S-23/3", "E/RES/2005/20", "S/RES/1325(2000)", "S/RES/1820 (2008)",
    "A/HRC/RES/32/19", "E/CN.15/2009/20", "WHA49.25", "WHA67.15", "EB138.R1", "AFR/RC54/R6",
    "EUR/RC55/10", "EUR/RC55/R9", "EM/RC57/R.3", "SEA/RC66/R2", "WPR/RC68.R3", "CD54.R12",
])
def test_resolution_symbol_of_any_body_is_accepted(symbol, base_graph, shapes, ontology):
    assert _symbol_results(base_graph, shapes, ontology, symbol) == set()


@pytest.mark.parametrize("symbol", ["663 C (XXIV)", "A/RES/217 (III)"])
def test_historic_resolution_symbol_is_accepted_and_reported_for_information(symbol, base_graph, shapes, ontology):
    assert _symbol_results(base_graph, shapes, ontology, symbol) == {"Resolution-symbol-modern"}


@pytest.mark.parametrize("symbol", [
    "A/Res/68/191", "WHA 69.5", "wha49.25", "AFR/RC54 /R6", "S/RES/1325", "A/RES/48/104/", "E/RES/05/20",
    "AFR-RC54-R6", "resolution 18/1", "E/CN.15/RES/18/1",
])
def test_malformed_resolution_symbol_is_a_violation(symbol, base_graph, shapes, ontology):
    assert "Resolution-symbol" in _symbol_results(base_graph, shapes, ontology, symbol)
