"""What a request body costs the request thread (issue 14, item 2).

The old SERVICE lexer ran in the request thread and was quadratic on repeated ``\\'``: a 64 KB
query took 28 s of that thread's CPU before any limit applied. Now the request thread does only
linear work (size, UTF-8, a bracket count, content negotiation) and the query is parsed in its
killable query process, under the query's timeout. ``time.thread_time`` measures the request
thread alone: Flask's test client runs the request in this thread, the query in its process.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from evawkg.settings import Settings
from evawkg.web import create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "web"
DATA = (str(FIXTURES / "organizations.ttl"), str(FIXTURES / "activities.trig"))
MEGABYTE = 1_048_576

#: Request-thread CPU any one request may cost, whatever its body (generous: a shared machine).
CPU_BUDGET = 0.5


@pytest.fixture(scope="module")
def client():
    application = create_app(Settings(data=DATA, max_concurrent_queries=2, queue_wait=5.0,
                                      query_timeout=10.0, max_body_bytes=2 * MEGABYTE))
    application.extensions["evawkg"].service.wait_ready(60)
    yield application.test_client()
    application.extensions["evawkg"].service.close()


def _post(client, text: str, **params):
    started = time.thread_time()
    response = client.post("/sparql", data=text.encode(), query_string=params,
                           content_type="application/sparql-query",
                           headers={"Accept": "application/json"})
    return response, time.thread_time() - started


@pytest.mark.parametrize("kilobytes", [8, 16, 32, 64])
def test_repeated_escaped_quotes_cost_the_request_thread_little(client, kilobytes):
    text = "SELECT * WHERE { ?s ?p ?o } " + "\\'" * (kilobytes * 512)
    response, cpu = _post(client, text)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:200]
    assert cpu < CPU_BUDGET, f"{kilobytes} KB cost the request thread {cpu:.2f} s of CPU"


PATHOLOGICAL = {
    "quotes": "'" * MEGABYTE,
    "double quotes": '"' * MEGABYTE,
    "backslashes": "\\" * MEGABYTE,
    "escaped quotes after a quote": "SELECT * WHERE { ?s ?p '" + "\\'" * (MEGABYTE // 2) + " }",
    "long quotes": "'''" * (MEGABYTE // 3),
    "comments": "#\n" * (MEGABYTE // 2),
    "open IRIs": "<" * MEGABYTE,
    "open groups": "{" * MEGABYTE,
    "balanced parentheses": "SELECT * WHERE { FILTER(" + "()" * (MEGABYTE // 2) + ") }",
    "codepoint escapes": "SELECT * WHERE { ?s ?p '" + "\\u0041" * (MEGABYTE // 6) + "' }",
    "escapes of escapes": "\\u005C" * (MEGABYTE // 6),
    "prefixed-name escapes": "SELECT * WHERE { ?s ?p id:x" + "\\#" * (MEGABYTE // 2) + " }",
    "service words": "SERVICE " * (MEGABYTE // 8),
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_megabyte_bodies_cost_the_request_thread_little(client, name):
    response, cpu = _post(client, PATHOLOGICAL[name])
    assert response.status_code < 500 or response.status_code == 503, (
        response.status_code, response.get_data(as_text=True)[:200])
    assert cpu < CPU_BUDGET, f"{name}: {cpu:.2f} s of request-thread CPU"


def test_slow_parse_is_stopped_by_the_query_timeout(client):
    # A long || chain in a query that mentions "service": rdflib parses it for many seconds, in
    # the query process, which is killed at the deadline like any slow query.
    text = ("SELECT * WHERE { BIND(1 AS ?x) FILTER(" + "||".join(["?x"] * 6000) + ") } "
            "# mentions service, so the checker parses it")
    started = time.monotonic()
    response, cpu = _post(client, text, timeout="1")
    assert response.status_code == 503 and response.get_json()["error"] == "query-timeout"
    assert time.monotonic() - started < 5
    assert cpu < CPU_BUDGET
    assert _post(client, "ASK { ?s ?p ?o }")[0].status_code == 200  # the pool recovers
