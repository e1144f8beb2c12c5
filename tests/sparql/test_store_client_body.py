"""What evawkg's client for a remote store POSTs: the query and the dataset's graphs as the SPARQL
1.1 Protocol's form fields, the same whether the graphs come as a tuple or a list, and the same
on every request (the graphs' encoded fields are kept per set of graphs: store_client
``_dataset_fields``). A store on loopback records each body it is sent."""

from __future__ import annotations

import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evawkg.sparql.store_client import StoreClient

ANSWER = b'{"head":{"vars":["s"]},"results":{"bindings":[]}}'
GRAPHS = ["https://evawkg.example.org/graph/a b", "https://evawkg.example.org/graph/é&=+"]


class _Recorder(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.server.bodies.append(self.rfile.read(length).decode())  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)


@pytest.fixture()
def recorder():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.bodies = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("container", [tuple, list])
def test_query_posts_the_graphs_as_protocol_fields(recorder, container):
    client = StoreClient(f"http://127.0.0.1:{recorder.server_port}/sparql")
    text = "SELECT ?s WHERE { ?s ?p 'a&b=c' }"
    try:
        for _ in range(2):
            response = client.query(text, accept="application/sparql-results+json", timeout=5,
                                    default_graphs=container(GRAPHS),
                                    named_graphs=container(GRAPHS[:1]))
            assert response.read() == ANSWER
    finally:
        client.close()
    expected = [("query", text), *(("default-graph-uri", g) for g in GRAPHS),
                ("named-graph-uri", GRAPHS[0])]
    assert [urllib.parse.parse_qsl(body, strict_parsing=True) for body in recorder.bodies] == [
        expected, expected]


def test_query_without_graphs_posts_only_the_query(recorder):
    client = StoreClient(f"http://127.0.0.1:{recorder.server_port}/sparql")
    try:
        client.query("ASK {}", accept="application/sparql-results+json", timeout=5).read()
    finally:
        client.close()
    assert [urllib.parse.parse_qsl(body) for body in recorder.bodies] == [[("query", "ASK {}")]]
