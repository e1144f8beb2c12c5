"""Time guarded writes and reads beside them on a live ``evawkg serve`` with writes on, in one run.

For each graph (the bundle; synthetic graphs via ``evawkg.graph.synthetic``):

* write latency: a 100-triple ``INSERT DATA`` (twenty new resources of five triples, into their
  own graph) over HTTP, ``--runs`` times; the client's wall time, and the server's own steps
  from its ``Server-Timing`` header (compile, lock, apply, closure, validate, journal);
* read throughput: the named queries round-robin from ``--clients`` concurrent clients for
  ``--seconds``, alone, then with one writer committing 100-triple writes back to back.

The bundle is measured twice: with the whole guard, and with its two stand-ins (full-graph
validation for focus validation, the whole closure recomputed for incremental inference)
replaced by nothing (a ``sitecustomize`` on the server's path only). On the synthetic graphs the
store is seeded from ``--data`` (so no closure is kept) and the stand-ins are off unless
``--with-stand-ins``: at 1M validation alone needs 12 minutes and 5 GB, the closure 3 minutes
(docs/benchmarks.md, "Graph"). What is measured without them is the write path itself (compile,
fork, apply, journal, the query processes catching up): what remains once focus validation and
incremental inference land, plus their own cost. Usage::

    python bench/bench_writes.py [--sizes 1000000] [--runs 10] [--seconds 10] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_http import bound_text, free_port, percentile  # noqa: E402

from evawkg.graph.bundle import default_bundle  # noqa: E402
from evawkg.namespaces import BASE  # noqa: E402
from evawkg.workbench.named_queries import load_named_queries  # noqa: E402
from evawkg.writes.tokens import add_token  # noqa: E402

SECTION = "## Writes: latency and reads beside them"
BENCH_GRAPH = BASE + "graph/bench"
#: Heavy at 1M (tens of seconds): left out of the read mix.
HEAVY = {"activities-per-region", "keyword-search"}
STEPS = ("compile", "lock", "baseline", "apply", "closure", "validate", "journal")

_NO_STAND_INS = '''
import os
if os.environ.get("EVAWKG_BENCH_NO_STAND_INS"):
    import evawkg.writes.guard as guard
    from evawkg.shacl.report import Report
    import rdflib

    def _nothing(store, *args):
        return Report(True, [], rdflib.Graph())

    guard.validate_all = _nothing
    guard.validate_change = lambda store, delta, before: (_nothing(store), frozenset())
    guard.update_closure = lambda store, delta: ([], [])
'''


class WritableServer:
    """``evawkg serve`` with writes on, over a store in a temporary directory."""

    def __init__(self, directory: Path, data: Path | None, *, clients: int, stand_ins: bool):
        tokens = directory / "tokens.json"
        self.secret = add_token(tokens, "bench", (BENCH_GRAPH,))
        self.port = free_port()
        environment = dict(os.environ)
        if not stand_ins:
            hooks = directory / "hooks"
            hooks.mkdir()
            (hooks / "sitecustomize.py").write_text(_NO_STAND_INS)
            environment["PYTHONPATH"] = os.pathsep.join(
                [str(hooks)] + [p for p in environment.get("PYTHONPATH", "").split(os.pathsep) if p])
            environment["EVAWKG_BENCH_NO_STAND_INS"] = "1"
        arguments = ["--data", str(data), "--graph", BASE + "graph/synthetic"] if data else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "evawkg.web.command", "--port", str(self.port), "--threads", "16",
             "--max-concurrent-queries", str(clients + 1), "--max-slots-per-client", str(clients + 1),
             "--timeout", "300", "--max-rows", "0", "--queue-wait", "30", "--gzip-level", "0",
             "--store", str(directory / "store"), "--write-tokens", str(tokens),
             "--write-timeout", "3600", "--log-level", "warning", *arguments],
            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            if self.request("GET", "/healthz")[0] == 200:
                return
            if self.process.poll() is not None:
                raise RuntimeError("the server exited while starting")
            time.sleep(1)
        raise TimeoutError("the server did not start")

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body,
                                         method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=3600) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()
        except OSError:
            return 0, {}, b""

    def write(self, batch: str) -> tuple[float, dict[str, float]]:
        started = time.perf_counter()
        status, headers, body = self.request(
            "POST", "/sparql", insert_text(batch).encode(),
            {"Content-Type": "application/sparql-update", "Authorization": "Bearer " + self.secret})
        elapsed = time.perf_counter() - started
        if status not in (200, 204):
            raise RuntimeError(f"write refused: {status} {body[:300]!r}")
        steps = {}
        for part in headers.get("Server-Timing", "").split(","):
            name, _, duration = part.strip().partition(";dur=")
            if duration:
                steps[name] = float(duration) / 1000
        return elapsed, steps

    def query(self, text: str) -> bool:
        status, _, body = self.request("POST", "/sparql", text.encode(), {
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json"})
        if status != 200:
            print(f"query failed: {status} {body[:200]!r}", file=sys.stderr, flush=True)
        return status == 200

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)


def insert_text(batch: str) -> str:
    """100 triples: twenty resources of five (no class: they only add to what is validated)."""
    rows = []
    for index in range(20):
        node = f"<{BASE}id/bench/{batch}-{index}>"
        rows.append(f'{node} rdfs:label "Bench {batch} {index}"@en ; rdfs:comment "written by the '
                    f'benchmark" ; skos:note "{index}" ; dcterms:source <{BASE}bench> ; '
                    f'dcterms:identifier "{batch}-{index}" .')
    return (f"PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            f"PREFIX dcterms: <http://purl.org/dc/terms/>\n"
            f"INSERT DATA {{ GRAPH <{BENCH_GRAPH}> {{\n" + "\n".join(rows) + "\n} }")


def throughput(server: WritableServer, texts: list[str], clients: int, seconds: float,
               writer: bool, interval: float = 0.0) -> tuple[float, int]:
    """Reads per second from ``clients`` threads (and writes committed meanwhile); a failed
    read (it should not happen) is reported on stderr and not counted."""
    done, writes = [0] * clients, [0]
    stop = time.monotonic() + seconds

    def read(client: int) -> None:
        index = client
        while time.monotonic() < stop:
            done[client] += server.query(texts[index % len(texts)])
            index += 1

    def write() -> None:
        while time.monotonic() < stop:
            server.write(f"t{time.monotonic_ns()}")
            writes[0] += 1
            time.sleep(interval)

    threads = [threading.Thread(target=read, args=(n,)) for n in range(clients)]
    if writer:
        threads.append(threading.Thread(target=write))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started), writes[0]


def bench(name: str, data: Path | None, texts: list[str], args,
          stand_ins: bool) -> tuple[str, str]:
    with tempfile.TemporaryDirectory(prefix="evawkg-bench-writes-") as folder:
        print(f"[{name}] seeding the store and starting the server", file=sys.stderr, flush=True)
        started = time.monotonic()
        server = WritableServer(Path(folder), data, clients=args.clients, stand_ins=stand_ins)
        print(f"[{name}] ready after {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        try:
            server.write("warm")  # the first write validates the state it starts from too
            latencies, steps = [], {step: [] for step in STEPS}
            for run in range(args.runs):
                elapsed, parts = server.write(f"r{run}")
                latencies.append(elapsed)
                for step in STEPS:
                    steps[step].append(parts.get(step, 0.0))
                print(f"[{name}] write {run}: {elapsed * 1000:.0f} ms {parts}", file=sys.stderr,
                      flush=True)
            for text in texts:
                server.query(text)
            alone, _ = throughput(server, texts, args.clients, args.seconds, writer=False)
            beside, writes = throughput(server, texts, args.clients, args.seconds, writer=True)
            paced, paced_writes = throughput(server, texts, args.clients, args.seconds,
                                             writer=True, interval=args.interval)
        finally:
            server.stop()
    median = statistics.median(latencies) * 1000
    parts = " / ".join(f"{statistics.median(steps[step]) * 1000:.0f}" for step in STEPS)
    guard = "full" if stand_ins else "stand-ins off"
    latency_row = (f"| {name} | {guard} | {median:.0f} | {percentile(latencies, 0.95) * 1000:.0f} | "
                   f"{parts} |")
    read_row = (f"| {name} | {guard} | {args.clients} | {alone:.1f} | {beside:.1f} ({writes}) | "
                f"{beside / alone * 100:.0f}% | {paced:.1f} ({paced_writes}) | "
                f"{paced / alone * 100:.0f}% |")
    print(latency_row, read_row, sep="\n", file=sys.stderr, flush=True)
    return latency_row, read_row


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of ``path`` (or append it), leaving the others."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[following + 1:] if following != -1 else "")
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000", help="synthetic graph sizes ('' for none)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=1.0,
                        help="seconds the paced writer waits between writes")
    parser.add_argument("--with-stand-ins", action="store_true",
                        help="keep full validation on the synthetic graphs too (minutes per write at 1M)")
    parser.add_argument("--no-bundle", action="store_true")
    parser.add_argument("--queries", default="agency-mandate,agency-partners,civil-society-funds,"
                        "curation-gaps,initiative-funding,instrument-relations,policy-framework",
                        help="the named queries of the read mix (comma-separated; '' for all "
                             "but the heavy ones)")
    parser.add_argument("--write", type=Path, help="replace this section of a Markdown file")
    args = parser.parse_args()

    queries = load_named_queries(default_bundle().queries_dir)
    chosen = {name.strip() for name in args.queries.split(",") if name.strip()}
    texts = [bound_text(query) for name, query in sorted(queries.items())
             if (name in chosen if chosen else name not in HEAVY)]
    args.mix = ", ".join(sorted(chosen)) if chosen else f"all but {', '.join(sorted(HEAVY))}"
    latency_rows, read_rows = [], []
    if not args.no_bundle:
        for stand_ins in (True, False):
            rows = bench("bundle", None, texts, args, stand_ins)
            latency_rows.append(rows[0])
            read_rows.append(rows[1])
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        from evawkg.graph.synthetic import write_synthetic

        with tempfile.TemporaryDirectory(prefix="evawkg-bench-data-") as folder:
            path = Path(folder) / f"synthetic-{size}.nt"
            write_synthetic(path, size)
            rows = bench(f"synthetic {size // 1000}k", path, texts, args, args.with_stand_ins)
        latency_rows.append(rows[0])
        read_rows.append(rows[1])

    command = "python bench/bench_writes.py " + " ".join(sys.argv[1:])
    section = "\n".join([
        SECTION, "",
        f"Measured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores "
        f"(shared with other jobs), Python {platform.python_version()}. Command: `{command}`.", "",
        "Write latency of a 100-triple INSERT DATA over HTTP (ms; median and p95 of the client's "
        "wall time over the runs after a first, warming write), and the server's own steps "
        "(medians, from `Server-Timing`): compile / lock wait / baseline validation (the first "
        "write after a commit by another worker only) / apply (and undo) in the query process / OWL 2 RL "
        "closure / SHACL validation / journal append and fsync.", "",
        "| graph | guard | median | p95 | compile / lock / baseline / apply / closure / validate / journal |",
        "|---|---|---:|---:|---|",
        *latency_rows, "",
        f"Reads per second, named queries round-robin ({args.mix}), alone, with one writer "
        "committing 100-triple writes back to back, and with one writer pausing "
        f"{args.interval:g} s between writes (writes committed meanwhile in brackets):", "",
        "| graph | guard | clients | reads/s alone | with a writer back to back | ratio | "
        "with a paced writer | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
        *read_rows, ""])
    print(section)
    if args.write:
        write_section(args.write, section)


if __name__ == "__main__":
    main()
