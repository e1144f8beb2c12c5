"""SPARQL 1.1 Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/) over a
writable store: the Recommendation's methods and statuses (section 5, and the W3C test suite's
cases), every RDF format the server reads, direct identification, entity tags and conditional
requests, and refusals that leave the store unchanged."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from .conftest import BASE, EX, INFERRED, NOTES, THINGS, snapshot

PERSON = (f'<{EX}p1> a <{EX}Widget> ; <http://www.w3.org/2000/01/rdf-schema#label> "P1" ; '
          f'<http://www.w3.org/2000/01/rdf-schema#comment> "one" .\n')
OTHER = (f'<{EX}p2> a <{EX}Widget> ; <http://www.w3.org/2000/01/rdf-schema#label> "P2" ; '
         f'<http://www.w3.org/2000/01/rdf-schema#comment> "two" .\n')
TURTLE = "text/turtle"


def gsp(state, method, graph=None, body=None, content_type=TURTLE, token="curator", **headers):
    query = {"default": ""} if graph is None else {"graph": graph}
    all_headers = dict(state.auth(token)) if token else {}
    all_headers.update(headers)
    return state.client().open("/graph-store", method=method, query_string=query, data=body,
                               content_type=content_type if body is not None else None,
                               headers=all_headers)


def triples(response, fmt=ox.RdfFormat.TURTLE) -> set[str]:
    return {str(t) for t in ox.parse(response.data, fmt)}


def graph_iri(name: str) -> str:
    return BASE + "graph/" + name


@pytest.fixture()
def unchanged(writable):
    before = snapshot(writable)
    yield writable
    assert snapshot(writable) == before, "a refused write changed the store"


# --- The W3C test suite's cases, in its order ----------------------------------------------------

def test_put_initial_state_creates_201_and_get_returns_it(writable):
    graph = graph_iri("person")
    created = gsp(writable, "PUT", graph, PERSON)
    assert created.status_code == 201, created.data
    got = gsp(writable, "GET", graph, token=None, Accept=TURTLE)
    assert got.status_code == 200 and got.mimetype == TURTLE
    assert triples(got) == {str(t) for t in ox.parse(PERSON.encode(), ox.RdfFormat.TURTLE)}


def test_put_graph_already_in_store_replaces_it_204(writable):
    graph = graph_iri("replace")
    assert gsp(writable, "PUT", graph, PERSON).status_code == 201
    replaced = gsp(writable, "PUT", graph, OTHER)
    assert replaced.status_code == 204, replaced.data
    assert triples(gsp(writable, "GET", graph, token=None)) == {
        str(t) for t in ox.parse(OTHER.encode(), ox.RdfFormat.TURTLE)}


def test_put_default_graph_204(writable):
    response = gsp(writable, "PUT", None, PERSON)
    assert response.status_code == 204, response.data
    assert len(triples(gsp(writable, "GET", None, token=None))) == 3


def test_put_mismatched_payload_is_400(unchanged):
    response = gsp(unchanged, "PUT", graph_iri("bad"), "<a> <b> .", Accept="application/json")
    assert response.status_code == 400
    assert json.loads(response.data)["line"] == 1


def test_put_empty_graph_creates_it_201(writable):
    graph = graph_iri("empty")
    assert gsp(writable, "PUT", graph, "").status_code == 201
    got = gsp(writable, "GET", graph, token=None)
    assert got.status_code == 200 and triples(got) == set()


def test_delete_existing_graph_204_then_get_404(writable):
    graph = graph_iri("doomed")
    assert gsp(writable, "PUT", graph, PERSON).status_code == 201
    assert gsp(writable, "DELETE", graph).status_code == 204
    assert gsp(writable, "GET", graph, token=None).status_code == 404


def test_delete_non_existent_graph_404(unchanged):
    assert gsp(unchanged, "DELETE", graph_iri("never")).status_code == 404


def test_post_existing_graph_merges_204(writable):
    graph = graph_iri("merge")
    assert gsp(writable, "PUT", graph, PERSON).status_code == 201
    assert gsp(writable, "POST", graph, OTHER).status_code == 204
    assert len(triples(gsp(writable, "GET", graph, token=None))) == 6


def test_post_to_a_new_graph_creates_it_201(writable):
    assert gsp(writable, "POST", graph_iri("posted"), PERSON).status_code == 201


def test_post_to_the_graph_store_creates_a_graph_201_with_location(writable):
    response = writable.client().post("/graph-store", data=PERSON, content_type=TURTLE,
                                      headers=writable.auth())
    assert response.status_code == 201, response.data
    location = response.headers["Location"]
    assert location.startswith(BASE + "graph/")
    got = gsp(writable, "GET", location, token=None)
    assert got.status_code == 200 and len(triples(got)) == 3


def test_post_empty_graph_to_an_existing_graph_is_a_no_op_204(writable):
    graph = graph_iri("noop")
    assert gsp(writable, "PUT", graph, PERSON).status_code == 201
    before = snapshot(writable)
    assert gsp(writable, "POST", graph, "").status_code == 204
    assert snapshot(writable) == before


def test_head_on_existing_graph_200_without_body_and_missing_404(writable):
    response = gsp(writable, "HEAD", THINGS, token=None)
    assert response.status_code == 200 and response.data == b""
    assert response.headers["ETag"]
    assert gsp(writable, "HEAD", graph_iri("nothing-here"), token=None).status_code == 404


# --- Formats ------------------------------------------------------------------------------------------

WIDGET = ox.Triple(ox.NamedNode(EX + "f"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                   ox.NamedNode(EX + "Widget"))
LABEL = ox.Triple(ox.NamedNode(EX + "f"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                  ox.Literal("F"))
COMMENT = ox.Triple(ox.NamedNode(EX + "f"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                    ox.Literal("format"))


@pytest.mark.parametrize("media_type, fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML), ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/n-quads", ox.RdfFormat.N_QUADS), ("application/trig", ox.RdfFormat.TRIG)])
def test_every_rdf_format_the_server_reads_is_written_and_read_back(writable, media_type, fmt):
    graph = graph_iri("format-" + fmt.file_extension)
    body = ox.serialize([WIDGET, LABEL, COMMENT], format=fmt if not fmt.supports_datasets
                        else ox.RdfFormat.N_TRIPLES)
    if fmt.supports_datasets:
        body = ox.serialize([ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                             for t in (WIDGET, LABEL, COMMENT)], format=fmt)
    assert gsp(writable, "PUT", graph, body, content_type=media_type).status_code == 201
    got = gsp(writable, "GET", graph, token=None, Accept=media_type)
    assert got.status_code == 200 and got.mimetype == media_type
    data = got.data
    if fmt == ox.RdfFormat.JSON_LD:  # its @context is served here: put it inline to parse it
        document = json.loads(data)
        context = writable.client().get(document["@context"].replace("http://localhost", ""))
        document["@context"] = json.loads(context.data)["@context"]
        data = json.dumps(document).encode()
    quads = ox.parse(data, fmt)
    assert {str(ox.Triple(q.subject, q.predicate, q.object)) if isinstance(q, ox.Quad) else str(q)
            for q in quads} == {str(WIDGET), str(LABEL), str(COMMENT)}


def test_a_body_with_named_graphs_is_400(unchanged):
    body = f'<{EX}x> <{EX}p> "1" <{EX}elsewhere> .\n'
    response = gsp(unchanged, "PUT", graph_iri("dataset"), body, content_type="application/n-quads")
    assert response.status_code == 400


def test_unknown_media_type_is_415(unchanged):
    response = gsp(unchanged, "PUT", graph_iri("csv"), "a,b\n", content_type="text/csv")
    assert response.status_code == 415


def test_multipart_is_415(unchanged):
    response = gsp(unchanged, "POST", graph_iri("multi"), "--x\r\n", content_type="multipart/form-data; boundary=x")
    assert response.status_code == 415


def test_body_blank_nodes_are_new_nodes(writable):
    body = f'_:b0 a <{EX}Widget> ; <http://www.w3.org/2000/01/rdf-schema#label> "B" ; ' \
           f'<http://www.w3.org/2000/01/rdf-schema#comment> "c" .'
    graph = graph_iri("blank")
    assert gsp(writable, "PUT", graph, body).status_code == 201
    assert gsp(writable, "POST", graph, body).status_code == 204
    subjects = {t.split(" ")[0] for t in triples(gsp(writable, "GET", graph, token=None))}
    assert len(subjects) == 2


# --- Direct identification ----------------------------------------------------------------------

def test_direct_identification_under_the_base(writable):
    client = writable.client()
    put = client.put("/graph/direct", data=PERSON, content_type=TURTLE, headers=writable.auth())
    assert put.status_code == 201, put.data
    got = client.get("/graph/direct", headers={"Accept": TURTLE})
    assert got.status_code == 200 and len(triples(got)) == 3
    indirect = gsp(writable, "GET", graph_iri("direct"), token=None)
    assert indirect.data == got.data
    assert client.delete("/graph/direct", headers=writable.auth()).status_code == 204
    assert client.get("/graph/direct").status_code == 404


# --- Entity tags and conditional requests -------------------------------------------------------

def test_etag_changes_with_the_graph_and_not_with_others(writable):
    graph = graph_iri("tagged")
    assert gsp(writable, "PUT", graph, PERSON).status_code == 201
    first = gsp(writable, "GET", graph, token=None).headers["ETag"]
    assert gsp(writable, "PUT", graph_iri("unrelated"), OTHER).status_code == 201
    assert gsp(writable, "GET", graph, token=None).headers["ETag"] == first
    not_modified = gsp(writable, "GET", graph, token=None, **{"If-None-Match": first})
    assert not_modified.status_code == 304
    assert gsp(writable, "POST", graph, OTHER).status_code == 204
    assert gsp(writable, "GET", graph, token=None).headers["ETag"] != first


def test_if_match_with_the_current_tag_writes_and_a_stale_one_is_412(writable):
    graph = graph_iri("optimistic")
    assert gsp(writable, "PUT", graph, PERSON).status_code == 201
    tag = gsp(writable, "GET", graph, token=None).headers["ETag"]
    assert gsp(writable, "PUT", graph, OTHER, **{"If-Match": tag}).status_code == 204
    before = snapshot(writable)
    stale = gsp(writable, "PUT", graph, PERSON, **{"If-Match": tag})
    assert stale.status_code == 412
    assert snapshot(writable) == before


@pytest.mark.parametrize("header", ["W/{tag}", '""', ",,,", 'W/"x", {tag}x'])
def test_if_match_that_no_version_matches_strongly_is_412(writable, header):
    """If-Match compares strongly: a weak tag, even of the current version, matches nothing.
    Weak tags were dropped, so W/<current tag> wrote with no condition at all (204), and '""'
    was a 500."""
    graph = graph_iri("strong-only")
    gsp(writable, "PUT", graph, PERSON)
    tag = gsp(writable, "GET", graph, Accept=TURTLE).headers["ETag"]
    before = snapshot(writable)
    response = gsp(writable, "PUT", graph, OTHER, **{"If-Match": header.format(tag=tag),
                                                     "Accept": "application/json"})
    assert response.status_code == 412, response.data
    assert "If-Match does not hold" in response.json["message"]
    assert snapshot(writable) == before


def test_if_none_match_with_the_weak_current_tag_is_412(writable):
    """If-None-Match compares weakly: W/<current tag> names the current version."""
    graph = graph_iri("weakly-matched")
    gsp(writable, "PUT", graph, PERSON)
    tag = gsp(writable, "GET", graph, Accept=TURTLE).headers["ETag"]
    before = snapshot(writable)
    assert gsp(writable, "PUT", graph, OTHER, **{"If-None-Match": "W/" + tag}).status_code == 412
    assert snapshot(writable) == before


def test_if_none_match_star_creates_only(writable):
    graph = graph_iri("create-only")
    assert gsp(writable, "PUT", graph, PERSON, **{"If-None-Match": "*"}).status_code == 201
    before = snapshot(writable)
    assert gsp(writable, "PUT", graph, OTHER, **{"If-None-Match": "*"}).status_code == 412
    assert snapshot(writable) == before


def test_if_match_star_needs_the_graph(unchanged):
    assert gsp(unchanged, "PUT", graph_iri("absent"), PERSON, **{"If-Match": "*"}).status_code == 412


# --- Refusals -----------------------------------------------------------------------------------------

def test_no_token_is_401(unchanged):
    response = gsp(unchanged, "PUT", graph_iri("x"), PERSON, token=None)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_for_another_graph_is_403(unchanged):
    assert gsp(unchanged, "PUT", NOTES, PERSON, token="things-only").status_code == 403
    assert gsp(unchanged, "DELETE", NOTES, token="things-only").status_code == 403


def test_computed_graph_is_403_and_says_why(unchanged):
    response = gsp(unchanged, "DELETE", INFERRED, Accept="application/json")
    assert response.status_code == 403
    assert "computed by the server" in json.loads(response.data)["message"]
    assert gsp(unchanged, "PUT", BASE + "graph/changes", PERSON).status_code == 403


def test_a_graph_breaking_a_shape_is_422(unchanged):
    body = f"<{EX}nameless> a <{EX}Widget> ."
    response = gsp(unchanged, "PUT", graph_iri("invalid"), body, Accept="text/turtle")
    assert response.status_code == 422
    assert b"sh:Violation" in response.data


def test_body_too_large_is_413(unchanged):
    body = PERSON + "#" + "x" * 9000 + "\n"
    assert gsp(unchanged, "PUT", graph_iri("large"), body).status_code == 413


def test_graph_parameter_must_be_an_iri_and_one_graph(unchanged):
    client = unchanged.client()
    assert client.get("/graph-store", query_string={"graph": "not an iri"}).status_code == 400
    assert client.get("/graph-store").status_code == 400
    both = client.get("/graph-store", query_string={"graph": THINGS, "default": ""})
    assert both.status_code == 400


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
def test_graph_parameter_with_a_control_character_is_400(unchanged, method):
    """graph=<IRI with a NUL> passed the IRI pattern and failed in the store: 500."""
    response = gsp(unchanged, method, graph_iri("bad\x00name"),
                   PERSON if method in ("PUT", "POST") else None, Accept="application/json")
    assert response.status_code == 400, response.data
    assert "is not an absolute IRI" in response.json["message"]


@pytest.mark.parametrize(("path", "methods"), [
    ("/graph-store?graph=" + NOTES, {"GET", "HEAD", "PUT", "POST", "DELETE"}),
    ("/graph/notes", {"GET", "HEAD", "PUT", "POST", "DELETE"}),
    ("/sparql", {"GET", "POST"}),
])
def test_cors_preflight_allows_the_write_methods_and_the_token(writable, path, methods):
    """A page on another origin may PUT, POST and DELETE with a bearer token and If-Match: the
    preflight says so for the write endpoints (and exposes Location, Link)."""
    method = "PUT" if "PUT" in methods else "POST"
    response = writable.client().options(path, headers={
        "Origin": "https://curators.example", "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type, if-match"})
    assert response.status_code == 200
    allowed = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert methods <= allowed
    headers = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in headers and "if-match" in headers
    assert "Location" in response.headers["Access-Control-Expose-Headers"]
