"""The server holds under attack and faults (issue 14, items 3, 4 and 6).

* A query that eats memory (a CONCAT-doubling bomb) is killed at the query memory limit and
  answered 422; its process is gone and the next query answers.
* One client's expensive queries hold at most its share of the query slots: the others still
  get answers, the hog gets 429 with Retry-After.
* A dead loader or validator is restarted by itself; meanwhile 503 with Retry-After, and
  ``/healthz`` says which pool is down. Over a real server, the loader, the validator and query
  processes are killed at random moments under load: no response is a 500 and the server is
  whole again within seconds.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from evawkg.processes import alive
from evawkg.settings import Settings
from evawkg.web import create_app
from ..support import free_port, stop_server, wait_for

LABELS = ("PREFIX evaw: <https://evawkg.example.org/ontology#> "
          "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
          "SELECT ?label WHERE { ?a a evaw:Activity ; rdfs:label ?label } ORDER BY ?label")
LABEL_VALUES = ["Shelter support, Namibia", "Training of police officers in Thailand"]

#: Nineteen doublings of 1 KiB: a 512 MiB string (about 1.5 GB at its peak) unless stopped.
BOMB = "SELECT (STRLEN(?s19) AS ?n) WHERE { BIND(\"" + "x" * 1024 + "\" AS ?s0) " + " ".join(
    f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(19)) + " }"

SMALL_OK = (b"@prefix evaw: <https://evawkg.example.org/ontology#> .\n"
            b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            b"<https://evawkg.example.org/id/organization/x> a evaw:Organization ;\n"
            b"  rdfs:label \"X\"@en .\n")

HOG, VISITORS = "203.0.113.7", ("198.51.100.1", "198.51.100.2")


@pytest.fixture(scope="module")
def bounded_app(fixture_files):
    """Four query slots, two per client, and 100 MB per query process."""
    application = create_app(Settings(data=fixture_files, max_concurrent_queries=4,
                                      queue_wait=0.3, query_timeout=10.0,
                                      query_memory_limit_mb=100))
    service = application.extensions["evawkg"].service
    service.wait_ready(60)
    yield application
    service.close()
    application.extensions["evawkg.validation"].close()


def labels(response) -> list[str]:
    return [row["label"]["value"] for row in response.get_json()["results"]["bindings"]]


def query_health(client) -> dict:
    return client.get("/healthz").get_json()["pools"]["query"]


def wait_healthy(client, seconds: float) -> float:
    """Seconds until /healthz says 200 again (fails past ``seconds``)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if client.get("/healthz").status_code == 200:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"not healthy after {seconds} s: {client.get('/healthz').get_json()}")


# --- Item 3: memory -------------------------------------------------------------------------------

def test_concat_bomb_gets_422_and_frees_its_process_and_the_next_query_answers(bounded_app):
    client = bounded_app.test_client()
    before = set(query_health(client)["children"])
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": BOMB},
                          headers={"Accept": "application/json"})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["error"] == "memory-limit"
    assert "needed more memory than the limit of 100 MB; make it cheaper" in body["message"]
    assert time.monotonic() - started < 5
    killed = before - set(query_health(client)["children"])
    assert len(killed) == 1
    deadline = time.monotonic() + 3
    while any(alive(pid) for pid in killed) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in killed), "the bomb's process still holds its memory"
    assert labels(client.get("/sparql", query_string={"query": LABELS})) == LABEL_VALUES


# --- Item 6: fair slots ---------------------------------------------------------------------------

