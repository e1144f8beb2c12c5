"""The ontology lint: the bundled ontology is clean; undeclared and undocumented terms fire."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef

from evawkg.graph.bundle import Bundle
from evawkg.graph.lint import Problem, lint_ontology
from evawkg.namespaces import EVAW
from evawkg.graph.store import data_file_graph

FIXTURES = Path(__file__).parents[1] / "fixtures" / "lint"


def bundled(bundle: Bundle) -> tuple[Graph, Graph]:
    ontology, data = Graph(), Graph()
    for source in bundle.ontology_sources():
        ontology.parse(source.path)
    for source in bundle.data_sources():
        data += data_file_graph(source.path, bundle)
    return ontology, data


def test_lint_bundled_ontology_is_clean(bundle: Bundle):
    ontology, data = bundled(bundle)
    assert lint_ontology(ontology, data) == []


def test_lint_undeclared_terms_in_data_are_reported(bundle: Bundle):
    ontology, _ = bundled(bundle)
    data = Graph().parse(FIXTURES / "undeclared-term.ttl")
    problems = lint_ontology(ontology, data)
    assert {p.term for p in problems} == {EVAW.Workshop, EVAW.heldIn}
    assert all("not declared" in p.message for p in problems)


def test_lint_missing_documentation_and_header_are_reported():
    ontology = Graph().parse(FIXTURES / "ontology-missing-label.ttl")
    problems = lint_ontology(ontology, Graph())
    by_term = {}
    for problem in problems:
        by_term.setdefault(problem.term, []).append(problem.message)
    assert any("English rdfs:label" in m for m in by_term[EVAW.Thing])
    assert any("predicate" in m for m in by_term[EVAW.Thing])
    assert any("rdfs:comment" in m for m in by_term[EVAW.name])
    assert any("rdfs:isDefinedBy" in m for m in by_term[EVAW.name])
    assert any("dcterms:license" in m for m in by_term[URIRef("https://evawkg.example.org/ontology")])


def test_lint_ontology_without_header_is_reported():
    problems = lint_ontology(Graph(), Graph())
    assert problems == [Problem(None, problems[0].message)]
    assert "owl:Ontology" in problems[0].message


def test_every_ontology_term_has_an_example_or_mention_in_the_modelling_guide(bundle: Bundle):
    """docs/modelling.md names every term, most with an example (issue 16: each new term is
    documented where curators and analysts read)."""
    import re

    from rdflib.namespace import OWL, RDF

    ontology, _ = bundled(bundle)
    guide = (bundle.root / "docs" / "modelling.md").read_text(encoding="utf-8")
    terms = {str(s)[len(str(EVAW)):] for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
             for s in ontology.subjects(RDF.type, kind) if str(s).startswith(str(EVAW))}
    missing = sorted(t for t in terms if not re.search(r"evaw:" + re.escape(t) + r"(?![A-Za-z0-9_])", guide))
    assert missing == []
