"""A repeated ``GET /sparql`` is answered again by the worker's event loop, byte for byte as the
app answered it (but for its ``Date``), while every request thread may be busy; whatever a
header changes stays part of the key; it is logged and counted; answers that must not be kept
never are."""

from __future__ import annotations

import gc
import http.client
import json
import re
import socket
import subprocess
import sys
import time
import tracemalloc
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from evawkg.web.framing import Framing, RequestFraming
from evawkg.web.repeats import Repeatable, RepeatedAnswers, kept_answer
from evawkg.sparql.answer_cache import AnswerCache
from ..support import free_port, stop_server, wait_for
from .conftest import ENDLESS_QUERY, FIXTURE_FILES

LABELS = ("SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } "
          "ORDER BY ?s ?label")
#: 34,000 rows, about 6.2 MB of JSON: more than a socket's send buffer (4 MB at most, Linux's
#: ``tcp_wmem``) takes at once for a client that does not read, less than 8 MB.
LARGE = ("SELECT ?a ?b WHERE { VALUES ?a { " + " ".join(map(str, range(200))) + " } VALUES ?b { "
         + " ".join(map(str, range(170))) + " } }")
JSON = "application/sparql-results+json"


# --- What is kept, and under which key ----------------------------------------------------------

def answer_bytes(status: bytes = b"200 OK", connection: bytes = b"keep-alive",
                 extra: bytes = b"", body: bytes = b'{"head":{}}', length: int | None = None):
    length = len(body) if length is None else length
    return (b"HTTP/1.1 " + status + b"\r\nServer: gunicorn\r\nDate: Tue, 01 Dec 2026 17:00:00 GMT"
            b"\r\nConnection: " + connection + b"\r\nContent-Type: " + JSON.encode()
            + b"\r\nContent-Length: " + str(length).encode() + b"\r\n" + extra + b"\r\n" + body)


REPEATABLE = Repeatable("/sparql", "/sparql?query=ASK", 1)


def test_a_kept_answer_is_sent_with_the_date_of_its_sending():
    kept = kept_answer(answer_bytes(), REPEATABLE)
    assert kept is not None and kept.body_size == len(b'{"head":{}}')
    again = kept.dated(b"Wed, 02 Dec 2026 08:00:01 GMT")
    assert again == answer_bytes().replace(b"Tue, 01 Dec 2026 17:00:00 GMT",
                                           b"Wed, 02 Dec 2026 08:00:01 GMT")


@pytest.mark.parametrize("sent", [
    answer_bytes(status=b"404 NOT FOUND"),
    answer_bytes(status=b"304 NOT MODIFIED", body=b""),
    answer_bytes(connection=b"close"),
    answer_bytes(length=99),                                  # the body did not all go out
    answer_bytes(extra=b"Set-Cookie: session=1\r\n"),
    answer_bytes(extra=b"Transfer-Encoding: chunked\r\n"),
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",              # no end of head
], ids=["404", "304", "closing", "short", "cookie", "chunked", "no-head-end"])
def test_answers_that_must_not_be_sent_again_are_not_kept(sent):
    assert kept_answer(sent, REPEATABLE) is None


class VersionedService:
    data_version = "v1"


def repeats() -> RepeatedAnswers:
    return RepeatedAnswers(VersionedService(), AnswerCache(1 << 20))


def framed(request: bytes) -> bytes | None:
    framing = RequestFraming(65536, 65536)
    assert framing.feed(request) is Framing.COMPLETE
    return framing.bodiless_request()


GET = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"


def test_the_key_is_the_request_its_client_and_the_data_version():
    kept = repeats()
    key = kept.key(framed(GET), ("127.0.0.1", 5000))
    assert key == kept.key(framed(GET), ("127.0.0.1", 6000))  # another connection, same client
    assert key != kept.key(framed(GET), ("127.0.0.2", 5000))
    assert key != kept.key(framed(GET.replace(b"*/*", b"text/csv")), ("127.0.0.1", 5000))
    kept.service.data_version = "v2"
    assert key != kept.key(framed(GET), ("127.0.0.1", 5000))


