"""The one JSON-LD writer (evawkg.graph.jsonld.compact): whatever the context, the document
parses back (context inline, nothing fetched) to a graph isomorphic to the input, with terms
chosen only where their definition fits the value."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from evawkg.graph.jsonld import build_context, compact, prefix_context
from evawkg.graph.store import load_bundle
from evawkg.namespaces import PREFIXES

EVAW = PREFIXES["evaw"]
TRICKY = f"""
@prefix evaw: <{EVAW}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{PREFIXES['id']}activity/a> a evaw:Activity, <http://other.example/Kind> ;
    rdfs:label "plain label", "étiquette"@fr, "label"@en ;
    skos:prefLabel "typed"^^xsd:token ;
    evaw:locatedIn <{PREFIXES['id']}country/TH>, "not an IRI", _:place ;
    <http://other.example/p> "1"^^xsd:integer, "01"^^xsd:integer, "x"@en-GB ;
    <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "a literal type" .
_:place rdfs:label "somewhere" ; <http://other.example/next> _:shared .
<{PREFIXES['id']}activity/b> <http://other.example/q> _:shared .
<{PREFIXES['id']}activity/c> <http://other.example/q> _:shared .
_:shared rdfs:label "referenced twice" .
"""


def parse_back(document: bytes, context: dict) -> rdflib.Graph:
    data = json.loads(document)
    data["@context"] = context
    quads = ox.parse(json.dumps(data).encode(), format=ox.RdfFormat.JSON_LD)
    return rdflib.Graph().parse(data=ox.serialize([q.triple for q in quads],
                                                  format=ox.RdfFormat.N_TRIPLES), format="nt")


def as_rdflib(triples: list[ox.Triple]) -> rdflib.Graph:
    return rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES),
                                format="nt")


@pytest.fixture(scope="module")
def bundle_triples() -> list[ox.Triple]:
    return list({quad.triple for quad in load_bundle()})


@pytest.mark.parametrize("absolute_ids", [False, True])
@pytest.mark.parametrize("context_name", ["terms", "prefixes"])
def test_compact_bundle_parses_back_isomorphic(bundle_triples, context_name, absolute_ids):
    context = build_context() if context_name == "terms" else prefix_context(PREFIXES)
    document = compact(bundle_triples, context, absolute_ids=absolute_ids)
    assert isomorphic(parse_back(document, context), as_rdflib(bundle_triples))


@pytest.mark.parametrize("context_name", ["terms", "prefixes"])
def test_compact_tricky_values_parse_back_isomorphic(context_name):
    triples = [q.triple for q in ox.parse(TRICKY.encode(), format=ox.RdfFormat.TURTLE)]
    context = build_context() if context_name == "terms" else prefix_context(PREFIXES)
    document = compact(triples, context)
    assert isomorphic(parse_back(document, context), as_rdflib(triples))


def test_compact_uses_terms_only_where_they_fit():
    triples = [q.triple for q in ox.parse(TRICKY.encode(), format=ox.RdfFormat.TURTLE)]
    document = json.loads(compact(triples, build_context(), absolute_ids=True,
                                  first=PREFIXES["id"] + "activity/a"))
    node = document["@graph"][0]
    assert node["@id"] == PREFIXES["id"] + "activity/a"
    assert node["@type"] == ["Activity", "http://other.example/Kind"]
    # the language map holds the tagged labels; the plain one goes under the compact IRI
    assert node["label"] == {"en": "label", "fr": "étiquette"}
    assert node["rdfs:label"] == "plain label"
    # an object property keeps IRIs as strings, a literal as a value object
    located = node["locatedIn"]
    assert PREFIXES["id"] + "country/TH" in located and {"@value": "not an IRI"} in located
    # a blank node referenced once is embedded where it is referenced (no @id of its own);
    # one referenced twice stays a node of the graph, referenced by its identifier
    embedded = [v for v in located if isinstance(v, dict) and "rdfs:label" in v]
    assert len(embedded) == 1 and embedded[0]["rdfs:label"] == "somewhere"
    assert "@id" not in embedded[0]
    shared = embedded[0]["http://other.example/next"]["@id"]
    assert any(n["@id"] == shared and n["rdfs:label"] == "referenced twice"
               for n in document["@graph"])
    # lexical forms are kept, never turned into JSON numbers
    assert {"@value": "01", "@type": "xsd:integer"} in node["http://other.example/p"]


def test_compact_rdflib_graph_input_equals_triples_input():
    triples = [q.triple for q in ox.parse(TRICKY.encode(), format=ox.RdfFormat.TURTLE)]
    graph = as_rdflib(triples)
    context = prefix_context(PREFIXES)
    assert isomorphic(parse_back(compact(graph, context), context), graph)


def _turtle(text: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE)]


CHAIN = 500


@pytest.mark.parametrize(("name", "text"), [
    ("two blank nodes in a cycle", "_:a <http://x/p> _:b . _:b <http://x/p> _:a ."),
    ("three in a cycle, and a named node",
     "_:a <http://x/p> _:b . _:b <http://x/p> _:c . _:c <http://x/p> _:a . <http://x/n> <http://x/q> 1 ."),
    ("a cycle entered from a named node",
     "<http://x/n> <http://x/q> _:a . _:a <http://x/p> _:b . _:b <http://x/p> _:a ."),
    ("a blank node referring to itself", "_:a <http://x/p> _:a ."),
    ("a chain of blank nodes deeper than embedding goes",
     " ".join(f"_:n{i} <http://x/next> _:n{i + 1} ." for i in range(CHAIN))
     + f" <http://x/head> <http://x/first> _:n0 . _:n{CHAIN} <http://x/v> 1 ."),
])
def test_compact_keeps_every_blank_node_of_cycles_and_long_chains(name, text):
    triples = _turtle(text)
    context = prefix_context(PREFIXES)
    document = compact(triples, context)
    assert isomorphic(parse_back(document, context), as_rdflib(triples)), name


def test_compact_embeds_a_blank_node_referenced_once_in_its_referrer():
    triples = _turtle("<http://x/n> <http://x/q> _:a . _:a <http://x/p> \"v\" .")
    graph = json.loads(compact(triples, prefix_context(PREFIXES)))["@graph"]
    assert graph == [{"@id": "http://x/n", "http://x/q": {"http://x/p": "v"}}]


def test_compact_refuses_triple_terms_as_not_acceptable_naming_formats():
    from evawkg.errors import NotAcceptable

    triple = ox.Triple(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"),
                       ox.Triple(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/b"),
                                 ox.NamedNode("http://x/c")))
    with pytest.raises(NotAcceptable, match="Turtle, TriG, N-Triples or N-Quads"):
        compact([triple], prefix_context(PREFIXES))
