"""Bench: SHACL validation on the store engine and on pySHACL, side by side in one run.

* **Synthetic graphs** (``evawkg.graph.synthetic``, N-Triples, with the ontology) of each
  ``--sizes``: loading into pyoxigraph, then validation against every bundled shape, by the store
  engine (``evawkg.shacl.engine.validate`` on the store) and by pySHACL
  (``evawkg.shacl.validation.validate`` after ``to_rdflib``), each in a fresh process whose peak
  RSS is reported. pySHACL runs up to ``--pyshacl-max`` triples (12 minutes and 5 GB at 1M).
* **A change validated by focus** at the largest size: about 100 triples (new activities with
  associations, a participation count, one error) added to the store, then
  ``validate(store, focus=<the nodes they describe>)``; and the cost for growing focus sets.
* **Over HTTP**: ``POST /validate`` of a 10k-triple synthetic upload and of the bundled graph
  (N-Triples) to a live server, per engine, and the 10k upload ``with_graph=true``.

* **Cost per triple** (``--linearity``): every size validated in one process, in CPU time, and
  the share of it the store alone needs (the engine's own lookups and queries replayed).

Medians of ``--runs`` runs (one run for sizes of 1M and more). With ``--write`` the results
replace the section "Validation: store engine and pySHACL" of docs/benchmarks.md.

    .venv/bin/python bench/bench_validation.py --sizes 10000,100000,1000000 --runs 3 --write
    .venv/bin/python bench/bench_validation.py --linearity --sizes 100000,1000000 --runs 3 --write
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Validation: store engine and pySHACL"
LINEARITY_SECTION = "## Validation: cost per triple from 100k to 1M, in one process"


def _median_time(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# ----------------------------------------------------------------------------- workers
# Each measurement of a whole graph runs in a fresh process, so that its peak RSS is its own.


def _worker(engine: str, path: str, runs: int) -> dict:
    from evawkg.graph.bundle import default_bundle
    from evawkg.graph.store import load_files, to_rdflib

    started = time.perf_counter()
    store = load_files([Path(path), *sorted(default_bundle().ontology_dir.glob("*.ttl"))])
    load = time.perf_counter() - started
    answer = {"triples": len(store), "load": load}
    if engine == "store":
        from evawkg.shacl import engine as store_engine

        model = store_engine.bundled_model()
        reports = []
        answer["validate"] = _median_time(lambda: reports.append(store_engine.validate(store, model)),
                                          runs)
    else:
        from evawkg.shacl import validation

        started = time.perf_counter()
        data = to_rdflib(store)
        answer["to_rdflib"] = time.perf_counter() - started
        del store
        reports = []
        answer["validate"] = _median_time(lambda: reports.append(validation.validate(data)), runs)
    report = reports[-1]
    answer["results"] = len(report.results)
    answer["conforms"] = report.conforms
    answer["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return answer


def _change(index: int) -> str:
    """About 25 N-Triples describing one new activity (the last one breaks a shape)."""
    base, evaw = "https://evawkg.example.org/", "https://evawkg.example.org/ontology#"
    node = f"<{base}id/activity/change-{index}>"
    rdf, prov = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/ns/prov#"
    lines = [f"{node} <{rdf}type> <{evaw}Measure> .",
             f'{node} <http://www.w3.org/2000/01/rdf-schema#label> "Change {index}"@en .',
             f"{node} <http://purl.org/dc/terms/source> <https://example.org/source> .",
             f"{node} <{evaw}activityType> <{base}id/activity-type/training> .",
             f"{node} <{evaw}topic> <{base}id/topic/trafficking-in-persons> .",
             f"{node} <{prov}wasAssociatedWith> <{base}id/organization/agency-0> .",
             f"{node} <{evaw}reportedBy> <{base}id/organization/agency-0> .",
             f"{node} <{prov}atLocation> <{base}id/country/TH> ."]
    for partner in range(3):
        association = f"_:change{index}x{partner}"
        lines += [f"{node} <{prov}qualifiedAssociation> {association} .",
                  f"{association} <{rdf}type> <{prov}Association> .",
                  f"{association} <{prov}agent> <{base}id/organization/agency-1> .",
                  f"{association} <{prov}hadRole> <{base}id/role/partner> ."]
    count = f"_:count{index}"
    lines += [f"{node} <{evaw}hasParticipationCount> {count} .",
              f"{count} <{rdf}type> <{evaw}ParticipationCount> .",
              f'{count} <{evaw}count> "{"many" if index == 3 else 40}"^^<http://www.w3.org/2001/XMLSchema#integer> .',
              f'{count} <http://www.w3.org/2000/01/rdf-schema#label> "40 participants"@en .',
              f"{count} <http://purl.org/dc/terms/source> <https://example.org/source> ."]
    return "\n".join(lines) + "\n"


def _focus_worker(path: str, runs: int) -> dict:
    from evawkg.graph.bundle import default_bundle
    from evawkg.graph.store import load_files
    from evawkg.shacl import engine as store_engine

    store = load_files([Path(path), *sorted(default_bundle().ontology_dir.glob("*.ttl"))])
    model = store_engine.bundled_model()
    store_engine.validate(store, model, focus=[ox.NamedNode("urn:x-warm-up")])
    change = "".join(_change(i) for i in range(4)).encode()
    quads = list(ox.parse(change, ox.RdfFormat.N_TRIPLES))
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode("urn:x-bench:change"))
                 for q in quads)
    described = list(dict.fromkeys(q.subject for q in quads))
    reports = []
    answer = {"change_triples": len(quads), "focus_nodes": len(described),
              "change": _median_time(lambda: reports.append(
                  store_engine.validate(store, model, focus=described)), max(runs, 5)),
              "change_results": len(reports[-1].results), "growth": []}
    activities = [q.subject for q in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode("https://evawkg.example.org/ontology#Measure"), None)]
    for size in (10, 100, 1000, 10000):
        focus = activities[:size]
        answer["growth"].append((size, _median_time(
            lambda focus=focus: store_engine.validate(store, model, focus=focus), 3)))
    return answer


class _Recorder:
    """A store that notes every lookup and query made through it (for :func:`_replay`)."""

    def __init__(self, store: ox.Store, log: list):
        self._store, self._log = store, log

    def quads_for_pattern(self, *pattern):
        self._log.append(("quads", pattern))
        return self._store.quads_for_pattern(*pattern)

    def query(self, text, **options):
        self._log.append(("query", (text, options)))
        return self._store.query(text, **options)

    def __getattr__(self, name):
        return getattr(self._store, name)


def _replay(store: ox.Store, log: list) -> float:
    """CPU seconds the store alone spends on the lookups and queries of ``log``, in order."""
    started = time.process_time()
    for kind, arguments in log:
        if kind == "quads":
            for _ in store.quads_for_pattern(*arguments):
                pass
        else:
            answer = store.query(arguments[0], **arguments[1])
            if not isinstance(answer, ox.QueryBoolean):
                for _ in answer:
                    pass
    return time.process_time() - started


def _linearity_worker(paths: list[str], runs: int) -> list[dict]:
    """Each size in turn in this one process: the engine's CPU time (the machine is shared, so
    wall time says more about the neighbours than about the engine) and the part of it the store
    alone needs, found by replaying the engine's own lookups and queries without the engine."""
    from evawkg.graph.bundle import default_bundle
    from evawkg.graph.store import load_files
    from evawkg.shacl import data_graph, engine as store_engine

    model = store_engine.bundled_model()
    rows = []
    for path in paths:
        store = load_files([Path(path), *sorted(default_bundle().ontology_dir.glob("*.ttl"))])
        store_engine.validate(store, model)  # warm: the first run also fills pyoxigraph's caches
        log: list = []
        original = data_graph.DataGraph.__init__

        def recording(self, real, *arguments, **options):
            original(self, _Recorder(real, log), *arguments, **options)

        data_graph.DataGraph.__init__ = recording
        try:
            store_engine.validate(store, model)
        finally:
            data_graph.DataGraph.__init__ = original
        engine_times, store_times = [], []
        for _ in range(runs):
            started = time.process_time()
            store_engine.validate(store, model)
            engine_times.append(time.process_time() - started)
            store_times.append(_replay(store, log))
        rows.append({"triples": len(store), "engine_cpu": min(engine_times),
                     "store_cpu": min(store_times),
                     "lookups": sum(1 for kind, _ in log if kind == "quads"),
                     "load_average": os.getloadavg()[0]})
        del store, log
    return rows


