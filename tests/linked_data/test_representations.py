"""Every RDF representation of a resource is the same graph; JSON-LD is compacted with the
project's context and round-trips; inferred statements are kept apart; ETag and 304."""

from __future__ import annotations

import json
import warnings

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from evawkg.graph.jsonld import build_context, ontology_version
from evawkg.graph.inference import INFERRED_GRAPH
from evawkg.linked_data.description import Describer

BASE = "https://evawkg.example.org/"
RESOURCES = ["/id/country/TH", "/id/organization/unodc", "/id/instrument/a-res-52-86",
             "/id/activity/unodc-2009-10-expert-group-meeting-women-in-detention", "/ontology"]
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"


def parse_jsonld(text: str, context: dict) -> rdflib.Graph:
    """Parse served JSON-LD with its context given inline: nothing is fetched."""
    document = json.loads(text)
    document["@context"] = context
    with warnings.catch_warnings():
        # Known gap: rdflib's JSON-LD parser warns about its own internal ConjunctiveGraph.
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return rdflib.Graph().parse(data=json.dumps(document), format="json-ld")


def fetch(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", RESOURCES)
def test_rdf_representations_of_resource_are_isomorphic(client, path):
    turtle = rdflib.Graph().parse(data=fetch(client, path + ".ttl"), format="turtle")
    ntriples = rdflib.Graph().parse(data=fetch(client, path + ".nt"), format="nt")
    rdfxml = rdflib.Graph().parse(data=fetch(client, path + ".rdf"), format="xml")
    jsonld = parse_jsonld(fetch(client, path + ".jsonld"), build_context())
    assert len(turtle) > 10
    assert isomorphic(turtle, ntriples)
    assert isomorphic(turtle, rdfxml)
    assert isomorphic(turtle, jsonld)


def test_jsonld_expanded_by_pyoxigraph_gives_the_same_graph(client):
    document = json.loads(fetch(client, "/id/country/TH.jsonld"))
    document["@context"] = build_context()
    expanded = ox.parse(json.dumps(document).encode(), ox.RdfFormat.JSON_LD)
    via_oxigraph = rdflib.Graph().parse(data=ox.serialize(list(expanded), format=ox.RdfFormat.N_TRIPLES),
                                        format="nt")
    turtle = rdflib.Graph().parse(data=fetch(client, "/id/country/TH.ttl"), format="turtle")
    assert isomorphic(via_oxigraph, turtle)


def test_resource_description_holds_cbd_inbound_links_and_labels(client):
    graph = rdflib.Graph().parse(data=fetch(client, "/id/country/TH.ttl"), format="turtle")
    th = rdflib.URIRef(BASE + "id/country/TH")
    activity = rdflib.URIRef(BASE + "id/activity/unodc-2009-10-expert-group-meeting-women-in-detention")
    region = rdflib.URIRef(BASE + "id/region/south-eastern-asia")
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    assert (th, rdflib.URIRef(BASE + "ontology#iso3166Alpha2"), rdflib.Literal("TH")) in graph
    assert (activity, prov.atLocation, th) in graph  # inbound: the activity held there
    assert graph.value(activity, rdflib.RDFS.label) is not None  # its label, for display
    assert graph.value(region, rdflib.RDFS.label) is not None  # label of a linked resource
    assert (th, rdflib.URIRef(BASE + "ontology#locatedIn"), rdflib.URIRef(BASE + "id/region/world")) in graph


def test_blank_nodes_are_embedded_with_their_owner(client):
    graph = rdflib.Graph().parse(data=fetch(client, "/id/organization/unodc.ttl"), format="turtle")
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    unodc = rdflib.URIRef(BASE + "id/organization/unodc")
    associations = list(graph.subjects(prov.agent, unodc))
    assert associations and all(isinstance(a, rdflib.BNode) for a in associations)
    for association in associations:
        assert graph.value(None, prov.qualifiedAssociation, association) is not None
        assert graph.value(association, prov.hadRole) is not None


def test_trig_keeps_inferred_statements_in_their_graph(client, store):
    quads = list(ox.parse(fetch(client, "/id/country/TH.trig").encode(), ox.RdfFormat.TRIG))
    inferred = {q.triple for q in quads if q.graph_name == INFERRED_GRAPH}
    asserted = {q.triple for q in quads if q.graph_name == ox.DefaultGraph()}
    th = ox.NamedNode(BASE + "id/country/TH")
    located_in_world = ox.Triple(th, ox.NamedNode(BASE + "ontology#locatedIn"),
                                 ox.NamedNode(BASE + "id/region/world"))
    assert located_in_world in inferred
    assert located_in_world not in asserted
    assert ox.Triple(th, ox.NamedNode(BASE + "ontology#iso3166Alpha2"), ox.Literal("TH")) in asserted
    description = Describer(store).describe(BASE + "id/country/TH")
    assert {s.triple for s in description.about if s.inferred} == {
        q.triple for q in store.quads_for_pattern(ox.NamedNode(BASE + "id/country/TH"), None, None,
                                                  INFERRED_GRAPH)} - {
        s.triple for s in description.about if not s.inferred}


def test_jsonld_is_compacted_with_versioned_context_announced_by_link(client):
    response = client.get("/id/country/TH", headers={"Accept": "application/ld+json"})
    document = response.get_json(force=True)
    version = ontology_version()
    assert document["@context"].endswith(f"/context/v{version}.jsonld")
    assert f'rel="{CONTEXT_REL}"' in response.headers["Link"]
    assert document["@context"] in response.headers["Link"]
    first = document["@graph"][0]
    assert first["@id"] == BASE + "id/country/TH"
    assert first["iso3166Alpha2"] == "TH"
    assert first["label"]["fr"] == "Thaïlande"


def test_context_is_served_at_stable_and_versioned_urls(client):
    version = ontology_version()
    versioned = client.get(f"/context/v{version}.jsonld")
    current = client.get("/context.jsonld")
    assert versioned.status_code == current.status_code == 200
    assert versioned.mimetype == "application/ld+json"
    assert versioned.get_json(force=True) == current.get_json(force=True) == {"@context": build_context()}
    assert "immutable" in versioned.headers["Cache-Control"]
    assert current.headers["Content-Location"] == f"/context/v{version}.jsonld"
    assert client.get("/context/v0.0.0-none.jsonld").status_code == 404


def test_context_defines_ontology_terms_with_their_types():
    context = build_context()
    assert context["evaw"] == BASE + "ontology#"
    assert context["Country"] == "evaw:Country"
    assert context["locatedIn"] == {"@id": "evaw:locatedIn", "@type": "@id"}
    assert all(not str(value).startswith("http") or key in context
               for key, value in context.items())


@pytest.mark.parametrize("path", ["/id/country/TH", "/id/country/TH.html", "/ontology", "/",
                                  "/index/", "/index/evaw:Country", "/dumps/", "/dumps/evawkg.ttl",
                                  "/dumps/evawkg.nt.gz", "/.well-known/void", "/context.jsonld"])
def test_get_with_matching_etag_returns_304(client, path):
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


@pytest.mark.parametrize("path, status", [
    ("/index/evaw:Country", 304), ("/id/country/TH", 304), ("/index/evaw:NoSuchClass", 404),
    ("/index/evaw:Country?page=999", 404), ("/index/nope:Thing", 404), ("/id/country/XX", 404)])
def test_if_none_match_star_is_304_only_for_what_exists(client, path, status):
    """``If-None-Match: *`` holds when a representation exists (RFC 9110 section 13.1.2): an
    index was checked before its class was, so every class and page that does not exist was a
    304, as if the client held it."""
    assert client.get(path, headers={"If-None-Match": "*"}).status_code == status


@pytest.mark.parametrize("path, accept", [
    ("/id/country/TH", "text/html"), ("/id/country/TH", "text/turtle"), ("/id/country/TH.jsonld", None),
    ("/ontology", "text/html"), ("/index/", "text/html"), ("/index/evaw:Country", "text/html"),
    ("/", "text/html"), ("/.well-known/void", None), ("/context.jsonld", None),
    ("/context/v0.1.0.jsonld", None)])
def test_304_carries_the_vary_content_location_and_cache_control_of_the_200(client, path, accept):
    """The 304s said only ``Vary: Accept`` where the 200 said ``Accept, Accept-Language``, and
    left out Content-Location and Cache-Control: RFC 9110 section 15.4.5 requires them, and a
    cache refreshing its stored headers from the 304 would stop varying on the language."""
    headers = {"Accept": accept, "Accept-Language": "fr"} if accept else {"Accept-Language": "fr"}
    first = client.get(path, headers=headers)
    assert first.status_code == 200
    again = client.get(path, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    for name in ("Vary", "Content-Location", "Cache-Control", "ETag"):
        assert again.headers.get(name) == first.headers.get(name), name


@pytest.mark.parametrize("path", ["/dumps/evawkg.ttl", "/dumps/evawkg.nt.gz", "/assets/style.css"])
def test_if_match_that_fails_gets_412_with_a_short_error_not_the_file(client, path):
    """werkzeug's conditional answer turned the status to 412 and kept the whole file as its
    body (706 KB of Turtle for the dump)."""
    with client.get(path) as current:  # closed: a static file's handle
        assert current.status_code == 200 and len(current.data) > 1000
    refused = client.get(path, headers={"If-Match": '"nope"', "Accept": "application/json"})
    assert refused.status_code == 412
    assert refused.mimetype == "application/json"
    body = refused.get_json()
    assert body["error"] == "precondition-failed" and "If-Match" in body["message"]
    assert current.headers["ETag"] in body["message"]
    assert len(refused.data) < 1000
    assert "Content-Disposition" not in refused.headers
    with client.get(path, headers={"If-Match": current.headers["ETag"]}) as matching:
        assert matching.status_code == 200 and matching.data == current.data


def test_etag_differs_by_representation_and_language(client):
    turtle = client.get("/id/country/TH.ttl").headers["ETag"]
    html_en = client.get("/id/country/TH.html", headers={"Accept-Language": "en"}).headers["ETag"]
    html_fr = client.get("/id/country/TH.html", headers={"Accept-Language": "fr"}).headers["ETag"]
    assert len({turtle, html_en, html_fr}) == 3


def test_labels_in_the_language_asked_are_marked_with_it_and_every_label_sets_its_direction(client):
    """An Arabic label linked from a page asked in Arabic had no ``lang`` (only a fallback got
    one) and no direction: read aloud in the page's English and laid out left to right."""
    text = client.get("/id/region/south-eastern-asia.html", headers={"Accept-Language": "ar"}
                      ).get_data(as_text=True)
    assert '<a href="/id/country/TH" lang="ar" dir="auto">تايلاند</a>' in text
    assert '<h1 lang="en" dir="auto">South-eastern Asia</h1>' in text  # no Arabic name: English
    english = client.get("/id/region/south-eastern-asia.html").get_data(as_text=True)
    assert '<a href="/id/country/TH" lang="en" dir="auto">Thailand</a>' in english


@pytest.mark.parametrize(("language", "label"), [("fr", "Thaïlande"), ("zh", "泰国"), ("ar", "تايلاند"),
                                                 ("ru", "Таиланд"), ("es", "Tailandia"),
                                                 ("de, en;q=0.5", "Thailand"), ("sw", "Thailand")])
def test_html_labels_follow_accept_language_with_fallback(client, language, label):
    response = client.get("/id/country/TH.html", headers={"Accept-Language": language})
    shown = language if language in ("fr", "zh", "ar", "ru", "es") else "en"
    assert f'<h1 lang="{shown}" dir="auto">{label}</h1>' in response.get_data(as_text=True)
    assert "Accept-Language" in response.headers["Vary"]


def test_an_index_is_html_json_or_csv_with_published_iris_and_labels_in_the_language_asked(client):
    """An index was HTML whatever Accept said (image/png got 200 HTML); a program could only
    list a class's instances with SPARQL."""
    import csv
    import io

    listing = client.get("/index/evaw:Country", headers={"Accept": "application/json",
                                                          "Accept-Language": "fr"})
    assert listing.status_code == 200 and listing.mimetype == "application/json"
    assert "Accept-Language" in listing.headers["Vary"]
    body = listing.get_json()
    assert body["class"] == "https://evawkg.example.org/ontology#Country"
    assert body["total"] == len(body["instances"]) > 200 and body["next"] is None
    thailand = next(i for i in body["instances"] if i["iri"].endswith("/id/country/TH"))
    assert thailand == {"label": "Thaïlande", "href": "/id/country/TH",
                        "iri": "https://evawkg.example.org/id/country/TH"}
    rows = list(csv.reader(io.StringIO(client.get("/index/evaw:Country?format=csv")
                                       .get_data(as_text=True))))
    assert rows[0] == ["iri", "label"] and ["https://evawkg.example.org/id/country/TH",
                                            "Thailand"] in rows
    classes = client.get("/index/", headers={"Accept": "application/json"}).get_json()["classes"]
    country = next(c for c in classes if c["curie"] == "evaw:Country")
    assert country["count"] == body["total"]
    assert client.get("/index/evaw:Country", headers={"Accept": "image/png"}).status_code == 406
    page = client.get("/index/evaw:Country", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<link rel="alternate" type="application/json" href="?page=1&amp;format=json">' in page


def test_dump_listing_says_the_jsonld_dump_is_compacted_as_it_is(client):
    """The listing called evawkg.jsonld 'JSON-LD (expanded)'; it is compacted with the project's
    context, written inline: a client reading it as expanded JSON-LD finds no full IRIs."""
    dump = json.loads(client.get("/dumps/evawkg.jsonld").data)
    assert isinstance(dump["@context"], dict) and "@graph" in dump
    page = client.get("/dumps/", headers={"Accept": "text/html"}).get_data(as_text=True)
    row = page.split('href="/dumps/evawkg.jsonld"')[1].split("</tr>")[0]
    assert "compacted" in row and "expanded" not in row


def test_index_page_given_twice_with_different_numbers_is_400(client):
    """?page=1&page=2 answered page 1, silently."""
    response = client.get("/index/evaw:Country?page=1&page=2", headers={"Accept": "application/json"})
    assert response.status_code == 400 and "page=" in response.get_json()["message"]
    assert client.get("/index/evaw:Country?page=1&page=1").status_code == 200


@pytest.mark.parametrize(("accept_language", "expected"), [
    ("fr;q=0", "en"), ("fr;q=0, ar;q=0", "en"), ("fr;q=0, ru;q=0.5", "ru"), ("fr", "fr")])
def test_a_language_refused_with_q_0_is_not_the_pages_language(client, accept_language, expected):
    """Accept-Language: fr;q=0 says French is not acceptable; the page was sent in French."""
    response = client.get("/id/country/TH.html", headers={"Accept-Language": accept_language})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == expected
