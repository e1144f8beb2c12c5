"""Time ``evawkg serve --store DIR`` starting twice on the same sources, and weigh its process
tree.

The first start builds the on-disk store (load, OWL 2 RL closure, write); the second should
reuse it: nothing re-parsed, nothing re-inferred while the sources are unchanged. For each
start: seconds until ``/healthz`` answers 200, seconds until a first query (``ASK {}``) is
answered, then the resident memory of the server's whole process tree (gunicorn master and
worker, loader, query processes) read from ``/proc``: the sum of RSS (shared pages counted once
per process that maps them) and the sum of PSS (shared pages split between their sharers, the
tree's real footprint).

Usage::

    python bench/bench_start.py [--size 1000000] [--data FILE ...] [--store DIR] [--keep]
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from evawkg.graph.bundle import default_bundle
from evawkg.graph.synthetic import write_synthetic


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tree(root: int) -> list[int]:
    """``root`` and every process descending from it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stream:
                ppid = int(stream.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User and system CPU time ``pid`` has used (its own and its waited-for children's)."""
    try:
        with open(f"/proc/{pid}/stat") as stream:
            fields = stream.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of ``pid`` in kB."""
    values = {"Rss:": 0, "Pss:": 0}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as stream:
            for line in stream:
                key, _, rest = line.partition(" ")
                if key in values:
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values["Rss:"], values["Pss:"]


def get(port: int, path: str, timeout: float = 5) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def start(args, files: list[Path], log: Path) -> dict:
    port = free_port()
    data = [arg for path in files for arg in ("--data", str(path))]
    command = [sys.executable, "-m", "evawkg.web.command", "--port", str(port), "--store",
               str(args.store), "--max-concurrent-queries", str(args.query_processes),
               "--log-level", "info", *data]
    started = time.perf_counter()
    with log.open("ab") as output:
        process = subprocess.Popen(command, stdout=output, stderr=output, start_new_session=True)
    result: dict = {}
    try:
        deadline = started + args.budget
        while time.perf_counter() < deadline and "healthz" not in result:
            try:
                if get(port, "/healthz") == 200:
                    result["healthz"] = time.perf_counter() - started
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"the server exited ({process.returncode}); see {log}")
            time.sleep(0.05)
        if "healthz" not in result:
            raise TimeoutError(f"not ready after {args.budget} s; see {log}")
        status = get(port, "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}), timeout=60)
        result["first_query"] = time.perf_counter() - started
        result["status"] = status
        time.sleep(args.settle)
        pids = tree(process.pid)
        sizes = [memory_kb(pid) for pid in pids]
        result["processes"] = len(pids)
        result["cpu_s"] = sum(cpu_seconds(pid) for pid in pids)
        result["rss_mb"] = sum(rss for rss, _ in sizes) / 1024
        result["pss_mb"] = sum(pss for _, pss in sizes) / 1024
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(10)
    return result

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="synthetic triples")
    parser.add_argument("--data", type=Path, nargs="*", help="serve these files instead")
    parser.add_argument("--store", type=Path, help="the store directory (default: a fresh temporary one)")
    parser.add_argument("--starts", type=int, default=2, help="how many starts in a row")
    parser.add_argument("--query-processes", type=int, default=4)
    parser.add_argument("--settle", type=float, default=2.0, help="seconds after the first query before weighing")
    parser.add_argument("--budget", type=float, default=600.0, help="seconds a start may take")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-start-"))
    try:
        files = args.data
        if not files:
            synthetic = work / f"synthetic-{args.size}.nt"
            write_synthetic(synthetic, args.size)
            files = [source.path for source in default_bundle().ontology_sources()] + [synthetic]
        if args.store is None:
            args.store = work / "store"
        log = work / "server.log"
        print("| start | /healthz 200 (s) | first query (s) | CPU of the tree (s) | processes | RSS sum (MB) | PSS sum (MB) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for number in range(1, args.starts + 1):
            result = start(args, files, log)
            print(f"| {number} | {result['healthz']:.2f} | {result['first_query']:.2f} | {result['cpu_s']:.1f} | "
                  f"{result['processes']} | {result['rss_mb']:.0f} | {result['pss_mb']:.0f} |",
                  flush=True)
        print(f"(load average {os.getloadavg()[0]:.1f}; server log: {log})", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
