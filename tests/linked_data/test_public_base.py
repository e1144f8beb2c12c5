"""IRIs that work where the server runs (issue 15): every IRI the server emits is under its public
base, in every output kind, IRIs under that base dereference on it, queries may name either
form, and other spellings of an IRI redirect to the one the graph uses.

Two servers over the bundle: one published at ``https://kg.example.net/data/`` (a deployment
behind a proxy, its base with a path), one left at its default (the address each request
reached: ``http://localhost/`` for the test client, ``http://127.0.0.1:PORT/`` live).
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import json
import threading
import urllib.parse
import urllib.request
import warnings

import pyoxigraph as ox
import pytest
import rdflib
from werkzeug.serving import make_server

from evawkg.errors import SettingsError
from evawkg.settings import Settings
from evawkg.web import create_app
from ..support import free_port

CANONICAL = "https://evawkg.example.org/"
PUBLIC = "https://kg.example.net/data/"
LOCAL = "http://localhost/"
TH = "id/country/TH"


def make_app(**settings):
    application = create_app(Settings(max_concurrent_queries=2, queue_wait=10.0, gzip_level=0,
                                      query_timeout=60.0, **settings))
    application.extensions["evawkg"].service.wait_ready(120)
    return application


@pytest.fixture(scope="module")
def published_app():
    application = make_app(public_base=PUBLIC)
    yield application
    application.extensions["evawkg"].service.close()


@pytest.fixture(scope="module")
def local_app():
    application = make_app()
    yield application
    application.extensions["evawkg"].service.close()


@pytest.fixture()
def published(published_app):
    return published_app.test_client()


@pytest.fixture()
def local(local_app):
    return local_app.test_client()


def get(client, path: str, accept: str | None = None, **params):
    response = client.get(path, headers={"Accept": accept} if accept else {}, query_string=params)
    assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
    return response


def iris_of(data: bytes, fmt: ox.RdfFormat) -> set[str]:
    """Every IRI of an RDF document (subjects, predicates, objects, graph names, datatypes)."""
    found = set()
    for quad in ox.parse(data, fmt):
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, ox.NamedNode):
                found.add(term.value)
            elif isinstance(term, ox.Literal):
                found.add(term.datatype.value)
    return found


def assert_published(found: set[str], base: str) -> None:
    assert not {iri for iri in found if iri.startswith(CANONICAL)}, "canonical IRIs leaked"
    assert {iri for iri in found if iri.startswith(base)}, f"no IRI under {base}"


def sparql(client, query: str, accept: str):
    return get(client, "/sparql", accept, query=query)


# --- resources: every representation ------------------------------------------------------------

@pytest.mark.parametrize(("suffix", "fmt"), [
    ("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES), ("rdf", ox.RdfFormat.RDF_XML),
    ("trig", ox.RdfFormat.TRIG), ("nq", ox.RdfFormat.N_QUADS),
])
def test_resource_representations_publish_every_iri_under_the_public_base(published, suffix, fmt):
    response = get(published, f"/{TH}.{suffix}")
    found = iris_of(response.data, fmt)
    assert_published(found, PUBLIC)
    assert PUBLIC + TH in found and PUBLIC + "ontology#Country" in found
    assert PUBLIC + "graph/inferred" in found or suffix not in ("trig", "nq")
    assert response.headers["Content-Location"] == f"/data/{TH}.{suffix}"


def test_resource_jsonld_expands_with_its_served_context_to_public_iris(published):
    response = get(published, f"/{TH}.jsonld")
    assert f"<{PUBLIC}context/v" in response.headers["Link"]
    document = json.loads(response.data)
    assert document["@context"].startswith(PUBLIC + "context/v")
    context = json.loads(get(published, "/context.jsonld").data)
    document["@context"] = context["@context"]
    found = iris_of(json.dumps(document).encode(), ox.RdfFormat.JSON_LD)
    assert_published(found, PUBLIC)
    turtle = iris_of(get(published, f"/{TH}.ttl").data, ox.RdfFormat.TURTLE)
    assert found == turtle
    assert context["@context"]["country"] == PUBLIC + "id/country/"
    assert context["@context"]["evaw"] == PUBLIC + "ontology#"


def test_resource_page_shows_the_public_iri_and_links_locally(published):
    html = get(published, f"/{TH}", "text/html").get_data(as_text=True)
    assert f"<code>{PUBLIC}{TH}</code>" in html
    assert CANONICAL not in html
    assert 'href="/data/id/region/south-eastern-asia"' in html


def test_ontology_page_shows_public_term_iris(published):
    html = get(published, "/ontology", "text/html").get_data(as_text=True)
    assert f"{PUBLIC}ontology#Country" in html and CANONICAL not in html


def test_public_iri_paths_dereference_with_or_without_the_bases_path(published):
    """A proxy may pass /data/ through or strip it: both name the same resource."""
    for path in (f"/data/{TH}", f"/{TH}"):
        graph = rdflib.Graph().parse(data=get(published, path + ".ttl").data, format="turtle")
        assert (rdflib.URIRef(PUBLIC + TH), rdflib.RDF.type, rdflib.URIRef(PUBLIC + "ontology#Country")) in graph


def test_default_base_is_the_address_the_request_reached(local):
    found = iris_of(get(local, f"/{TH}.ttl").data, ox.RdfFormat.TURTLE)
    assert_published(found, LOCAL)
    assert LOCAL + TH in found


@pytest.mark.parametrize("host", ["a_b.example", "", "[::1", "evil.example:99999", "ex ample",
                                  "\u00e9.com"])
def test_a_host_header_werkzeug_cannot_use_publishes_under_the_servers_own_address(local, host):
    # werkzeug makes such a Host "http:///": links naming no host. The address the request
    # reached is used instead, so the answer's links still work here.
    response = local.get(f"/{TH}.ttl", headers={"Host": host},
                         environ_overrides={"SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8321"})
    assert response.status_code == 200
    found = iris_of(response.data, ox.RdfFormat.TURTLE)
    assert "http://127.0.0.1:8321/" + TH in found
    assert not {iri for iri in found if iri.startswith("http:///")}


@pytest.fixture(scope="module")
def local_live(local_app):
    """``(host, port)`` of :func:`local_app` served on loopback: werkzeug's test client cannot
    send a Host it fails to decode itself."""
    server = make_server("127.0.0.1", free_port(), local_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(10)


@pytest.mark.parametrize("host", ["xn--a.org", "xn--zz:8080", "a..b", ".", "a" * 64 + ".org"])
@pytest.mark.parametrize("path", [f"/{TH}.ttl", f"/{TH}.jsonld", "/", "/.well-known/void",
                                  "/queries/agency-mandate.json", "/sparql?query=ASK%7B%7D"])
def test_a_host_header_that_is_no_host_name_gets_400_saying_so(local_live, host, path):
    """``Host: xn--a.org`` (not valid punycode) was a 500 with a traceback on every page:
    werkzeug fails to decode it wherever it builds the request's URL. ``a..b`` was a 400 whose
    message ("The browser (or proxy) sent a request that this server could not understand")
    did not say what to fix."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", local_live, timeout=60)
    try:
        connection.request("GET", path, headers={"Host": host, "Accept": "application/json"})
        response = connection.getresponse()
        status, body = response.status, response.read()
    finally:
        connection.close()
    assert status == 400, body
    assert "the Host header" in json.loads(body)["message"]