@pytest.mark.parametrize("request_bytes", [
    b"POST /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n",
    b"HEAD /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /sparql HTTP/1.1\r\nHost: x\r\n\r\n",                       # the service description
    GET.replace(b"\r\n\r\n", b"\r\nAuthorization: Bearer s3cret\r\n\r\n"),
    GET.replace(b"\r\n\r\n", b"\r\ncookie: a=b\r\n\r\n"),
    GET.replace(b"\r\n\r\n", b"\r\nContent-Length: 3\r\n\r\nabc"),     # a body
    GET.replace(b"\r\n\r\n", b"\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    GET + GET,                                                          # pipelined
], ids=["post", "head", "other-route", "no-query", "authorization", "cookie", "body", "chunked",
        "pipelined"])
def test_requests_that_are_not_repeated_have_no_key(request_bytes):
    framing = RequestFraming(65536, 65536)
    framing.feed(request_bytes)
    assert repeats().key(framing.bodiless_request(), ("127.0.0.1", 1)) is None


def test_an_empty_body_is_no_body():
    assert framed(GET.replace(b"\r\n\r\n", b"\r\nContent-Length: 0\r\n\r\n")) is not None


def test_short_answers_kept_hold_no_more_memory_than_the_budget():
    kept = RepeatedAnswers(VersionedService(), AnswerCache(4 << 20))  # 1 MiB of whole answers
    sent = answer_bytes(extra=b'X-Result-Rows: 1\r\nETag: W/"v1-94fef0ba5015e8d216d3"\r\n'
                              b"Vary: Accept\r\nX-Content-Type-Options: nosniff\r\n")
    gc.collect()
    tracemalloc.start()
    try:
        for n in range(5_000):
            request = GET.replace(b"%7D", b"%7D+%23+" + str(n).encode(), 1)
            kept.keep(kept.key(framed(request), ("127.0.0.1", 1)), sent,
                      Repeatable("/sparql", f"/sparql?query=ASK%7B%7D+%23+{n}", 1))
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held <= kept.kept.max_bytes * 1.25, f"{held} bytes held for a budget of 1 MiB"


# --- On a live server ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def busy_server(tmp_path_factory):
    """A server with two request threads, logging every request to a file, keeping answers up
    to 8 MB (a quarter of its answer cache, over 8): (base, log path)."""
    port = free_port()
    log = tmp_path_factory.mktemp("repeats") / "server.log"
    with open(log, "w") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "evawkg.web.command", "--port", str(port), "--threads", "2",
             "--timeout", "3", "--max-concurrent-queries", "2", "--max-slots-per-client", "2",
             "--log-level", "info", "--max-rows", "0", "--answer-cache-mb", "256",
             *[arg for path in FIXTURE_FILES for arg in ("--data", path)]],
            stdout=stream, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        yield base, log
    finally:
        stop_server(process)


def get(base: str, query: str, accept: str = JSON, **headers) -> tuple[int, dict, bytes]:
    return get_path(base, "/sparql?" + urllib.parse.urlencode({"query": query}), accept, **headers)


def get_path(base: str, path: str, accept: str = JSON, **headers) -> tuple[int, dict, bytes]:
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept": accept, **headers})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path, accept, content", [
    ("/sparql?" + urllib.parse.urlencode({"query": LABELS}), JSON, b'"label"'),
    ("/queries/agency-activities.csv?agency=https%3A%2F%2Fevawkg.example.org%2Fid%2Fagency%2Funodc",
     "text/csv", b"activity"),
], ids=["sparql", "named-query"])
def test_a_repeated_query_gets_the_same_bytes_while_every_request_thread_is_busy(
        busy_server, path, accept, content):
    base, _ = busy_server
    status, headers, body = get_path(base, path, accept)
    assert status == 200 and content in body, body
    with ThreadPoolExecutor(2) as pool:
        # Two queries that run until their 3 s limit hold both request threads.
        endless = [pool.submit(get, base, ENDLESS_QUERY + f" # {n}") for n in range(2)]
        time.sleep(0.5)
        again_status, again_headers, again = get_path(base, path, accept)
        threads_were_busy = not any(future.done() for future in endless)
        assert [future.result()[0] for future in endless] == [503, 503]
    assert threads_were_busy, "the repeated query waited for a request thread"
    assert again_status == 200 and again == body
    headers.pop("Date"), again_headers.pop("Date")
    assert again_headers == headers  # ETag, Vary, X-Result-Rows, nosniff… as the app sent them


def test_what_a_header_changes_is_never_answered_from_another_request(busy_server):
    base, _ = busy_server
    for _ in range(2):
        assert get(base, LABELS)[2].startswith(b"{")
        status, headers, xml = get(base, LABELS, accept="application/sparql-results+xml")
        assert status == 200 and xml.startswith(b"<?xml") and "xml" in headers["Content-Type"]
        status, headers, csv = get(base, LABELS, accept="text/csv")
        assert status == 200 and csv.startswith(b"s,label\r\n")
        status, _, _ = get(base, LABELS, accept="text/csv", **{"If-None-Match": headers["ETag"]})
        assert status == 304


def test_answers_sent_again_are_logged_like_the_others(busy_server):
    base, log = busy_server
    query = LABELS + " # logged"
    for _ in range(5):
        assert get(base, query)[0] == 200
    time.sleep(0.2)
    lines = [line for line in log.read_text().splitlines()
             if "evawkg.access" in line and "logged" in urllib.parse.unquote_plus(line)]
    assert len(lines) == 5, lines
    assert all(re.search(r'"GET /sparql\?query=.*" 200 \d+ bytes [\d.]+ ms query=[\d.]+ms rows=\d+',
                         line) for line in lines), lines
    assert len({re.search(r"rows=(\d+)", line).group(1) for line in lines}) == 1


