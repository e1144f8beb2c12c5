"""Every named query has work to do on a synthetic graph: with the closure the server adds and
the parameter values the benchmark binds (``bench/bench_queries.py``'s ``SYNTHETIC_VALUES``,
which are :data:`evawkg.graph.synthetic.QUERY_VALUES`), each answers rows, so a benchmark of it
times real joins rather than an empty answer."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from evawkg.graph.inference import infer
from evawkg.graph.store import load_files
from evawkg.graph.synthetic import QUERY_VALUES, write_synthetic
from evawkg.workbench.named_queries import load_named_queries


@pytest.fixture(scope="module")
def synthetic_store(bundle, tmp_path_factory) -> ox.Store:
    path = tmp_path_factory.mktemp("synthetic") / "synthetic.nt"
    write_synthetic(path, 10_000, seed=0)
    store = load_files([*(source.path for source in bundle.ontology_sources()), path])
    infer(store)
    return store


@pytest.fixture(scope="module")
def queries(bundle):
    return load_named_queries(bundle.queries_dir)


def _rows(store, query) -> list[dict[str, str]]:
    values = {p.name: QUERY_VALUES[p.name] for p in query.parameters if p.name in QUERY_VALUES}
    solutions = query.run(store, values)
    names = [variable.value for variable in solutions.variables]
    return [{name: solution[name].value for name in names if solution[name] is not None}
            for solution in solutions]


def test_every_named_query_answers_rows_on_the_synthetic_graph(synthetic_store, queries):
    empty = [name for name, query in sorted(queries.items()) if not _rows(synthetic_store, query)]
    assert empty == []


def test_the_synthetic_rows_carry_what_each_query_is_about(synthetic_store, queries):
    """Not only a row, but the part the query exists for: instruments reached each way, runners
    of funds, amounts, cited annexes, counts with groups and countries."""
    rows = {name: _rows(synthetic_store, queries[name]) for name in (
        "agency-mandate", "civil-society-funds", "initiative-funding", "instrument-relations",
        "people-trained", "people-trained-total", "policy-framework")}
    assert {row.get("via") for row in rows["agency-mandate"]} >= {"mandate", "policy framework", "area of work"}
    assert {row.get("role") for row in rows["civil-society-funds"]} >= {
        "managed by", "secretariat provided by", "launched with help of",
        "established in collaboration with", "programme of"}
    assert {row["kind"] for row in rows["civil-society-funds"]} == {"fund", "trust fund", "grant-making programme"}
    assert all(row.get("amount") and row.get("currency") and row.get("funder")
               for row in rows["initiative-funding"])
    relations = {row["property"].rpartition("#")[2] for row in rows["instrument-relations"]}
    assert relations == {"adoptsInstrument", "approvesInstrument", "supplements", "consistentWith",
                         "recommendedBy", "revises"}
    assert all(row.get("targetGroup") and row.get("countries") for row in rows["people-trained"])
    assert int(rows["people-trained-total"][0]["counts"]) == len(rows["people-trained"])
    framework = rows["policy-framework"]
    assert [int(row["order"]) for row in framework] == list(range(1, len(framework) + 1))
    assert all(row.get("symbol") and row.get("date") for row in framework)
