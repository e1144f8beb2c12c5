"""``evawkg serve --data FILE… --infer``: the closure of whatever is served goes into
``graph/inferred`` (the default), ``--no-infer`` serves the files alone; a loader tells how far
long loads and inference are."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from evawkg.graph import progress
from evawkg.graph.dataset import DatasetSource, dataset_source
from evawkg.graph.inference import INFERRED_GRAPH
from evawkg.settings import Settings

FIXTURES = Path(__file__).parents[1] / "fixtures" / "store"
FILES = (str(FIXTURES / "ontology.ttl"), str(FIXTURES / "data.ttl"))
BASE = "https://evawkg.example.org/"
THAILAND_IN_WORLD = ox.Triple(ox.NamedNode(BASE + "id/country/TH"), ox.NamedNode(BASE + "ontology#locatedIn"),
                              ox.NamedNode(BASE + "id/region/world"))


def inferred(store: ox.Store) -> set[ox.Triple]:
    return {q.triple for q in store.quads_for_pattern(None, None, None, INFERRED_GRAPH)}


def test_data_files_with_infer_serve_their_closure_beside_the_default_graph():
    store = DatasetSource(files=FILES, infer=True).open()
    assert THAILAND_IN_WORLD in inferred(store)
    # The files' triples stay in the default graph, as written; the closure is a graph of its own.
    assert set(store.named_graphs()) == {INFERRED_GRAPH}
    asserted = ox.Triple(THAILAND_IN_WORLD.subject, THAILAND_IN_WORLD.predicate,
                         ox.NamedNode(BASE + "id/region/south-eastern-asia"))
    assert [q.graph_name for q in store.quads_for_pattern(*asserted, None)] == [ox.DefaultGraph()]
    assert [q.graph_name for q in store.quads_for_pattern(*THAILAND_IN_WORLD, None)] == [INFERRED_GRAPH]


def test_data_files_without_infer_are_served_alone():
    store = DatasetSource(files=FILES, infer=False).open()
    assert inferred(store) == set() and list(store.named_graphs()) == []


def test_settings_infer_reaches_the_data_files_and_their_version():
    with_closure = dataset_source(Settings(data=FILES))
    without = dataset_source(Settings(data=FILES, infer=False))
    assert with_closure.infer and not without.infer
    assert with_closure.version() != without.version()  # an on-disk store is rebuilt on a switch
    assert THAILAND_IN_WORLD in inferred(with_closure.open())


def test_open_reports_loading_and_inference_when_long(monkeypatch):
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)
    lines: list[str] = []
    DatasetSource(files=FILES, infer=True).open(lines.append)
    assert any(line.startswith("loaded data.ttl: ") and "quads/s" in line for line in lines)
    assert any(line.startswith("inferred the OWL 2 RL closure: ") for line in lines)
