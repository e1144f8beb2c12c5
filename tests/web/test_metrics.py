"""``/metrics`` gives what an operator's Prometheus scrapes: every request counted by route,
method and status with its duration, the queries that ran, the data's size, the query slots and
the answer cache; never a query text, a path or an address; summed over gunicorn's workers."""

from __future__ import annotations

import glob
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

import pytest
from prometheus_client.parser import text_string_to_metric_families

from evawkg.settings import Settings
from evawkg.web import create_app
from ..support import free_port, stop_server, wait_for
from .conftest import FIXTURE_FILES


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a Prometheus text exposition (parsed by prometheus_client's parser)."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_queries_data_and_cache_are_counted_and_nothing_identifying_is_shown(app, client):
    before = samples(client.get("/metrics").get_data(as_text=True))
    marker = "zq7marker"
    query = f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT 2 # {marker}"
    for _ in range(3):  # runs once, then twice from the answer cache
        assert client.get("/sparql", query_string={"query": query},
                          environ_base={"REMOTE_ADDR": "192.0.2.77"}).status_code == 200
    assert client.get(f"/no/such/{marker}").status_code == 404
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert marker not in text and "192.0.2.77" not in text
    after = samples(text)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("evawkg_http_requests_total", route="/sparql", method="GET", status="200") == 3
    assert grew("evawkg_http_request_duration_seconds_count", route="/sparql") == 3
    assert grew("evawkg_http_requests_total", route="/<path:path>", method="GET", status="404") == 1
    assert grew("evawkg_sparql_query_duration_seconds_count") == 1  # the two cached did not run
    assert grew("evawkg_answer_cache_hits_total") == 2 and grew("evawkg_answer_cache_misses_total") == 1
    health = client.get("/healthz").get_json()
    assert value(after, "evawkg_triples") == health["triples"] > 0
    assert value(after, "evawkg_graphs") == health["graphs"]
    assert value(after, "evawkg_ready") == 1
    assert value(after, "evawkg_query_slots", state="total") == health["pools"]["query"]["slots"]
    assert value(after, "evawkg_data_info", version=health["data_version"]) == 1


def test_methods_http_does_not_define_are_counted_as_other_not_a_series_each(client):
    before = samples(client.get("/metrics").get_data(as_text=True))
    invented = [f"ZQ{n}METHOD" for n in range(5)]
    for method in invented:
        assert client.open("/healthz", method=method).status_code == 405
    text = client.get("/metrics").get_data(as_text=True)
    assert not any(method in text for method in invented)
    after = samples(text)
    grown = (value(after, "evawkg_http_requests_total", route="unmatched", method="other",
                   status="405")
             - value(before, "evawkg_http_requests_total", route="unmatched", method="other",
                     status="405"))
    assert grown == len(invented)


def test_openmetrics_is_given_to_a_scraper_that_asks_for_it(client):
    response = client.get("/metrics", headers={
        "Accept": "application/openmetrics-text; version=1.0.0; charset=utf-8"})
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    assert response.get_data(as_text=True).rstrip().endswith("# EOF")


@pytest.mark.parametrize(("accept", "expected"), [
    ("application/openmetrics-text;q=0, text/plain;version=0.0.4", "text/plain; version=0.0.4"),
    ("text/plain;version=0.0.4;q=0.5, application/openmetrics-text;version=1.0.0",
     "application/openmetrics-text; version=1.0.0"),
    ("application/openmetrics-text; version=99.0.0", "application/openmetrics-text; version=1.0.0"),
    ("application/openmetrics-text;q=nan", "text/plain; version=0.0.4"),
])
def test_metrics_format_follows_the_scrapers_qualities_and_names_what_is_sent(client, accept, expected):
    """prometheus_client's chooser took the first range it knew whatever its q (OpenMetrics to a
    scraper that refused it with q=0) and wrote any version asked into the Content-Type (a
    1.0.0 exposition labelled version=99.0.0)."""
    response = client.get("/metrics", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(expected)
    assert response.get_data(as_text=True).rstrip().endswith("# EOF") == ("openmetrics" in expected)


def test_metrics_off_is_a_404():
    application = create_app(Settings(data=FIXTURE_FILES, metrics=False))
    try:
        assert application.extensions["evawkg"].service.wait_ready(60)
        assert application.test_client().get("/metrics").status_code == 404
    finally:
        application.extensions["evawkg"].service.close()


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:  # a new connection each time: either worker may take it
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_two_workers_counts_add_up_whichever_answers_the_scrape():
    from prometheus_client.multiprocess import MultiProcessCollector

    port = free_port()
    pattern = os.path.join(tempfile.gettempdir(), "evawkg-metrics-*")
    before = set(glob.glob(pattern))
    environment = {key: val for key, val in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    process = subprocess.Popen(
        [sys.executable, "-m", "evawkg.web.command", "--port", str(port), "--workers", "2",
         "--threads", "2", "--log-level", "warning",
         *[arg for path in FIXTURE_FILES for arg in ("--data", path)]],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        workers, deadline = set(), time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:  # both workers loaded
            status, body = _get(port, "/healthz")
            if status == 200:
                workers.add(json.loads(body)["pools"]["query"]["pid"])
        assert len(workers) == 2, "the second worker never answered"
        (directory,) = set(glob.glob(pattern)) - before
        path = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})

        def per_worker() -> list[float]:
            """Each worker's own count, from its own file."""
            counts = []
            for counter_file in glob.glob(os.path.join(directory, "counter_*.db")):
                counts.append(sum(sample.value
                                  for family in MultiProcessCollector.merge([counter_file])
                                  for sample in family.samples
                                  if sample.name == "evawkg_http_requests_total"
                                  and sample.labels.get("route") == "/sparql"))
            return counts

        # New connections until both workers took some: which one accepts is the kernel's
        # draw, and a worker answering a repeat from its event loop is often first to it.
        sent = 0
        while sent < 400 and not (len(per_worker()) == 2 and min(per_worker()) > 0):
            for _ in range(20):
                assert _get(port, path)[0] == 200
            sent += 20
        counted = per_worker()
        assert len(counted) == 2 and min(counted) > 0 and sum(counted) == sent, (counted, sent)
        totals = set()
        for _ in range(8):
            status, body = _get(port, "/metrics")
            assert status == 200
            totals.add(value(samples(body.decode()), "evawkg_http_requests_total",
                             route="/sparql", method="GET", status="200"))
        assert totals == {float(sent)}, totals  # every scrape, whichever worker answered it
    finally:
        stop_server(process)
    assert set(glob.glob(pattern)) == before  # the server removed its directory
