"""Time every named query (``queries/*.rq``) on a large synthetic graph with its closure, in-process
and over HTTP against a real ``evawkg serve`` on loopback, and print the ratios.

The graph is the ontology plus ``write_synthetic(N, seed=0)``, served as ``evawkg serve --data``
serves it (the OWL 2 RL closure added as ``graph/inferred``), built once into an on-disk store
(``--store``, reused while the sources are unchanged) so the server and this process hold the
same quads.

* in-process: ``NamedQuery.run`` on the store (pyoxigraph, substitutions as the server binds them)
  and serialising SPARQL JSON, the work the endpoint must do; median of ``--runs``;
* HTTP: ``GET /queries/NAME?params`` with ``Accept: application/sparql-results+json`` over one
  keep-alive connection, runs alternating with the in-process ones so a noisy neighbour slows
  both alike; median of ``--runs``.

Parameters: the bundle's defaults name resources the synthetic graph lacks (UNODC, its
instruments), which would time empty answers; :data:`SYNTHETIC_VALUES` names synthetic ones.

Usage::

    python bench/bench_queries.py [--size 1000000] [--runs 5] [--queries a,b] [--no-http]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from evawkg.graph.bundle import default_bundle
from evawkg.graph.dataset import DatasetSource, ensure_store_directory
from evawkg.graph.synthetic import QUERY_VALUES, write_synthetic
from evawkg.workbench.named_queries import load_named_queries, load_named_query

#: Parameter values naming resources of ``write_synthetic`` (other parameters keep defaults); the
#: generator owns them, since it knows what it makes (tests check every query answers rows).
SYNTHETIC_VALUES = dict(QUERY_VALUES)


def values_for(query) -> dict[str, str]:
    return {p.name: SYNTHETIC_VALUES[p.name] for p in query.parameters if p.name in SYNTHETIC_VALUES}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``evawkg serve --store DIR --data …`` on a free loopback port."""

    def __init__(self, files: list[Path], store: Path, log: Path, processes: int):
        self.port = free_port()
        data = [arg for path in files for arg in ("--data", str(path))]
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "evawkg.web.command", "--port", str(self.port), "--store",
                 str(store), "--max-concurrent-queries", str(processes), "--timeout", "300",
                 "--max-rows", "0", "--gzip-level", "0", "--answer-cache-mb", "0", "--log-level", "warning", *data],
                stdout=output, stderr=output, start_new_session=True)
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {log}")
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError("the server did not start")

    def get(self, path: str, connection: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
        own = connection is None
        connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            for attempt in range(2):
                try:
                    connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
                    response = connection.getresponse()
                    return response.status, response.read()
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    connection.close()  # the server closed the idle keep-alive connection
                    if attempt:
                        raise
            raise AssertionError("unreachable")
        finally:
            if own:
                connection.close()

    def stop(self) -> None:
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)


def in_process(store: ox.Store, query, values) -> bytes:
    result = query.run(store, values)
    return result.serialize(format=ox.QueryResultsFormat.JSON)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--queries", default="", help="only these named queries (comma-separated)")
    parser.add_argument("--work", type=Path, help="directory for the synthetic file and the store (kept)")
    parser.add_argument("--no-http", action="store_true", help="in-process only")
    parser.add_argument("--query-processes", type=int, default=2)
    parser.add_argument("--before", type=Path,
                        help="a directory of earlier texts of the queries (such as "
                             "tests/fixtures/queries-before-closure): each one there is timed too, "
                             "in-process, taking turns with the current text in this process")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-queries-"))
    work.mkdir(parents=True, exist_ok=True)
    synthetic = work / f"synthetic-{args.size}.nt"
    if not synthetic.exists():
        write_synthetic(synthetic, args.size)
    files = [source.path for source in default_bundle().ontology_sources()] + [synthetic]
    store_dir = work / f"store-{args.size}"
    started = time.perf_counter()
    source = ensure_store_directory(DatasetSource(files=tuple(str(f) for f in files)), store_dir,
                                    progress=lambda line: print(line, file=sys.stderr, flush=True))
    store = source.open()
    print(f"{len(store)} quads ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    wanted = {name.strip() for name in args.queries.split(",") if name.strip()}
    queries = {name: q for name, q in load_named_queries(default_bundle().queries_dir).items()
               if not wanted or name in wanted}
    before = {name: load_named_query(args.before / f"{name}.rq") for name in queries
              if args.before and (args.before / f"{name}.rq").exists()}
    server = None if args.no_http else Server(files, store_dir, work / "server.log", args.query_processes)
    rows = []
    try:
        connection = server and http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
        for name, query in queries.items():
            values = values_for(query)
            path = f"/queries/{name}?" + urllib.parse.urlencode(values)
            local, remote, cpu, earlier = [], [], [], []
            answer = in_process(store, query, values)  # warm
            if name in before:
                in_process(store, before[name], values)
            if server:
                status, body = server.get(path, connection)
                if status != 200:
                    raise RuntimeError(f"{name}: HTTP {status}: {body[:300]!r}")
            for _ in range(args.runs):
                begin, begin_cpu = time.perf_counter(), time.process_time()
                in_process(store, query, values)
                local.append(time.perf_counter() - begin)
                cpu.append(time.process_time() - begin_cpu)
                if name in before:
                    begin = time.perf_counter()
                    in_process(store, before[name], values)
                    earlier.append(time.perf_counter() - begin)
                if server:
                    begin = time.perf_counter()
                    server.get(path, connection)
                    remote.append(time.perf_counter() - begin)
            count = len(__import__("json").loads(answer)["results"]["bindings"])
            local_ms = statistics.median(local) * 1000
            remote_ms = statistics.median(remote) * 1000 if remote else None
            row = (f"| {name} | {count} | {local_ms:.1f} | {statistics.median(cpu) * 1000:.1f} | "
                   + (f"{remote_ms:.1f} | x{remote_ms / local_ms:.2f} |" if remote_ms else "– | – |")
                   + (f" {statistics.median(earlier) * 1000:.1f} |" if earlier else (" – |" if before else "")))
            rows.append(row)
            print(row, file=sys.stderr, flush=True)
    finally:
        if server:
            server.stop()
    print(f"\nsynthetic {args.size} ({len(store)} quads with the closure), median of {args.runs}, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| query | rows | in-process (ms) | in-process CPU (ms) | HTTP (ms) | HTTP / in-process |"
          + (" before, in-process (ms) |" if before else ""))
    print("|---|---:|---:|---:|---:|---:|" + ("---:|" if before else ""))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
