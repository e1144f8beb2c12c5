"""A chunked write on a live server: the HTTP front refuses a chunk declared past the largest
body any route takes (413, from the event loop), and with writes on that includes
``max_write_bytes``."""

from __future__ import annotations

import http.client
import json
from urllib.parse import quote

from .conftest import EX, THINGS, LiveServer, make_tokens, select
from .conftest import http as send


def test_chunked_update_past_the_query_and_upload_limits_reaches_the_write_route(tmp_path):
    tokens, secrets = make_tokens(tmp_path)
    live = LiveServer(tmp_path / "store", tokens, extra=(
        "--max-body-bytes", "1024", "--max-upload-bytes", "1024",
        "--max-write-bytes", "65536")).start()
    try:
        text = (f'PREFIX ex: <{EX}>\nINSERT DATA {{ GRAPH <{THINGS}> {{ ex:chunked a ex:Widget ; '
                f'rdfs:label "chunked" }} }}\n#' + "x" * 4000).encode()
        connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
        try:
            connection.request("POST", "/sparql", body=iter([text]), encode_chunked=True,
                               headers={"Content-Type": "application/sparql-update",
                                        "Authorization": "Bearer " + secrets["curator"]})
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        assert response.status in (200, 204), answer
        rows = select(live.base, f'SELECT ?l WHERE {{ <{EX}chunked> <http://www.w3.org/2000/01/'
                                 'rdf-schema#label> ?l }')
        assert [row["l"]["value"] for row in rows] == ["chunked"]
    finally:
        live.stop()


def _chunked(live, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
    try:
        pieces = [body[i:i + 4096] for i in range(0, len(body), 4096)]
        connection.request(method, path, body=iter(pieces), encode_chunked=True, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_chunked_bodies_past_max_write_bytes_are_413_never_cut_and_written(tmp_path):
    """A chunked body longer than max_write_bytes was cut at the limit and the cut written: a
    PUT of 3000 triples whose first 64 KiB end at a line created the graph with 1041 (201)."""
    tokens, secrets = make_tokens(tmp_path)
    limit = 65536
    live = LiveServer(tmp_path / "store", tokens, extra=("--max-write-bytes", str(limit))).start()
    try:
        lines = [f"<{EX}c{i}> <{EX}v> \"{i}\" .\n".encode() for i in range(3000)]
        head = b""
        while len(head) + len(lines[0]) < limit - 200:
            head += lines.pop(0)
        last = lines.pop(0)
        head += last[:-1] + b" " * (limit - len(head) - len(last)) + b"\n"
        assert len(head) == limit  # the cut falls at the end of a line: what is left parses
        body = head + b"".join(lines)
        graph = "https://evawkg.example.org/graph/chunked"
        auth = {"Authorization": "Bearer " + secrets["curator"]}
        status, answer = _chunked(live, "PUT", f"/graph-store?graph={graph}", body,
                                  {"Content-Type": "application/n-triples", **auth})
        assert status == 413, answer
        assert b"max_write_bytes" in answer
        assert send("GET", f"{live.base}/graph-store?graph={graph}")[0] == 404

        # An update form cut at the limit would lose its last parameters (using-graph-uri).
        form = b"update=" + quote(f"INSERT DATA {{ GRAPH <{graph}> {{ <{EX}f> <{EX}v> 1 }} }}"
                                  ).encode() + b"&x=" + b"y" * limit
        status, answer = _chunked(live, "POST", "/sparql", form, {
            "Content-Type": "application/x-www-form-urlencoded", **auth})
        assert status == 413, answer
        assert send("GET", f"{live.base}/graph-store?graph={graph}")[0] == 404

        # Below the limit a chunked body is read whole.
        status, answer = _chunked(live, "PUT", f"/graph-store?graph={graph}", head,
                                  {"Content-Type": "application/n-triples", **auth})
        assert status == 201, answer
        rows = select(live.base, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        assert rows[0]["n"]["value"] == str(head.count(b"\n"))
    finally:
        live.stop()


def test_chunked_form_query_on_a_writable_server_is_answered(tmp_path):
    """The write route read a chunked form (to see whether it held update=) and the query
    route then found the body gone: 400 "the POST request carries no query"."""
    tokens, _ = make_tokens(tmp_path)
    live = LiveServer(tmp_path / "store", tokens).start()
    try:
        form = b"query=" + quote("SELECT (STRLEN(\"chunked\") AS ?n) WHERE { }").encode()
        status, answer = _chunked(live, "POST", "/sparql", form, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json"})
        assert status == 200, answer
        assert json.loads(answer)["results"]["bindings"][0]["n"]["value"] == "7"
    finally:
        live.stop()
