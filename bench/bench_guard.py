"""The guard's own cost, in one process: the CPU and wall time of ``run_guard`` for the 100-triple
write of ``bench_writes.py`` (twenty new cities), on the bundle and on synthetic graphs served as
a bundle's data (so their closure is kept), step by step. CPU time is what a write costs the
machine whatever else runs on it (on a shared machine the wall time mostly measures the wait for a
core). Usage::

    python bench/bench_guard.py [--sizes 1000000] [--runs 6]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_writes import insert_text, synthetic_home  # noqa: E402


def measure(name: str, runs: int) -> str:
    from evawkg.graph.store import load_bundle
    from evawkg.namespaces import BASE
    from evawkg.writes import guard
    from evawkg.writes.operations import Context
    from evawkg.writes.tokens import WriteToken
    from evawkg.writes.update import compile_update

    started = time.perf_counter()
    store = load_bundle()
    loaded = time.perf_counter() - started
    cpu: dict[str, float] = {}

    def timed(step, function):
        def wrapper(*args, **kwargs):
            before = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                cpu[step] = cpu.get(step, 0.0) + time.process_time() - before
        return wrapper

    guard.update_closure = timed("closure", guard.update_closure)
    guard.validate_change = timed("validate", guard.validate_change)
    guard.judge = timed("judge", guard.judge)
    token = WriteToken("bench", "0" * 64, ("*",))
    rows: dict[str, list[float]] = {}
    for run in range(runs + 1):  # the first compiles the shapes' reads: not counted
        cpu.clear()
        operations = compile_update(insert_text(f"g{run}"), BASE, (), ())
        outcome = guard.run_guard(store, guard.WriteJob(tuple(operations), token,
                                                        Context(True, BASE)))
        assert outcome.conforms, outcome.report.results[:3]
        if run == 0:
            continue
        for step in ("closure", "validate", "judge"):
            rows.setdefault(f"{step} cpu", []).append(cpu.get(step, 0.0))
            rows.setdefault(f"{step} wall", []).append(outcome.timings.get(step, 0.0))
        rows.setdefault("guard cpu", []).append(outcome.timings["cpu"])
        rows.setdefault("focus nodes", []).append(float(outcome.focus or 0))
        rows.setdefault("inferred", []).append(float(len(outcome.delta.inferred_added)))
    medians = {key: statistics.median(values) for key, values in rows.items()}
    ms = lambda key: f"{medians[key] * 1000:.0f}"  # noqa: E731
    return (f"| {name} | {len(store):,} | {loaded:.0f} s | {ms('closure cpu')} ({ms('closure wall')}) | "
            f"{ms('validate cpu')} ({ms('validate wall')}) | {ms('judge cpu')} ({ms('judge wall')}) | "
            f"{ms('guard cpu')} | {medians['focus nodes']:.0f} | {medians['inferred']:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000", help="synthetic graph sizes ('' for none)")
    parser.add_argument("--runs", type=int, default=6)
    args = parser.parse_args()
    print("| graph | quads | load + closure | closure CPU (wall) ms | validate CPU (wall) | "
          "judge CPU (wall) | guard CPU | focus nodes | inferred + |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(measure("bundle", args.runs), flush=True)
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        folder = tempfile.mkdtemp(prefix="evawkg-bench-guard-")
        os.environ["EVAWKG_HOME"] = str(synthetic_home(Path(folder), size))
        print(measure(f"synthetic {size // 1000}k", args.runs), flush=True)


if __name__ == "__main__":
    main()
