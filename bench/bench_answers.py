"""What the query process spends writing one SELECT answer as SPARQL JSON: the TSV path (written
as TSV under the row cap, IRIs published with ``PublicBase.tsv_out``, re-read and written as
JSON) against the direct path (JSON written by pyoxigraph, rows bounded as it streams, IRIs
published with ``PublicBase.json_out``), both through ``evawkg.sparql.answers.execute``.

In-process, on the peer benchmark's data (``bench_peer.py``: ``../shared/bench/gen.py``, loaded
into one named graph and queried as the server queries it, the default graph the union) and its
queries. The two paths alternate call by call in one process, so a neighbour slows both alike;
``time.process_time`` medians. Two bases:

* ``server``: the job ``evawkg serve --data`` runs on that data (canonical base
  ``https://evawkg.example.org/``, public base ``http://127.0.0.1:8207/``): no answer IRI lies
  under the canonical base, so neither path rewrites anything;
* ``mapped``: the same data as if it were the project's (canonical base
  ``https://kg.example.org/``): every ``res:`` IRI of the answer is published under the public
  base, the work the project's own data costs.

Usage::

    python bench/bench_answers.py [--triples 100000] [--calls 400] [--queries Q1_country_date,…]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from evawkg.namespaces import BASE, PREFIXES
from evawkg.settings import Settings
from evawkg.sparql import AnswerFormats, answers
from evawkg.sparql.answers import QueryJob, execute

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_peer import add_peer_arguments, load_peer, make_data  # noqa: E402

PUBLIC = "http://127.0.0.1:8207/"
DIRECT = answers._write_solutions


def through_tsv(solutions, name, max_rows, iris=answers.PublicBase(), again=None):
    """The path every JSON answer took before: TSV, ``tsv_out``, re-read, JSON."""
    if name != "json":
        return DIRECT(solutions, name, max_rows, iris)
    tsv, rows = DIRECT(solutions, "tsv", max_rows, iris)
    reread = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    return reread.serialize(format=ox.QueryResultsFormat.JSON), rows


def timed(store: ox.Store, job: QueryJob, path) -> tuple[float, bytes, int]:
    answers._write_solutions = path
    try:
        started = time.process_time()
        answer = execute(store, job)
        return time.process_time() - started, answer.payload, answer.rows
    finally:
        answers._write_solutions = DIRECT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_peer_arguments(parser)
    parser.add_argument("--calls", type=int, default=400, help="calls of each path per query and base")
    args = parser.parse_args()

    _, _, queries = load_peer(args.peer_dir)
    data = make_data(args.peer_dir, args.work, args.triples)
    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.TURTLE,
                    to_graph=ox.NamedNode("https://kg.example.org/graph"))
    max_rows = Settings().max_rows
    print(f"{data.name}: {len(store)} quads; max_rows {max_rows}; pid {os.getpid()}; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    print(f"{'query':20s} {'base':7s} {'kB':>6s} {'rows':>5s} {'TSV path us':>12s} "
          f"{'direct us':>10s} {'saved us':>9s} {'ratio':>6s}")
    for name in args.queries.split(","):
        for base, canonical in (("server", BASE), ("mapped", "https://kg.example.org/")):
            job = QueryJob(queries.q(name), AnswerFormats(), PREFIXES, max_rows=max_rows,
                           base_iri=canonical, public_base=PUBLIC)
            old, new = [], []
            for call in range(args.calls + 20):  # the first 20 of each warm up
                seconds_old, payload_old, rows_old = timed(store, job, through_tsv)
                seconds_new, payload_new, rows_new = timed(store, job, DIRECT)
                if call == 0:
                    assert json.loads(payload_old) == json.loads(payload_new), name
                    assert rows_old == rows_new, (name, rows_old, rows_new)
                    same = payload_old == payload_new
                if call >= 20:
                    old.append(seconds_old)
                    new.append(seconds_new)
            before, after = statistics.median(old) * 1e6, statistics.median(new) * 1e6
            print(f"{name:20s} {base:7s} {len(payload_new) / 1000:6.1f} {rows_new:5d} "
                  f"{before:12.0f} {after:10.0f} {before - after:9.0f} {after / before:6.2f}"
                  f"{'' if same else '  (bytes differ, same solutions)'}", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