@pytest.mark.parametrize("query", [
    "SELECT (R\\u0041ND() AS ?r) WHERE {}",           # RAND() written with a codepoint escape
    "SELECT (RAND # then, on the next line\n () AS ?r) WHERE {}",
    "SELECT (\\u004eOW() AS ?r) WHERE {}",
], ids=["escaped-rand", "rand-comment-paren", "escaped-now"])
def test_a_query_whose_answer_differs_between_runs_is_run_every_time(busy_server, query):
    base, _ = busy_server
    answers = [get(base, query, accept="text/csv") for _ in range(3)]
    assert [status for status, _, _ in answers] == [200, 200, 200]
    assert all("ETag" not in headers for _, headers, _ in answers)
    values = [body.split(b"\r\n")[1] for _, _, body in answers]
    assert all(values) and len(set(values)) == 3, values


def test_a_large_answer_to_a_slow_reader_arrives_whole(busy_server):
    base, _ = busy_server
    port = urllib.parse.urlsplit(base).port
    request = (f"GET /sparql?{urllib.parse.urlencode({'query': LARGE})} HTTP/1.1\r\n"
               f"Host: 127.0.0.1:{port}\r\nAccept: {JSON}\r\n\r\n").encode()
    with socket.socket() as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.connect(("127.0.0.1", port))
        client.settimeout(30)
        reader = client.makefile("rb")
        answers = []
        for pause in (0.0, 1.0, 0.0):
            client.sendall(request)
            time.sleep(pause)  # the answer waits in the server's buffers for a while
            answers.append(read_answer(reader))
        assert [status for status, _ in answers] == [200, 200, 200]
        reader.close()
        assert answers[0][1].count(b'"a":{') == 34_000
        assert answers[1][1] == answers[0][1] == answers[2][1]


# --- Memory ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_cache_server():
    """A server keeping 8 MB of answers and 2 MB of whole answers to send again: its base."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "evawkg.web.command", "--port", str(port), "--threads", "2",
         "--log-level", "warning", "--answer-cache-mb", "8",
         *[arg for path in FIXTURE_FILES for arg in ("--data", path)]],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        yield base
    finally:
        stop_server(process)


def worker_resident_mb(base: str) -> float:
    """The resident memory of the worker process (the parent of the query pool /healthz names)."""
    with urllib.request.urlopen(base + "/healthz", timeout=30) as response:
        pool = json.load(response)["pools"]["query"]["pid"]
    with open(f"/proc/{pool}/stat") as stat:
        worker = stat.read().rsplit(")", 1)[1].split()[1]
    with open(f"/proc/{worker}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def test_requests_padded_with_headers_hold_no_more_than_the_budget(small_cache_server):
    """1,500 distinct short answers to 60 KB request heads: 90 MB of keys if only the answers
    counted, against a budget of 2 MB."""
    base = small_cache_server
    port = urllib.parse.urlsplit(base).port
    padding = b"X-Padding: " + b"p" * 60_000 + b"\r\n"
    before = worker_resident_mb(base)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
        reader = client.makefile("rb")
        for n in range(1500):
            client.sendall(b"GET /sparql?" + urllib.parse.urlencode({"query": f"ASK {{}} # {n}"}).encode()
                           + b" HTTP/1.1\r\nHost: x\r\nAccept: " + JSON.encode() + b"\r\n"
                           + padding + b"\r\n")
            assert read_answer(reader) == (200, b'{"head":{},"boolean":true}')
        reader.close()
    grown = worker_resident_mb(base) - before
    assert grown < 40, f"the worker grew by {grown:.0f} MB"


def test_long_query_texts_hold_no_more_than_the_answer_cache(small_cache_server):
    """100 distinct 1 MB query bodies with a short answer each: 100 MB of query texts if only
    the answers counted, against a budget of 8 MB."""
    base = small_cache_server
    before = worker_resident_mb(base)
    for n in range(100):
        body = f"ASK {{}} # {n} {'q' * 1_000_000}".encode()
        request = urllib.request.Request(base + "/sparql", data=body, headers={
            "Content-Type": "application/sparql-query", "Accept": JSON})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.read() == b'{"head":{},"boolean":true}'
    grown = worker_resident_mb(base) - before
    assert grown < 40, f"the worker grew by {grown:.0f} MB"


def read_answer(reader) -> tuple[int, bytes]:
    """One HTTP/1.1 answer with a Content-Length from a connection kept open: (status, body)."""
    status = int(reader.readline().split()[1])
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, reader.read(length)
