"""``/search``: labels, alternative labels and descriptions in every language, ranked."""

from __future__ import annotations

import pytest

from evawkg.workbench.search import match_kind, rank
from evawkg.workbench.tables import Cell

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
DESCRIPTION = "http://purl.org/dc/terms/description"


@pytest.mark.parametrize(("text", "q", "kind"), [
    ("Namibia", "namibia", "exact"),
    ("Namibia  ", "NAMIBIA", "exact"),
    ("Trafficking in persons", "traff", "prefix"),
    ("Smuggling and trafficking", "traff", "word"),
    ("Anti-trafficking unit", "trafficking", "word"),
    ("Antitrafficking", "trafficking", "substring"),
    ("Police", "trafficking", None),
])
def test_match_kind_orders_exact_prefix_word_substring(text, q, kind):
    assert match_kind(text, q) == kind


def _row(iri, prop, text, language="en"):
    return {"resource": Cell(iri, "uri"), "property": Cell(prop, "uri"),
            "text": Cell(text, "literal", language=language),
            "label": Cell(iri.rsplit("/", 1)[-1], "literal", language="en")}


def test_rank_puts_match_kind_first_then_field_then_length():
    rows = [
        _row("urn:x/desc-exact", DESCRIPTION, "police"),
        _row("urn:x/label-substring", RDFS_LABEL, "Interpolice"),
        _row("urn:x/alt-prefix", ALT_LABEL, "Police officers"),
        _row("urn:x/label-prefix", RDFS_LABEL, "Police officers"),
        _row("urn:x/label-exact", RDFS_LABEL, "Police"),
        _row("urn:x/label-word", RDFS_LABEL, "Training of police"),
    ]
    order = [hit.iri.rsplit("/", 1)[-1] for hit in rank(rows, "police", ["en"], 10)]
    assert order == ["label-exact", "desc-exact", "label-prefix", "alt-prefix", "label-word",
                     "label-substring"]


def test_rank_keeps_each_resource_once_at_its_best_hit():
    rows = [_row("urn:x/a", DESCRIPTION, "about police work"), _row("urn:x/a", RDFS_LABEL, "Police")]
    hits = rank(rows, "police", ["en"], 10)
    assert len(hits) == 1 and (hits[0].field, hits[0].match) == ("label", "exact")


def test_get_search_json_ranks_exact_label_first_and_links_the_page(client):
    body = client.get("/search?q=Namibia").get_json()
    first = body["hits"][0]
    assert first["iri"] == "https://evawkg.example.org/id/country/NA"
    assert (first["field"], first["match"], first["href"]) == ("label", "exact", "/id/country/NA")


def test_get_search_finds_labels_in_other_languages(client):
    body = client.get("/search?q=Namibie&lang=fr").get_json()
    assert body["hits"][0]["iri"].endswith("/id/country/NA") and body["hits"][0]["language"] == "fr"
    assert client.get("/search?q=纳米比亚").get_json()["hits"][0]["iri"].endswith("/id/country/NA")


def test_get_search_finds_alternative_labels_and_descriptions(client):
    fields = {hit["field"] for hit in client.get("/search?q=trafficking&limit=100").get_json()["hits"]}
    assert {"label", "altLabel", "description"} <= fields


def test_get_search_browser_gets_html_with_links(client):
    response = client.get("/search?q=UNODC", headers={"Accept": "text/html"})
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and 'href="/id/organization/unodc"' in page


@pytest.mark.parametrize("query_string", ["q=", "q=%20", "q=" + "x" * 201, "q=a&limit=0",
                                          "q=a&limit=many"])
def test_get_search_bad_request_returns_400(client, query_string):
    response = client.get("/search?" + query_string, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == "bad-request"


def test_get_search_page_without_q_shows_the_form(client):
    response = client.get("/search", headers={"Accept": "text/html"})
    assert response.status_code == 200 and 'name="q"' in response.get_data(as_text=True)


def test_get_search_text_is_a_literal_never_query_text(client):
    body = client.get('/search?q=" } } SELECT * WHERE { ?s ?p ?o').get_json()
    assert body["hits"] == []
