"""Shapes a client uploads (``shapes_file``) are client SPARQL: SHACL-SPARQL constraints run
inside the sandboxed, time-limited validation process, SERVICE is refused before anything runs,
``FROM`` never fetches, and a query that would run forever is stopped at the time limit with a
503 that says so (docs/security.md). Both engines, over a live server on loopback with the
production settings but a 3-second validation time limit."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from werkzeug.serving import make_server

from evawkg.settings import Settings
from evawkg.web import create_app

from .conftest import FIXTURES, fetch, upload_of
from .test_engine_service import _form
from .test_service import _children

LABEL_MISSING_UPLOAD = upload_of(FIXTURES / "activity-label-missing.ttl")

TIME_LIMIT = 3.0
ENGINES = ["store", "pyshacl"]


@pytest.fixture(scope="module")
def limited_server():
    """A live server whose validations may run ``TIME_LIMIT`` seconds."""
    app = create_app(Settings(port=0, max_concurrent_queries=2, queue_wait=30.0,
                              validation_timeout=TIME_LIMIT))
    app.extensions["evawkg"].service.wait_ready(120)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="limited-live-server", daemon=True)
    thread.start()
    app.extensions["evawkg.validation"].pool.wait_ready(120)
    yield app, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)
    httpd.server_close()
    app.extensions["evawkg.validation"].close()
    app.extensions["evawkg"].service.close()


class Listener:
    """A TCP listener on loopback that records every connection made to it."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        deadline = time.monotonic() + 300  # bounded even if a test forgets to close it
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    self.connections.append(connection.recv(200))
                except OSError:
                    self.connections.append(b"")

    def close(self) -> list[bytes]:
        """Stop listening; what reached the listener."""
        time.sleep(0.3)  # a connection in flight would be accepted meanwhile
        self._stop.set()
        self._thread.join(5)
        self.socket.close()
        return self.connections


@pytest.fixture
def listener():
    listening = Listener()
    yield listening
    listening.close()


def _shapes(select: str) -> bytes:
    return ("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
            "@prefix ex: <http://example.org/> .\n"
            "ex:ActivityQueryShape a sh:NodeShape ;\n"
            "    sh:targetClass <https://evawkg.example.org/ontology#Activity> ;\n"
            f'    sh:sparql [ sh:select """{select}""" ] .\n').encode()


@pytest.mark.parametrize("engine", ENGINES)
def test_uploaded_shapes_using_service_are_refused_400_and_reach_nothing(limited_server, listener,
                                                                         engine):
    _, server = limited_server
    shapes = _shapes(f"SELECT $this WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> "
                     "{ $this ?p ?o } }")
    status, _, body = _form(server, {"engine": engine},
                            {"file": ("data.ttl", LABEL_MISSING_UPLOAD),
                             "shapes_file": ("shapes.ttl", shapes)})
    assert status == 400, body[:500]
    assert b"SERVICE" in body
    if engine == "store":
        assert b"ex:ActivityQueryShape" in body
    assert listener.close() == []


@pytest.mark.parametrize("engine", ENGINES)
def test_uploaded_shapes_naming_a_remote_graph_with_from_fetch_nothing(limited_server, listener,
                                                                        engine):
    _, server = limited_server
    shapes = _shapes(f"SELECT $this FROM <http://127.0.0.1:{listener.port}/graph.ttl> "
                     "WHERE { $this ?p ?o }")
    status, _, body = _form(server, {"engine": engine},
                            {"file": ("data.ttl", LABEL_MISSING_UPLOAD),
                             "shapes_file": ("shapes.ttl", shapes)})
    assert status == 200, body[:500]
    assert listener.close() == []


def test_validation_processes_run_in_the_network_sandbox(limited_server):
    _, server = limited_server
    status, _, body = fetch(__import__("urllib.request").request.Request(
        f"{server}/healthz", headers={"Accept": "application/json"}))
    sandbox = json.loads(body)["pools"]["validation"]["network_sandbox"]
    if sandbox == "unavailable":
        pytest.skip("no Linux user namespaces here: the network sandbox cannot start")
    assert sandbox == "on"


# Four triple patterns joined on nothing, filtered on all four: the store must enumerate every
# combination (thousands of triples to the fourth power) before the filter can reject one.
FOREVER = ("SELECT $this WHERE { $this ?p ?o . ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . "
           'FILTER (CONCAT(STR(?o), STR(?c), STR(?f), STR(?i)) = "never") }')


@pytest.mark.parametrize("engine", ENGINES)
def test_uploaded_shape_whose_sparql_runs_forever_is_stopped_at_the_time_limit(limited_server,
                                                                               engine):
    app, server = limited_server
    pool = app.extensions["evawkg.validation"].pool
    started = time.monotonic()
    status, _, body = _form(server, {"engine": engine},
                            {"file": ("data.ttl", LABEL_MISSING_UPLOAD),
                             "shapes_file": ("shapes.ttl", _shapes(FOREVER))})
    elapsed = time.monotonic() - started
    assert status == 503, body[:500]
    assert f"stopped after {TIME_LIMIT:g} s, its time limit".encode() in body
    assert TIME_LIMIT <= elapsed < TIME_LIMIT + 30  # generous: a loaded machine, never a hang
    deadline = time.monotonic() + 5
    while _children(pool.parent_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _children(pool.parent_pid) == [], "the stopped validation still runs"
    status, _, body = _form(server, {"engine": engine},
                            {"file": ("data.ttl", LABEL_MISSING_UPLOAD)})
    assert status == 200 and json.loads(body)["conforms"] is False
