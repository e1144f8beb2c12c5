"""The OWL 2 RL closure: one small graph per rule family, and the proof that on the real bundle
our SPARQL rules compute what owlrl (the reference) computes, modulo ``inference.is_trivial``."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from evawkg.graph import inference
from evawkg.graph.formats import format_by_name
from evawkg.graph.inference import INFERRED_GRAPH, infer, inconsistencies, is_trivial, owlrl_reason
from evawkg.graph.store import load_bundle, load_data, load_files, to_rdflib

FIXTURES = Path(__file__).parents[1] / "fixtures" / "store"
PREFIXES = """
@prefix : <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix evaw: <https://evawkg.example.org/ontology#> .
@prefix id: <https://evawkg.example.org/id/> .
"""
EX = "http://example.org/"


def closure(turtle: str) -> set[tuple]:
    """What our rules infer from a small Turtle graph (the asserted triples excluded)."""
    store = ox.Store()
    load_data(store, PREFIXES + turtle, format_by_name("turtle"), source="test", graph=EX + "g")
    infer(store)
    return set(to_rdflib(store, [INFERRED_GRAPH]))


def triples(turtle: str) -> set[tuple]:
    return set(Graph().parse(data=PREFIXES + turtle, format="turtle"))


def assert_matches_owlrl(store: ox.Store, asserted: Graph | None = None, added: Graph | None = None) -> None:
    if asserted is None:
        asserted = to_rdflib(store, [g for g in store.named_graphs() if g != INFERRED_GRAPH])
        added = owlrl_reason(asserted)[0]
    ours = set(to_rdflib(store, [INFERRED_GRAPH]))
    reference = {t for t in added if not is_trivial(t)}
    missing, extra = sorted(reference - ours), sorted(ours - reference)
    assert not missing and not extra, f"owlrl only: {missing[:20]}\nours only: {extra[:20]}"
    assert not any(is_trivial(t) for t in ours)
    assert not ours & set(asserted), "inferred graph repeats asserted triples"


def test_infer_transitive_region_chain_adds_every_ancestor_and_superproperty():
    inferred = closure("""
        evaw:locatedIn a owl:TransitiveProperty ; rdfs:subPropertyOf :containedInPlace .
        id:country\\/TH evaw:locatedIn id:region\\/south-eastern-asia .
        id:region\\/south-eastern-asia evaw:locatedIn id:region\\/asia .
        id:region\\/asia evaw:locatedIn id:region\\/world .
    """)
    expected = triples("""
        id:country\\/TH evaw:locatedIn id:region\\/asia , id:region\\/world .
        id:region\\/south-eastern-asia evaw:locatedIn id:region\\/world .
        id:country\\/TH :containedInPlace id:region\\/south-eastern-asia , id:region\\/asia , id:region\\/world .
        id:region\\/south-eastern-asia :containedInPlace id:region\\/asia , id:region\\/world .
        id:region\\/asia :containedInPlace id:region\\/world .
    """)
    assert inferred == expected


def test_infer_inverse_property_adds_both_directions():
    inferred = closure("""
        :hasActivity owl:inverseOf :wasAssociatedWith .
        :a1 :wasAssociatedWith :unodc .
        :unwomen :hasActivity :a2 .
    """)
    assert inferred == triples(":unodc :hasActivity :a1 . :a2 :wasAssociatedWith :unwomen .")


def test_infer_subproperty_chain_of_subproperties_is_transitive():
    inferred = closure("""
        :symbol rdfs:subPropertyOf :notation . :notation rdfs:subPropertyOf :identifier .
        :r :symbol "A/RES/48/104" .
    """)
    assert inferred == triples("""
        :symbol rdfs:subPropertyOf :identifier .
        :r :notation "A/RES/48/104" ; :identifier "A/RES/48/104" .
    """)


def test_infer_subclass_domain_range_types_resources():
    inferred = closure("""
        :Training rdfs:subClassOf :Activity . :Activity rdfs:subClassOf :ProvActivity .
        :period rdfs:domain :Activity ; rdfs:range :Period .
        :t a :Training . :x :period :p .
    """)
    assert inferred == triples("""
        :Training rdfs:subClassOf :ProvActivity .
        :period rdfs:domain :ProvActivity .
        :t a :Activity , :ProvActivity .
        :x a :Activity , :ProvActivity . :p a :Period .
    """)


def test_infer_symmetric_and_equivalent_terms():
    inferred = closure("""
        :partnersWith a owl:SymmetricProperty . :unodc :partnersWith :unwomen .
        :Org owl:equivalentClass :Organisation . :unodc a :Org .
        :adopts owl:equivalentProperty :adopted . :r :adopts :d .
    """)
    assert inferred == triples("""
        :unwomen :partnersWith :unodc .
        :unodc a :Organisation . :Org rdfs:subClassOf :Organisation . :Organisation rdfs:subClassOf :Org .
        :Organisation owl:equivalentClass :Org .
        :r :adopted :d . :adopts rdfs:subPropertyOf :adopted . :adopted rdfs:subPropertyOf :adopts .
        :adopted owl:equivalentProperty :adopts .
    """)


def test_infer_same_as_copies_statements_both_ways():
    inferred = closure(":th owl:sameAs :thailand . :th :label \"Thailand\" . :x :in :thailand .")
    assert inferred == triples("""
        :thailand owl:sameAs :th . :thailand :label "Thailand" . :x :in :th .
    """)


def test_infer_property_chain_and_lists():
    inferred = closure("""
        :fundedBy owl:propertyChainAxiom ( :partOf :fundedBy ) .
        :spotlight :partOf :un . :un :fundedBy :eu .
        :Agent owl:unionOf ( :Org :Person ) . :unodc a :Org .
        :Both owl:intersectionOf ( :Org :Funder ) . :eu a :Org , :Funder .
    """)
    assert (URIRef(EX + "spotlight"), URIRef(EX + "fundedBy"), URIRef(EX + "eu")) in inferred
    assert triples(":unodc a :Agent . :eu a :Both , :Agent . :Org rdfs:subClassOf :Agent .") <= inferred


def test_infer_never_copies_asserted_triples_and_is_idempotent():
    store = load_files([FIXTURES / "ontology.ttl", FIXTURES / "data.ttl"])
    first = infer(store)
    asserted = to_rdflib(store, [g for g in store.named_graphs() if g != INFERRED_GRAPH])
    inferred = to_rdflib(store, [INFERRED_GRAPH])
    assert first == len(inferred) > 0
    assert not set(asserted) & set(inferred)
    assert infer(store) == first


def test_infer_fixture_equals_owlrl_modulo_trivial_filter():
    store = load_files([FIXTURES / "ontology.ttl", FIXTURES / "data.ttl"])
    infer(store)
    assert_matches_owlrl(store)


def test_is_trivial_excludes_only_tautologies_and_vocabulary_axioms():
    g = triples("""
        :C rdfs:subClassOf :C , owl:Thing . owl:Nothing rdfs:subClassOf :C . :x owl:sameAs :x .
        :x a owl:Thing . :p rdfs:domain owl:Thing . rdfs:label a owl:AnnotationProperty .
        <http://www.w3.org/2001/XMLSchema#string> a rdfs:Datatype .
    """)
    assert all(is_trivial(t) for t in g)
    kept = triples(":C rdfs:subClassOf :D . :x owl:sameAs :y . :x a :C . :p rdfs:domain :C . "
                   ":label a owl:AnnotationProperty .")
    assert not any(is_trivial(t) for t in kept)


def test_inconsistencies_reports_disjoint_classes_sharing_a_member():
    g = Graph().parse(data=PREFIXES + ":Place owl:disjointWith :Activity . :x a :Place , :Activity .",
                      format="turtle")
    messages = inconsistencies(g)
    assert len(messages) == 1 and "Disjoint classes" in messages[0]


@pytest.fixture(scope="module")
def bundled_store(bundle):
    return load_bundle(bundle)


@pytest.fixture(scope="module")
def bundled_reference(bundled_store):
    """owlrl on the bundle's asserted graphs, run once per test session (it takes tens of
    seconds; nothing is cached across runs)."""
    asserted = to_rdflib(bundled_store, [g for g in bundled_store.named_graphs() if g != INFERRED_GRAPH])
    return asserted, *owlrl_reason(asserted)


def test_infer_bundle_equals_owlrl_modulo_trivial_filter(bundled_store, bundled_reference):
    """The proof that the fast rules compute owlrl's closure on the real ontology and data."""
    asserted, added, _ = bundled_reference
    assert len(asserted) > 1000
    assert_matches_owlrl(bundled_store, asserted, added)


def test_inconsistencies_bundle_has_none(bundled_reference):
    assert bundled_reference[2] == []


def test_inferred_graph_constant_is_the_documented_iri():
    assert inference.INFERRED_GRAPH.value == "https://evawkg.example.org/graph/inferred"
