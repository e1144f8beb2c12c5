"""evawkg.shacl.validation: results, the text and JSON renderers, RDF reports, options and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pyoxigraph
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SH

from evawkg.errors import ClientError
from evawkg.graph.formats import format_by_name
from evawkg.namespaces import EVAW, SHAPES
from evawkg.shacl.report import Report, render_graph, render_json, render_text
from evawkg.shacl.validation import load_ontology, load_shapes, resolve_shape_iri, validate

FIXTURES = Path(__file__).parents[1] / "fixtures" / "shapes"
XX = URIRef("https://evawkg.example.org/id/country/XX")


@pytest.fixture(scope="module")
def broken() -> Graph:
    """The base graph plus a country with a lower-case alpha-2 code and a missing source."""
    graph = Graph().parse(FIXTURES / "_base.ttl")
    graph.parse(FIXTURES / "country-alpha2-pattern.ttl")
    graph.remove((XX, URIRef("http://purl.org/dc/terms/source"), None))
    return graph


@pytest.fixture(scope="module")
def report(broken: Graph) -> Report:
    return validate(broken)


def test_validate_broken_graph_does_not_conform(report: Report):
    assert not report.conforms
    assert {(r.shape, r.constraint) for r in report.violations} == {
        (SHAPES["Country-alpha2"], SH.PatternConstraintComponent),
        (SHAPES["Country-source"], SH.MinCountConstraintComponent),
    }
    pattern = next(r for r in report.results if r.constraint == SH.PatternConstraintComponent)
    assert pattern.focus == XX
    assert pattern.path == EVAW.iso3166Alpha2
    assert pattern.value == Literal("xx")
    assert pattern.node_shape == SHAPES.CountryShape
    assert "two upper-case letters" in pattern.message


def test_validate_warnings_only_conforms():
    graph = Graph().parse(FIXTURES / "_base.ttl")
    graph.parse(FIXTURES / "org-no-wikidata.ttl")
    report = validate(graph)
    assert report.conforms
    assert [r.severity for r in report.results] == [SH.Warning]
    assert report.counts_by_severity() == {"Violation": 0, "Warning": 1, "Info": 0}


def test_render_text_groups_by_shape_with_focus_path_value_message(report: Report):
    text = render_text(report)
    assert text.startswith("Does not conform: 2 violations, 0 warnings, 0 infos.")
    assert "shapes:CountryShape (2 results)" in text
    assert 'Violation country:XX  evaw:iso3166Alpha2 = "xx"' in text
    assert "Violation country:XX  dcterms:source\n" in text
    assert "Cite where the country's facts come from" in text


def test_render_json_counts_and_results(report: Report):
    body = json.loads(render_json(report))
    assert body["conforms"] is False
    assert body["counts"]["by_severity"] == {"Violation": 2, "Warning": 0, "Info": 0}
    assert body["counts"]["by_shape"] == {str(SHAPES["Country-alpha2"]): 1, str(SHAPES["Country-source"]): 1}
    result = next(r for r in body["results"] if r["constraint"].endswith("PatternConstraintComponent"))
    assert result == {
        "focus": {"type": "uri", "value": str(XX)},
        "path": str(EVAW.iso3166Alpha2),
        "value": {"type": "literal", "value": "xx"},
        "severity": "Violation",
        "shape": str(SHAPES["Country-alpha2"]),
        "node_shape": str(SHAPES.CountryShape),
        "constraint": str(SH.PatternConstraintComponent),
        "message": result["message"],
    }


@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_render_graph_is_a_shacl_report(report: Report, fmt: str):
    # pyoxigraph parses both formats (rdflib's JSON-LD parser warns about ConjunctiveGraph).
    quads = list(pyoxigraph.parse(render_graph(report, fmt).encode(), format=format_by_name(fmt).oxigraph))
    rdf_type = pyoxigraph.NamedNode(str(RDF.type))
    types = [q.object.value for q in quads if q.predicate == rdf_type]
    assert types.count(str(SH.ValidationReport)) == 1
    assert types.count(str(SH.ValidationResult)) == 2
    conforms = [q.object.value for q in quads if q.predicate.value == str(SH.conforms)]
    assert conforms == ["false"]


def test_validate_shape_subset_only_runs_those_shapes(broken: Graph):
    report = validate(broken, shape_iris=["shapes:DatasetShape"])
    assert report.conforms and report.results == []
    report = validate(broken, shape_iris=["CountryShape"])
    assert len(report.violations) == 2


def test_validate_unknown_shape_or_inference_is_a_client_error(broken: Graph):
    with pytest.raises(ClientError, match="unknown shape"):
        validate(broken, shape_iris=["NoSuchShape"])
    with pytest.raises(ClientError, match="inference"):
        validate(broken, inference="magic")


def test_validate_ignores_and_strips_owl_imports(broken: Graph):
    graph = Graph()
    for triple in broken:
        graph.add(triple)
    graph.add((URIRef("https://evawkg.example.org/x"), OWL.imports, URIRef("http://127.0.0.1:9/never")))
    shapes = load_shapes()
    shapes.add((URIRef("https://evawkg.example.org/shapes"), OWL.imports, URIRef("http://127.0.0.1:9/never")))
    report = validate(graph, shapes, load_ontology())
    assert len(report.violations) == 2
    assert (None, OWL.imports, None) in graph, "the caller's graph is left untouched"


def test_resolve_shape_iri_accepts_prefixed_and_bare_names():
    assert resolve_shape_iri("CountryShape") == SHAPES.CountryShape
    assert resolve_shape_iri("shapes:CountryShape") == SHAPES.CountryShape
    assert resolve_shape_iri(str(SHAPES.CountryShape)) == SHAPES.CountryShape
