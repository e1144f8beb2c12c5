"""Repeated queries are answered from memory until the data changes; answers that may differ
between runs never are; the memory is bounded."""

from __future__ import annotations

import gc
import json
import tracemalloc

import pytest

from evawkg.errors import QueryTimeout
from evawkg.sparql import AnswerFormats, QueryRequest
from evawkg.sparql.answer_cache import AnswerCache, CachingService, answers_repeat, with_answer_cache
from evawkg.sparql.service import RESULT_FORMATS, Answer

JSON = {"Accept": "application/sparql-results+json"}
LABELS = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?label"


class CountingService:
    """A service that answers every query with its own run number, and counts the runs."""

    def __init__(self):
        self.runs = 0
        self.data_version = "v1"
        self.fail_with: Exception | None = None

    def query(self, request: QueryRequest) -> Answer:
        self.runs += 1
        if self.fail_with is not None:
            raise self.fail_with
        return Answer(f"run {self.runs} of {request.text}".encode(), RESULT_FORMATS[0], 1, 0.25)

    def describe(self):
        return "the service's own"


def request_for(text: str, timeout: float = 5.0, **extra) -> QueryRequest:
    return QueryRequest(text, AnswerFormats(), timeout, **extra)


def test_a_repeated_query_runs_once_until_the_data_version_changes():
    inner = CountingService()
    service = CachingService(inner, 1 << 20)
    first = service.query(request_for("SELECT * { ?s ?p ?o }"))
    again = service.query(request_for("SELECT * { ?s ?p ?o }", timeout=9.0))  # timeout is no key
    assert inner.runs == 1 and again.payload == first.payload and again.seconds == 0.0
    service.query(request_for("SELECT * { ?s ?p ?o }", default_graphs=("urn:g",)))
    assert inner.runs == 2  # another dataset: another answer
    inner.data_version = "v2"
    after_change = service.query(request_for("SELECT * { ?s ?p ?o }"))
    assert inner.runs == 3 and after_change.payload.startswith(b"run 3")
    assert service.describe() == "the service's own"  # the rest is the service's


