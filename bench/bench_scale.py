"""The whole scale benchmark in one run: for each synthetic size, load (ours against rdflib and
pyoxigraph's bulk loader), OWL 2 RL inference (ours; owlrl where its budget allows), incremental
inference of 100-triple changes, every named query in-process and over HTTP, the second start of
``evawkg serve --store`` and the memory of its process tree, then the HTTP overhead against the
bare Flask + pyoxigraph endpoint.

Each part is its own script (``bench_graph.py``, ``bench_queries.py``, ``bench_start.py``,
``bench_peer.py``), runnable alone; this one runs them in turn with the same sizes and prints
their tables one after the other under a heading per size, with the load average before each
part (the machine may be shared: compare within a table, not across runs). Usage::

    python bench/bench_scale.py [--sizes 100000,1000000] [--runs 3] [--parts graph,queries,start,peer]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ("graph", "queries", "start", "peer")


def part_command(part: str, size: int, args) -> list[str]:
    """The command line of one part at one size."""
    python = [sys.executable, "-u"]
    if part == "graph":
        return python + [str(HERE / "bench_graph.py"), "--runs", str(args.runs), "--sizes", str(size),
                         "--steps", "load,inference,incremental",
                         "--skip-rdflib-above", str(args.rdflib_max)]
    if part == "queries":
        return python + [str(HERE / "bench_queries.py"), "--size", str(size), "--runs", str(args.runs),
                         "--work", str(args.work / f"queries-{size}")]
    if part == "start":
        return python + [str(HERE / "bench_start.py"), "--size", str(size), "--starts", "2",
                         "--store", str(args.work / f"store-{size}")]
    return python + [str(HERE / "bench_peer.py"), "--triples", str(min(size, args.peer_max)),
                     "--rounds", str(args.runs), "--cached"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--work", type=Path, default=Path("/tmp/evawkg-bench-scale"),
                        help="kept between runs: synthetic files and stores are reused")
    parser.add_argument("--rdflib-max", type=int, default=200_000,
                        help="largest size rdflib loads and owlrl infers (minutes above)")
    parser.add_argument("--peer-max", type=int, default=100_000,
                        help="largest size of the HTTP overhead run (the peer benchmark's 100k)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(HERE.parent / "src"), os.environ.get("PYTHONPATH")])))
    failed = []
    for size in [int(size) for size in args.sizes.split(",") if size]:
        print(f"\n## {size:,} synthetic triples\n", flush=True)
        for part in args.parts.split(","):
            if part == "peer" and size > args.peer_max and str(args.peer_max) in args.sizes:
                continue  # run once, at its own size
            load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
            print(f"### {part} (load average {load})\n", flush=True)
            started = time.monotonic()
            code = subprocess.run(part_command(part, size, args), env=environment).returncode
            print(f"\n({part} took {time.monotonic() - started:.0f} s)\n", flush=True)
            if code:
                failed.append(f"{part} at {size}")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
