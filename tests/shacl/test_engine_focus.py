"""Validation of a change, not of the world: ``validate(store, focus=…)`` gives exactly the full
report's results about those focus nodes (timing is measured in bench/, not here)."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from evawkg.graph.store import load_bundle, load_data
from evawkg.graph.formats import format_by_name
from evawkg.graph.synthetic import write_synthetic
from evawkg.shacl import engine

from .oracle import BASE, fixture_files


def _key(result):
    return (str(result.focus), result.path_text, str(result.value), str(result.shape),
            str(result.constraint), result.message)


def _restricted(report, focus):
    wanted = {str(f.value) for f in focus}
    return sorted(_key(r) for r in report.results if str(r.focus) in wanted)


@pytest.fixture(scope="module")
def broken_store(bundle) -> ox.Store:
    """The bundle, the base fixture graph and a dozen fixtures breaking different shapes."""
    store = load_bundle(bundle, infer=False)
    turtle = format_by_name("turtle")
    load_data(store, BASE.read_bytes(), turtle, source="base", graph="urn:x-test:base")
    for index, path in enumerate(fixture_files()[::33]):
        load_data(store, path.read_bytes(), turtle, source=path.name, graph=f"urn:x-test:{index}")
    return store


def _subjects(store: ox.Store) -> list:
    return sorted({q.subject for q in store.quads_for_pattern(None, None, None, None)},
                  key=lambda term: term.value)


@pytest.mark.parametrize("seed", range(6))
def test_focus_report_equals_the_full_report_restricted_to_the_focus(broken_store, seed):
    full = engine.validate(broken_store)
    rng = random.Random(seed)
    subjects = _subjects(broken_store)
    failing = sorted({ox.NamedNode(str(r.focus)) for r in full.results
                      if not str(r.focus).startswith("_") and "://" in str(r.focus)},
                     key=lambda t: t.value)
    focus = rng.sample(subjects, 40) + rng.sample(failing, min(len(failing), 15))
    by_focus = engine.validate(broken_store, focus=focus)
    assert by_focus.results, "the focus nodes should include some with results"
    assert sorted(_key(r) for r in by_focus.results) == _restricted(full, focus)
    assert by_focus.conforms == (not by_focus.violations)


def test_focus_on_blank_nodes_and_unknown_nodes(tmp_path):
    path = tmp_path / "synthetic.nt"
    write_synthetic(path, 4_000, seed=3)
    store = ox.Store()
    load_data(store, path.read_bytes(), format_by_name("ntriples"), source="synthetic",
              graph="urn:x-test:synthetic")
    # Break two instants (blank nodes) and an association's role, then validate by focus.
    instants = [q.subject for q in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/2006/time#inXSDgYearMonth"), None, None)][:2]
    for instant in instants:
        store.remove(next(iter(store.quads_for_pattern(instant, ox.NamedNode(
            "http://www.w3.org/2006/time#inXSDgYearMonth"), None, None))))
    full = engine.validate(store)
    focus = [*instants, ox.NamedNode("https://evawkg.example.org/id/nothing-here")]
    by_focus = engine.validate(store, focus=focus)
    assert len(by_focus.results) >= 2
    assert sorted(_key(r) for r in by_focus.results) == _restricted(full, focus)


def test_an_excluded_graph_is_not_part_of_the_data():
    store = ox.Store()
    activity = ox.NamedNode("https://evawkg.example.org/id/activity/only-inferred")
    typed = ox.Quad(activity, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                    ox.NamedNode("https://evawkg.example.org/ontology#Activity"),
                    ox.NamedNode("urn:x-test:inferred"))
    store.add(typed)
    assert engine.validate(store).results, "typed as an activity, it lacks everything"
    report = engine.validate(store, exclude_graphs=[ox.NamedNode("urn:x-test:inferred")])
    assert report.results == []
    assert engine.validate(store, exclude_graphs=[ox.NamedNode("urn:x-test:inferred")],
                           focus=[activity]).results == []


def test_shapes_graph_joins_the_dataset_only_while_validating():
    """$shapesGraph (W3C sparql/pre-binding/shapesGraph-001): the shapes are a named graph of the
    dataset during the validation, never part of the data graph, and gone afterwards."""
    from evawkg.shacl.shapes_graph import ShapesGraph

    text = b"""@prefix sh: <http://www.w3.org/ns/shacl#> .
    @prefix ex: <http://example.org/> .
    ex:S a sh:NodeShape ; ex:limit 1 ; sh:targetClass sh:NodeShape, ex:Thing ;
        sh:sparql [ sh:select "SELECT $this WHERE { GRAPH $shapesGraph { $currentShape <http://example.org/limit> 1 } }" ] ."""
    parser = ox.parse(text, ox.RdfFormat.TURTLE)
    shapes = ShapesGraph.from_quads(list(parser), parser.prefixes)
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/a"),
                      ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("http://example.org/Thing"), ox.NamedNode("urn:x-test:data")))
    report = engine.validate(store, shapes)
    # ex:a is reported; ex:S (a sh:NodeShape in the shapes graph) is not data, so not a focus.
    assert [str(r.focus) for r in report.results] == ["http://example.org/a"]
    assert list(store.named_graphs()) == [ox.NamedNode("urn:x-test:data")]