def test_one_client_s_expensive_queries_leave_slots_for_the_others(bounded_app, endless_query):
    hog: list = []

    def expensive():
        hog.append(bounded_app.test_client().get(
            "/sparql", query_string={"query": endless_query, "timeout": "3"},
            headers={"Accept": "application/json"}, environ_base={"REMOTE_ADDR": HOG}))

    threads = [threading.Thread(target=expensive) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # two run, two waited queue_wait and were refused
    for visitor in VISITORS:
        response = bounded_app.test_client().get(
            "/sparql", query_string={"query": LABELS}, environ_base={"REMOTE_ADDR": visitor})
        assert response.status_code == 200 and labels(response) == LABEL_VALUES
    for thread in threads:
        thread.join(15)
    statuses = sorted(response.status_code for response in hog)
    assert statuses == [429, 429, 503, 503]
    for response in hog:
        if response.status_code == 429:
            assert response.headers["Retry-After"] == "1"
            assert response.get_json()["error"] == "too-many-queries-from-client"
            assert "you already run 2 queries at once" in response.get_json()["message"]


# --- Item 4: self-healing and /healthz ------------------------------------------------------------

def test_healthz_reports_every_pool(bounded_app):
    client = bounded_app.test_client()
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok" and body["quads"] == 23
    query = body["pools"]["query"]
    assert query["status"] == "ready" and alive(query["pid"]) and query["restarts"] == 0
    # Killed children are replaced on demand (a fork takes milliseconds), so at least one.
    assert query["children"] and all(alive(pid) for pid in query["children"])
    assert query["memory_limit_mb"] == 100 and query["max_per_client"] == 2
    assert query["network_sandbox"] in ("on", "unavailable")
    assert body["pools"]["validation"] == {"status": "idle"}


def test_dead_loader_is_restarted_and_queries_meanwhile_get_503_retry_after(bounded_app):
    client = bounded_app.test_client()
    old = query_health(client)
    os.kill(old["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 2
    while client.get("/healthz").status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    down = client.get("/healthz")
    assert down.status_code == 503 and down.get_json()["status"] == "restarting"
    assert down.get_json()["pools"]["query"]["status"] == "restarting"
    assert down.headers["Retry-After"]
    refused = client.get("/sparql", query_string={"query": LABELS},
                         headers={"Accept": "application/json"})
    assert refused.status_code == 503 and refused.get_json()["error"] == "restarting"
    assert int(refused.headers["Retry-After"]) >= 1
    assert wait_healthy(client, 10) < 5
    new = query_health(client)
    assert new["restarts"] == old["restarts"] + 1 and new["pid"] != old["pid"]
    assert labels(client.get("/sparql", query_string={"query": LABELS})) == LABEL_VALUES


def test_idle_query_processes_killed_do_not_fail_the_next_queries(bounded_app):
    client = bounded_app.test_client()
    wait_healthy(client, 10)
    for pid in query_health(client)["children"]:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.1)
    for _ in range(6):
        assert labels(client.get("/sparql", query_string={"query": LABELS})) == LABEL_VALUES


# --- Over a real server: kills at random moments under load ---------------------------------------

@pytest.fixture(scope="module")
def chaos_server(fixture_files):
    """``evawkg serve`` of its own (its processes get killed): (base URL, process)."""
    port = free_port()
    # Every client is loopback (one client: three slots). No answer cache: a repeated query
    # answered from the web worker's memory never meets the killed processes, so one answer
    # that won the race against the supervisor would hide the restart from every later request.
    environment = dict(os.environ, EVAWKG_MAX_SLOTS_PER_CLIENT="3", EVAWKG_ANSWER_CACHE_MB="0")
    process = subprocess.Popen(
        [sys.executable, "-m", "evawkg.web.command", "--port", str(port), "--threads", "8",
         "--timeout", "3", "--max-concurrent-queries", "3", "--log-level", "error",
         *[arg for path in fixture_files for arg in ("--data", path)]],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        yield base, process
    finally:
        stop_server(process)


def fetch(url: str, data: bytes | None = None, content_type: str | None = None,
          timeout: float = 15) -> tuple[int, dict, bytes]:
    headers = {"Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def health_of(base: str) -> tuple[int, dict]:
    status, _, body = fetch(base + "/healthz")
    return status, json.loads(body)


def wait_until_whole(base: str, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        status, body = health_of(base)
        if status == 200 and all(pool["status"] == "ready" for pool in body["pools"].values()):
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"not whole after {seconds} s: {health_of(base)}")


def sparql_url(base: str, query: str) -> str:
    return base + "/sparql?" + urllib.parse.urlencode({"query": query})


def test_live_server_recovers_from_a_loader_kill_within_seconds(chaos_server):
    base, _ = chaos_server
    _, body = health_of(base)
    loader = body["pools"]["query"]["pid"]
    os.kill(loader, signal.SIGKILL)
    killed = time.monotonic()
    seen_503 = False
    while time.monotonic() - killed < 10:
        status, headers, payload = fetch(sparql_url(base, LABELS))
        assert status in (200, 503), payload[:300]
        if status == 503:
            seen_503 = True
            assert headers.get("Retry-After") and b"Traceback" not in payload
        elif seen_503:
            break
        time.sleep(0.02)
    recovery = time.monotonic() - killed
    print(f"recovered from a loader kill in {recovery:.2f} s")
    assert seen_503 and recovery < 5, recovery
    status, body = health_of(base)
    assert status == 200 and body["pools"]["query"]["restarts"] >= 1
    assert body["pools"]["query"]["pid"] != loader


def test_live_server_survives_kills_at_random_moments_under_load(chaos_server):
    base, _ = chaos_server
    assert fetch(base + "/validate", SMALL_OK, "text/turtle")[0] == 200  # start the validator
    wait_until_whole(base, 30)
    outcomes: list[tuple[str, int, bytes]] = []
    stop = threading.Event()

    def client(seed: int) -> None:
        chooser = random.Random(seed)
        for _ in range(5000):
            if stop.is_set():
                return
            if chooser.random() < 0.7:
                what, (status, _, payload) = "sparql", fetch(sparql_url(base, LABELS))
            else:
                what, (status, _, payload) = "validate", fetch(base + "/validate", SMALL_OK,
                                                               "text/turtle")
            outcomes.append((what, status, payload))

    clients = [threading.Thread(target=client, args=(seed,)) for seed in range(4)]
    for thread in clients:
        thread.start()
    chooser = random.Random(14)
    kills: dict[str, int] = {"loader": 0, "validator": 0, "query process": 0}
    try:
        for _ in range(10):
            time.sleep(chooser.uniform(0.3, 0.8))
            _, body = health_of(base)
            pools = body["pools"]
            candidates = [("query process", pid) for pid in pools["query"]["children"]]
            if kills["loader"] < 1 and pools["query"]["status"] == "ready":
                candidates.append(("loader", pools["query"]["pid"]))
            if kills["validator"] < 2 and pools["validation"].get("status") == "ready":
                candidates.append(("validator", pools["validation"]["pid"]))
            if not candidates:
                continue
            what, pid = chooser.choice(candidates)
            try:
                os.kill(pid, signal.SIGKILL)
                kills[what] += 1
            except ProcessLookupError:
                pass
        # Last, the loader (again): how long until the server is whole by itself?
        wait_until_whole(base, 20)
        os.kill(health_of(base)[1]["pools"]["query"]["pid"], signal.SIGKILL)
        kills["loader"] += 1
        last_kill = time.monotonic()
        time.sleep(0.2)  # a killed process shows as dead a moment later
        recovery = wait_until_whole(base, 20) + 0.2
    finally:
        stop.set()
        for thread in clients:
            thread.join(30)
    counts = {status: sum(1 for _, seen, _ in outcomes if seen == status)
              for status in sorted({status for _, status, _ in outcomes})}
    print(f"kills {kills}; whole again {recovery:.2f} s after the last loader kill; "
          f"responses by status {counts}")
    assert kills["loader"] >= 2 and kills["validator"] >= 1 and kills["query process"] >= 1
    assert recovery < 10
    faults = [(what, status, payload[:300]) for what, status, payload in outcomes
              if status not in (200, 429, 503)]
    assert not faults, faults
    assert not [payload for _, status, payload in outcomes if b"Traceback" in payload]
    assert sum(status == 200 for _, status, _ in outcomes) > len(outcomes) // 3
    assert time.monotonic() - last_kill < 60
    status, _, payload = fetch(sparql_url(base, LABELS))
    assert status == 200, payload[:300]
    assert [row["label"]["value"] for row in json.loads(
        payload)["results"]["bindings"]] == LABEL_VALUES
    status, _, payload = fetch(base + "/validate", SMALL_OK, "text/turtle")
    assert status == 200 and b'"conforms"' in payload
    _, body = health_of(base)
    assert body["pools"]["query"]["restarts"] >= kills["loader"]
    assert body["pools"]["validation"]["restarts"] >= kills["validator"]