@pytest.mark.parametrize("text", [
    "SELECT (NOW() AS ?t) {}", "SELECT (rand () AS ?r) {}", "SELECT (UUID() AS ?u) {}",
    "SELECT (STRUUID() AS ?u) {}", "CONSTRUCT { ?x <urn:p> 1 } WHERE { BIND(BNODE() AS ?x) }",
    "SELECT * { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    # Codepoint escapes are replaced anywhere before parsing (SPARQL 1.1 section 19.2), and
    # comments may stand between a function's name and its "(".
    "SELECT (R\\u0041ND() AS ?r) {}", "SELECT (\\u004eOW() AS ?t) {}",
    "SELECT * { \\u0053ERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "SELECT (RAND # a comment\n () AS ?r) {}", "SELECT (now#\r\n#\n( ) AS ?t) {}",
])
def test_answers_that_may_differ_between_runs_are_never_kept(text):
    assert not answers_repeat(text)
    inner = CountingService()
    service = CachingService(inner, 1 << 20)
    service.query(request_for(text))
    service.query(request_for(text))
    assert inner.runs == 2


def test_errors_are_not_kept():
    inner = CountingService()
    inner.fail_with = QueryTimeout("the query ran past 5 s")
    service = CachingService(inner, 1 << 20)
    for _ in range(2):
        with pytest.raises(QueryTimeout):
            service.query(request_for("SELECT * { ?s ?p ?o }"))
    assert inner.runs == 2


def test_memory_is_bounded_least_recently_used_first_out():
    cache = AnswerCache(800, entry_bytes=0)  # the answers' bytes alone, to count them here
    answer = Answer(b"x" * 100, RESULT_FORMATS[0], 1)
    for key in range(8):
        cache.put(key, answer)
    assert cache.size == 800
    assert cache.get(0) is answer  # 0 is now the most recently used
    cache.put(8, answer)
    assert cache.size == 800 and cache.get(1) is None and cache.get(0) is answer
    cache.put("big", Answer(b"x" * 101, RESULT_FORMATS[0], 1))  # over an eighth: not kept
    assert cache.get("big") is None and cache.size == 800


def test_the_memory_bound_counts_the_query_texts_kept():
    # A 30-byte answer to a 100 KB query text (a comment pads it): the text is what is held.
    inner = CountingService()
    inner.query = lambda request: Answer(b'{"head":{},"boolean":true}', RESULT_FORMATS[0], 1)
    service = CachingService(inner, 1 << 20)
    for n in range(40):
        service.query(request_for(f"ASK {{}} # {n} " + "x" * 100_000))
    assert service.cache.size <= 1 << 20
    assert len(service.cache._answers) <= 10


def test_short_answers_hold_no_more_memory_than_the_budget():
    # 20,000 one-line answers to distinct short queries, as a dashboard's or a crawler's.
    inner = CountingService()
    inner.query = lambda request: Answer(b'{"head":{},"boolean":true}', RESULT_FORMATS[0], 1)
    service = CachingService(inner, 4 << 20)
    gc.collect()
    tracemalloc.start()
    try:
        for n in range(20_000):
            service.query(request_for(f"ASK {{}} # {n}", public_base="http://127.0.0.1:8080/"))
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held <= service.cache.max_bytes * 1.25, f"{held} bytes held for a budget of 4 MiB"


def test_only_a_service_whose_version_follows_every_change_is_cached():
    measured_now_and_then = CountingService()  # a store other tools write to
    assert with_answer_cache(measured_now_and_then, 1 << 20) is measured_now_and_then
    exact = CountingService()
    exact.exact_data_version = True
    assert isinstance(with_answer_cache(exact, 1 << 20), CachingService)
    assert with_answer_cache(exact, 0) is exact


def test_the_server_answers_a_repeated_query_from_memory(client, app):
    service = app.extensions["evawkg"].service
    assert isinstance(service, CachingService)
    first = client.get("/sparql", query_string={"query": LABELS + " # cache"}, headers=JSON)
    hits = service.cache.hits
    again = client.get("/sparql", query_string={"query": LABELS + " # cache"}, headers=JSON)
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and json.loads(again.data)["results"]["bindings"]
    assert service.cache.hits == hits + 1


def test_a_repeated_answer_is_gzip_compressed_once_and_sent_the_same(client, monkeypatch):
    import gzip

    from evawkg.web import negotiation

    compressions = []
    compress = gzip.compress
    monkeypatch.setattr(negotiation.gzip, "compress",
                        lambda data, **options: compressions.append(len(data)) or compress(data, **options))
    query = {"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 20 # gzip once"}
    plain = client.get("/sparql", query_string=query, headers=JSON)
    zipped = [client.get("/sparql", query_string=query, headers={**JSON, "Accept-Encoding": "gzip"})
              for _ in range(3)]
    assert len(plain.data) >= 1024 and compressions == [len(plain.data)]
    assert all(z.headers["Content-Encoding"] == "gzip" and z.data == zipped[0].data for z in zipped)
    assert gzip.decompress(zipped[0].data) == plain.data
    # Another format of the same query is another answer, compressed for itself.
    csv = client.get("/sparql", query_string=query, headers={"Accept": "text/csv",
                                                             "Accept-Encoding": "gzip"})
    assert gzip.decompress(csv.data).startswith(b"s,p,o") and len(compressions) == 2


def test_the_server_runs_a_query_with_struuid_every_time_and_gives_it_no_etag(client):
    answers = [client.get("/sparql", query_string={"query": "SELECT (STRUUID() AS ?u) {}"},
                          headers=JSON) for _ in range(2)]
    values = [json.loads(a.data)["results"]["bindings"][0]["u"]["value"] for a in answers]
    assert values[0] != values[1]
    assert all(a.status_code == 200 and "ETag" not in a.headers for a in answers)
