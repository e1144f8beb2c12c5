"""Time loading, OWL 2 RL inference and SHACL validation of the bundled graph and of synthetic
graphs shaped like it, with the baselines measured in the same process:

* load: pyoxigraph (``evawkg.graph.store``) against an rdflib ``Graph().parse``;
* inference: our SPARQL rules (``evawkg.graph.inference.infer``) against owlrl, on the bundle and a
  10k synthetic graph only (owlrl needs minutes at 100k and hours at 1M);
* validation: ``evawkg.shacl.validation.validate`` (pySHACL on an rdflib graph), after converting the
  store's asserted graphs with ``to_rdflib`` (timed apart).

Usage: ``python bench/bench_graph.py [--runs N] [--sizes 100000,1000000] [--skip-rdflib-above N]``.
Prints a Markdown table of medians to paste into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyoxigraph
import rdflib

from evawkg.graph.bundle import default_bundle
from evawkg.graph.inference import INFERRED_GRAPH, infer, owlrl_entailments
from evawkg.graph.store import load_bundle, load_files, to_rdflib
from evawkg.graph.synthetic import write_synthetic
from evawkg.shacl.validation import validate


def median_time(action: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def asserted(store) -> rdflib.Graph:
    return to_rdflib(store, [g for g in store.named_graphs() if g != INFERRED_GRAPH])


def bench_case(name: str, files: list[Path], runs: int, *, owlrl: bool, rdflib_load: bool) -> list[tuple]:
    rows = []
    ontology = [source.path for source in default_bundle().ontology_sources()]
    all_files = files if name == "bundle" else [*ontology, *files]

    load_s, store = median_time(lambda: load_files(all_files), runs)
    triples = len(store)
    if rdflib_load:
        def parse_rdflib():
            graph = rdflib.Graph()
            for path in all_files:
                graph.parse(path)
            return graph
        rdflib_s, _ = median_time(parse_rdflib, max(1, runs if triples < 200_000 else 1))
        rows.append((name, triples, "load", load_s, "rdflib Graph.parse", rdflib_s))
    else:
        rows.append((name, triples, "load", load_s, "rdflib Graph.parse", None))

    def run_inference():
        fresh = load_files(all_files)
        start = time.perf_counter()
        count = infer(fresh)
        return time.perf_counter() - start, fresh, count
    infer_runs = [run_inference() for _ in range(runs)]
    infer_s = statistics.median(r[0] for r in infer_runs)
    store, inferred = infer_runs[-1][1], infer_runs[-1][2]
    owlrl_s = None
    graph = asserted(store)
    if owlrl:
        owlrl_s, _ = median_time(lambda: owlrl_entailments(graph), 1)
    rows.append((name, triples, f"inference ({inferred} triples)", infer_s, "owlrl", owlrl_s))

    convert_s, graph = median_time(lambda: asserted(store), runs)
    rows.append((name, triples, "to_rdflib (asserted graphs)", convert_s, "", None))
    validate_s, report = median_time(lambda: validate(graph), max(1, runs if triples < 200_000 else 1))
    rows.append((name, triples, f"validation ({len(report.results)} results)", validate_s, "", None))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median); 1 at 1M")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="synthetic sizes, comma-separated")
    parser.add_argument("--skip-rdflib-above", type=int, default=10**9,
                        help="skip the rdflib load baseline above this many triples")
    options = parser.parse_args(argv)
    bundle = default_bundle()

    print(f"Date: {date.today().isoformat()}; Python {platform.python_version()}, pyoxigraph "
          f"{pyoxigraph.__version__}, rdflib {rdflib.__version__}; command: "
          f"python bench/bench_graph.py {' '.join(argv if argv is not None else sys.argv[1:])}", flush=True)
    rows = []
    # The contract: bundle load + inference + validation, end to end, under 5 s.
    def end_to_end():
        store = load_bundle(bundle)
        return validate(asserted(store))
    total_s, _ = median_time(end_to_end, options.runs)
    rows += bench_case("bundle", [source.path for source in bundle.sources()], options.runs,
                       owlrl=True, rdflib_load=True)
    with tempfile.TemporaryDirectory() as directory:
        for size in (int(s) for s in options.sizes.split(",") if s):
            path = Path(directory) / f"synthetic-{size}.ttl"
            write_synthetic(path, size, seed=0)
            runs = options.runs if size <= 100_000 else 1
            rows += bench_case(f"synthetic {size:,}", [path], runs, owlrl=size <= 10_000,
                               rdflib_load=size <= options.skip_rdflib_above)
            print(f"(done: {size:,}: " + "; ".join(f"{r[2]} {r[3]:.2f}" for r in rows[-4:]) + ")", flush=True)
            path.unlink()

    print(f"\nBundle end to end (load_bundle with inference + to_rdflib + validate), median of "
          f"{options.runs}: {total_s:.2f} s\n")
    print("| graph | quads | step | ours (s) | baseline | baseline (s) | ratio |")
    print("|---|---:|---|---:|---|---:|---:|")
    for name, triples, step, ours, baseline, theirs in rows:
        ratio = f"x{theirs / ours:.1f}" if theirs else ""
        theirs_text = f"{theirs:.2f}" if theirs else ("skipped" if baseline else "")
        print(f"| {name} | {triples:,} | {step} | {ours:.2f} | {baseline} | {theirs_text} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