def test_etag_depends_on_the_public_base(published, local):
    assert get(published, f"/{TH}.ttl").headers["ETag"] != get(local, f"/{TH}.ttl").headers["ETag"]


# --- redirects to the graph's spelling -----------------------------------------------------------

@pytest.mark.parametrize(("path", "location"), [
    ("/id/country/za", "/id/country/ZA"),
    ("/id/country/ZA/", "/id/country/ZA"),
    ("/id/country/za/", "/id/country/ZA"),
    ("/id/country/za.ttl", "/id/country/ZA.ttl"),
    ("/id/organization/UNODC", "/id/organization/unodc"),
    ("/ID/Region/World", "/id/region/world"),
])
def test_other_spellings_of_an_existing_iri_redirect_permanently(local, path, location):
    response = local.get(path)
    assert response.status_code == 301, response.get_data(as_text=True)[:200]
    assert response.headers["Location"] == location


def test_redirect_keeps_the_query_and_follows_to_the_resource(local):
    response = local.get("/id/country/za", query_string={"format": "nt"})
    assert response.status_code == 301 and response.headers["Location"] == "/id/country/ZA?format=nt"
    assert local.get(response.headers["Location"]).mimetype == "application/n-triples"


def test_redirect_under_a_public_base_with_a_path(published):
    response = published.get("/data/id/country/za")
    assert response.status_code == 301 and response.headers["Location"] == "/data/id/country/ZA"


