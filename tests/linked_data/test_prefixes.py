"""Prefixes that work (issue 15): every kind of resource has its own prefix, predeclared at
``/sparql``, used in every Turtle and TriG output and in the JSON-LD context; each Turtle or
TriG document declares exactly the prefixes it uses; and a prefixed name run on by a slash
(``id:country/TH``) gets a 400 that says how to write it."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import pytest

from evawkg.graph.jsonld import build_context
from evawkg.graph.prefixed import serialize_with_prefixes, used_prefixes
from evawkg.namespaces import ID, ID_KINDS, PREFIXES

BASE = "https://evawkg.example.org/"
PREFIX_LINE = re.compile(r"^@prefix ([\w.\-]*): <([^>]*)> \.$", re.M)
STRINGS_AND_IRIS = re.compile(r'"(?:[^"\\\n]|\\.)*"|<[^>\s]*>')


def declared_and_used(turtle: str) -> tuple[set[str], set[str]]:
    """The prefixes a Turtle/TriG document declares, and those its body writes names with."""
    declared = {name for name, _namespace in PREFIX_LINE.findall(turtle)}
    body = STRINGS_AND_IRIS.sub("", PREFIX_LINE.sub("", turtle))
    used = set(re.findall(r"(?<![\w.\-:])([A-Za-z][\w\-.]*):(?=[\w\\%(])", body))
    return declared, used


def assert_declares_exactly_what_it_uses(turtle: str) -> set[str]:
    declared, used = declared_and_used(turtle)
    assert declared == used, f"declared but unused: {declared - used}; used undeclared: {used - declared}"
    assert "id:country\\/" not in turtle and "id:activity\\/" not in turtle
    return used


def test_every_kind_of_resource_in_the_bundle_has_its_own_prefix(store):
    kinds = set()
    for quad in store:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(str(ID)):
                kinds.add(term.value[len(str(ID)):].split("/")[0])
    assert kinds <= set(ID_KINDS), f"kinds without a prefix: {kinds - set(ID_KINDS)}"
    for kind in ID_KINDS:
        assert PREFIXES[kind] == f"{ID}{kind}/"


@pytest.mark.parametrize("name", ["country:TH", "organization:unodc", "instrument:a-res-65-229",
                                  "activity:unodc-2013-03-durango-training", "topic:trafficking-in-persons",
                                  "region:world", "period:2010-11_2010-11", "place:bangkok",
                                  "publication:toolkit-on-gender", "subdivision:IN-RJ", "role:lead",
                                  "record:58c9d736-2a12-4ff0-86d0-bf8bb7a89f1f", "scheme:topics",
                                  "citation:domain-notes", "quantity-kind:people-trained",
                                  "activity-type:training", "target-group:girls", "graph:activities"])
def test_kind_prefixes_are_predeclared_at_sparql(client, name):
    response = client.get("/sparql", query_string={"query": f"ASK {{ {{ {name} ?p ?o }} UNION {{ ?s ?p {name} }} "
                                                             f"UNION {{ GRAPH {name} {{ ?s ?p ?o }} }} }}"},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert json.loads(response.data)["boolean"] is True


def test_resource_turtle_uses_kind_prefixes_and_declares_only_those_used(client):
    turtle = client.get("/id/country/TH.ttl").get_data(as_text=True)
    used = assert_declares_exactly_what_it_uses(turtle)
    assert {"country", "region", "activity", "evaw"} <= used
    assert "country:TH" in turtle
    assert "organization" not in used  # Thailand's page names no organisation


@pytest.mark.parametrize("path", ["/id/organization/unodc.trig", "/id/activity/unodc-rosaf-2011-law-enforcement-workshop.ttl",
                                  "/ontology.ttl", "/id/instrument/a-res-50-166.ttl", "/graph/activities.ttl"])
def test_every_resource_document_declares_exactly_what_it_uses(client, path):
    assert_declares_exactly_what_it_uses(client.get(path).get_data(as_text=True))


@pytest.mark.parametrize("accept", ["text/turtle", "application/trig"])
def test_sparql_graph_answers_declare_exactly_what_they_use(client, accept):
    response = client.get("/sparql", query_string={"query": "DESCRIBE organization:unodc"},
                          headers={"Accept": accept})
    used = assert_declares_exactly_what_it_uses(response.get_data(as_text=True))
    assert "organization" in used


def test_void_and_service_description_declare_exactly_what_they_use(client):
    assert_declares_exactly_what_it_uses(client.get("/.well-known/void",
                                                    headers={"Accept": "text/turtle"}).get_data(as_text=True))
    assert_declares_exactly_what_it_uses(client.get("/sparql", headers={"Accept": "text/turtle"})
                                         .get_data(as_text=True))


def test_turtle_dumps_declare_exactly_what_they_use(client):
    for name in ("evawkg.ttl", "evawkg-inferred.ttl"):
        used = assert_declares_exactly_what_it_uses(client.get(f"/dumps/{name}").get_data(as_text=True))
        assert name != "evawkg.ttl" or {"country", "activity", "organization", "topic"} <= used


def test_jsonld_context_holds_the_kind_prefixes_and_keeps_property_names():
    context = build_context()
    for kind in ("country", "activity", "organization", "instrument", "region", "period",
                 "publication", "place", "record", "activity-type", "quantity-kind"):
        assert context[kind] == f"{BASE}id/{kind}/"
    # Named like a property: the property keeps the term, the kind compacts as id:topic/….
    for name in ("topic", "status", "qualifier", "approach", "indicator"):
        assert context[name]["@id"] == f"evaw:{name}"


def test_sparql_jsonld_context_declares_only_the_prefixes_it_uses(client):
    response = client.get("/sparql", query_string={"query": "DESCRIBE country:TH"},
                          headers={"Accept": "application/ld+json"})
    context = json.loads(response.data)["@context"]
    assert {"country", "evaw"} <= set(context) and "organization" not in context


# --- the 400 for a slash in a prefixed name ---------------------------------------------------

@pytest.mark.parametrize(("query", "advice"), [
    ("SELECT * WHERE { id:country/TH ?p ?o }", ["country:TH", "id:country\\/TH"]),
    ("SELECT ?l WHERE { id:activity/unodc-2013-03-durango-training rdfs:label ?l }",
     ["activity:unodc-2013-03-durango-training", "id:activity\\/unodc-2013-03-durango-training"]),
    ("PREFIX ex: <http://example.org/> SELECT * WHERE { ex:a/b ?p ?o }", ["ex:a\\/b"]),
])
def test_slash_in_a_prefixed_name_gets_a_400_saying_how_to_write_it(client, query, advice):
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    message = json.loads(response.data)["message"]
    assert "prefixed name cannot hold an unescaped \"/\"" in message
    for form in advice:
        assert form in message


def test_other_syntax_errors_get_no_slash_advice(client):
    for query in ("SELECT * WHERE { ?s evaw:locatedIn/evaw:m49Code ?o ", "SELECT * WHERE { ?s ?p 'id:country/TH' "):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/json"})
        assert response.status_code == 400
        assert "unescaped" not in json.loads(response.data)["message"]


# --- the writer itself ---------------------------------------------------------------------------

def test_serializer_drops_prefixes_the_turtle_writes_no_name_with():
    s = ox.NamedNode(BASE + "id/country/TH")
    triples = [
        ox.Triple(s, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(BASE + "ontology#Country")),
        ox.Triple(s, ox.NamedNode(BASE + "ontology#count"), ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
        ox.Triple(s, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal("see organization:unodc <x>")),
    ]
    # rdf:type is written "a" and 3 bare: neither rdf: nor xsd: is declared; a name in a string is no use.
    assert set(used_prefixes(triples, PREFIXES)) == {"country", "evaw", "rdf", "xsd", "rdfs"}
    turtle = serialize_with_prefixes(triples, ox.RdfFormat.TURTLE, PREFIXES).decode()
    declared, _ = declared_and_used(turtle)
    assert declared == {"country", "evaw", "rdfs"}
    assert turtle.startswith("@prefix country:")  # sorted by name
    assert {(q.subject, q.predicate, q.object) for q in ox.parse(turtle.encode(), ox.RdfFormat.TURTLE)} == \
        {(t.subject, t.predicate, t.object) for t in triples}
