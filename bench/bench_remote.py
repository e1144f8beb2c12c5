"""evawkg on an external SPARQL store: the gateway's cost over the store's own endpoint, and what
a second ``evawkg serve`` on the same store adds, in one run on one machine (loopback only).

For each synthetic graph (``evawkg.graph.synthetic``, loaded without inference into one named
graph everywhere):

* targets: ``evawkg serve`` on the embedded store; ``evawkg serve --sparql-endpoint`` on
  Virtuoso Open Source 7 and on Oxigraph server; and Virtuoso's and Oxigraph server's own
  endpoints, asked exactly what evawkg asks them (the same text, the graph as
  ``default-graph-uri``);
* loading: each store is loaded as an operator would (``evawkg load --sparql-endpoint``'s
  code: Oxigraph server by its Graph Store Protocol, Virtuoso by SPARQL Update), timed;
* latency: each query from one client, ``--runs`` times after a warm-up: the median and p95.
  The targets take turns request by request, so the gateway and the store's own endpoint meet
  the same moments of a shared machine's load (their difference is what the target is about);
* throughput: every query round-robin from 4 and 16 clients (keep-alive connections, POSTed
  forms, ``--seconds`` each): requests per second, and the CPU time each part spent per request
  (the evawkg processes with their query and read processes, the store, the load generator:
  from ``/proc``), which is what sizing needs;
* replicas: the cheapest query from 16 clients spread over one, then two ``evawkg serve``
  processes on Oxigraph server: the ratio of their throughputs, with the same CPU split and the
  cores busy, so a ratio below 2 shows whether the machine's cores or the processes limit it.

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


_TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds (user + system) the processes ``roots`` and all their descendants have spent
    so far, read from ``/proc`` (processes that ended since are not counted)."""
    parents, spent = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        spent[int(entry)] = (int(fields[11]) + int(fields[12])) / _TICK
    total, wanted = 0.0, set(roots)
    for pid in spent:
        ancestor = pid
        for _ in range(64):
            if ancestor in wanted:
                total += spent[pid]
                break
            ancestor = parents.get(ancestor, 0)
            if ancestor <= 1:
                break
    return total


class CpuMeter:
    """CPU seconds spent by named groups of processes (and by this load generator) over a run."""

    def __init__(self, groups: dict[str, list[int]]):
        self.groups = {name: pids for name, pids in groups.items() if pids}

    def __enter__(self):
        self.started = time.monotonic()
        self.before = {name: tree_cpu(pids) for name, pids in self.groups.items()}
        self.before["load generator"] = sum(os.times()[:2])
        return self

    def __exit__(self, *_):
        self.seconds = time.monotonic() - self.started
        self.spent = {name: tree_cpu(pids) - self.before[name] for name, pids in self.groups.items()}
        self.spent["load generator"] = sum(os.times()[:2]) - self.before["load generator"]

    def per_request(self, requests: float) -> dict[str, float]:
        """Milliseconds of CPU per request, by group; ``cores`` the cores busy on average."""
        split = {name: spent * 1000 / max(requests, 1) for name, spent in self.spent.items()}
        split["cores"] = sum(self.spent.values()) / self.seconds
        return split


def latencies(targets: list[Target], name: str, runs: int) -> list[tuple[float, float]]:
    """Median and p95 milliseconds of ``runs`` sequential requests to each target (after 3
    warm-ups), the targets taking turns request by request."""
    connections = [http.client.HTTPConnection(t.host, t.port, timeout=120) for t in targets]
    requests = [(t.body(QUERIES[name]), accept_for(name)) for t in targets]
    times: list[list[float]] = [[] for _ in targets]
    for number in range(runs + 3):
        for index, target in enumerate(targets):
            body, accept = requests[index]
            started = time.perf_counter()
            status = request(connections[index], target, body, accept)
            if status != 200:
                raise RuntimeError(f"{target.name} {name}: HTTP {status}")
            if number >= 3:
                times[index].append((time.perf_counter() - started) * 1000)
    for connection in connections:
        connection.close()
    results = []
    for series in times:
        series.sort()
        results.append((statistics.median(series), series[int(0.95 * (len(series) - 1))]))
    return results