def test_unknown_iri_is_still_404_not_redirected(local):
    assert local.get("/id/country/zz").status_code == 404
    assert local.get("/id/country/TH").status_code == 200  # the graph's own spelling: no redirect


# --- SPARQL: answers out, queries in --------------------------------------------------------------

SELECT_TH = "SELECT ?type ?region WHERE { country:TH a ?type ; evaw:locatedIn ?region } LIMIT 50"


def test_select_results_publish_iris_in_every_format(published):
    document = json.loads(sparql(published, SELECT_TH, "application/sparql-results+json").data)
    values = {b[v]["value"] for b in document["results"]["bindings"] for v in b}
    assert PUBLIC + "ontology#Country" in values and not any(v.startswith(CANONICAL) for v in values)
    xml = sparql(published, SELECT_TH, "application/sparql-results+xml").get_data(as_text=True)
    assert PUBLIC + "ontology#Country" in xml and CANONICAL not in xml
    tsv = sparql(published, SELECT_TH, "text/tab-separated-values").get_data(as_text=True)
    assert f"<{PUBLIC}ontology#Country>" in tsv and CANONICAL not in tsv
    rows = list(csv.reader(io.StringIO(sparql(published, SELECT_TH, "text/csv").get_data(as_text=True))))
    assert [PUBLIC + "ontology#Country"] in [[row[0]] for row in rows]
    assert CANONICAL not in "".join(",".join(row) for row in rows)


def test_typed_literal_datatypes_under_the_base_are_published_but_literal_text_is_not(published):
    query = (f'SELECT ?typed ?text WHERE {{ BIND(STRDT("x", <{CANONICAL}ontology#code>) AS ?typed) '
             f'BIND("{CANONICAL}id/country/TH <{CANONICAL}id/country/TH>" AS ?text) }}')
    for accept in ("application/sparql-results+json", "text/tab-separated-values"):
        body = sparql(published, query, accept).get_data(as_text=True)
        assert PUBLIC + "ontology#code" in body
        # A string is data: the IRIs written inside it stay as the client wrote them.
        assert f"{CANONICAL}id/country/TH <{CANONICAL}id/country/TH>" in body.replace("\\/", "/")


@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML), ("application/trig", ox.RdfFormat.TRIG),
    ("application/n-quads", ox.RdfFormat.N_QUADS),
])
def test_construct_answers_publish_iris_in_every_graph_format(published, accept, fmt):
    body = sparql(published, "DESCRIBE country:TH", accept).data
    found = iris_of(body, fmt)
    assert_published(found, PUBLIC)
    assert PUBLIC + TH in found


def test_construct_jsonld_answer_uses_public_prefixes(published):
    document = json.loads(sparql(published, "DESCRIBE country:TH", "application/ld+json").data)
    assert document["@context"]["country"] == PUBLIC + "id/country/"
    found = iris_of(json.dumps(document).encode(), ox.RdfFormat.JSON_LD)
    assert_published(found, PUBLIC)


