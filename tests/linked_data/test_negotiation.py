"""Content negotiation of resources, the ontology and its terms: (Accept or suffix or format=) →
media type, or 406 naming what is available."""

from __future__ import annotations

import pytest

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

RESOURCE = "/id/country/TH"
ONTOLOGY = "/ontology"
RDFLIB_NO_FORMAT = ("application/rdf+xml, text/n3, text/turtle, application/n-triples, "
                    "application/ld+json, text/html, application/xhtml+xml, application/n-quads")

TABLE = [
    # (path, Accept, expected media type or 406)
    (RESOURCE, None, "text/turtle"),
    (RESOURCE, "*/*", "text/turtle"),
    (RESOURCE, "text/turtle", "text/turtle"),
    (RESOURCE, "text/turtle, */*;q=0.1", "text/turtle"),
    (RESOURCE, "text/turtle, application/x-turtle, */*;q=0.1", "text/turtle"),
    (RESOURCE, "application/x-turtle", "text/turtle"),
    (RESOURCE, "application/ld+json", "application/ld+json"),
    (RESOURCE, "application/ld+json, application/json;q=0.9, */*;q=0.1", "application/ld+json"),
    (RESOURCE, "application/json", "application/ld+json"),
    (RESOURCE, "application/n-triples", "application/n-triples"),
    (RESOURCE, "text/plain, */*;q=0.1", "application/n-triples"),
    (RESOURCE, "application/rdf+xml", "application/rdf+xml"),
    (RESOURCE, "application/rdf+xml, */*;q=0.1", "application/rdf+xml"),
    (RESOURCE, "application/trig", "application/trig"),
    (RESOURCE, "application/n-quads", "application/n-quads"),
    (RESOURCE, BROWSER, "text/html"),
    (RESOURCE, "text/html", "text/html"),
    (RESOURCE, "text/*", "text/turtle"),
    (RESOURCE, "text/html;q=0.5, text/turtle;q=0.9", "text/turtle"),
    (RESOURCE, "text/turtle;q=0.2, application/rdf+xml;q=0.8", "application/rdf+xml"),
    (RESOURCE, "application/*;q=0.9, text/html;q=0.1", "application/ld+json"),
    (RESOURCE, RDFLIB_NO_FORMAT, "text/turtle"),
    # Media-type parameters: every answer is UTF-8 and JSON-LD is compacted, so they narrow
    # nothing, except a charset we cannot serve.
    (RESOURCE, "text/turtle;charset=utf-8", "text/turtle"),
    (RESOURCE, "text/turtle; charset=UTF-8", "text/turtle"),
    (RESOURCE, 'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"',
     "application/ld+json"),
    (RESOURCE, "text/html;charset=utf-8", "text/html"),
    (RESOURCE, "application/json; charset=utf-8", "application/ld+json"),
    (RESOURCE, "text/turtle;charset=iso-8859-1", 406),
    (RESOURCE, "text/turtle;charset=iso-8859-1, application/n-triples;q=0.5", "application/n-triples"),
    (RESOURCE, "image/png", 406),
    (RESOURCE, "application/sparql-results+json", 406),
    (RESOURCE, "text/turtle;q=0", 406),
    # A lone "*" (older Java and shell clients send one) is any type: it was matched to nothing,
    # a 406.
    (RESOURCE, "*", "text/turtle"),
    (RESOURCE, "image/gif, *;q=0.2", "text/turtle"),
    (RESOURCE, "*;q=0", 406),
    (ONTOLOGY, None, "text/turtle"),
    (ONTOLOGY, BROWSER, "text/html"),
    (ONTOLOGY, "application/ld+json", "application/ld+json"),
    (ONTOLOGY, "application/rdf+xml", "application/rdf+xml"),
    (ONTOLOGY, "image/png", 406),
    ("/ontology/0.1.0", "text/turtle", "text/turtle"),
    ("/id/organization/unodc", BROWSER, "text/html"),
    ("/id/instrument/a-res-52-86", "text/turtle, */*;q=0.1", "text/turtle"),
]


@pytest.mark.parametrize(("path", "accept", "expected"), TABLE)
def test_get_resource_negotiates_accept(client, path, accept, expected):
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert "Accept" in response.headers.get("Vary", "")
    if expected == 406:
        assert response.status_code == 406
        message = response.get_data(as_text=True)
        for available in ("text/turtle", "application/ld+json", "application/n-triples",
                          "application/rdf+xml", "text/html"):
            assert available in message
    else:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == expected
        assert response.headers["Content-Location"].startswith(path.replace("/0.1.0", ""))


SUFFIXES = [(".ttl", "text/turtle"), (".jsonld", "application/ld+json"),
            (".nt", "application/n-triples"), (".rdf", "application/rdf+xml"),
            (".html", "text/html"), (".trig", "application/trig"), (".nq", "application/n-quads")]


@pytest.mark.parametrize(("suffix", "expected"), SUFFIXES)
@pytest.mark.parametrize("path", [RESOURCE, ONTOLOGY])
def test_get_resource_suffix_overrides_accept(client, path, suffix, expected):
    response = client.get(path + suffix, headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.mimetype == expected
    assert response.headers["Content-Location"] == path + suffix


@pytest.mark.parametrize(("name", "expected"), [("turtle", "text/turtle"), ("ttl", "text/turtle"),
                                                ("json-ld", "application/ld+json"),
                                                ("nt", "application/n-triples"),
                                                ("rdfxml", "application/rdf+xml"), ("html", "text/html"),
                                                ("text/turtle", "text/turtle")])
def test_get_resource_format_parameter_overrides_accept_and_suffix(client, name, expected):
    response = client.get(RESOURCE + ".rdf?format=" + name, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == expected


def test_get_resource_unknown_format_parameter_returns_406_naming_formats(client):
    response = client.get(RESOURCE + "?format=pdf")
    assert response.status_code == 406
    assert "turtle" in response.get_data(as_text=True)


@pytest.mark.parametrize(("path", "other"), [
    (RESOURCE, "turtle"), ("/", "turtle"), ("/.well-known/void", "turtle"), ("/index/", "json"),
    ("/index/evaw:Country", "json"), ("/dumps/", "json"), ("/queries", "json"),
    ("/queries/policy-framework", "json")])
def test_format_given_twice_naming_two_formats_is_400_naming_both(client, path, other):
    """The first format= was taken silently (Turtle for ?format=ttl&format=html), though the
    client may have meant the other; a named query's own parameters were refused so already.
    One format spelled twice, or beside a name the route does not know, is still one format."""
    response = client.get(f"{path}?format=html&format={other}", headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad-parameter" and "'html'" in body["message"] and repr(other) in body["message"]
    same = client.get(path + "?format=html&format=text/html&format=&format=text/html,*/*")
    assert same.status_code == 200 and same.mimetype == "text/html"


@pytest.mark.parametrize("path", ["/id/country/XX", "/id/nothing/here", "/id/country/TH/extra",
                                  "/id/country/XX.ttl", "/ontology/9.9.9"])
@pytest.mark.parametrize(("accept", "expected"), [(BROWSER, "text/html"),
                                                  ("application/json", "application/json"),
                                                  ("text/turtle", "text/plain")])
def test_get_unknown_iri_returns_negotiated_404(client, path, accept, expected):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 404
    assert response.mimetype == expected
    assert "not-found" in response.get_data(as_text=True)