def throughput(targets: list[Target], names: list[str], clients: int, seconds: float,
               meter: CpuMeter | None = None) -> float:
    """Requests per second of ``clients`` keep-alive clients (spread over ``targets``), each
    sending ``names`` round-robin for ``seconds``; ``meter`` (entered here) measures the CPU
    the run costs."""
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

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    with meter or CpuMeter({}):
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 120)
        elapsed = time.monotonic() - started
    if failures:
        raise RuntimeError(failures[0])
    return sum(counts) / elapsed


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
    triples = len(dataset)
    print(f"{size}: {triples} triples", file=sys.stderr)
    stores, processes, loads = {}, [], {}
    try:
        for kind in ("oxigraph", "virtuoso"):
            started = time.monotonic()
            stores[kind] = store = start(kind, work / f"{kind}-{size}")
            client = store.loader_client()
            # One request per 1000 triples (remote_load.CHUNK_TRIPLES): bounded in size and time
            # at any graph size; the limit here is per request.
            load_into_store(client, dataset, infer=False, timeout=600)
            client.close()
            loads[kind] = (time.monotonic() - started, os.getloadavg()[0])
            print(f"  {kind}: started and loaded in {loads[kind][0]:.0f} s", file=sys.stderr)
        del dataset
        graphs = [("default-graph-uri", GRAPH), ("named-graph-uri", GRAPH)]
        targets, groups = {}, {}
        port = free_port()
        processes.append(serve(port, "--data", str(data), "--graph", GRAPH))
        targets["evawkg, embedded"] = Target("evawkg, embedded", f"http://127.0.0.1:{port}/sparql")
        groups["evawkg, embedded"] = {"evawkg": [processes[-1].pid]}
        for kind, label in (("virtuoso", "Virtuoso"), ("oxigraph", "Oxigraph server")):
            store = stores[kind]
            port = free_port()
            processes.append(serve(port, "--sparql-endpoint", store.query_url))
            targets[f"evawkg on {label}"] = Target(f"evawkg on {label}", f"http://127.0.0.1:{port}/sparql")
            groups[f"evawkg on {label}"] = {"evawkg": [processes[-1].pid], "store": [store.process.pid]}
            targets[f"{label}, direct"] = Target(f"{label}, direct", store.query_url, graphs)
            groups[f"{label}, direct"] = {"store": [store.process.pid]}
        rows = {name: {"size": size, "target": name} for name in targets}
        order = list(targets)
        for query in QUERIES:
            for name, result in zip(order, latencies([targets[n] for n in order], query, args.runs)):
                rows[name][query] = result
        latency_load = os.getloadavg()[0]
        for name, target in targets.items():
            row = rows[name]
            row["latency load"] = latency_load
            for clients in (4, 16):
                meter = CpuMeter(groups[name])
                rps = throughput([target], list(QUERIES), clients, args.seconds, meter)
                row[f"rps{clients}"] = rps
                row[f"cpu{clients}"] = meter.per_request(rps * meter.seconds)
                row[f"load{clients}"] = os.getloadavg()[0]
            print(f"  {name}: {row}", file=sys.stderr)
        # Replicas: one then two evawkg processes on Oxigraph server, the cheapest query.
        one = targets["evawkg on Oxigraph server"]
        first = groups["evawkg on Oxigraph server"]["evawkg"]
        store_pid = [stores["oxigraph"].process.pid]
        port = free_port()
        processes.append(serve(port, "--sparql-endpoint", stores["oxigraph"].query_url))
        two = Target("second replica", f"http://127.0.0.1:{port}/sparql")
        replicas = {}
        for label, spread, evawkg in (("one evawkg", [one], first),
                                      ("two evawkg", [one, two], first + [processes[-1].pid]),
                                      ("Oxigraph server alone", [targets["Oxigraph server, direct"]], [])):
            meter = CpuMeter({"evawkg": evawkg, "store": store_pid})
            rps = throughput(spread, ["point"], 16, args.seconds, meter)
            replicas[label] = (rps, meter.per_request(rps * meter.seconds), os.getloadavg()[0])
            print(f"  replicas, {label}: {rps:.0f} req/s {replicas[label]}", file=sys.stderr)
        return [*rows.values(), {"size": size, "replicas": replicas},
                {"size": size, "loads": loads, "triples": triples},
                {"size": size, "load": (load_before, os.getloadavg())}]
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        for store in stores.values():
            store.stop()


def _cpu_cells(split: dict[str, float]) -> str:
    return " | ".join(f"{split[name]:.2f}" if name in split else "–"
                      for name in ("evawkg", "store", "load generator")) + f" | {split['cores']:.2f}"


