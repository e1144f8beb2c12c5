"""No response ever carries a traceback, and hostile or odd requests are never a server fault.

A corpus of requests over every route (bad and odd percent-escapes, backslashes, NUL, invalid
UTF-8, huge and non-Latin paths, unknown formats, bad parameters and headers, every method) must
answer below 500, and no body of any status may hold a Python traceback. Only a real fault
(simulated here) may be a 500, and then the traceback goes to the server's log, never the body.
"""

from __future__ import annotations

import logging
import socket
from urllib.parse import quote, unquote_to_bytes

import pytest

from evawkg.errors import QueryTimeout
from evawkg.linked_data.reader import GraphReader
from evawkg.web import create_app

from ..support import wait_for

#: What betrays a Python traceback in a body.
MARKERS = (b"Traceback", b'File "', b"File &quot;")

#: Every route, with a path that exists on the fixture graph.
ROUTES = ["/", "/sparql", "/healthz", "/queries", "/queries/agency-activities", "/openapi.json",
          "/api", "/search", "/validate", "/shapes", "/index/", "/index/evaw:Activity",
          "/context.jsonld", "/context/v0.0.0.jsonld", "/dumps/", "/dumps/VERSION",
          "/.well-known/void", "/id/organization/unodc", "/assets/site.css", "/ontology",
          "/graph/activities", "/metrics", "/nothing-here"]

#: Suffixes appended to each route's path: escapes bad and odd, backslashes, NUL, invalid
#: UTF-8, scripts, traversal, non-Latin letters and emoji, a huge segment, unknown suffixes.
PATH_TAILS = ["%", "%Z", "%ZZ", "%5C", "\\", "a%5Cb", "%00", "%0A%0D", "%FF", "%C3%28", "%E2%82",
              "%25", "%2F..%2F..%2Fetc%2Fpasswd", "/../../etc/passwd", "%3Cscript%3E", "<x>", " ",
              "%20", "é", "%C3%A9", "中文", "😀", "%F0%9F%98%80", "\u202e", "x" * 3000,
              ".ttl", ".unknown", ".", "..", "//", "#frag", ";param", "?", "&", "%3F%23"]

#: Query strings every route is asked with.
QUERY_STRINGS = ["format=bogus", "format=", "format=%00", "format=text/html%0D%0AX-Evil:1",
                 "lang=xx", "lang=%FF", "page=0", "page=-1", "page=abc",
                 "page=99999999999999999999999999", "page=" + "9" * 5000, "page=２", "q=", "q=%00", "q=" + "é" * 500, "limit=-5",
                 "limit=1e309", "limit=abc", "timeout=abc", "timeout=-1", "timeout=1e309",
                 "timeout=nan", "query=", "query=%00", "query=SELECT", "place=%5C",
                 "place=id:%5C", "place=<x>", "from=abc", "default-graph-uri=%5C",
                 "named-graph-uri=", "a=" + "b" * 8000, "%ZZ=%ZZ", "format=json&format=html"]

#: Headers every route is asked with.
HEADER_SETS = [{"Accept": ""}, {"Accept": "*/*;q=abc"}, {"Accept": "text/html;q=2"},
               {"Accept": "application/x-unknown"}, {"Accept": ",,,;;;==="},
               {"Accept": "text/html, " * 500}, {"Accept-Language": "xx, ;q=abc, ☃"},
               {"If-None-Match": '"\\x", W/'}, {"If-Modified-Since": "yesterday"},
               {"Accept-Encoding": "gzip;q=abc, br"}, {"Origin": "null"},
               {"Range": "bytes=99999999999-1"}, {"Content-Type": "application/sparql-query"}]

METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "TRACE"]

#: Bodies sent with POST to the routes that take one.
BODIES = [("application/sparql-query", b"\xff\xfe\x00"), ("application/sparql-query", b"SELECT"),
          ("application/x-www-form-urlencoded", b"query=%ZZ&%=&=="),
          ("application/x-www-form-urlencoded", b"update=DROP+ALL"),
          ("multipart/form-data; boundary=x", b"--x\r\nbroken"),
          ("multipart/form-data", b"no boundary"), ("text/turtle", b"@prefix : <%ZZ> ."),
          ("application/ld+json", b'{"@context": "http://127.0.0.1:9/ctx"}'),
          ("application/json", b"[" * 10000), ("text/plain", b"\x00" * 100)]


