"""The guard (evawkg.writes.guard) runs in a query process that keeps serving: whatever the
write's fate (accepted, refused by the shapes, failed halfway, forbidden), the store is left
exactly as it was found; the outcome carries the delta, the closure's change and the report."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from evawkg.errors import GraphForbidden, GraphNotFound
from evawkg.graph.store import load_bundle
from evawkg.writes.guard import WriteJob, run_guard
from evawkg.writes.operations import Clear, Context, InsertQuads
from evawkg.writes.tokens import WriteToken
from .conftest import BASE, EX, INFERRED, THINGS

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
CURATOR = WriteToken("curator", "0" * 64, ("*", "default"))


@pytest.fixture()
def store(home):
    return load_bundle()


def widget(name: str, label: bool = True) -> tuple[ox.Quad, ...]:
    node, graph = ox.NamedNode(EX + name), ox.NamedNode(THINGS)
    quads = [ox.Quad(node, RDF_TYPE, ox.NamedNode(EX + "Widget"), graph)]
    if label:
        quads.append(ox.Quad(node, LABEL, ox.Literal(name.title()), graph))
    return tuple(quads)


def job(*operations, token=CURATOR) -> WriteJob:
    return WriteJob(tuple(operations), token, Context(True, BASE))


def contents(store: ox.Store) -> tuple[set, set]:
    return {str(q) for q in store}, {g.value for g in store.named_graphs()}


def test_an_accepted_write_is_judged_then_undone(store):
    before = contents(store)
    outcome = run_guard(store, job(InsertQuads(widget("desk"), create=(BASE + "graph/new",))))
    assert contents(store) == before
    assert outcome.conforms and len(outcome.delta.added) == 2
    assert outcome.delta.created == [BASE + "graph/new"]
    inferred = {str(q) for q in outcome.delta.inferred_added}
    assert f"<{EX}desk> <{RDF_TYPE.value}> <{EX}Thing> <{INFERRED}>" in inferred
    # warnings about the new node come back (it has no comment)
    assert [str(r.focus) for r in outcome.report.results] == [EX + "desk"]


def test_a_write_breaking_a_shape_is_judged_then_undone(store):
    before = contents(store)
    outcome = run_guard(store, job(InsertQuads(widget("nameless", label=False))))
    assert not outcome.conforms
    assert contents(store) == before


def test_a_write_failing_halfway_is_undone(store):
    before = contents(store)
    with pytest.raises(GraphNotFound):
        run_guard(store, job(InsertQuads(widget("first")), Clear(BASE + "graph/none")))
    assert contents(store) == before


def test_a_forbidden_write_is_undone(store):
    before = contents(store)
    narrow = WriteToken("narrow", "0" * 64, (BASE + "graph/notes",))
    with pytest.raises(GraphForbidden):
        run_guard(store, job(InsertQuads(widget("desk")), token=narrow))
    assert contents(store) == before


def test_dropping_a_graph_is_undone_with_its_triples(store):
    before = contents(store)
    from evawkg.writes.operations import Drop

    outcome = run_guard(store, job(Drop(THINGS)))
    assert outcome.delta.dropped == [THINGS]
    assert contents(store) == before
