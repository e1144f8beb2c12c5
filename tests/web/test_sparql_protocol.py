"""The SPARQL 1.1 Protocol on /sparql, through Flask's test client (no socket)."""

from __future__ import annotations

import dataclasses
import gzip
import json
import threading
import time
import warnings

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from evawkg.namespaces import GRAPH
from evawkg.web import create_app

LABELS = "SELECT ?label WHERE { ?a a evaw:Activity ; rdfs:label ?label } ORDER BY ?label"
DESCRIBE_ORGS = "CONSTRUCT { ?o rdfs:label ?l } WHERE { ?o a org:FormalOrganization ; rdfs:label ?l }"
LABEL_VALUES = ["Shelter support, Namibia", "Training of police officers in Thailand"]


def parse_rdf(data: bytes, rdflib_format: str) -> rdflib.Graph:
    """``data`` as one rdflib graph (quad formats: the union of their graphs)."""
    with warnings.catch_warnings():
        # Known gap: rdflib 7.6's own JSON-LD, TriG and N-Quads parsers build a ConjunctiveGraph
        # internally and warn about it; the warning is rdflib's, not ours.
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        if rdflib_format in ("trig", "nquads"):
            # rdflib's Dataset warns on every use in 7.6: read quads with pyoxigraph instead.
            quads = ox.parse(data, format=ox.RdfFormat.TRIG if rdflib_format == "trig"
                             else ox.RdfFormat.N_QUADS)
            data = ox.serialize([quad.triple for quad in quads], format=ox.RdfFormat.N_TRIPLES)
            rdflib_format = "nt"
        return rdflib.Graph().parse(data=data, format=rdflib_format)


def labels_of(response) -> list[str]:
    return [b["label"]["value"] for b in response.get_json(force=True)["results"]["bindings"]]


def test_get_sparql_query_returns_json_results(client):
    response = client.get("/sparql", query_string={"query": LABELS})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert labels_of(response) == LABEL_VALUES
    assert response.headers["X-Result-Rows"] == "2"
    assert "Accept" in response.vary


def test_post_form_and_post_sparql_query_answer_like_get(client):
    form = client.post("/sparql", data={"query": LABELS})
    direct = client.post("/sparql", data=LABELS.encode(),
                         content_type="application/sparql-query; charset=utf-8")
    assert labels_of(form) == labels_of(direct) == LABEL_VALUES


@pytest.mark.parametrize(("accept", "media_type"), [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/xml", "application/xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/*;q=0.9, text/tab-separated-values", "text/tab-separated-values"),
    ("text/*, */*;q=0.1", "text/csv"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/xml"),
])
def test_get_sparql_select_accept_chooses_media_type(client, accept, media_type):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": LABELS}, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert b"Namibia" in response.data


@pytest.mark.parametrize(("accept", "media_type", "rdflib_format"), [
    (None, "text/turtle", "turtle"),
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("application/trig", "application/trig", "trig"),
    ("application/n-quads", "application/n-quads", "nquads"),
    ("application/rdf+xml;q=0.4, text/turtle;q=0.8", "text/turtle", "turtle"),
])
def test_get_sparql_construct_accept_chooses_graph_format(client, accept, media_type, rdflib_format):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": DESCRIBE_ORGS}, headers=headers)
    assert response.status_code == 200 and response.mimetype == media_type
    graph = parse_rdf(response.data, rdflib_format)
    reference = rdflib.Graph().parse(
        data=client.get("/sparql", query_string={"query": DESCRIBE_ORGS, "format": "nt"}).data,
        format="nt")
    assert len(reference) == 4
    assert isomorphic(graph, reference)


def test_get_sparql_jsonld_is_compacted_with_project_prefixes(client):
    response = client.get("/sparql", query_string={"query": DESCRIBE_ORGS},
                          headers={"Accept": "application/ld+json"})
    document = json.loads(response.data)
    assert document["@context"]["rdfs"] == "http://www.w3.org/2000/01/rdf-schema#"
    ids = {node["@id"] for node in document["@graph"]}
    assert "organization:unodc" in ids  # each kind its own prefix (was id:organization/unodc)
    assert all("rdfs:label" in node for node in document["@graph"])
    # Only the prefixes the answer uses are in its context.
    assert "country" not in document["@context"] and "organization" in document["@context"]