@pytest.mark.parametrize("query", [
    f"SELECT ?l WHERE {{ <{PUBLIC}{TH}> rdfs:label ?l FILTER(lang(?l) = 'en') }}",
    f"SELECT ?l WHERE {{ <{CANONICAL}{TH}> rdfs:label ?l FILTER(lang(?l) = 'en') }}",
    f"PREFIX c: <{PUBLIC}id/country/> SELECT ?l WHERE {{ c:TH rdfs:label ?l FILTER(lang(?l) = 'en') }}",
    f"BASE <{PUBLIC}> SELECT ?l WHERE {{ <{TH}> rdfs:label ?l FILTER(lang(?l) = 'en') }}",
    "SELECT ?l WHERE { country:TH rdfs:label ?l FILTER(lang(?l) = 'en') }",
    "SELECT ?l WHERE { id:country\\/TH rdfs:label ?l FILTER(lang(?l) = 'en') }",
])
def test_queries_may_name_resources_by_their_public_or_canonical_iri(published, query):
    document = json.loads(sparql(published, query, "application/sparql-results+json").data)
    assert [b["l"]["value"] for b in document["results"]["bindings"]] == ["Thailand"]


def test_iri_written_in_a_string_is_not_rewritten_in_the_query(published):
    query = f'ASK {{ <{CANONICAL}{TH}> ?p ?o FILTER(STRSTARTS(STR(<{PUBLIC}{TH}>), "{PUBLIC}")) }}'
    document = json.loads(sparql(published, query, "application/sparql-results+json").data)
    # The IRI term became canonical, the string did not: the filter compares them and fails.
    assert document["boolean"] is False


def test_graph_names_in_the_protocol_may_be_public(published):
    response = published.get("/sparql", query_string={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "default-graph-uri": PUBLIC + "graph/places"}, headers={"Accept": "application/sparql-results+json"})
    document = json.loads(response.data)
    assert int(document["results"]["bindings"][0]["n"]["value"]) > 10


def test_service_description_publishes_graph_names(published):
    found = iris_of(get(published, "/sparql", "text/turtle").data, ox.RdfFormat.TURTLE)
    assert PUBLIC + "graph/activities" in found
    assert not {iri for iri in found if iri.startswith(CANONICAL)}


def test_sparql_etag_depends_on_the_public_base(published, local):
    query = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}
    assert (published.get("/sparql", query_string=query).headers["ETag"]
            != local.get("/sparql", query_string=query).headers["ETag"])


# --- VoID, dumps, named queries, search, OpenAPI ---------------------------------------------------

def test_void_is_published_under_the_public_base(published):
    body = get(published, "/.well-known/void", "text/turtle").data
    graph = rdflib.Graph().parse(data=body, format="turtle")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    dataset = rdflib.URIRef(PUBLIC + ".well-known/void#dataset")
    assert graph.value(dataset, void.uriSpace) == rdflib.Literal(PUBLIC + "id/")
    assert graph.value(dataset, void.sparqlEndpoint) == rdflib.URIRef(PUBLIC + "sparql")
    assert CANONICAL.encode() not in body
    html = get(published, "/.well-known/void", "text/html").get_data(as_text=True)
    assert PUBLIC + ".well-known/void#dataset" in html and CANONICAL not in html


@pytest.mark.parametrize(("name", "fmt", "zipped"), [
    ("evawkg.ttl", ox.RdfFormat.TURTLE, False), ("evawkg.nt.gz", ox.RdfFormat.N_TRIPLES, True),
    ("evawkg-inferred.ttl", ox.RdfFormat.TURTLE, False), ("evawkg.nq.gz", ox.RdfFormat.N_QUADS, True),
])
def test_dumps_are_published_under_the_public_base(published, name, fmt, zipped):
    data = get(published, f"/dumps/{name}").data
    found = iris_of(gzip.decompress(data) if zipped else data, fmt)
    assert_published(found, PUBLIC)


