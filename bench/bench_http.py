"""Time the named queries over HTTP (``evawkg serve``) next to the same queries in-process on
pyoxigraph (the floor) and on rdflib (the baseline), in one run.

For each graph (the bundle; synthetic graphs via ``evawkg.graph.synthetic``):

* in-process pyoxigraph: ``store.query`` + serialising SPARQL JSON (the work the endpoint must do);
* HTTP: ``GET /sparql`` on a live ``evawkg serve`` (gunicorn, query processes), one keep-alive
  connection, ``Accept: application/sparql-results+json``, no gzip; then the throughput of all
  queries round-robin from ``--clients`` concurrent clients;
* rdflib: ``Graph.query`` + JSON on an rdflib graph of the same triples (skipped above
  ``--rdflib-max``, where loading alone takes minutes).

Parameters are bound by a trailing ``VALUES`` block (defaults, else the header's example), so the
three engines run the very same text. Usage::

    python bench/bench_http.py [--sizes 1000000] [--runs 15] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import rdflib

from evawkg.graph.bundle import default_bundle
from evawkg.namespaces import PREFIXES
from evawkg.workbench.named_queries import NamedQuery, load_named_queries
from evawkg.graph.store import load_bundle, load_files, to_rdflib

SECTION = "## HTTP: SPARQL endpoint"


def bound_text(query: NamedQuery) -> str:
    """The query with its parameters bound by a VALUES block opening its outer WHERE clause
    (evaluated first, like pyoxigraph's substitutions; a trailing VALUES would be joined last)."""
    values = {p.name: p.default if p.default is not None else p.example for p in query.parameters}
    values = {name: value for name, value in values.items() if value is not None}
    if not values:
        return query.text
    terms = query.bind(values)
    names = " ".join(f"?{variable.value}" for variable in terms)
    row = " ".join(str(term) for term in terms.values())
    block = f"VALUES ({names}) {{ ({row}) }}"
    where = re.search(r"\bWHERE\s*\{", query.text, re.IGNORECASE)
    if where is None:
        return f"{query.text}\n{block}"
    return f"{query.text[:where.end()]}\n  {block}\n{query.text[where.end():]}"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_runs(action, runs: int, budget: float = 60.0) -> list[float]:
    times = []
    deadline = time.monotonic() + budget
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
        if time.monotonic() > deadline:
            break
    return times


def time_interleaved(first, second, runs: int) -> tuple[list[float], list[float]]:
    """Alternate the two actions run by run, so a noisy neighbour slows both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for action, samples in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            action()
            samples.append(time.perf_counter() - started)
    return times


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``evawkg serve`` in a subprocess on a free loopback port."""

    def __init__(self, files: list[Path] | None, *, concurrency: int):
        self.port = free_port()
        data = [arg for path in files or [] for arg in ("--data", str(path))]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "evawkg.web.command", "--port", str(self.port),
             "--threads", "16", "--max-concurrent-queries", str(concurrency), "--timeout", "300",
             "--max-rows", "0", "--queue-wait", "30", "--gzip-level", "0", "--answer-cache-mb", "0",
             "--log-level", "warning", *data],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
                connection.close()
            except OSError:
                pass
            time.sleep(0.5)
        raise TimeoutError("the server did not start")

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def http_query(connection: http.client.HTTPConnection, text: str) -> bytes:
    try:
        return _http_query(connection, text)
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        connection.close()  # the server closed an idle keep-alive connection: reconnect
        return _http_query(connection, text)


def _http_query(connection: http.client.HTTPConnection, text: str) -> bytes:
    connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": text}),
                       headers={"Accept": "application/sparql-results+json"})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {body[:300]!r}")
    return body


def oxigraph_query(store: ox.Store, text: str) -> bytes:
    result = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryTriples):
        return result.serialize(format=ox.RdfFormat.N_TRIPLES)
    return result.serialize(format=ox.QueryResultsFormat.JSON)


def rdflib_query(graph: rdflib.Graph, text: str) -> bytes:
    return graph.query(text, initNs=PREFIXES).serialize(format="json")


def throughput(work, clients: int, seconds: float) -> float:
    """Requests per second of ``clients`` threads each calling ``work(i)`` in a loop."""
    done = [0] * clients
    stop = time.monotonic() + seconds

    def loop(index: int) -> None:
        i = index
        while time.monotonic() < stop:
            work(index, i)
            i += 1
            done[index] += 1

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def bench_graph(name: str, store: ox.Store, files: list[Path] | None, queries: dict[str, str],
                args) -> tuple[list[str], list[str]]:
    triples = len(store)
    print(f"[{name}] {triples} quads; starting the server", file=sys.stderr, flush=True)
    server = Server(files, concurrency=args.clients)
    try:
        return _bench_against(server, name, store, queries, args)
    finally:
        server.stop()


