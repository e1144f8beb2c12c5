"""The store engine against pySHACL, the oracle: the same results (focus node, path, value,
severity, source shape, source constraint component, message) on the bundle, on every failing
fixture of tests/fixtures/shapes, and on random graphs built from the project's shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evawkg.graph.store import load_bundle, to_rdflib
from evawkg.shacl import engine, validation

from .oracle import (BASE, differences, fixture_files, pyshacl_fixture_report, pyshacl_report,
                     store_fixture_report, store_report)


def test_bundle_gives_the_same_results_on_both_engines(bundle):
    store = load_bundle(bundle, infer=False)
    on_store = engine.validate(store)
    data = to_rdflib(store, [source.graph for source in bundle.data_sources()])
    by_pyshacl = validation.validate(data)
    assert on_store.results, "the bundle has warnings: the comparison must compare something"
    assert differences(on_store, by_pyshacl) == ""


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.stem)
def test_fixture_gives_the_same_results_on_both_engines(path: Path):
    on_store = store_fixture_report(path)
    assert not on_store.conforms or on_store.results, f"{path.name} breaks nothing"
    assert differences(on_store, pyshacl_fixture_report(path)) == ""


# ----------------------------------------------------------------------------- random graphs

def _id(path: str) -> str:
    return f"<https://evawkg.example.org/id/{path}>"


_SUBJECTS = [_id("activity/test"), _id("activity/x"), _id("country/XX"), _id("region/test-region"),
             _id("organization/unodc"), _id("period/2009-10_2010-02"), _id("record/r"), "_:b1",
             "_:b2"]
_CLASSES = ["evaw:Activity", "evaw:Measure", "evaw:Country", "evaw:Region", "evaw:Subdivision",
            "evaw:City", "evaw:ReportingPeriod", "evaw:Period", "time:Instant", "prov:Association",
            "evaw:ParticipationCount", "evaw:InventoryRecord", "evaw:Resolution", "skos:Concept",
            "evaw:UNEntity", "evaw:Publication"]
_PREDICATES = ["rdfs:label", "skos:prefLabel", "dcterms:source", "evaw:activityType", "evaw:topic",
               "evaw:reportingPeriod", "time:hasBeginning", "time:hasEnd", "time:inXSDgYearMonth",
               "time:inXSDDate", "evaw:count", "evaw:iso3166Alpha2", "evaw:m49Code",
               "evaw:locatedIn", "prov:wasAssociatedWith", "prov:qualifiedAssociation",
               "prov:agent", "prov:hadRole", "evaw:hasParticipationCount", "evaw:pursuantTo",
               "skos:broader", "skos:notation", "evaw:minimumValue", "evaw:maximumValue",
               "evaw:proportion", "evaw:itemId", "prov:atLocation", "evaw:partOfActivity"]
_OBJECTS = [_id("country/TH"), _id("region/world"), _id("region/asia"),
            _id("topic/trafficking-in-persons"), _id("activity-type/training"),
            _id("organization/unodc"), _id("role/partner"), _id("period/2009-10_2010-02"),
            _id("instrument/a-res-48-104"), "_:b1", "_:b2",
            '"a label"@en', '"ein Etikett"@de', '"another"@en', '"plain"', '"TH"', '"th"', '"764"',
            '"12"^^xsd:integer', '"abc"^^xsd:integer', '"300"^^xsd:byte', '"0.5"^^xsd:decimal',
            '"50"^^xsd:decimal', '"2009-10"^^xsd:gYearMonth', '"2009-1"^^xsd:gYearMonth',
            '"2010-02-30"^^xsd:date', '"2010-02-28"^^xsd:date', '"2008"^^xsd:gYear',
            '"{00000000-0000-0000-0000-00000000000A}"', "<https://example.org/source>"]

_PROLOGUE = b"""@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix evaw: <https://evawkg.example.org/ontology#> .
@prefix id: <https://evawkg.example.org/id/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

_triple = st.one_of(
    st.tuples(st.sampled_from(_SUBJECTS), st.just("a"), st.sampled_from(_CLASSES)),
    st.tuples(st.sampled_from(_SUBJECTS), st.sampled_from(_PREDICATES), st.sampled_from(_OBJECTS)))


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_triple, min_size=1, max_size=12))
def test_random_graph_gives_the_same_results_on_both_engines(triples):
    """Random statements about the base graph's resources and some new ones, with well- and
    ill-typed literals, language tags and blank nodes, added to the base graph."""
    added = _PROLOGUE + "".join(f"{s} {p} {o} .\n" for s, p, o in triples).encode()
    documents = [BASE.read_bytes(), added]
    assert differences(store_report(documents), pyshacl_report(documents)) == ""