def test_jsonld_dump_and_manifest_are_published(published):
    document = json.loads(get(published, "/dumps/evawkg.jsonld").data)
    assert document["@context"]["evaw"] == PUBLIC + "ontology#"
    assert_published(iris_of(json.dumps(document).encode(), ox.RdfFormat.JSON_LD), PUBLIC)
    manifest = json.loads(get(published, "/dumps/", "application/json").data)
    assert PUBLIC + "graph/activities" in manifest["graphs"]


def test_named_query_answers_and_openapi_are_published(published):
    rows = json.loads(get(published, "/queries/people-trained.json").data)["rows"]
    assert rows and all(row["activity"].startswith(PUBLIC) for row in rows)
    tsv = get(published, "/queries/people-trained.tsv").get_data(as_text=True)
    assert f"<{PUBLIC}" in tsv and CANONICAL not in tsv
    document = json.loads(get(published, "/openapi.json").data)
    assert document["servers"] == [{"url": PUBLIC}]


def test_search_hits_are_published(published):
    hits = json.loads(get(published, "/search", "application/json", q="Thailand").data)["hits"]
    th = next(hit for hit in hits if hit["iri"].endswith("/id/country/TH"))
    assert th["iri"] == PUBLIC + TH and th["href"] == "/data/" + TH


def test_editor_predeclares_the_public_prefixes(published):
    page = html.unescape(get(published, "/sparql", "text/html").get_data(as_text=True))
    assert f"PREFIX country: <{PUBLIC}id/country/>" in page
    # The examples' IRIs too (a string in a query is data, and stays).
    assert f"\\u003c{PUBLIC}id/organization/unodc\\u003e" in page
    assert f"<{CANONICAL}" not in page and f"\\u003c{CANONICAL}" not in page


# --- live: a client dereferences what it was given --------------------------------------------------

