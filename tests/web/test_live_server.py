"""A live ``evawkg serve`` on loopback, used by real clients (SPARQLWrapper, rdflib's
SPARQLStore); the timeout proof; and a canary proving nothing leaves the machine."""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
import urllib.parse
import urllib.request
import warnings

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

LABELS = ("PREFIX evaw: <https://evawkg.example.org/ontology#> "
          "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
          "SELECT ?label WHERE { ?a a evaw:Activity ; rdfs:label ?label } ORDER BY ?label")
ORGS = ("CONSTRUCT { ?o rdfs:label ?l } WHERE { ?o a org:FormalOrganization ; rdfs:label ?l }")


def wrapper(base: str, query: str, return_format: str) -> SPARQLWrapper:
    client = SPARQLWrapper(base + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    return client


@pytest.mark.parametrize(("return_format", "method"), [
    (JSON, "GET"), (XML, "GET"), (CSV, "GET"), (TSV, "GET"), (JSON, "POST"), (XML, "POST")])
def test_sparqlwrapper_select_every_result_format(live_server, return_format, method):
    base, _ = live_server
    client = wrapper(base, LABELS, return_format)
    client.setMethod(method)
    converted = client.query().convert()
    if return_format == JSON:
        labels = [b["label"]["value"] for b in converted["results"]["bindings"]]
    elif return_format == XML:
        labels = [node.firstChild.data for node in converted.getElementsByTagName("literal")]
    else:
        text = converted.decode() if isinstance(converted, bytes) else converted
        labels = [line.strip().strip('"').split('"@')[0] for line in text.splitlines()[1:]]
    assert labels == ["Shelter support, Namibia", "Training of police officers in Thailand"]


@pytest.mark.parametrize("return_format", [TURTLE, N3, RDFXML, JSONLD])
def test_sparqlwrapper_construct_every_graph_format(live_server, return_format):
    base, _ = live_server
    with warnings.catch_warnings():
        # Known gap: rdflib's JSON-LD parser (used by SPARQLWrapper) warns about its own
        # internal ConjunctiveGraph.
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        converted = wrapper(base, ORGS, return_format).query().convert()
    graph = converted if isinstance(converted, rdflib.Graph) else rdflib.Graph().parse(
        data=converted, format="turtle")
    labels = {str(o) for o in graph.objects(None, rdflib.RDFS.label)}
    assert {"UN Women", "World Health Organization"} <= labels and len(graph) == 4


def test_sparqlwrapper_ask_and_syntax_error(live_server):
    base, _ = live_server
    assert wrapper(base, "ASK { ?s ?p ?o }", JSON).query().convert()["boolean"] is True
    with pytest.raises(SPARQLWrapperException, match="line 1"):
        wrapper(base, "SELECT * WHERE { ?s ?p }", JSON).query()


@pytest.mark.parametrize("return_format", ["json", "xml"])
def test_rdflib_sparqlstore_select_and_ask(live_server, return_format):
    base, _ = live_server
    graph = rdflib.Graph(SPARQLStore(base + "/sparql", returnFormat=return_format))
    rows = list(graph.query(LABELS))
    assert [str(row.label) for row in rows] == ["Shelter support, Namibia",
                                               "Training of police officers in Thailand"]
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True


def test_rdflib_sparqlstore_construct_and_triples(live_server):
    # SPARQLStore's default (xml) accepts RDF/XML for graphs; with returnFormat="json" it
    # accepts only SPARQL JSON, so a CONSTRUCT is rightly answered 406.
    base, _ = live_server
    graph = rdflib.Graph(SPARQLStore(base + "/sparql"))
    constructed = graph.query("PREFIX org: <http://www.w3.org/ns/org#> PREFIX rdfs: "
                              "<http://www.w3.org/2000/01/rdf-schema#> " + ORGS).graph
    assert len(constructed) == 4
    labels = {str(o) for o in graph.objects(
        rdflib.URIRef("https://evawkg.example.org/id/organization/unwomen"), rdflib.RDFS.label)}
    assert labels == {"UN Women"}


# --- The timeout proof --------------------------------------------------------------------------

def _descendants(root: int) -> list[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stream:
                    fields = stream.read().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except OSError:
                continue
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as stream:
            fields = stream.read().rsplit(")", 1)[1].split()
        return 0 if fields[0] == "Z" else int(fields[11]) + int(fields[12])
    except OSError:
        return 0


def _query_processes(root: int) -> list[int]:
    result = []
    for pid in _descendants(root):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as stream:
                arguments = stream.read().split(b"\0")
                if b"evawkg.processes" in arguments and b"query" in arguments:
                    result.append(pid)
        except OSError:
            continue
    return result


def _get(base: str, query: str, timeout: float = 30) -> tuple[int, dict]:
    url = base + "/sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, {"message": error.read().decode()}


def test_endless_query_stops_at_timeout_while_others_answer(live_server, endless_query):
    base, process = live_server
    outcome: dict = {}

    def slow():
        started = time.monotonic()
        outcome["status"], outcome["body"] = _get(base, endless_query)
        outcome["seconds"] = time.monotonic() - started

    before = {pid: _cpu_ticks(pid) for pid in _query_processes(process.pid)}
    thread = threading.Thread(target=slow)
    thread.start()
    latencies = []
    while thread.is_alive():
        started = time.monotonic()
        status, body = _get(base, LABELS, timeout=5)
        latencies.append(time.monotonic() - started)
        assert status == 200 and len(body["results"]["bindings"]) == 2
        if len(latencies) == 5:  # mid-query: which process is burning CPU?
            busy = max(_query_processes(process.pid),
                       key=lambda pid: _cpu_ticks(pid) - before.get(pid, 0))
            busy_ticks = _cpu_ticks(busy) - before.get(busy, 0)
        time.sleep(0.1)
    thread.join()
    assert outcome["status"] == 503 and "query-timeout" in outcome["body"]["message"]
    assert 2.5 < outcome["seconds"] < 6, outcome  # the live server's limit is 3 s
    assert len(latencies) >= 10 and max(latencies) < 1.0, latencies
    assert busy_ticks > 0
    # The killed process is gone (or a zombie awaiting its reaper): its CPU use stopped.
    time.sleep(0.3)
    assert _cpu_ticks(busy) == 0
    remaining = _query_processes(process.pid)
    spent = sum(_cpu_ticks(pid) for pid in remaining)
    time.sleep(1.0)
    assert sum(_cpu_ticks(pid) for pid in _query_processes(process.pid)) - spent <= 5


# --- The canary: nothing leaves the machine -----------------------------------------------------

class _Canary(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 -- http.server's naming
        self.hits.append(self.path)
        body = b"<http://canary/s> <http://canary/p> <http://canary/o> ."
        self.send_response(200)
        self.send_header("Content-Type", "application/n-triples")
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture()
def canary():
    _Canary.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Canary.hits
    server.shutdown()
    server.server_close()


def test_canary_receives_no_service_from_or_load_request(live_server, canary):
    base, _ = live_server
    canary_url, hits = canary
    with urllib.request.urlopen(canary_url + "/self-check") as response:  # the canary works
        assert response.status == 200
    hits.clear()
    cases = {
        f"SELECT * WHERE {{ SERVICE <{canary_url}/sparql> {{ ?s ?p ?o }} }}": 403,
        f"SELECT * WHERE {{ SERVICE SILENT <{canary_url}/sparql> {{ ?s ?p ?o }} }}": 403,
        f"SELECT * FROM <{canary_url}/data.nt> WHERE {{ ?s ?p ?o }}": 200,
        f"SELECT * FROM NAMED <{canary_url}/data.nt> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}": 200,
        f"LOAD <{canary_url}/data.nt>": 403,
    }
    for query, status in cases.items():
        answer_status, body = _get(base, query)
        assert answer_status == status, (query, body)
        if status == 200:
            assert body["results"]["bindings"] == []
    post = urllib.request.Request(base + "/sparql", data=f"LOAD <{canary_url}/x>".encode(),
                                  headers={"Content-Type": "application/sparql-update"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(post)
    refused.value.close()
    assert refused.value.code == 403
    assert hits == []


def test_allow_listed_service_is_called_and_others_are_not(canary, fixture_files):
    from evawkg.settings import Settings
    from evawkg.web import create_app

    canary_url, hits = canary
    allowed = canary_url + "/allowed"
    app = create_app(Settings(data=fixture_files, allow_service=(allowed,),
                              max_concurrent_queries=1, query_timeout=10))
    service = app.extensions["evawkg"].service
    try:
        service.wait_ready(60)
        client = app.test_client()
        refused = client.get("/sparql", query_string={
            "query": f"SELECT * WHERE {{ SERVICE <{canary_url}/other> {{ ?s ?p ?o }} }}"})
        assert refused.status_code == 403 and hits == []
        called = client.get("/sparql", query_string={
            "query": f"SELECT * WHERE {{ SERVICE <{allowed}> {{ ?s ?p ?o }} }}"})
        # The canary answers N-Triples, not SPARQL results: the call happened, then failed.
        assert called.status_code == 502 and "service-failed" in called.get_data(as_text=True)
        assert [hit.split("?")[0] for hit in hits] == ["/allowed"]
    finally:
        service.close()