def render(results: list[dict], args) -> str:
    lines = [SECTION, "",
             f"Measured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores "
             f"(shared with other work: compare within one run), Python {platform.python_version()}, "
             f"`python bench/bench_remote.py --sizes {args.sizes} --runs {args.runs} "
             f"--seconds {args.seconds:g}` (one run). Synthetic graphs without inference, in one "
             "named graph; every target gets the same POSTed query text. Latency: one client, "
             f"median (p95) of {args.runs} requests, ms, the five targets taking turns request by "
             "request. Throughput: all four queries round-robin "
             f"from 4 and 16 keep-alive clients for {args.seconds:g} s each, requests/s. The "
             "\"direct\" rows ask the store exactly what evawkg asks it. \"load\" is the 1-minute "
             "load average (`uptime`) when that measurement ended.", ""]
    lines += ["Loading (`evawkg load --sparql-endpoint`'s code, 1000 triples a request; the time "
              "includes the store's start):", "", "| graph | triples | Oxigraph server | Virtuoso |",
              "|---|---|---|---|"]
    for row in results:
        if "loads" in row:
            cells = [f"{row['loads'][k][0]:.0f} s (load {row['loads'][k][1]:.1f})"
                     for k in ("oxigraph", "virtuoso")]
            lines.append(f"| {row['size'] // 1000}k | {row['triples']} | " + " | ".join(cells) + " |")
    header = ("| graph | target | " + " | ".join(QUERIES)
              + " | load | req/s, 4 clients (load) | req/s, 16 clients (load) |")
    lines += ["", header, "|" + "---|" * (len(QUERIES) + 5)]
    for row in results:
        if "target" not in row:
            continue
        cells = [f"{row[q][0]:.1f} ({row[q][1]:.1f})" for q in QUERIES]
        lines.append(f"| {row['size'] // 1000}k | {row['target']} | " + " | ".join(cells)
                     + f" | {row['latency load']:.1f} | {row['rps4']:.0f} ({row['load4']:.1f})"
                     f" | {row['rps16']:.0f} ({row['load16']:.1f}) |")
    lines += ["", "Added median latency of evawkg over the store's own endpoint (ms; target ≤ 2):", ""]
    lines += ["| graph | store | " + " | ".join(QUERIES) + " |", "|" + "---|" * (len(QUERIES) + 2)]
    by = {(row["size"], row.get("target")): row for row in results}
    for size in sorted({row["size"] for row in results}):
        for label in ("Virtuoso", "Oxigraph server"):
            gateway, direct = by.get((size, f"evawkg on {label}")), by.get((size, f"{label}, direct"))
            if gateway and direct:
                lines.append(f"| {size // 1000}k | {label} | " + " | ".join(
                    f"{gateway[q][0] - direct[q][0]:+.1f}" for q in QUERIES) + " |")
    lines += ["", "CPU per request (ms of CPU time, the mix from 16 clients; evawkg counts its "
              "query and read processes; cores: all three together, per second of the run):", "",
              "| graph | target | evawkg | store | load generator | cores busy |", "|---|---|---|---|---|---|"]
    for row in results:
        if "target" in row:
            lines.append(f"| {row['size'] // 1000}k | {row['target']} | {_cpu_cells(row['cpu16'])} |")
    lines += ["", "Replicas (the point query, 16 clients on Oxigraph server; target: two ≥ 1.8 × one "
              "while the store is not the bottleneck), with the CPU per request as above:", "",
              "| graph | setup | req/s | ratio to one | evawkg | store | load generator | cores busy | load |",
              "|---|---|---|---|---|---|---|---|---|"]
    for row in results:
        if "replicas" in row:
            single = row["replicas"]["one evawkg"][0]
            for label, (rps, split, load) in row["replicas"].items():
                ratio = f"{rps / single:.2f}" if label != "Oxigraph server alone" else "–"
                lines.append(f"| {row['size'] // 1000}k | {label} | {rps:.0f} | {ratio} | "
                             f"{_cpu_cells(split)} | {load:.1f} |")
    lines += ["", "Load average (1, 5, 15 min) at the start and end of each graph's run:", ""]
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
            print(render(results, args), file=sys.stderr)  # kept if a later size fails
    text = render(results, args)
    print(text)
    if args.write:
        write_section(args.write, text)


if __name__ == "__main__":
    main()
