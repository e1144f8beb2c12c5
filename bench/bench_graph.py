"""Time loading, OWL 2 RL inference and SHACL validation of the bundled graph and of synthetic
graphs shaped like it, with the baselines measured in the same process:

* load: ``evawkg.graph.store.load_files`` against an rdflib ``Graph().parse`` and pyoxigraph's own
  bulk loader (``Store.bulk_load``) of the same files;
* inference: ``evawkg.graph.inference.infer`` against owlrl, on the bundle and a 10k synthetic graph
  only (owlrl needs minutes at 100k and hours at 1M);
* incremental inference: ``inference.apply`` after a change of 100 asserted triples (100 removed
  and put back, 100 of new activities added and removed, 50 removed with 50 added), median of
  each kind over ``--runs`` changes; the closure they leave is checked against ``infer``;
* validation: ``evawkg.shacl.validation.validate`` (pySHACL on an rdflib graph), after converting the
  store's asserted graphs with ``to_rdflib`` (timed apart).

Usage: ``python bench/bench_graph.py [--runs N] [--sizes 100000,1000000] [--skip-rdflib-above N]
[--steps load,inference,incremental,validation]``. Prints a Markdown table of medians to paste
into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
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
from evawkg.graph.formats import format_for_path
from evawkg.graph.inference import INFERRED_GRAPH, apply, infer, owlrl_entailments
from evawkg.graph.store import load_bundle, load_files, to_rdflib, with_prefixes
from evawkg.graph.synthetic import synthetic_blocks, write_synthetic
from evawkg.shacl.validation import validate

STEPS = ("load", "inference", "incremental", "validation")


#: Median process CPU seconds of the last median_time: on a shared machine, wall time counts
#: the waits for a core too; CPU time does not.
LAST_CPU = [0.0]


def median_time(action: Callable[[], object], runs: int) -> tuple[float, object]:
    times, cpus, result = [], [], None
    for _ in range(runs):
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        result = action()
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    LAST_CPU[0] = statistics.median(cpus)
    return statistics.median(times), result


def asserted(store) -> rdflib.Graph:
    return to_rdflib(store, [g for g in store.named_graphs() if g != INFERRED_GRAPH])


def bulk_load(files: list[Path]) -> pyoxigraph.Store:
    """pyoxigraph's own bulk loader, each file into a graph as load_files puts it: the floor."""
    store = pyoxigraph.Store()
    for index, path in enumerate(files):
        store.bulk_load(path=str(path), format=format_for_path(path).oxigraph,
                        to_graph=pyoxigraph.NamedNode(f"urn:bench:graph:{index}"))
    return store


def self_contained(bundle, directory: Path) -> list[Path]:
    """The bundle's files as every loader here can read them: data files, written without the
    shared prefix declarations (data/prefixes.ttl), copied with them in front."""
    paths = []
    for number, source in enumerate(bundle.sources()):
        if source.prefixes is None:
            paths.append(source.path)
            continue
        copy = directory / f"bundle-{number}" / source.path.name  # names kept: graphs by stem
        copy.parent.mkdir()
        copy.write_bytes(with_prefixes(source.path, source.prefixes))
        paths.append(copy)
    return paths


def bench_case(name: str, files: list[Path], runs: int, *, owlrl: bool, rdflib_load: bool,
               steps: set[str]) -> list[tuple]:
    rows = []
    ontology = [source.path for source in default_bundle().ontology_sources()]
    all_files = files if name == "bundle" else [*ontology, *files]

    load_s, store = median_time(lambda: load_files(all_files), runs)
    load_cpu = LAST_CPU[0]
    triples = len(store)
    if "load" in steps:
        bulk_s, _ = median_time(lambda: bulk_load(all_files), runs)
        rows.append((name, triples, "load", load_s, load_cpu, "pyoxigraph Store.bulk_load", bulk_s))
        if rdflib_load:
            def parse_rdflib():
                graph = rdflib.Graph()
                for path in all_files:
                    graph.parse(path)
                return graph
            rdflib_s, _ = median_time(parse_rdflib, max(1, runs if triples < 200_000 else 1))
            rows.append((name, triples, "load", load_s, load_cpu, "rdflib Graph.parse", rdflib_s))
        else:
            rows.append((name, triples, "load", load_s, load_cpu, "rdflib Graph.parse", None))

    def run_inference():
        fresh = load_files(all_files)
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        count = infer(fresh)
        return time.perf_counter() - start, time.process_time() - cpu, fresh, count
    infer_runs = [run_inference() for _ in range(runs)]
    infer_s = statistics.median(r[0] for r in infer_runs)
    infer_cpu = statistics.median(r[1] for r in infer_runs)
    store, inferred = infer_runs[-1][2], infer_runs[-1][3]
    owlrl_s = None
    if owlrl:
        graph = asserted(store)
        owlrl_s, _ = median_time(lambda: owlrl_entailments(graph), 1)
    rows.append((name, triples, f"inference ({inferred} triples)", infer_s, infer_cpu, "owlrl", owlrl_s))

    if "incremental" in steps and name != "bundle":
        rows += bench_incremental(name, store, triples, runs)

    if "validation" in steps:
        convert_s, graph = median_time(lambda: asserted(store), runs)
        rows.append((name, triples, "to_rdflib (asserted graphs)", convert_s, LAST_CPU[0], "", None))
        validate_s, report = median_time(lambda: validate(graph), max(1, runs if triples < 200_000 else 1))
        rows.append((name, triples, f"validation ({len(report.results)} results)", validate_s, LAST_CPU[0],
                     "", None))
    return rows


