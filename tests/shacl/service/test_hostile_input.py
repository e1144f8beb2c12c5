"""Hostile uploads: each gets a 4xx within seconds, nothing outside the request is read or
fetched, and the live server keeps answering other requests."""

from __future__ import annotations

import http.client
import http.server
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import fetch, post

SMALL_OK = (b"@prefix evaw: <https://evawkg.example.org/ontology#> .\n"
            b"<https://evawkg.example.org/id/activity/x> a evaw:Activity .\n")

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY lol "lol">
""" + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
              for i in range(1, 10)) + """]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
 <rdf:Description rdf:about="http://example.org/a"><ex:p>&lol9;</ex:p></rdf:Description>
</rdf:RDF>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "{target}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
 <rdf:Description rdf:about="http://example.org/a"><ex:p>&xxe;</ex:p></rdf:Description>
</rdf:RDF>
"""

HOSTNAME = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""


class Canary:
    """A loopback HTTP server that records every request it gets."""

    def __init__(self):
        self.requests: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                canary.requests.append(self.path)
                body = b'{"@context": {"name": "http://example.org/name"}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def canary():
    server = Canary()
    yield server
    server.close()


def still_serves(server: str) -> None:
    """The server answers a normal validation and its health check after the attack."""
    status, headers, body = post(f"{server}/validate", SMALL_OK, "text/turtle")
    assert status == 200 and b'"conforms"' in body, body[:300]
    with urllib.request.urlopen(f"{server}/healthz", timeout=10) as response:
        assert response.status == 200


def assert_refused(status: int, body: bytes, started: float, *, expected: int = 400) -> None:
    assert status == expected, body[:500]
    assert time.monotonic() - started < 10, "the refusal took too long"
    if HOSTNAME:
        assert HOSTNAME.encode() not in body


def test_post_billion_laughs_rdfxml_returns_400_quickly(server):
    started = time.monotonic()
    status, _, body = post(f"{server}/validate", LAUGHS.encode(), "application/rdf+xml")
    assert_refused(status, body, started)
    assert b"billion laughs" in body and b'"line"' in body
    still_serves(server)


@pytest.mark.skipif(not HOSTNAME, reason="no /etc/hostname to try to read")
def test_post_xxe_rdfxml_reading_a_local_file_returns_400_without_its_content(server):
    started = time.monotonic()
    document = XXE.format(target="file:///etc/hostname").encode()
    for accept in ("application/json", "text/turtle", "text/html", "text/plain"):
        status, _, body = post(f"{server}/validate", document, "application/rdf+xml", accept)
        assert_refused(status, body, started)
        assert b"external entity" in body
    still_serves(server)


def test_post_xxe_rdfxml_and_remote_dtd_fetch_nothing(server, canary):
    started = time.monotonic()
    for document in (XXE.format(target=canary.url + "/entity"),
                     f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "{canary.url}/dtd">\n'
                     '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n',
                     '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY % remote SYSTEM '
                     f'"{canary.url}/param"> %remote; ]>\n'
                     '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'):
        status, _, body = post(f"{server}/validate", document.encode(), "application/rdf+xml")
        assert 200 <= status < 500 and time.monotonic() - started < 10, body[:300]
        if status == 200:  # a DOCTYPE naming an external DTD that is never read is harmless
            assert b'"conforms"' in body
    assert canary.requests == []
    still_serves(server)


@pytest.mark.parametrize("context", ["{url}/context.jsonld", ["{url}/context.jsonld"],
                                     {"@import": "{url}/context.jsonld"}])
def test_post_jsonld_with_remote_context_returns_400_and_canary_sees_nothing(server, canary,
                                                                              context):
    import json

    def fill(value):
        if isinstance(value, str):
            return value.format(url=canary.url)
        if isinstance(value, list):
            return [fill(v) for v in value]
        return {k: fill(v) for k, v in value.items()}

    document = {"@context": fill(context), "@id": "https://evawkg.example.org/id/activity/x",
                "name": "x"}
    started = time.monotonic()
    status, _, body = post(f"{server}/validate", json.dumps(document).encode(),
                           "application/ld+json")
    assert_refused(status, body, started)
    assert b"never fetched" in body
    time.sleep(0.2)
    assert canary.requests == []
    still_serves(server)


def test_post_jsonld_with_the_projects_own_context_is_read_from_the_bundle(server, canary):
    document = ('{"@context": "https://evawkg.example.org/context.jsonld", '
                '"@id": "https://evawkg.example.org/id/activity/x", "type": "Activity"}')
    status, _, body = post(f"{server}/validate?shapes=ActivityShape", document.encode(),
                           "application/ld+json")
    assert status == 200, body[:500]
    assert b"id/activity/x" in body  # the activity was read: its missing label is reported


def test_post_60_mb_body_returns_413_quickly(server):
    started = time.monotonic()
    size = 60 * 1024 * 1024
    host, port = server.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", "/validate")
    connection.putheader("Content-Type", "text/turtle")
    connection.putheader("Accept", "application/json")
    connection.putheader("Content-Length", str(size))
    connection.endheaders()
    chunk = b"# " + b"x" * (1024 * 1024 - 3) + b"\n"
    try:
        for _ in range(size // len(chunk)):
            connection.send(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered 413 and stopped reading: what we want
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert_refused(response.status, body, started, expected=413)
    assert b"larger than" in body
    still_serves(server)


def test_post_60_mb_chunked_body_without_length_returns_413(server):
    started = time.monotonic()
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: text/turtle\r\n"
                    b"Accept: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"# " + b"x" * (1024 * 1024 - 3) + b"\n"
        try:
            for _ in range(60):
                raw.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            raw.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = raw.recv(65536)
            if not data:
                break
            answer += data
    assert answer.startswith(b"HTTP/1.1 413") or answer.startswith(b"HTTP/1.0 413"), answer[:200]
    assert time.monotonic() - started < 20
    still_serves(server)


def test_post_invalid_utf8_returns_400_with_line_and_column(server):
    started = time.monotonic()
    body = b'<https://e.org/a> <https://e.org/p> "ok" .\n<https://e.org/a> <https://e.org/p> "\xff\xfe" .\n'
    for content_type in ("application/n-triples", "text/turtle", "application/ld+json",
                         "application/rdf+xml"):
        status, _, answer = post(f"{server}/validate", body, content_type)
        assert_refused(status, answer, started)
        assert b"UTF-8" in answer and b'"line": 2' in answer and b'"column": 38' in answer
    still_serves(server)


def test_post_deeply_nested_json_returns_400(server):
    started = time.monotonic()
    depth = 100_000
    document = ('{"@id": "https://e.org/a", "https://e.org/p": ' + "[" * depth + "]" * depth
                + "}").encode()
    status, _, body = post(f"{server}/validate", document, "application/ld+json")
    assert_refused(status, body, started)
    assert b"nests deeper" in body and b'"line": 1' in body
    still_serves(server)


def test_post_jsonld_with_an_integer_too_long_for_python_returns_400_naming_it(server):
    # Python converts at most 4,300 digits (sys.get_int_max_str_digits); one more was a 500.
    started = time.monotonic()
    document = ('{"@id": "https://e.org/a",\n "https://e.org/s": "' + "9" * 5000
                + '", "https://e.org/p": ' + "9" * 4301 + "}").encode()
    status, _, body = post(f"{server}/validate", document, "application/ld+json")
    assert_refused(status, body, started)
    assert b"more than 4300 digits" in body and b"@value" in body, body[:500]
    column = document.split(b"\n")[1].rindex(b" ") + 2  # the number follows the last space
    assert b'"line": 2' in body and b'"column": %d' % column in body, body[:500]
    status, _, body = post(f"{server}/validate", document.replace(b"9" * 4301, b"9" * 4300),
                           "application/ld+json")
    assert status == 200, body[:500]
    still_serves(server)


def test_post_deeply_nested_rdfxml_returns_400(server):
    started = time.monotonic()
    depth = 100_000
    document = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                'xmlns:ex="http://example.org/">' + "<rdf:Description><ex:p>" * depth
                + "</ex:p></rdf:Description>" * depth + "</rdf:RDF>").encode()
    status, _, body = post(f"{server}/validate", document, "application/rdf+xml")
    assert_refused(status, body, started)
    still_serves(server)


def test_hostile_and_normal_requests_at_once_each_get_their_own_answer(server):
    from concurrent.futures import ThreadPoolExecutor

    attacks = [(LAUGHS.encode(), "application/rdf+xml", 400),
               (b"\xff" * 1000, "text/turtle", 400),
               (b"<a> <b> .", "text/turtle", 400),
               (SMALL_OK, "text/turtle", 200),
               (b"x", "application/x-nonsense", 415)] * 2
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda a: post(f"{server}/validate", a[0], a[1]), attacks))
    assert [status for status, _, _ in answers] == [expected for _, _, expected in attacks]


def test_unparsable_turtle_returns_400_with_line_and_column(server):
    status, _, body = post(f"{server}/validate", b"@prefix ex: <http://e.org/> .\nex:a ex:b ex:c ;\n  ex:d .\n",
                           "text/turtle")
    assert status == 400 and b'"line": 3' in body and b'"column"' in body, body


def test_unknown_media_type_returns_415_naming_the_accepted_ones(server):
    status, _, body = post(f"{server}/validate", b"a,b\n", "text/csv")
    assert status == 415 and b"text/turtle" in body and b"application/rdf+xml" in body
    status, _, body = fetch(urllib.request.Request(f"{server}/validate", data=b"x", method="POST",
                                                   headers={"Accept": "application/json"}))
    assert status == 415
