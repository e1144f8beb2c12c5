"""evawkg on an external SPARQL store: the gateway's cost over the store's own endpoint, and what
a second ``evawkg serve`` on the same store adds, in one run on one machine (loopback only).

For each synthetic graph (``evawkg.graph.synthetic``, loaded without inference into one named
graph everywhere):

* targets: ``evawkg serve`` on the embedded store; ``evawkg serve --sparql-endpoint`` on
  Virtuoso Open Source 7 and on Oxigraph server; and Virtuoso's and Oxigraph server's own
  endpoints, asked exactly what evawkg asks them (the same text, the graph as
  ``default-graph-uri``);
* latency: each query from one client, ``--runs`` times after a warm-up: the median and p95;
* throughput: every query round-robin from 4 and 16 clients (keep-alive connections, POSTed
  forms, ``--seconds`` each): requests per second;
* replicas: the cheapest query from 16 clients spread over one, then two ``evawkg serve``
  processes on Oxigraph server: the ratio of their throughputs.

The stores are started as the tests start them (``tests/remote/stores.py``: private directory,
loopback ports). Usage::

    python bench/bench_remote.py [--sizes 100000,1000000] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.remote.stores: the stores as the tests run them

from evawkg.namespaces import BASE, PREFIXES  # noqa: E402

SECTION = "## Remote stores: evawkg as a gateway"
GRAPH = BASE + "graph/synthetic"
_PROLOGUE = " ".join(f"PREFIX {p}: <{n}>" for p, n in PREFIXES.items() if p in (
    "evaw", "prov", "rdfs", "dcterms")) + " "
QUERIES = {
    "point": f"SELECT ?p ?o WHERE {{ <{BASE}id/activity/activity-42> ?p ?o }}",
    "agency-topic": (f"SELECT ?a ?label WHERE {{ ?a prov:wasAssociatedWith <{BASE}id/organization/"
                     f"agency-3> ; evaw:topic <{BASE}id/topic/femicide> ; rdfs:label ?label }} "
                     "ORDER BY ?a LIMIT 100"),
    "count-by-type": ("SELECT ?type (COUNT(?a) AS ?n) WHERE { ?a evaw:activityType ?type } "
                      "GROUP BY ?type ORDER BY ?type"),
    "construct": f"CONSTRUCT WHERE {{ <{BASE}id/activity/activity-42> ?p ?o }}",
}


class Target:
    """Somewhere to send queries: a URL, and the form fields every request carries."""

    def __init__(self, name: str, url: str, extra: list[tuple[str, str]] | None = None):
        self.name, self.url, self.extra = name, url, extra or []
        parts = urllib.parse.urlsplit(url)
        assert parts.hostname == "127.0.0.1", "loopback only"
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path

    def body(self, text: str) -> bytes:
        return urllib.parse.urlencode([("query", _PROLOGUE + text), *self.extra]).encode()


def request(connection: http.client.HTTPConnection, target: Target, body: bytes, accept: str) -> int:
    connection.request("POST", target.path, body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": accept,
        "Accept-Encoding": "identity"})
    response = connection.getresponse()
    response.read()
    return response.status


def accept_for(name: str) -> str:
    return "application/n-triples" if name == "construct" else "application/sparql-results+json"


def latency(target: Target, name: str, runs: int) -> tuple[float, float]:
    """Median and p95 milliseconds of ``runs`` sequential requests (after 3 warm-ups)."""
    connection = http.client.HTTPConnection(target.host, target.port, timeout=120)
    body, accept = target.body(QUERIES[name]), accept_for(name)
    times = []
    for number in range(runs + 3):
        started = time.perf_counter()
        status = request(connection, target, body, accept)
        if status != 200:
            raise RuntimeError(f"{target.name} {name}: HTTP {status}")
        if number >= 3:
            times.append((time.perf_counter() - started) * 1000)
    connection.close()
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def throughput(targets: list[Target], names: list[str], clients: int, seconds: float) -> float:
    """Requests per second of ``clients`` keep-alive clients (spread over ``targets``), each
    sending ``names`` round-robin for ``seconds``."""
    counts = [0] * clients
    failures: list[str] = []
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        target = targets[number % len(targets)]
        connection = http.client.HTTPConnection(target.host, target.port, timeout=120)
        bodies = [(target.body(QUERIES[name]), accept_for(name)) for name in names]
        step = number
        while time.monotonic() < stop:
            body, accept = bodies[step % len(bodies)]
            step += 1
            status = request(connection, target, body, accept)
            if status != 200:
                failures.append(f"{target.name}: HTTP {status}")
                return
            counts[number] += 1
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    if failures:
        raise RuntimeError(failures[0])
    return sum(counts) / (time.monotonic() - started)


def serve(port: int, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    process = subprocess.Popen(
        [sys.executable, "-m", "evawkg.web.command", "--port", str(port), "--threads", "16",
         "--gzip-level", "0", "--log-level", "error", "--max-concurrent-queries", "16",
         "--max-slots-per-client", "16", *args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from tests.support import wait_for

    wait_for(f"http://127.0.0.1:{port}/healthz", 600)
    return process


def bench_size(size: int, args, work: Path) -> list[dict]:
    import pyoxigraph as ox

    from evawkg.graph.synthetic import write_synthetic
    from evawkg.sparql.remote_load import load_into_store
    from tests.remote.stores import start
    from tests.support import free_port

    load_before = os.getloadavg()
    data = work / f"synthetic-{size}.nt"
    write_synthetic(data, size)
    dataset = ox.Store()
    dataset.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(GRAPH))
    print(f"{size}: {len(dataset)} triples", file=sys.stderr)
    stores, processes = {}, []
    try:
        for kind in ("oxigraph", "virtuoso"):
            started = time.monotonic()
            stores[kind] = store = start(kind, work / f"{kind}-{size}")
            client = store.loader_client()
            load_into_store(client, dataset, infer=False, timeout=1800)
            client.close()
            print(f"  {kind}: loaded in {time.monotonic() - started:.0f} s", file=sys.stderr)
        del dataset
        graphs = [("default-graph-uri", GRAPH), ("named-graph-uri", GRAPH)]
        targets = {}
        port = free_port()
        processes.append(serve(port, "--data", str(data), "--graph", GRAPH))
        targets["evawkg, embedded"] = Target("evawkg, embedded", f"http://127.0.0.1:{port}/sparql")
        for kind, label in (("virtuoso", "Virtuoso"), ("oxigraph", "Oxigraph server")):
            store = stores[kind]
            port = free_port()
            processes.append(serve(port, "--sparql-endpoint", store.query_url))
            targets[f"evawkg on {label}"] = Target(f"evawkg on {label}", f"http://127.0.0.1:{port}/sparql")
            targets[f"{label}, direct"] = Target(f"{label}, direct", store.query_url, graphs)
        rows = []
        for name, target in targets.items():
            row = {"size": size, "target": name}
            for query in QUERIES:
                row[query] = latency(target, query, args.runs)
            for clients in (4, 16):
                row[f"rps{clients}"] = throughput([target], list(QUERIES), clients, args.seconds)
            rows.append(row)
            print(f"  {name}: {row}", file=sys.stderr)
        # Replicas: one then two evawkg processes on Oxigraph server, the cheapest query.
        one = targets["evawkg on Oxigraph server"]
        port = free_port()
        processes.append(serve(port, "--sparql-endpoint", stores["oxigraph"].query_url))
        two = Target("second replica", f"http://127.0.0.1:{port}/sparql")
        single = throughput([one], ["point"], 16, args.seconds)
        double = throughput([one, two], ["point"], 16, args.seconds)
        direct = throughput([targets["Oxigraph server, direct"]], ["point"], 16, args.seconds)
        rows.append({"size": size, "replicas": (single, double, direct)})
        rows.append({"size": size, "load": (load_before, os.getloadavg())})
        print(f"  replicas: {single:.0f} -> {double:.0f} req/s (store alone {direct:.0f})",
              file=sys.stderr)
        return rows
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        for store in stores.values():
            store.stop()


def render(results: list[dict], args) -> str:
    lines = [SECTION, "",
             f"Measured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores "
             f"(shared, noisy: compare within one run), Python {platform.python_version()}, "
             f"`python bench/bench_remote.py --sizes {args.sizes} --runs {args.runs} "
             f"--seconds {args.seconds:g}` (one run). Synthetic graphs without inference, in one "
             "named graph; every target gets the same POSTed query text. Latency: one client, "
             f"median (p95) of {args.runs} requests, ms. Throughput: all four queries round-robin "
             f"from 4 and 16 keep-alive clients for {args.seconds:g} s each, requests/s. The "
             "\"direct\" rows ask the store exactly what evawkg asks it.", ""]
    header = "| graph | target | " + " | ".join(QUERIES) + " | req/s, 4 clients | req/s, 16 clients |"
    lines += [header, "|" + "---|" * (len(QUERIES) + 4)]
    for row in results:
        if "replicas" in row or "load" in row:
            continue
        cells = [f"{row[q][0]:.1f} ({row[q][1]:.1f})" for q in QUERIES]
        lines.append(f"| {row['size'] // 1000}k | {row['target']} | " + " | ".join(cells)
                     + f" | {row['rps4']:.0f} | {row['rps16']:.0f} |")
    lines += ["", "Added median latency of evawkg over the store's own endpoint (ms; target ≤ 2):", ""]
    lines += ["| graph | store | " + " | ".join(QUERIES) + " |", "|" + "---|" * (len(QUERIES) + 2)]
    by = {(row["size"], row.get("target")): row for row in results}
    for size in sorted({row["size"] for row in results}):
        for label in ("Virtuoso", "Oxigraph server"):
            gateway, direct = by.get((size, f"evawkg on {label}")), by.get((size, f"{label}, direct"))
            if gateway and direct:
                lines.append(f"| {size // 1000}k | {label} | " + " | ".join(
                    f"{gateway[q][0] - direct[q][0]:+.1f}" for q in QUERIES) + " |")
    lines += ["", "Replicas (the point query, 16 clients; target: two ≥ 1.8 × one while the store "
              "is not the bottleneck):", "",
              "| graph | one evawkg | two evawkg | ratio | Oxigraph server alone |", "|---|---|---|---|---|"]
    for row in results:
        if "replicas" in row:
            single, double, direct = row["replicas"]
            lines.append(f"| {row['size'] // 1000}k | {single:.0f} | {double:.0f} | "
                         f"{double / single:.2f} | {direct:.0f} |")
    lines += ["", "Load average (1, 5, 15 min) at the start and end of each graph's run, on this "
              "shared machine:", ""]
    for row in results:
        if "load" in row:
            before, after = row["load"]
            lines.append(f"- {row['size'] // 1000}k: " + ", ".join(f"{x:.2f}" for x in before)
                         + " → " + ", ".join(f"{x:.2f}" for x in after))
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str) -> None:
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if SECTION in current:
        start = current.index(SECTION)
        following = current.find("\n## ", start + len(SECTION))
        current = current[:start] + text + ("" if following < 0 else current[following + 1:])
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000", help="synthetic graph sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=200, help="sequential requests per latency")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per throughput run")
    parser.add_argument("--write", type=Path, help="replace this section of a Markdown file")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="evawkg-bench-remote-") as directory:
        for size in (int(s) for s in args.sizes.split(",") if s):
            results += bench_size(size, args, Path(directory))
    text = render(results, args)
    print(text)
    if args.write:
        write_section(args.write, text)


if __name__ == "__main__":
    main()