def _in_subprocess(*arguments: str) -> dict:
    completed = subprocess.run([sys.executable, __file__, *arguments], capture_output=True,
                               text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-2000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- HTTP


def _serve():
    from werkzeug.serving import make_server

    from evawkg.settings import Settings
    from evawkg.web import create_app

    app = create_app(Settings(port=0, validation_timeout=900.0, max_upload_bytes=256 << 20,
                              request_buffer_bytes=256 << 20))
    app.extensions["evawkg"].service.wait_ready(300)
    app.extensions["evawkg.validation"].pool.wait_ready(300)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return app, httpd, f"http://127.0.0.1:{httpd.server_port}"


def _post(url: str, data: bytes) -> None:
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/n-triples", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=1800) as response:
        response.read()
        assert response.status == 200


def _http_rows(directory: Path, runs: int) -> list[tuple]:
    from evawkg.graph.store import load_bundle
    from evawkg.graph.synthetic import write_synthetic

    upload = directory / "upload-10000.nt"
    written = write_synthetic(upload, 10_000, seed=1)
    bundle = directory / "bundle.nt"
    store = load_bundle(infer=False)
    bundle.write_bytes(ox.serialize((q.triple for q in store.quads_for_pattern(None, None, None, None)),
                                    format=ox.RdfFormat.N_TRIPLES))
    app, httpd, base = _serve()
    rows = []
    try:
        for name, path, query in ((f"upload of {written} synthetic triples", upload, ""),
                                  (f"bundled graph ({len(store)} triples)", bundle, ""),
                                  (f"upload of {written} triples, with_graph=true", upload,
                                   "with_graph=true")):
            data = path.read_bytes()
            timings = {}
            for engine in ("store", "pyshacl"):
                url = f"{base}/validate?engine={engine}" + (f"&{query}" if query else "")
                _post(url, data)  # the first job of a kind warms nothing the next one needs
                timings[engine] = _median_time(lambda url=url, data=data: _post(url, data), runs)
            rows.append((name, timings["store"], timings["pyshacl"]))
            print(f"HTTP {name}: store {timings['store']:.2f} s, pySHACL {timings['pyshacl']:.2f} s",
                  flush=True)
    finally:
        httpd.shutdown()
        app.extensions["evawkg.validation"].close()
        app.extensions["evawkg"].service.close()
    return rows


# ----------------------------------------------------------------------------- report


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(_worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--linearity-worker":
        print(json.dumps(_linearity_worker(sys.argv[3:], int(sys.argv[2]))))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--focus-worker":
        print(json.dumps(_focus_worker(sys.argv[2], int(sys.argv[3]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--pyshacl-max", type=int, default=100_000,
                        help="largest synthetic graph pySHACL validates (it needs 12 min at 1M)")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--linearity", action="store_true",
                        help="only the cost per triple of --sizes measured in one process (CPU "
                             "time, with the store's share), written to its own section")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",") if s]

    from evawkg.graph.synthetic import write_synthetic

    if options.linearity:
        with tempfile.TemporaryDirectory() as temporary:
            paths = []
            for size in sizes:
                paths.append(str(Path(temporary) / f"synthetic-{size}.nt"))
                write_synthetic(Path(paths[-1]), size, seed=0)
            rows = _in_subprocess("--linearity-worker", str(options.runs), *paths)
        section = _linearity_section(rows, options)
        print(section)
        if options.write:
            _write(section, LINEARITY_SECTION)
        return 0

    graph_rows, focus, http_rows = [], None, []
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        for size in sizes:
            path = directory / f"synthetic-{size}.nt"
            write_synthetic(path, size, seed=0)
            runs = 1 if size >= 1_000_000 else options.runs
            on_store = _in_subprocess("--worker", "store", str(path), str(runs))
            by_pyshacl = (_in_subprocess("--worker", "pyshacl", str(path), str(runs))
                          if size <= options.pyshacl_max else None)
            graph_rows.append((size, on_store, by_pyshacl))
            print(f"{size}: store {json.dumps(on_store)}\n        pySHACL {json.dumps(by_pyshacl)}",
                  flush=True)
        largest = directory / f"synthetic-{max(sizes)}.nt"
        focus = _in_subprocess("--focus-worker", str(largest), str(options.runs))
        focus["size"] = max(sizes)
        print(f"focus: {json.dumps(focus)}", flush=True)
        if not options.no_http:
            http_rows = _http_rows(directory, options.runs)
    section = _section(graph_rows, focus, http_rows, options)
    print(section)
    if options.write:
        _write(section)
    return 0


def _section(graph_rows, focus, http_rows, options) -> str:
    load = os.getloadavg()[0]
    command = (f"    .venv/bin/python bench/bench_validation.py --sizes {options.sizes} "
               f"--runs {options.runs} --pyshacl-max {options.pyshacl_max}"
               + (" --no-http" if options.no_http else "") + " --write")
    lines = [
        SECTION, "",
        f"Measured {datetime.date.today().isoformat()} on {platform.machine()}, "
        f"{os.cpu_count()} cores (shared with other jobs; load average {load:.1f} at the end), "
        f"Python {platform.python_version()}, pyoxigraph {ox.__version__}, with", "", command, "",
        "Synthetic graphs (`write_synthetic(path, N, seed=0)`, N-Triples, loaded with the "
        "ontology), validated against every bundled shape, each engine in a fresh process "
        "(peak RSS is that process's: store, data and report). *Store engine*: "
        "`evawkg.shacl.engine.validate` on the pyoxigraph store; *pySHACL*: "
        "`evawkg.shacl.validation.validate` on an rdflib copy (`to_rdflib`, timed apart). "
        "Medians of the runs (one at 1M).", "",
        "| triples | load | store engine | µs per triple | peak RSS | pySHACL (to_rdflib + validate) "
        "| pySHACL peak RSS | speed-up | results (both) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, on_store, by_pyshacl in graph_rows:
        per_triple = on_store["validate"] / on_store["triples"] * 1e6
        if by_pyshacl:
            total = by_pyshacl["to_rdflib"] + by_pyshacl["validate"]
            pyshacl = f"{by_pyshacl['to_rdflib']:.1f} + {by_pyshacl['validate']:.1f} s"
            rss = f"{by_pyshacl['rss_mb']:.0f} MB"
            speedup = f"x{total / on_store['validate']:.0f}"
            results = f"{on_store['results']} / {by_pyshacl['results']}"
        else:
            pyshacl, rss, speedup, results = "not run", "", "", f"{on_store['results']} / –"
        lines.append(f"| {on_store['triples']:,} | {on_store['load']:.2f} s | "
                     f"{on_store['validate']:.2f} s | {per_triple:.1f} | {on_store['rss_mb']:.0f} MB "
                     f"| {pyshacl} | {rss} | {speedup} | {results} |")
    if focus:
        lines += [
            "", f"A change validated by focus on the {focus['size']:,}-triple store: "
            f"{focus['change_triples']} triples describing {focus['focus_nodes']} nodes (four "
            f"activities with associations and counts, one count ill-typed) added, then "
            f"`validate(store, focus=<those nodes>)`: **{focus['change'] * 1000:.0f} ms** "
            f"(median of 5; {focus['change_results']} results). Cost by focus set size (median of 3):",
            "", "| focus nodes (activities) | time | ms per node |", "|---:|---:|---:|"]
        for size, seconds in focus["growth"]:
            lines.append(f"| {size:,} | {seconds * 1000:.0f} ms | {seconds * 1000 / size:.2f} |")
    if http_rows:
        lines += ["", "Over HTTP: `POST /validate` of N-Triples to a live server (werkzeug, "
                  "threaded), answered in JSON; includes the request and a validation process "
                  f"forked per job. Median of {options.runs} runs after one warm-up.", "",
                  "| upload | store engine | pySHACL (engine=pyshacl) | speed-up |",
                  "|---|---:|---:|---:|"]
        for name, on_store, by_pyshacl in http_rows:
            lines.append(f"| {name} | {on_store:.2f} s | {by_pyshacl:.2f} s | "
                         f"x{by_pyshacl / on_store:.0f} |")
    lines.append("")
    return "\n".join(lines) + "\n"


def _linearity_section(rows: list[dict], options) -> str:
    first = rows[0]
    lines = [
        LINEARITY_SECTION, "",
        f"Measured {datetime.date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} "
        f"cores shared with other jobs (load average {min(r['load_average'] for r in rows):.1f}-"
        f"{max(r['load_average'] for r in rows):.1f}), Python {platform.python_version()}, "
        f"pyoxigraph {ox.__version__}, with", "",
        f"    .venv/bin/python bench/bench_validation.py --linearity --sizes {options.sizes} "
        f"--runs {options.runs} --write", "",
        "Every size validated in one process, one after the other (best of the runs after a "
        "warm-up), in CPU time: on a shared machine wall time measures the neighbours. *Store*: "
        "the engine's own lookups and queries (recorded in one run) replayed alone, without the "
        "engine; *Python*: the rest.", "",
        "| triples | store lookups | engine CPU | µs per triple | store µs per triple "
        "| Python µs per triple | vs the first size (engine / store / Python) |",
        "|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        python = row["engine_cpu"] - row["store_cpu"]
        first_python = first["engine_cpu"] - first["store_cpu"]
        per = lambda seconds, r=row: seconds / r["triples"] * 1e6  # noqa: E731
        per_first = lambda seconds: seconds / first["triples"] * 1e6  # noqa: E731
        lines.append(
            f"| {row['triples']:,} | {row['lookups']:,} | {row['engine_cpu']:.2f} s | "
            f"{per(row['engine_cpu']):.2f} | {per(row['store_cpu']):.2f} | {per(python):.2f} | "
            f"x{per(row['engine_cpu']) / per_first(first['engine_cpu']):.2f} / "
            f"x{per(row['store_cpu']) / per_first(first['store_cpu']):.2f} / "
            f"x{per(python) / per_first(first_python):.2f} |")
    lines.append("")
    return "\n".join(lines) + "\n"


def _write(section: str, title: str = SECTION) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    start = text.find(title + "\n")
    if start >= 0:
        end = text.find("\n## ", start + len(title))
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    else:
        first = text.find("\n## ")
        text = (text[:first + 1] + section + "\n" + text[first + 1:]) if first >= 0 else (
            text.rstrip("\n") + "\n\n" + section)
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
