"""Bench: SHACL validation of an upload of synthetic triples and of the whole bundled graph,
in-process, over HTTP (POST /validate on a live server) and with pySHACL's own command line.

Each measurement is the wall time of one whole validation: parse, validate against every shape
with the ontology, write the JSON summary (pySHACL: its ``human`` report). In-process runs
:func:`evawkg.shacl.pool.run_job` in this process; HTTP adds the request, the fork of a
validation process and the response. Medians of ``--runs`` runs, and ratios to pySHACL's CLI.
The results are printed and, with ``--write``, put in docs/benchmarks.md as the section
"Validation" (other sections are left as they are).

    .venv/bin/python bench/bench_validation.py --runs 5 --triples 10000 --write
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
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
SECTION = "## Validation"


def _median_time(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _serve():
    from werkzeug.serving import make_server

    from evawkg.settings import Settings
    from evawkg.web import create_app

    app = create_app(Settings(port=0, validation_timeout=600.0, max_upload_bytes=256 << 20))
    app.extensions["evawkg"].service.wait_ready(300)
    app.extensions["evawkg.validation"].pool.wait_ready(300)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return app, httpd, f"http://127.0.0.1:{httpd.server_port}"


def _post(base: str, data: bytes, media_type: str) -> None:
    request = urllib.request.Request(f"{base}/validate", data=data, method="POST",
                                     headers={"Content-Type": media_type,
                                              "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=900) as response:
        response.read()
        assert response.status == 200


def _inputs(directory: Path, triples: int) -> dict[str, Path]:
    from evawkg.graph.store import load_bundle
    from evawkg.graph.synthetic import write_synthetic

    synthetic = directory / f"synthetic-{triples}.nt"
    written = write_synthetic(synthetic, triples)
    bundle = directory / "bundle.nt"
    store = load_bundle(infer=False)
    bundle.write_bytes(ox.serialize(
        (quad.triple for quad in store.quads_for_pattern(None, None, None, None)),
        format=ox.RdfFormat.N_TRIPLES))
    return {f"upload of {written} synthetic triples": synthetic,
            f"bundled graph ({len(store)} triples)": bundle}


def _shapes_and_ontology(directory: Path) -> tuple[Path, Path]:
    from evawkg.shacl.validation import load_ontology, load_shapes

    shapes, ontology = directory / "shapes.ttl", directory / "ontology.ttl"
    load_shapes().serialize(shapes, format="turtle")
    load_ontology().serialize(ontology, format="turtle")
    return shapes, ontology


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    options = parser.parse_args()

    from evawkg.shacl.uploads import Upload
    from evawkg.shacl.pool import ValidationJob, run_job

    pyshacl_cli = shutil.which("pyshacl", path=str(Path(sys.executable).parent)) or "pyshacl"
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        inputs = _inputs(directory, options.triples)
        shapes, ontology = _shapes_and_ontology(directory)
        app, httpd, base = _serve()
        try:
            for name, path in inputs.items():
                data = path.read_bytes()
                job = ValidationJob(uploads=(Upload(data, "ntriples"),), format="json")
                run_job(job)  # warm caches, as the validator process is warm
                in_process = _median_time(lambda job=job: run_job(job), options.runs)
                http = _median_time(lambda data=data: _post(base, data, "application/n-triples"),
                                    options.runs)
                command = [pyshacl_cli, "-s", str(shapes), "-e", str(ontology), "-w",
                           "-f", "human", str(path)]

                def cli(command=command):
                    result = subprocess.run(command, capture_output=True)
                    assert result.returncode in (0, 1), result.stderr.decode()[-500:]

                pyshacl = _median_time(cli, options.runs)
                rows.append((name, in_process, http, pyshacl))
                print(f"{name}: in-process {in_process:.2f} s, HTTP {http:.2f} s, "
                      f"pyshacl CLI {pyshacl:.2f} s", flush=True)
        finally:
            httpd.shutdown()
            app.extensions["evawkg.validation"].close()
            app.extensions["evawkg"].service.close()

    section = _section(rows, options)
    print(section)
    if options.write:
        _write(section)
    return 0


def _section(rows, options) -> str:
    load = os.getloadavg()[0]
    lines = [
        SECTION, "",
        f"Measured {datetime.date.today().isoformat()} on {platform.machine()}, "
        f"{os.cpu_count()} cores (shared; load average {load:.1f} at the end), Python "
        f"{platform.python_version()}, with", "",
        f"    .venv/bin/python bench/bench_validation.py --runs {options.runs} "
        f"--triples {options.triples} --write", "",
        "Wall time of one whole validation against every shape with the ontology (parse, "
        "validate, report), median of "
        f"{options.runs} runs. *In-process*: `evawkg.shacl.pool.run_job` (what `evawkg "
        "validate` does); *HTTP*: `POST /validate` of N-Triples to a live server, answered in "
        "JSON (adds the request and a forked validation process); *pySHACL CLI*: `pyshacl -s "
        "shapes.ttl -e ontology.ttl -w -f human data.nt` (includes its start-up).", "",
        "| data | in-process | HTTP | pySHACL CLI | HTTP / pySHACL CLI | in-process / pySHACL CLI |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, in_process, http, pyshacl in rows:
        lines.append(f"| {name} | {in_process:.2f} s | {http:.2f} s | {pyshacl:.2f} s | "
                     f"{http / pyshacl:.2f} | {in_process / pyshacl:.2f} |")
    lines.append("")
    return "\n".join(lines) + "\n"


def _write(section: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    start = text.find(SECTION + "\n")
    if start >= 0:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