@pytest.mark.parametrize(("format_name", "media_type"), [
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values"), ("xml", "application/sparql-results+xml"),
    ("json", "application/sparql-results+json"), ("text/csv", "text/csv"),
])
def test_get_sparql_format_parameter_overrides_accept(client, format_name, media_type):
    response = client.get("/sparql", query_string={"query": LABELS, "format": format_name},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200 and response.mimetype == media_type


@pytest.mark.parametrize(("query", "accept", "format_name"), [
    (LABELS, "text/turtle", None),
    (LABELS, "image/png", None),
    (DESCRIBE_ORGS, "application/sparql-results+json", None),
    (LABELS, None, "turtle"),
])
def test_get_sparql_bad_accept_returns_406_listing_available(client, query, accept, format_name):
    headers = {"Accept": accept} if accept else {}
    params = {"query": query, **({"format": format_name} if format_name else {})}
    response = client.get("/sparql", query_string=params, headers=headers)
    assert response.status_code == 406
    assert "available" in response.get_data(as_text=True)
    expected = "text/csv" if query == LABELS else "text/turtle"
    assert expected in response.get_data(as_text=True)


def test_ask_answers_boolean_in_json_and_xml(client):
    yes = client.get("/sparql", query_string={"query": "ASK { <https://evawkg.example.org/id/country/TH> rdfs:label 'Thailand'@en }"})
    assert yes.get_json(force=True)["boolean"] is True
    no = client.get("/sparql", query_string={"query": "ASK { <https://evawkg.example.org/id/country/XX> ?p ?o }"},
                    headers={"Accept": "application/sparql-results+xml"})
    assert b"<boolean>false</boolean>" in no.data


def test_post_sparql_syntax_error_returns_400_with_position(client):
    response = client.post("/sparql", data="SELECT ?s WHERE {\n  ?s ?p \n}",
                           content_type="application/sparql-query",
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "query-syntax-error"
    assert body["line"] == 3 and body["column"] in (1, 2)  # the parser's own position
    assert f"line 3, column {body['column']}" in body["message"]


@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/sparql-results+json;charset=utf-8", "application/sparql-results+json"),
    ("text/csv; charset=utf-8", "text/csv"),
    ("application/sparql-results+xml;charset=\"UTF-8\";q=0.9, text/csv;q=0.1",
     "application/sparql-results+xml"),
])
def test_accept_with_a_utf8_charset_gets_that_type(client, accept, media_type):
    response = client.get("/sparql", query_string={"query": "SELECT * { BIND(1 AS ?x) }"},
                          headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == media_type


def test_accept_with_another_charset_is_a_406_saying_answers_are_utf8(client):
    response = client.get("/sparql", query_string={"query": "SELECT * { BIND(1 AS ?x) }"},
                          headers={"Accept": "application/sparql-results+json;charset=latin1"})
    assert response.status_code == 406 and "every answer is UTF-8" in response.get_data(as_text=True)


def test_a_graph_with_triple_terms_asked_as_json_ld_is_a_406_naming_formats(client):
    text = ("CONSTRUCT { <http://x/s> <http://x/p> <<( <http://x/a> <http://x/b> <http://x/c> )>> } {}")
    response = client.get("/sparql", query_string={"query": text},
                          headers={"Accept": "application/ld+json"})
    assert response.status_code == 406
    assert "Turtle, TriG, N-Triples or N-Quads" in response.get_data(as_text=True)
    turtle = client.get("/sparql", query_string={"query": text}, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and b"<<(" in turtle.data


def test_an_answer_past_max_answer_mb_is_a_422_and_a_smaller_one_answers(app):
    """On every store: the embedded one checks in its query process, a remote one as it writes
    the store's answer (tests/remote runs this with ``app`` on Oxigraph server and Virtuoso).
    18 rows of one 64 KiB literal (built once: Virtuoso takes seconds per CONCAT of a MB) make
    1.2 MB; 10 of them, 0.66 MB."""
    doubled = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(13))
    literal = f'{{ SELECT ?a13 WHERE {{ BIND("12345678" AS ?a0) {doubled} }} }}'

    def rows(count: int) -> str:
        numbers = " ".join(str(n) for n in range(count))
        return f"SELECT ?n ?a13 WHERE {{ {literal} VALUES ?n {{ {numbers} }} }}"

    capped = dataclasses.replace(app.extensions["evawkg"].settings, max_answer_mb=1)
    app = create_app(capped)
    service = app.extensions["evawkg"].service
    try:
        service.wait_ready(60)
        client = app.test_client()
        big = client.post("/sparql", data=rows(18), content_type="application/sparql-query",
                          headers={"Accept": "application/sparql-results+json"})
        assert big.status_code == 422, big.get_data(as_text=True)
        assert "more than the server's cap of 1 MB" in big.get_data(as_text=True)
        small = client.post("/sparql", data=rows(10), content_type="application/sparql-query",
                            headers={"Accept": "application/sparql-results+json"})
        assert small.status_code == 200, small.get_data(as_text=True)
        assert len(small.get_json()["results"]["bindings"]) == 10
    finally:
        service.close()


@pytest.mark.parametrize(("text", "accept", "instead"), [
    ('SELECT ?x WHERE { BIND("bell \\u0007 here" AS ?x) }', "application/sparql-results+xml",
     "application/sparql-results+json"),
    ('CONSTRUCT { <http://x/s> <http://x/p> "nul \\u0000 here" } {}', "application/rdf+xml",
     "text/turtle"),
])
def test_an_answer_xml_cannot_carry_is_a_406_naming_formats_that_can(client, text, accept, instead):
    response = client.get("/sparql", query_string={"query": text}, headers={"Accept": accept})
    assert response.status_code == 406
    assert "XML 1.0 cannot carry" in response.get_data(as_text=True)
    assert client.get("/sparql", query_string={"query": text},
                      headers={"Accept": instead}).status_code == 200


@pytest.mark.parametrize("text", [
    "SELECT (<http://example.org/fn>(1) AS ?x) {}",
    "SELECT * { BIND(1 AS ?x) FILTER(<http://www.w3.org/2001/XMLSchema#nonsense>(?x)) }",
    "PREFIX f: <http://example.org/f#> SELECT * { BIND(1 AS ?x) } ORDER BY f:rank(?x)",
])
def test_an_unknown_extension_function_is_a_400_naming_it(client, text):
    response = client.get("/sparql", query_string={"query": text}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "query-syntax-error"
    assert "is not supported" in body["message"] and "built-in functions" in body["message"]
    assert "<http://" in body["message"]


@pytest.mark.parametrize(("how", "text"), [("get", ""), ("get", "  \n\t"), ("body", ""),
                                           ("form", " ")])
def test_an_empty_query_is_a_400_saying_so_not_an_update(client, how, text):
    headers = {"Accept": "application/json"}
    if how == "get":
        response = client.get("/sparql", query_string={"query": text}, headers=headers)
    elif how == "body":
        response = client.post("/sparql", data=text, content_type="application/sparql-query",
                               headers=headers)
    else:
        response = client.post("/sparql", data={"query": text}, headers=headers)
    assert response.status_code == 400
    assert "the query is empty" in response.get_json()["message"]


def test_a_query_body_starting_with_a_byte_order_mark_is_read_without_it(client):
    response = client.post("/sparql", data="\ufeffASK {}".encode("utf-8"),
                           content_type="application/sparql-query",
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200 and response.get_json(force=True)["boolean"] is True


def test_a_query_of_only_comments_is_a_syntax_error_not_an_update(client):
    response = client.get("/sparql", query_string={"query": "# nothing here\nPREFIX x: <http://x/>"},
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "query-syntax-error"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_on_sparql_return_405_with_allow(client, method):
    response = client.open("/sparql", method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert "method-not-allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "multipart/form-data; boundary=x"])
def test_post_sparql_unknown_media_type_returns_415(client, content_type):
    response = client.post("/sparql", data=b"SELECT * {}", content_type=content_type)
    assert response.status_code == 415
    assert "application/sparql-query" in response.get_data(as_text=True)


def test_post_sparql_body_over_limit_returns_413(client, settings):
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * settings.max_body_bytes
    for response in (client.post("/sparql", data=query, content_type="application/sparql-query"),
                     client.post("/sparql", data={"query": query})):
        assert response.status_code == 413
        assert "payload-too-large" in response.get_data(as_text=True)


@pytest.mark.parametrize(("how", "text"), [
    ("get", "INSERT DATA { <http://a> <http://b> <http://c> }"),
    ("form", "DELETE WHERE { ?s ?p ?o }"),
    ("body", "LOAD <http://127.0.0.1:9/data.ttl>"),
    ("update-form", "CLEAR ALL"),
    ("update-body", "DROP ALL"),
])
def test_sparql_update_and_load_return_403(client, how, text):
    if how == "get":
        response = client.get("/sparql", query_string={"query": text})
    elif how == "form":
        response = client.post("/sparql", data={"query": text})
    elif how == "body":
        response = client.post("/sparql", data=text, content_type="application/sparql-query")
    elif how == "update-form":
        response = client.post("/sparql", data={"update": text})
    else:
        response = client.post("/sparql", data=text, content_type="application/sparql-update")
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)


def test_service_is_refused_with_403(client):
    response = client.get("/sparql", query_string={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"},
        headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json()["error"] == "service-refused"


def test_from_selects_store_graphs_and_overrides_union(client):
    places = str(GRAPH["places"])
    query = f"SELECT ?s FROM <{places}> WHERE {{ ?s ?p ?o }}"
    rows = client.get("/sparql", query_string={"query": query}).get_json(force=True)
    subjects = {b["s"]["value"] for b in rows["results"]["bindings"]}
    assert subjects == {"https://evawkg.example.org/id/country/TH",
                        "https://evawkg.example.org/id/country/NA"}
    unknown = client.get("/sparql", query_string={
        "query": "SELECT * FROM <http://127.0.0.1:9/remote.ttl> WHERE { ?s ?p ?o }"})
    assert unknown.status_code == 200 and unknown.get_json(force=True)["results"]["bindings"] == []


def test_default_and_named_graph_uri_parameters_set_the_dataset(client):
    places, activities = str(GRAPH["places"]), str(GRAPH["activities"])
    response = client.get("/sparql", query_string=[
        ("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), ("default-graph-uri", places)])
    assert response.get_json(force=True)["results"]["bindings"][0]["n"]["value"] == "2"
    response = client.post("/sparql?named-graph-uri=" + activities,
                           data="SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                           content_type="application/sparql-query")
    graphs = [b["g"]["value"] for b in response.get_json(force=True)["results"]["bindings"]]
    assert graphs == [activities]


def test_default_graph_is_union_of_named_graphs(client):
    response = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert response.get_json(force=True)["results"]["bindings"][0]["n"]["value"] == "23"


def test_result_over_row_cap_fails_loudly_with_422(client, settings):
    response = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"},
                          headers={"Accept": "application/json"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "result-too-large" and str(settings.max_rows) in body["message"]
    capped = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 20"})
    assert capped.status_code == 200 and capped.headers["X-Result-Rows"] == "20"
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert graph.status_code == 422


def test_timeout_parameter_lowers_limit_and_answers_503(client, endless_query, stopping_seconds):
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": endless_query, "timeout": "1"},
                          headers={"Accept": "application/json"})
    elapsed = time.monotonic() - started
    assert response.status_code == 503 and response.get_json()["error"] == "query-timeout"
    assert 0.9 < elapsed < 1 + stopping_seconds
    assert "1 s" in response.get_json()["message"]
    # the pool recovers at once
    assert labels_of(client.get("/sparql", query_string={"query": LABELS})) == LABEL_VALUES


@pytest.mark.parametrize("value", ["0", "-3", "soon", "nan"])
def test_bad_timeout_parameter_returns_400(client, value):
    response = client.get("/sparql", query_string={"query": LABELS, "timeout": value})
    assert response.status_code == 400 and "timeout" in response.get_data(as_text=True)


def test_queries_past_concurrency_cap_get_429_with_retry_after(app, settings, endless_query):
    results = []

    def slow(number):  # from as many clients: one client alone may not take every slot
        results.append(app.test_client().get(
            "/sparql", query_string={"query": endless_query, "timeout": "2"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{number}"}).status_code)

    threads = [threading.Thread(target=slow, args=(number,))
               for number in range(settings.max_concurrent_queries)]
    for thread in threads:
        thread.start()
    pool = app.extensions["evawkg"].service.pool
    deadline = time.monotonic() + 20  # every slow query holds its slot (a loaded machine is slow)
    while pool.health()["busy"] < settings.max_concurrent_queries and time.monotonic() < deadline:
        time.sleep(0.05)
    # A query no test asked before: a repeated one is answered from memory, without a slot.
    response = app.test_client().get("/sparql", query_string={"query": LABELS + " LIMIT 429"})
    for thread in threads:
        thread.join()
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert results == [503] * settings.max_concurrent_queries


def test_etag_from_data_version_and_304_on_if_none_match(client, app):
    first = client.get("/sparql", query_string={"query": LABELS})
    etag = first.headers["ETag"]
    assert app.extensions["evawkg"].service.data_version in etag
    again = client.get("/sparql", query_string={"query": LABELS}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other_type = client.get("/sparql", query_string={"query": LABELS},
                            headers={"If-None-Match": etag, "Accept": "text/csv"})
    assert other_type.status_code == 200


def test_select_star_gives_its_columns_in_the_order_the_query_writes_them(client):
    query = ("SELECT * WHERE { ?what a evaw:Activity ; rdfs:label ?label . "
             "BIND(STRLEN(?label) AS ?chars) } LIMIT 3")  # sorted by name: chars, label, what
    as_json = client.get("/sparql", query_string={"query": query},
                         headers={"Accept": "application/sparql-results+json"})
    assert as_json.status_code == 200
    assert as_json.get_json(force=True)["head"]["vars"] == ["what", "label", "chars"]
    as_csv = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert as_csv.get_data(as_text=True).splitlines()[0] == "what,label,chars"


def test_variables_named_in_any_script_are_answered_under_their_names(client):
    # SPARQL names variables in any script; Virtuoso 7.2 refused them ("Bad character").
    query = "SELECT ?é ?名 WHERE { ?é a evaw:Activity ; rdfs:label ?名 } ORDER BY ?名 LIMIT 2"
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json(force=True)
    assert answer["head"]["vars"] == ["é", "名"]
    rows = answer["results"]["bindings"]
    assert len(rows) == 2 and all(set(row) == {"é", "名"} for row in rows)
    csv_header = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert csv_header.get_data(as_text=True).splitlines()[0] == "é,名"


def test_gzip_when_accepted_and_large_enough(client):
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 20"
    plain = client.get("/sparql", query_string={"query": query})
    zipped = client.get("/sparql", query_string={"query": query},
                        headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert "Accept-Encoding" in zipped.vary
    small = client.get("/sparql", query_string={"query": LABELS}, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers


def test_head_with_gzip_accepted_sends_the_headers_get_sends(client):
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 20"
    headers = {"Accept-Encoding": "gzip"}
    got = client.get("/sparql", query_string={"query": query}, headers=headers)
    head = client.head("/sparql", query_string={"query": query}, headers=headers)
    assert got.headers["Content-Encoding"] == "gzip"
    assert head.status_code == 200 and head.data == b""
    for name in ("Content-Encoding", "Content-Length", "Content-Type", "Vary", "ETag"):
        assert head.headers.get(name) == got.headers.get(name), name


def test_gzipped_dump_has_a_weak_etag_and_its_identity_the_strong_one(client):
    """The gzip and the identity bytes of /dumps/evawkg.ttl carried the same strong ETag (the
    file's checksum), which must name one exact byte sequence (RFC 9110 section 8.8.1)."""
    plain = client.get("/dumps/evawkg.ttl")
    zipped = client.get("/dumps/evawkg.ttl", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    strong = plain.headers["ETag"]
    assert not strong.startswith("W/") and zipped.headers["ETag"] == "W/" + strong
    again = client.get("/dumps/evawkg.ttl", headers={"Accept-Encoding": "gzip",
                                                     "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304


def test_a_dump_download_resumes_with_a_range_and_streams_from_disk(client):
    """A dump is sent from its file (a dump of 1M triples is 100 MB or more, which was read
    whole into the worker's memory for each download) and a broken download resumes."""
    whole = client.get("/dumps/evawkg.nt.gz")
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    size = len(whole.data)
    tail = client.get("/dumps/evawkg.nt.gz", headers={"Range": f"bytes={size - 100}-",
                                                      "If-Range": whole.headers["ETag"]})
    assert tail.status_code == 206 and tail.data == whole.data[-100:]
    assert tail.headers["Content-Range"] == f"bytes {size - 100}-{size - 1}/{size}"
    streamed = client.get("/dumps/evawkg.ttl", buffered=False)
    assert streamed.is_streamed  # not one bytes object read whole
    assert streamed.headers["Content-Type"] == "text/turtle; charset=utf-8"  # one charset
    streamed.close()
    compressed = client.get("/dumps/evawkg.ttl", headers={"Accept-Encoding": "gzip",
                                                          "Range": "bytes=0-9"})
    assert compressed.status_code == 200 and "Content-Range" not in compressed.headers
    assert compressed.headers["Content-Type"] == "text/turtle; charset=utf-8"


def test_cors_allows_configured_origin_only(client):
    allowed = client.get("/sparql", query_string={"query": LABELS},
                         headers={"Origin": "https://analyst.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://analyst.example"
    assert "Origin" in allowed.vary
    other = client.get("/sparql", query_string={"query": LABELS},
                       headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options("/sparql", headers={
        "Origin": "https://analyst.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(("accept", "rdflib_format", "media_type"), [
    ("text/turtle", "turtle", "text/turtle"),
    ("application/ld+json", "json-ld", "application/ld+json"),
    (None, "turtle", "text/turtle"),
])
def test_get_sparql_without_query_returns_service_description(client, accept, rdflib_format, media_type):
    response = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.mimetype == media_type
    graph = parse_rdf(response.data, rdflib_format)
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    service = graph.value(predicate=rdflib.RDF.type, object=sd.Service)
    assert graph.value(service, sd.endpoint) == rdflib.URIRef("http://localhost/sparql")
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph
    assert (service, rdflib.RDFS.seeAlso, rdflib.URIRef("http://localhost/.well-known/void")) in graph
    sizes = {str(graph.value(named, sd.name)): graph.value(graph.value(named, sd.graph), void.triples).toPython()
             for named in graph.subjects(rdflib.RDF.type, sd.NamedGraph)}
    assert sizes == {str(GRAPH["activities"]): 10, str(GRAPH["organizations"]): 11,
                     str(GRAPH["places"]): 2}
    formats = set(graph.objects(service, sd.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats


def test_get_sparql_browser_gets_query_page(client):
    response = client.get("/sparql", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<form" in page and 'name="query"' in page and "PREFIX evaw:" in page


@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/json", "application/json"),
    ("text/html", "text/html"),
    ("application/sparql-results+json", "text/plain"),
    (None, "text/plain"),
])
@pytest.mark.parametrize(("request_args", "status", "code"), [
    ({"path": "/nowhere"}, 404, "not-found"),
    ({"path": "/sparql", "method": "PUT"}, 405, "method-not-allowed"),
    ({"path": "/sparql", "query_string": {"query": "SELEC * {}"}}, 400, "query-syntax-error"),
    ({"path": "/sparql", "query_string": {"query": "CLEAR ALL"}}, 403, "read-only"),
    ({"path": "/sparql", "method": "POST", "data": b"x", "content_type": "text/plain"}, 415,
     "unsupported-media-type"),
])
def test_error_body_has_one_shape_per_client(client, accept, media_type, request_args, status, code):
    headers = {"Accept": accept} if accept else {}
    response = client.open(headers=headers, **request_args)
    assert response.status_code == status and response.mimetype == media_type
    text = response.get_data(as_text=True)
    if media_type == "application/json":
        body = response.get_json()
        assert (body["error"], body["status"]) == (code, status) and body["message"]
    elif media_type == "text/html":
        assert f"Error {status}: {code}" in text
    else:
        assert text.startswith(f"Error {status} {code}: ")


def test_healthz_reports_dataset(client, app):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["quads"] == 23 and body["graphs"] == 3
    assert body["data_version"] == app.extensions["evawkg"].service.data_version


def test_access_log_has_one_line_with_query_time_and_size(client, caplog):
    with caplog.at_level("INFO", logger="evawkg.access"):
        client.get("/sparql", query_string={"query": LABELS})
    lines = [r.getMessage() for r in caplog.records if r.name == "evawkg.access"]
    assert len(lines) == 1
    assert '"GET /sparql?query=' in lines[0] and " 200 " in lines[0]
    assert "query=" in lines[0] and "rows=2" in lines[0] and " bytes " in lines[0]


# --- Issue 14: linear request thread, strict bodies, clean errors --------------------------

@pytest.mark.parametrize("charset", ["iso-8859-1", "UTF-16", "latin1", "utf-7"])
def test_post_sparql_query_body_in_another_charset_is_refused(client, charset):
    # SPARQL 1.1 Protocol test bad_query_non_utf8: the body of application/sparql-query is UTF-8.
    text = "SELECT ?label WHERE { ?a rdfs:label ?label FILTER(?label = 'Namibië') }"
    response = client.post("/sparql", data=text.encode("utf-16" if "16" in charset else "latin-1"),
                           content_type=f"application/sparql-query; charset={charset}",
                           headers={"Accept": "application/json"})
    assert response.status_code == 415
    body = response.get_json()
    assert body["error"] == "unsupported-media-type" and "UTF-8" in body["message"]


def test_post_sparql_query_body_utf8_charset_or_none_is_read(client):
    for content_type in ("application/sparql-query; charset=utf-8",
                         "application/sparql-query; charset=UTF-8", "application/sparql-query"):
        response = client.post("/sparql", data=LABELS.encode(), content_type=content_type)
        assert response.status_code == 200 and labels_of(response) == LABEL_VALUES
    broken = client.post("/sparql", data=b"SELECT * WHERE { ?s ?p '\xe9' }",
                         content_type="application/sparql-query", headers={"Accept": "application/json"})
    assert broken.status_code == 400 and "UTF-8" in broken.get_json()["message"]


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("value", ["relative/graph", "", "http://a b/", "<http://e/g>"])
def test_bad_graph_iri_parameters_are_400_naming_them(client, parameter, value):
    response = client.get("/sparql", query_string=[("query", "SELECT * WHERE { ?s ?p ?o }"),
                                                   (parameter, value)],
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.get_json()
    assert parameter in body["message"] and "absolute IRI" in body["message"]
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("opening, closing", [("{", "}"), ("(", ")"), ("[ <http://p> ", " ]")])
def test_query_nested_5000_deep_is_400_not_a_dead_process(client, opening, closing):
    inner = {"{": "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
             "(": "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"}
    query = inner.get(opening, "SELECT * WHERE { ?s ?p " + opening * 5000 + "1" + closing * 5000 + " }")
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "query-too-deep"
    assert body["message"].startswith("query nested too deeply (depth 50")
    assert labels_of(client.get("/sparql", query_string={"query": LABELS})) == LABEL_VALUES


def test_nesting_within_the_limit_still_runs(client):
    query = "SELECT ?n WHERE { BIND(" + "(" * 200 + "1" + ")" * 200 + " AS ?n) }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    assert response.get_json(force=True)["results"]["bindings"][0]["n"]["value"] == "1"


@pytest.mark.parametrize(("query", "accept", "status", "media_type"), [
    # The form is learnt in the query process; each kind keeps its own negotiated format.
    (LABELS, "text/turtle, application/sparql-results+xml;q=0.5", 200, "application/sparql-results+xml"),
    (DESCRIBE_ORGS, "text/turtle, application/sparql-results+xml;q=0.5", 200, "text/turtle"),
    ("ASK { ?s ?p ?o }", "text/csv", 200, "text/csv"),
    ("DESCRIBE <https://evawkg.example.org/id/country/TH>", "application/n-triples", 200,
     "application/n-triples"),
    ("ASK { ?s ?p ?o }", "text/turtle", 406, None),
])
def test_both_kinds_negotiated_before_the_form_is_known(client, query, accept, status, media_type):
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == status
    if media_type:
        assert response.mimetype == media_type
    else:
        assert "available" in response.get_data(as_text=True)


@pytest.mark.parametrize("text", [
    "SELECT * FROM <http://e/g> WHERE { ?s ?p ?o } # service",
    "PREFIX ex: <http://e/> SELECT ?from WHERE { ?from ?p ?o } LIMIT 1",
])
def test_queries_the_checker_parses_still_answer(client, text):
    response = client.get("/sparql", query_string={"query": text})
    assert response.status_code == 200


@pytest.mark.parametrize("query_string", [{"query": "ASK {}", "format": ["json", "xml"]},
                                          {"format": ["ttl", "html"]}])
def test_format_given_twice_with_different_values_is_400(client, query_string):
    """The first format= was taken silently, for a query's answer and the service description;
    two spellings of one format (SPARQLWrapper sends both) are one format."""
    response = client.get("/sparql", query_string=query_string, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad-parameter" and "format=" in response.get_json()["message"]
    posted = client.post("/sparql?format=json", data={"query": "ASK {}", "format": "xml"},
                         headers={"Accept": "application/json"})
    assert posted.status_code == 400
    spelled_twice = client.get("/sparql", query_string={
        "query": LABELS, "format": ["tsv", "text/tab-separated-values", ""]})
    assert spelled_twice.status_code == 200 and spelled_twice.mimetype == "text/tab-separated-values"
    with_an_accept_header = client.get("/sparql", query_string={
        "query": LABELS, "format": ["json", "application/sparql-results+json,application/json"]})
    assert with_an_accept_header.status_code == 200
    assert with_an_accept_header.mimetype == "application/sparql-results+json"
