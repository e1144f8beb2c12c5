"""Why evawkg adds more to a slow aggregate than to a point query on a store beside it: what a
point query through evawkg costs right after the store answered a point query, right after it
answered a 12-14 ms aggregate over the whole graph, and right after a point query and 14 ms of
doing nothing.

The query through evawkg is the same in every column and touches nothing the aggregate reads;
only what happened just before differs. Measured on the 2-core machine of docs/benchmarks.md,
the third column costs what the second does: it is evawkg's process waking from 14 ms of idle,
not the store's work, that makes its next request slower (the CPU's and the virtual machine's
wake-up, colder caches). A request through evawkg to a slow query waits that long on the store
and then does its own work (reading, checking and writing the answer, Flask, gunicorn) in that
state; the store's own endpoint, asked directly, has almost no work of its own left after its
query. In-process (Flask's test client), against Oxigraph server started as the tests start it,
on the synthetic graph ``bench_remote.py`` uses. Usage::

    python bench/bench_remote_idle.py [--size 1000000] [--requests 100] [--rounds 2]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.remote.stores: the store as the tests run it
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_remote import _PROLOGUE, GRAPH, QUERIES  # noqa: E402

from evawkg.graph.synthetic import write_synthetic  # noqa: E402
from evawkg.settings import Settings  # noqa: E402
from evawkg.sparql.remote_load import load_into_store  # noqa: E402
from evawkg.web import create_app  # noqa: E402

ACCEPT = "application/sparql-results+json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="synthetic graph size")
    parser.add_argument("--requests", type=int, default=100, help="measured requests per cell")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from tests.remote.stores import start

    work = Path(tempfile.mkdtemp(prefix="evawkg-idle-"))
    data = work / f"synthetic-{args.size}.nt"
    write_synthetic(data, args.size)
    dataset = ox.Store()
    dataset.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(GRAPH))
    store = start("oxigraph", work / "oxigraph")
    try:
        client = store.loader_client()
        load_into_store(client, dataset, infer=False, timeout=600)
        client.close()
        del dataset
        app = create_app(Settings(sparql_endpoint=store.query_url, answer_cache_mb=0))
        if not app.extensions["evawkg"].service.wait_ready(60):
            raise SystemExit("the store did not become ready")
        browser = app.test_client()
        direct = http.client.HTTPConnection("127.0.0.1", store.port)
        graphs = [("default-graph-uri", GRAPH), ("named-graph-uri", GRAPH)]
        bodies = {name: urllib.parse.urlencode([("query", _PROLOGUE + QUERIES[name]), *graphs]).encode()
                  for name in ("point", "count-by-type")}
        point = _PROLOGUE + QUERIES["point"]

        def ask_store(name: str) -> None:
            if name == "point, then 14 ms idle":
                ask_store("point")
                time.sleep(0.014)
                return
            direct.request("POST", "/query", body=bodies[name], headers={
                "Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT})
            direct.getresponse().read()

        print(f"synthetic {args.size}, Oxigraph server, load average {os.getloadavg()[0]:.1f}")
        for round_number in range(1, args.rounds + 1):
            for before in ("point", "count-by-type", "point, then 14 ms idle"):
                cpu, wall = [], []
                for index in range(args.requests + 5):  # the first five warm up
                    ask_store(before)
                    started_cpu, started = time.process_time(), time.perf_counter()
                    answer = browser.post("/sparql", data={"query": point}, headers={"Accept": ACCEPT})
                    if answer.status_code != 200:
                        raise SystemExit(f"evawkg answered {answer.status_code}")
                    if index >= 5:
                        cpu.append(time.process_time() - started_cpu)
                        wall.append(time.perf_counter() - started)
                print(f"round {round_number}: evawkg's point query after the store's {before}: "
                      f"CPU {1000 * statistics.median(cpu):.2f} ms, wall "
                      f"{1000 * statistics.median(wall):.2f} ms (medians of {args.requests})")
        print(f"load average {os.getloadavg()[0]:.1f}")
    finally:
        store.stop()


if __name__ == "__main__":
    main()