def _requests():
    for route in ROUTES:
        for method in METHODS:
            yield method, route, {}, None
        for tail in PATH_TAILS:
            yield "GET", route.rstrip("/") + "/" + tail, {}, None
            yield "GET", route + tail, {"Accept": "text/html"}, None
        for query in QUERY_STRINGS:
            yield "GET", f"{route}?{query}", {}, None
        for headers in HEADER_SETS:
            yield "GET", route, headers, None
    for route in ("/sparql", "/validate", "/", "/id/organization/unodc"):
        for content_type, body in BODIES:
            yield "POST", route, {"Content-Type": content_type}, body


CORPUS = list(_requests())

#: Invalid or relative IRIs in the SPARQL Protocol's dataset parameters, with a query.
DATASET_PARAMETERS = [f"/sparql?query=SELECT+*+WHERE+%7B%3Fs+%3Fp+%3Fo%7D+LIMIT+1&{parameter}"
                      for parameter in ("default-graph-uri=foo", "default-graph-uri=%5C",
                                        "default-graph-uri=", "named-graph-uri=foo",
                                        "named-graph-uri=http://a%20b", "named-graph-uri=%3Cx%3E")]


def _close(application) -> None:
    application.extensions["evawkg.validation"].close()
    application.extensions["evawkg"].service.close()


@pytest.fixture(scope="module")
def app(settings):
    """An app of its own: the corpus starts the validation pool, which it must close."""
    application = create_app(settings)
    application.extensions["evawkg"].service.wait_ready(60)
    yield application
    _close(application)


@pytest.fixture()
def client(app):
    return app.test_client()


def test_corpus_is_large_and_covers_every_route(app):
    assert len(CORPUS) > 2000
    served = {rule.rule.split("<")[0] for rule in app.url_map.iter_rules()}
    asked = {path for _, path, _, _ in CORPUS}
    for prefix in served - {"/static/"}:
        assert any(path.startswith(prefix) for path in asked), prefix


def _as_a_server_passes_it(target: str) -> dict:
    """The WSGI environ gunicorn builds for ``target`` sent as a browser sends it (non-ASCII
    percent-encoded: gunicorn answers raw non-ASCII bytes 400 itself): the path percent-decoded
    into bytes read as Latin-1 (PEP 3333), the query string as sent."""
    sent = quote(target, safe="".join(chr(c) for c in range(0x21, 0x7f)))
    path, _, query = sent.partition("?")
    return {"PATH_INFO": unquote_to_bytes(path).decode("latin-1"), "QUERY_STRING": query,
            "REQUEST_URI": sent, "RAW_URI": sent}


def test_hostile_requests_on_every_route_are_never_a_server_fault_or_a_traceback(client):
    faults, leaks = [], []
    for method, path, headers, body in CORPUS:
        response = client.open("/", method=method, headers=headers, data=body,
                               environ_overrides=_as_a_server_passes_it(path))
        data = response.get_data()
        if response.status_code >= 500:
            faults.append((method, path[:80], headers, response.status_code, data[:200]))
        if any(marker in data for marker in MARKERS):
            leaks.append((method, path[:80], headers, response.status_code, data[:200]))
    assert leaks == []
    assert faults == []


def test_bad_dataset_parameters_never_leak_a_traceback(client):
    for target in DATASET_PARAMETERS:
        for accept in ("application/json", "text/html", "text/plain"):
            response = client.get(target, headers={"Accept": accept})
            assert not any(marker in response.get_data() for marker in MARKERS), target


# Graph IRIs of the protocol are checked in the request thread (issue 14, item 7).
@pytest.mark.parametrize("target", DATASET_PARAMETERS)
def test_bad_dataset_parameters_are_400(client, target):
    assert client.get(target).status_code == 400


@pytest.mark.parametrize("path", ["/id/a%5Cb", "/id/a\\b", "/id/%ZZ", "/id/a%00b", "/id/<x>",
                                  "/id/a b", "/index/http:%2F%2Fx%20y"])
def test_path_naming_no_valid_iri_is_404(client, path):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "not-found"