def _new_activities(count: int) -> list[pyoxigraph.Triple]:
    """``count`` triples of activities no graph has yet (another seed, renamed)."""
    triples: list[pyoxigraph.Triple] = []
    for block in list(synthetic_blocks(40_000, seed=99))[-60:]:
        text = "".join(f"{s} {p} {o} .\n" for s, p, o in block)
        text = text.replace("/activity/activity-", "/activity/bench-").replace("_:", "_:bench")
        triples += [q.triple for q in pyoxigraph.parse(text, pyoxigraph.RdfFormat.N_TRIPLES)]
        if len(triples) >= count:
            return triples[:count]
    return triples


def bench_incremental(name: str, store: pyoxigraph.Store, triples: int, runs: int) -> list[tuple]:
    """A change of 100 asserted triples: the time ``apply`` takes to bring the closure up to date."""
    rng = random.Random(0)
    graph = next(g for g in store.named_graphs() if "synthetic" in g.value)
    population = list(store.quads_for_pattern(None, None, None, graph))
    fresh = _new_activities(100)
    timings: dict[str, list[tuple[float, float]]] = {}

    def timed(kind: str, added, removed) -> None:
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        apply(store, added, removed)
        timings.setdefault(kind, []).append((time.perf_counter() - start, time.process_time() - cpu))

    for _ in range(runs):
        victims = rng.sample(population, 100)
        for quad in victims:
            store.remove(quad)
        timed("100 removed", [], [q.triple for q in victims])
        for quad in victims:
            store.add(quad)
        timed("the 100 put back", [q.triple for q in victims], [])
        for triple in fresh:
            store.add(pyoxigraph.Quad(*triple, graph))
        timed("100 new (new activities)", fresh, [])
        for triple in fresh:
            store.remove(pyoxigraph.Quad(*triple, graph))
        timed("the 100 new removed", [], fresh)
        mixed = rng.sample(population, 50)
        for quad in mixed:
            store.remove(quad)
        for triple in fresh[:50]:
            store.add(pyoxigraph.Quad(*triple, graph))
        timed("50 removed, 50 added", fresh[:50], [q.triple for q in mixed])
        for triple in fresh[:50]:
            store.remove(pyoxigraph.Quad(*triple, graph))
        for quad in mixed:
            store.add(quad)
        timed("50 removed, 50 added", [q.triple for q in mixed], fresh[:50])
    ours = {q.triple for q in store.quads_for_pattern(None, None, None, INFERRED_GRAPH)}
    check = pyoxigraph.Store()
    check.bulk_extend(q for q in store if q.graph_name != INFERRED_GRAPH)
    infer(check)
    same = ours == {q.triple for q in check.quads_for_pattern(None, None, None, INFERRED_GRAPH)}
    if not same:
        raise SystemExit(f"{name}: incremental inference differs from recomputation")
    return [(name, triples, f"incremental inference: {kind}, median of {len(values)}",
             statistics.median(v[0] for v in values), statistics.median(v[1] for v in values), "", None)
            for kind, values in timings.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5,
                        help="runs per measurement (median); rdflib, owlrl and pySHACL run once past 200k triples")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="synthetic sizes, comma-separated")
    parser.add_argument("--skip-rdflib-above", type=int, default=10**9,
                        help="skip the rdflib load baseline above this many triples")
    parser.add_argument("--steps", default=",".join(STEPS),
                        help="what to time besides inference: " + ", ".join(STEPS))
    options = parser.parse_args(argv)
    steps = {step for step in options.steps.split(",") if step}
    bundle = default_bundle()

    print(f"Date: {date.today().isoformat()}; Python {platform.python_version()}, pyoxigraph "
          f"{pyoxigraph.__version__}, rdflib {rdflib.__version__}; command: "
          f"python bench/bench_graph.py {' '.join(argv if argv is not None else sys.argv[1:])}", flush=True)
    rows = []
    # The contract: bundle load + inference + validation, end to end, under 5 s.
    def end_to_end():
        store = load_bundle(bundle)
        return validate(asserted(store))
    total_s = median_time(end_to_end, options.runs)[0] if "validation" in steps else None
    with tempfile.TemporaryDirectory() as directory:
        rows += bench_case("bundle", self_contained(bundle, Path(directory)), options.runs,
                           owlrl=True, rdflib_load=True, steps=steps)
        for size in (int(s) for s in options.sizes.split(",") if s):
            path = Path(directory) / f"synthetic-{size}.ttl"
            write_synthetic(path, size, seed=0)
            runs = options.runs
            rows += bench_case(f"synthetic {size:,}", [path], runs, owlrl=size <= 10_000,
                               rdflib_load=size <= options.skip_rdflib_above, steps=steps)
            print(f"(done: {size:,}: " + "; ".join(f"{r[2]} {r[3]:.2f}" for r in rows[-4:]) + ")", flush=True)
            path.unlink()

    if total_s is not None:
        print(f"\nBundle end to end (load_bundle with inference + to_rdflib + validate), median of "
              f"{options.runs}: {total_s:.2f} s\n")
    print("| graph | quads | step | ours (s) | ours, CPU (s) | baseline | baseline (s) | ratio |")
    print("|---|---:|---|---:|---:|---|---:|---:|")
    for name, triples, step, ours, cpu, baseline, theirs in rows:
        ratio = f"x{theirs / ours:.2f}" if theirs else ""
        theirs_text = f"{theirs:.2f}" if theirs else ("skipped" if baseline else "")
        print(f"| {name} | {triples:,} | {step} | {ours:.2f} | {cpu:.2f} | {baseline} | {theirs_text} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