def _bench_against(server: Server, name: str, store: ox.Store, queries: dict[str, str],
                   args) -> tuple[list[str], list[str]]:
    triples = len(store)
    rdflib_graph = None
    if triples <= args.rdflib_max:
        print(f"[{name}] converting to rdflib", file=sys.stderr, flush=True)
        rdflib_graph = to_rdflib(store)
    rows, summary = [], []
    connection = server.connection()
    for query_name, text in queries.items():
        oxigraph_query(store, text)
        http_query(connection, text)  # warm both
        floor, over_http = time_interleaved(lambda: oxigraph_query(store, text),
                                            lambda: http_query(connection, text), args.runs)
        result_rows = len(re.findall(rb'\{"[^"]+":\{"type"', oxigraph_query(store, text)))
        baseline, failure = [], "not run"
        if statistics.median(floor) > args.rdflib_skip_above:
            failure = "skipped (pyoxigraph > {:g} s)".format(args.rdflib_skip_above)
        elif rdflib_graph is not None:
            try:
                baseline = time_runs(lambda: rdflib_query(rdflib_graph, text),
                                     max(3, args.runs // 5), budget=args.rdflib_budget)
            except Exception as error:  # noqa: BLE001 -- rdflib's engine fails on some queries
                failure = f"fails ({type(error).__name__})"
        floor_ms, http_ms = statistics.median(floor) * 1000, statistics.median(over_http) * 1000
        rdflib_ms = statistics.median(baseline) * 1000 if baseline else None
        rows.append(f"| {name} | {query_name} | {result_rows} | {floor_ms:.1f} | {http_ms:.1f} | "
                    f"{percentile(over_http, 0.95) * 1000:.1f} | x{http_ms / floor_ms:.2f} | "
                    + (f"{rdflib_ms:.0f} | x{rdflib_ms / http_ms:.0f} |" if rdflib_ms
                       else f"{failure} | – |"))
        print(rows[-1], file=sys.stderr, flush=True)
    connection.close()
    texts = list(queries.values())
    connections = [server.connection() for _ in range(args.clients)]
    http_rps = throughput(lambda client, i: http_query(connections[client], texts[i % len(texts)]),
                          args.clients, args.seconds)
    floor_rps = throughput(lambda client, i: oxigraph_query(store, texts[i % len(texts)]),
                           args.clients, args.seconds)
    for connection in connections:
        connection.close()
    summary.append(f"| {name} | {triples} | {args.clients} | {floor_rps:.1f} | {http_rps:.1f} | "
                   f"x{http_rps / floor_rps:.2f} |")
    return rows, summary


def write_section(path: Path, section: str, heading: str = SECTION) -> None:
    """Replace the section of ``path`` that starts with ``heading`` by ``section`` (or append
    it), leaving the others: each benchmark rewrites only its own."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find(heading)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[following + 1:] if following != -1 else "")
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000", help="synthetic graph sizes (comma-separated; '' for none)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--clients", type=int, default=2, help="concurrent clients for throughput")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each throughput run")
    parser.add_argument("--rdflib-max", type=int, default=1_100_000, help="largest graph rdflib loads")
    parser.add_argument("--rdflib-budget", type=float, default=60.0, help="seconds per rdflib query")
    parser.add_argument("--rdflib-skip-above", type=float, default=2.0,
                        help="skip rdflib when pyoxigraph needs more seconds (rdflib: 10-300x more)")
    parser.add_argument("--queries", default="", help="only these named queries (comma-separated)")
    parser.add_argument("--no-bundle", action="store_true", help="skip the bundled graph")
    parser.add_argument("--write", type=Path, help="replace the HTTP section of this Markdown file")
    args = parser.parse_args()

    bundle = default_bundle()
    wanted = {name.strip() for name in args.queries.split(",") if name.strip()}
    queries = {name: bound_text(query) for name, query in load_named_queries(bundle.queries_dir).items()
               if not wanted or name in wanted}
    rows, summary = [], []
    if not args.no_bundle:
        r, s = bench_graph("bundle", load_bundle(bundle), None, queries, args)
        rows += r
        summary += s
    with tempfile.TemporaryDirectory() as directory:
        for size in [int(n) for n in args.sizes.split(",") if n.strip()]:
            from evawkg.graph.synthetic import write_synthetic

            path = Path(directory) / f"synthetic-{size}.nt"
            write_synthetic(path, size)
            files = [source.path for source in bundle.ontology_sources()] + [path]
            r, s = bench_graph(f"synthetic {size // 1000}k", load_files(files), files, queries, args)
            rows += r
            summary += s
    section = "\n".join([
        SECTION, "",
        f"Measured {date.today().isoformat()} by `python bench/bench_http.py --runs {args.runs} "
        f"--sizes {args.sizes or '0'} --clients {args.clients}` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, pyoxigraph "
        f"{ox.__version__ if hasattr(ox, '__version__') else ''}, rdflib {rdflib.__version__}. "
        "Latencies are medians (and p95 over HTTP) in milliseconds over one keep-alive "
        "connection, in-process and HTTP runs alternating (the machine is shared and noisy); "
        "in-process times include serialising SPARQL JSON; the bundle holds the "
        "inferred triples, synthetic graphs the ontology plus the generated file. Parameters "
        "(defaults, else the header's example) are bound by a VALUES block opening the WHERE "
        "clause, so the three engines run the same text.", "",
        "| graph | query | rows | pyoxigraph in-process | HTTP median | HTTP p95 | "
        "HTTP / in-process | rdflib | rdflib / HTTP |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|", *rows, "",
        "Throughput, every query round-robin, concurrent clients (requests per second):", "",
        "| graph | quads | clients | pyoxigraph in-process | HTTP | HTTP / in-process |",
        "|---|---:|---:|---:|---:|---:|", *summary, ""])
    print(section)
    if args.write:
        write_section(args.write, section)


if __name__ == "__main__":
    main()