@pytest.mark.parametrize("curie", ["evaw:Country", "evaw:NoSuchClass", "owl:Class"])
def test_index_of_class_without_instances_is_404(client, curie):
    response = client.get("/index/" + curie, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "no resource has the type" in response.get_json()["message"]


def test_home_page_on_graph_without_featured_classes_lists_those_it_has(client):
    # The fixture graph has activities but no countries, classes or properties of an ontology.
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/index/evaw:Activity"' in page
    assert 'href="/index/evaw:Country"' not in page and 'href="/index/owl:Class"' not in page


# --- A real fault: 500, logged with its traceback, the body without it -------------------------------


@pytest.fixture(scope="module")
def faulty_app(settings):
    """An app whose extra routes fail for real: inside a query process and in the web process."""
    application = create_app(settings)
    service = application.extensions["evawkg"].service
    reader = GraphReader(service, 5.0)
    # An unknown Describer method: an AttributeError inside the query process.
    application.add_url_rule("/fault/in-process", "in_process",
                             lambda: reader._describe("no_such_method"))
    application.add_url_rule("/fault/in-web", "in_web", _raise_in_web)
    service.wait_ready(60)
    yield application
    _close(application)


def _raise_in_web():
    raise RuntimeError("a bug in a view")


@pytest.mark.parametrize("accept", ["application/json", "text/html", "text/plain"])
@pytest.mark.parametrize("path", ["/fault/in-process", "/fault/in-web"])
def test_real_fault_is_500_without_traceback_and_logged_with_it(faulty_app, path, accept, caplog):
    with caplog.at_level(logging.ERROR, logger="evawkg.web"):
        response = faulty_app.test_client().get(path, headers={"Accept": accept})
    assert response.status_code == 500
    data = response.get_data()
    assert not any(marker in data for marker in MARKERS), data
    assert b"internal-error" in data
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    if path == "/fault/in-process":
        assert "the query failed inside its process" in data.decode()
        assert "Traceback" in logged and "no_such_method" in logged
    else:
        assert any(record.exc_info for record in caplog.records)


# --- The home page's figures: a failure is remembered, not recomputed per visit -----------------------


def test_home_figures_that_time_out_are_not_recomputed_on_every_visit(monkeypatch, settings):
    from evawkg.web import workbench

    application = create_app(settings)
    service = application.extensions["evawkg"].service
    try:
        service.wait_ready(60)
        calls = []

        def slow_overview(*args, **kwargs):
            calls.append(1)
            raise QueryTimeout("the query was stopped after 30 s, its time limit")

        monkeypatch.setattr(workbench, "overview", slow_overview)
        client = application.test_client()
        for _ in range(3):
            response = client.get("/", headers={"Accept": "text/html"})
            assert response.status_code == 200
        assert len(calls) == 1
    finally:
        _close(application)


# --- Over a real socket: what a test client cannot send ---------------------------------------------


RAW_TARGETS = [b"/id/\xff\xfe", b"/id/a b", b"/id/a%5Cb", b"/index/evaw:Nothing", b"/%",
               b"/id/" + b"x" * 3500, b"/" + b"%C3" * 1000, b"*", b"http://127.0.0.1/id/x",
               b"/sparql?query=%ZZ", b"/\x00", b"/id/\t"]


def _raw(base: str, request_line: bytes, headers: bytes = b"") -> bytes:
    host, port = base.rsplit("/", 1)[-1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                           + headers + b"\r\n")
        chunks = []
        while len(chunks) < 10_000:
            chunk = connection.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_raw_hostile_requests_to_the_real_server_never_fault_or_leak(live_server):
    base, _ = live_server
    wait_for(base + "/healthz")
    found = []
    for target in RAW_TARGETS:
        for method in (b"GET", b"HEAD", b"DELETE"):
            answer = _raw(base, method + b" " + target + b" HTTP/1.1")
            status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
            if status >= 500 or status == 0 or any(marker in answer for marker in MARKERS):
                found.append((method, target[:60], answer[:200]))
    for line in (b"GET /id/x HTTP/9.9", b"GARBAGE", b"GET /" + b"a" * 9000 + b" HTTP/1.1"):
        answer = _raw(base, line)
        if any(marker in answer for marker in MARKERS) or answer.startswith(b"HTTP/1.1 5"):
            found.append((line[:60], answer[:200]))
    answer = _raw(base, b"GET / HTTP/1.1", b"X-Long: " + b"a" * 20000 + b"\r\n")
    if any(marker in answer for marker in MARKERS) or answer.startswith(b"HTTP/1.1 5"):
        found.append(("long header", answer[:200]))
    assert found == []



@pytest.mark.parametrize("accept", ["application/json", "text/html", "text/plain"])
def test_an_error_quoting_a_huge_input_is_cut_to_a_readable_length(client, accept):
    """A 404 quoting a 60 kB path was a 60 kB message; it is cut, and says so."""
    from evawkg.web.errors import MESSAGE_MOST

    response = client.get("/queries/" + "x" * 60000, headers={"Accept": accept})
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert MESSAGE_MOST < len(text) < MESSAGE_MOST + 1500
    assert "(cut: the message was" in text and "most of them your own input" in text
