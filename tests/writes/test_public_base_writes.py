"""Writes under a public base (issue 15): a server published at ``https://kg.example.net/data/``
accepts IRIs in either form (the update's text, ``using-graph-uri``, ``graph=``, the body's
RDF), stores the canonical IRI, and names every IRI it answers with (``Location``, ``Link``,
reports of refused writes, graphs read back, the change feed) under the public base."""

from __future__ import annotations

import pytest

from .conftest import BASE, EX, writable_app

PUBLIC = "https://kg.example.net/data/"
UPDATE = "application/sparql-update"
PREFIX = f"PREFIX ex: <{EX}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
THING = "id/thing/"


@pytest.fixture(scope="module")
def published(home, tmp_path_factory):
    state = writable_app(tmp_path_factory.mktemp("published"), public_base=PUBLIC)
    yield state
    state.service.close()


def update(state, text, **headers):
    return state.client().post("/sparql", data=text, content_type=UPDATE,
                               headers={**state.auth(), **headers})


def ask(state, query: str) -> bool:
    response = state.client().get("/sparql", query_string={"query": PREFIX + query},
                                  headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data
    return response.json["boolean"]


def stored(state, query: str) -> bool:
    """ASK the store itself, past the server's mapping of IRIs (what it holds, not shows)."""
    return state.service.call(_ask, PREFIX + query, timeout=20)


def _ask(store, query):
    return bool(store.query(query, use_default_graph_as_union=True))


def test_an_update_naming_public_iris_stores_the_canonical_ones(published):
    text = (PREFIX + f'INSERT DATA {{ GRAPH <{PUBLIC}graph/scratch> {{ <{PUBLIC}{THING}u1> a ex:Widget ; '
            f'rdfs:label "U1" ; rdfs:comment "public form" ; ex:partOf ex:house }} }}')
    response = update(published, text)
    assert response.status_code == 204, response.data
    assert stored(published, f"ASK {{ GRAPH <{BASE}graph/scratch> {{ <{BASE}{THING}u1> a ex:Widget }} }}")
    assert not stored(published, f"ASK {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{PUBLIC}')) }}")
    # queries may name it either way; the commit's link is under the public base
    assert ask(published, f"ASK {{ <{PUBLIC}{THING}u1> a ex:Widget }}")
    assert ask(published, f"ASK {{ <{BASE}{THING}u1> a ex:Widget }}")
    assert response.headers["Link"].startswith(f"<{PUBLIC}changes/")


def test_using_graph_uri_may_be_public(published):
    assert update(published, PREFIX + f'INSERT DATA {{ GRAPH <{BASE}graph/scratch> {{ ex:u2 a ex:Widget ; '
                  'rdfs:label "U2" ; rdfs:comment "c" ; ex:partOf ex:house } }').status_code == 204
    text = PREFIX + 'INSERT { ex:u2 rdfs:seeAlso ex:found } WHERE { ex:u2 a ex:Widget }'
    response = published.client().post(
        "/sparql", data={"update": text, "using-graph-uri": f"{PUBLIC}graph/scratch"},
        headers=published.auth())
    assert response.status_code == 204, response.data
    assert stored(published, "ASK { ex:u2 rdfs:seeAlso ex:found }")


def test_graph_store_put_with_a_public_graph_iri_and_body_stores_canonical_and_reads_back_public(published):
    body = (f'@prefix ex: <{EX}> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
            f'<{PUBLIC}{THING}g1> a ex:Widget ; rdfs:label "G1" ; rdfs:comment "c" ; ex:partOf ex:house .\n'
            f'<g2> a ex:Thing ; rdfs:label "G2" ; rdfs:comment "relative to the graph" .\n')
    graph = f"{PUBLIC}graph/gsp-public"
    response = published.client().put("/graph-store", query_string={"graph": graph}, data=body,
                                      content_type="text/turtle", headers=published.auth())
    assert response.status_code == 201, response.data
    assert stored(published, f"ASK {{ GRAPH <{BASE}graph/gsp-public> {{ <{BASE}{THING}g1> a ex:Widget . "
                             f"<{BASE}graph/g2> a ex:Thing }} }}")
    read = published.client().get("/graph-store", query_string={"graph": graph},
                                  headers={"Accept": "application/n-triples"})
    assert read.status_code == 200
    text = read.data.decode()
    assert f"<{PUBLIC}{THING}g1>" in text and f"<{PUBLIC}graph/g2>" in text
    assert BASE not in text


def test_a_new_graph_s_location_is_public(published):
    body = f'<{EX}n1> a <{EX}Thing> ; <http://www.w3.org/2000/01/rdf-schema#label> "N1" .'
    response = published.client().post("/graph-store", data=body, content_type="text/turtle",
                                       headers=published.auth())
    assert response.status_code == 201, response.data
    location = response.headers["Location"]
    assert location.startswith(PUBLIC + "graph/")
    assert stored(published, f"ASK {{ GRAPH <{BASE}{location[len(PUBLIC):]}> {{ <{EX}n1> a <{EX}Thing> }} }}")


def test_a_refused_write_s_report_names_public_iris(published):
    text = PREFIX + f'INSERT DATA {{ GRAPH <{PUBLIC}graph/scratch> {{ <{PUBLIC}{THING}bad> a ex:Thing }} }}'
    response = update(published, text, Accept="application/json")
    assert response.status_code == 422, response.data
    foci = {result["focus"]["value"] for result in response.json["results"]}
    assert f"{PUBLIC}{THING}bad" in foci
    assert not any(focus.startswith(BASE) for focus in foci)
    turtle = update(published, text, Accept="text/turtle")
    assert turtle.status_code == 422 and f"{PUBLIC}shapes#" in turtle.data.decode()
    assert BASE not in turtle.data.decode()


def test_the_change_feed_names_public_iris(published):
    text = (PREFIX + f'INSERT DATA {{ GRAPH <{PUBLIC}graph/scratch> {{ <{PUBLIC}{THING}c1> a ex:Widget ; '
            f'rdfs:label "C1" ; rdfs:comment "c" ; ex:partOf ex:house }} }}')
    response = update(published, text)
    assert response.status_code == 204, response.data
    link = response.headers["Link"].split(">")[0][1:]
    seq = link.rsplit("/", 1)[1]
    change = published.client().get(f"/changes/{seq}", headers={"Accept": "application/json"})
    entry = change.json
    assert entry["iri"] == f"{PUBLIC}changes/{seq}" and entry["href"] == link
    assert entry["graphs"] == [f"{PUBLIC}graph/scratch"]
    assert f"<{PUBLIC}{THING}c1>" in entry["added"] and BASE not in entry["added"]
    patch = published.client().get(f"/changes/{seq}.rdfp").data.decode()
    assert f"H id <{PUBLIC}changes/{seq}>" in patch and f"<{PUBLIC}{THING}c1>" in patch
    assert BASE not in patch
    feed = published.client().get("/changes", headers={"Accept": "application/json"}).json
    assert all(item["iri"].startswith(PUBLIC) for item in feed["changes"])
    atom = published.client().get("/changes", headers={"Accept": "application/atom+xml"}).data
    assert BASE.encode() not in atom
    # the commit's own record in graph/changes is published like every query answer
    rows = published.client().get("/sparql", query_string={"query": (
        f"SELECT ?c WHERE {{ GRAPH ?g {{ ?c a <http://www.w3.org/ns/prov#Activity> }} "
        f"FILTER(?c = <{PUBLIC}changes/{seq}>) }}")},
        headers={"Accept": "application/sparql-results+json"}).json["results"]["bindings"]
    assert [row["c"]["value"] for row in rows] == [f"{PUBLIC}changes/{seq}"]