@pytest.fixture(scope="module")
def live_local(local_app):
    server = make_server("127.0.0.1", free_port(), local_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(10)


def test_a_local_run_links_work_for_rdflib(live_local):
    """Every IRI of a description fetched from a local run is under its address, so a client
    follows them with no configuration: Thailand's region, then the region's own page."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = rdflib.Graph().parse(live_local + TH)
    th = rdflib.URIRef(live_local + TH)
    region = graph.value(th, rdflib.URIRef(live_local + "ontology#locatedIn"))
    assert region is not None and str(region).startswith(live_local)
    request = urllib.request.Request(str(region), headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(request, timeout=30) as response:
        linked = rdflib.Graph().parse(data=response.read(), format="turtle")
    assert (region, rdflib.RDF.type, rdflib.URIRef(live_local + "ontology#Region")) in linked


def test_live_sparql_results_link_to_the_server(live_local):
    query = urllib.parse.urlencode({"query": "SELECT ?c WHERE { ?c evaw:iso3166Alpha2 'TH' }"})
    request = urllib.request.Request(live_local + "sparql?" + query,
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        [binding] = json.loads(response.read())["results"]["bindings"]
    assert binding["c"]["value"] == live_local + TH


# --- the setting -------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["kg.example.net", "ftp://kg.example.net/", "https://kg.example.net",
                                 "https://kg.example.net/?x=1", "https://kg.example.net/#top"])
def test_public_base_must_be_an_http_url_ending_in_a_slash(bad):
    with pytest.raises(SettingsError, match="public_base"):
        Settings(public_base=bad)


def test_public_base_comes_from_the_environment_and_the_flag():
    assert Settings.from_environment({"EVAWKG_PUBLIC_BASE": PUBLIC}).public_base == PUBLIC
    from click.testing import CliRunner
    from evawkg.web.command import serve_command

    result = CliRunner().invoke(serve_command, ["--help"])
    assert "--public-base" in result.output


# --- /validate: reports under the public base, uploads in either form -----------------------------

def validate(client, body: str, accept: str, **params):
    response = client.post("/validate", data=body.encode(), content_type="text/turtle",
                           headers={"Accept": accept}, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


PROBE = f"<{PUBLIC}id/activity/probe> a <{CANONICAL}ontology#Activity> .\n"


def test_validate_report_names_public_iris_in_every_format(published):
    report = validate(published, PROBE, "application/json").json
    assert report["conforms"] is False
    foci = {result["focus"]["value"] for result in report["results"]}
    assert foci == {PUBLIC + "id/activity/probe"}
    assert all(result["shape"].startswith(PUBLIC + "shapes#") for result in report["results"])
    for accept, fmt in (("text/turtle", ox.RdfFormat.TURTLE), ("application/ld+json", ox.RdfFormat.JSON_LD)):
        assert_published(iris_of(validate(published, PROBE, accept).data, fmt), PUBLIC)
    text = validate(published, PROBE, "text/plain").get_data(as_text=True)
    assert "activity:probe" in text and CANONICAL not in text
    page = validate(published, PROBE, "text/html").get_data(as_text=True)
    assert CANONICAL not in page


def test_validate_reads_public_iris_of_an_upload_as_the_served_graph_s(published):
    # Thailand has one alpha-2 code in the graph; a second, said of its public IRI, breaks
    # shapes:Country-alpha2 only if the upload's node is the served graph's country:TH.
    body = f'<{PUBLIC}{TH}> <{CANONICAL}ontology#iso3166Alpha2> "XT" .\n'
    report = validate(published, body, "application/json", with_graph="true").json
    shapes = {(result["focus"]["value"], result["shape"]) for result in report["results"]}
    assert (PUBLIC + TH, PUBLIC + "shapes#Country-alpha2") in shapes, shapes


def test_validate_at_the_default_base_names_the_address_the_request_reached(local):
    # written under the canonical base, reported under the address the request reached
    report = validate(local, f"<{CANONICAL}id/activity/probe> a <{CANONICAL}ontology#Activity> .",
                      "application/json").json
    assert {result["focus"]["value"] for result in report["results"]} == {LOCAL + "id/activity/probe"}


def test_dumps_for_many_hosts_keep_a_bounded_number_of_folders_on_disk(local_app):
    """Without a public_base setting each Host a client names is a base with dumps of its own:
    at most DUMP_BASES of them stay on disk, the others are removed as new ones are written."""
    from evawkg.web.linked_data import DUMP_BASES, MANIFEST

    client = local_app.test_client()
    folders = []
    for number in range(DUMP_BASES + 2):
        host = f"h{number}.example"
        response = client.get("/dumps/evawkg.nt.gz", base_url=f"http://{host}/")
        assert response.status_code == 200
        folders.append(local_app.extensions["evawkg.linked_data"]._dumps[
            (local_app.extensions["evawkg"].service.data_version, f"http://{host}/")])
    kept = [folder for folder in folders if (folder / MANIFEST).exists()]
    assert kept == folders[-DUMP_BASES:]
    again = client.get("/dumps/evawkg.nt.gz", base_url="http://h0.example/")
    assert again.status_code == 200 and b"http://h0.example/" in gzip.decompress(again.data)


def test_dump_folders_of_other_versions_and_servers_are_pruned_to_a_bound(local_app, monkeypatch,
                                                                          tmp_path):
    """Every data version (each write makes one) has dump folders, and they outlive the server
    that wrote them: writing a new one keeps the DUMP_FOLDERS_KEPT newest and removes the rest,
    and folders left half-written long ago, but never one being written now."""
    import os
    import tempfile
    import time

    from evawkg.web.linked_data import DUMP_FOLDERS_KEPT, MANIFEST

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    root = tmp_path / "evawkg-dumps"
    root.mkdir()
    now = time.time()
    stale = []
    for age in range(DUMP_FOLDERS_KEPT + 3):  # folder 0 the newest
        folder = root / f"an-earlier-version-{age}"
        folder.mkdir()
        (folder / MANIFEST).write_text("{}")
        os.utime(folder, (now - 60 * (age + 1), now - 60 * (age + 1)))
        stale.append(folder)
    abandoned, writing = root / "building-long-ago", root / "building-now"
    abandoned.mkdir()
    os.utime(abandoned, (now - 86400, now - 86400))
    writing.mkdir()

    response = local_app.test_client().get("/dumps/evawkg.nt.gz", base_url="http://prune.example/")
    assert response.status_code == 200
    written = local_app.extensions["evawkg.linked_data"]._dumps[
        (local_app.extensions["evawkg"].service.data_version, "http://prune.example/")]
    assert written.parent == root and (written / MANIFEST).exists()
    left = sorted(path for path in root.iterdir() if not path.name.startswith("building-"))
    assert written in left and len(left) == DUMP_FOLDERS_KEPT
    assert set(left) - {written} == set(stale[:DUMP_FOLDERS_KEPT - 1])
    assert not abandoned.exists() and writing.exists()


@pytest.mark.parametrize("path", ["/dumps/evawkg.nt.gz", "/dumps/"])
def test_dumps_removed_by_another_server_while_read_are_written_again(local_app, monkeypatch, path):
    """Another server pruning the shared folder between finding the dumps and reading them:
    the request writes them again and answers them, not a 500 for a missing file."""
    import shutil

    from evawkg.web.linked_data import MANIFEST, LinkedData

    found = LinkedData.dumps
    calls = []

    def pruned_once(self, iris):
        folder = found(self, iris)
        if not calls:
            shutil.rmtree(folder)
        calls.append(folder)
        return folder

    monkeypatch.setattr(LinkedData, "dumps", pruned_once)
    response = local_app.test_client().get(path, base_url="http://pruned.example/",
                                           headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(calls) == 2 and (calls[1] / MANIFEST).exists()
    if path.endswith(".gz"):
        assert b"http://pruned.example/" in gzip.decompress(response.data)
    else:
        assert "evawkg.nt.gz" in response.get_json()["files"]


def test_dumps_of_one_host_being_written_make_another_host_retry_not_wait(local_app, monkeypatch):
    """A request for another base's dumps gets 503 + Retry-After at once instead of holding a
    request thread behind the writer (a client naming many Hosts would hold them all); one for
    the base being written waits for it and gets its files, whatever data version it asks."""
    import time
    import uuid

    # Hosts of this run only: dumps on disk outlive a run (a restarted server reuses them).
    writing, other = (f"http://{name}-{uuid.uuid4().hex[:8]}.example/" for name in ("w", "o"))

    state = local_app.extensions["evawkg.linked_data"]
    release, started = threading.Event(), threading.Event()
    write = state.reader.write_dumps

    def slow_write(*args, **kwargs):
        started.set()
        assert release.wait(60)
        return write(*args, **kwargs)

    monkeypatch.setattr(state.reader, "write_dumps", slow_write)
    answers: dict[str, int] = {}

    def fetch(name: str) -> None:
        answers[name] = local_app.test_client().get(
            "/dumps/evawkg.nt.gz", base_url=writing).status_code

    first = threading.Thread(target=fetch, args=("first",))
    first.start()
    assert started.wait(30)
    # A write changes the data meanwhile: the same base's dumps of the new version wait their
    # turn too (they are no other address's).
    version = type(state).version
    monkeypatch.setattr(type(state), "version", property(lambda self: version.fget(self) + "-new"))
    second = threading.Thread(target=fetch, args=("second",))
    second.start()
    began = time.monotonic()
    busy = local_app.test_client().get("/dumps/evawkg.nt.gz", base_url=other,
                                       headers={"Accept": "application/json"})
    assert time.monotonic() - began < 5
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert busy.get_json()["error"] == "dumps-busy"
    assert "retry in a few seconds" in busy.get_json()["message"]
    assert urllib.parse.urlsplit(writing).hostname not in busy.get_json()["message"]  # no other client's Host
    release.set()
    first.join(60)
    second.join(60)
    assert answers == {"first": 200, "second": 200}
    again = local_app.test_client().get("/dumps/evawkg.nt.gz", base_url=other)
    assert again.status_code == 200 and other.encode() in gzip.decompress(again.data)
