"""The guard: a write applied to a working copy, the OWL 2 RL closure updated for it, the result
validated, and the change handed back only if no violation-level result remains.

:func:`run_guard` runs where the store lives: in a query process of the server, or on a store
the command line loaded. It never commits: it applies the write to the store, judges it, returns
an :class:`Outcome` (the delta, closure change included, and the SHACL report) or raises, and in
every case puts the store back as it found it (the working view records what it did; the
closure's change is known exactly), so the query process goes on serving. A process that
cannot put it back (a fault in the undo itself) exits at once rather than serve a changed
store: the write then fails with 503, nothing committed. The caller journals the delta
(:mod:`evawkg.writes.writer`).

Two steps stand in for engines other work is replacing, each behind one function so the swap is
one edit: :func:`update_closure` recomputes the whole closure (until ``inference.apply(store,
added, removed)`` updates it for the change alone) and :func:`validate_change` validates every
graph (until the SPARQL-based engine's ``validate(store, focus=…)`` validates the nodes the
change touches and those whose shapes reach them).

What refuses a write: a violation-level result about a node the change touches, or one that was
not there before the change (a change can break a node it does not touch: removing the type a
``sh:class`` of another node needs). Violations the graph already had about nodes the change
leaves alone do not block it, so curators can mend a graph one write at a time. With full
validation standing in, "before" is the set of violations of the state the write starts from
(:func:`violations_of`), computed once per commit and handed from write to write.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, URIRef

from ..errors import GraphForbidden
from ..graph.inference import INFERRED_GRAPH
from ..graph.store import to_rdflib
from ..shacl.report import Report
from .delta import Delta, WorkingView
from .operations import Context, Operation, RequireGraph
from .tokens import CHANGES, WriteToken, refusal

_CHANGES = ox.NamedNode(CHANGES)
#: Parks the default graph while the closure is recomputed (inference needs it empty).
_PARKED_DEFAULT = ox.NamedNode(CHANGES + "-parked-default")


@dataclass(frozen=True)
class WriteJob:
    """One write, as the guard receives it."""

    operations: tuple[Operation, ...]
    token: WriteToken
    context: Context
    infer: bool = True  # keep graph/inferred the closure of the rest
    validate: bool = True
    #: The violations of the state the write starts from, if known (:func:`violations_of`).
    baseline: frozenset | None = None


@dataclass(frozen=True)
class Outcome:
    """What a write would change, and what validation said of the result."""

    delta: Delta
    report: Report | None
    violations: frozenset | None = None  # of the state after the write, when validated
    timings: dict = field(default_factory=dict)  # seconds per step

    @property
    def conforms(self) -> bool:
        return self.report is None or self.report.conforms


def run_guard(store: ox.Store, job: WriteJob) -> Outcome:
    """Apply ``job`` to ``store``, judge the result, and undo it (see the module notes)."""
    clock = _Clock()
    view = WorkingView(store)
    closure: tuple[list[ox.Quad], list[ox.Quad]] = ([], [])
    try:
        baseline = job.baseline
        for operation in job.operations:
            if baseline is None and job.validate and not isinstance(operation, RequireGraph):
                baseline = violations_of(validate_all(store))
                clock.lap("baseline")
            operation.apply(view, job.context)
        delta = view.delta()
        clock.lap("apply")
        for name in delta.graphs():
            reason = refusal(job.token, name)
            if reason is not None:
                raise GraphForbidden(reason)
        if delta.empty:
            return Outcome(delta, None, baseline, clock.laps)
        if job.infer:
            closure = update_closure(store, delta)
            delta.inferred_removed, delta.inferred_added = closure
            clock.lap("closure")
        if not job.validate:
            return Outcome(delta, None, None, clock.laps)
        report, after = validate_change(store, delta, baseline)
        clock.lap("validate")
        return Outcome(delta, report, after, clock.laps)
    finally:
        _undo(store, view, closure)


def _undo(store: ox.Store, view: WorkingView, closure) -> None:
    try:
        removed, added = closure
        for quad in added:
            store.remove(quad)
        store.extend(removed)
        view.revert()
    except BaseException:  # noqa: BLE001 -- a store left changed must never answer a query
        traceback.print_exc()
        os._exit(70)


class _Clock:
    """Seconds spent in each step (answered as ``Server-Timing``, read by the benchmark)."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now


def update_closure(store: ox.Store, delta: Delta) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Bring graph/inferred up to date with ``delta`` (already applied to ``store``); returns the
    quads it lost and gained.

    For now: the whole closure recomputed (:func:`evawkg.graph.inference.infer`), with the
    default graph and the changes graph parked outside it (inference reads every named graph
    and needs the default graph empty)."""
    from ..graph.inference import infer

    before = set(store.quads_for_pattern(None, None, None, INFERRED_GRAPH))
    parked_default = list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    parked_changes = list(store.quads_for_pattern(None, None, None, _CHANGES))
    changes_existed = store.contains_named_graph(_CHANGES)
    for quad in parked_default:
        store.remove(quad)
    if changes_existed:
        store.remove_graph(_CHANGES)
    try:
        infer(store)
    except BaseException:
        if store.contains_named_graph(INFERRED_GRAPH):  # as it was: the caller undoes the rest
            store.remove_graph(INFERRED_GRAPH)
        store.extend(before)
        raise
    finally:
        store.extend(parked_default)
        if changes_existed:
            store.add_graph(_CHANGES)
            store.extend(parked_changes)
    after = set(store.quads_for_pattern(None, None, None, INFERRED_GRAPH))
    return sorted(before - after, key=str), sorted(after - before, key=str)


def validate_change(store: ox.Store, delta: Delta,
                    before: frozenset) -> tuple[Report, frozenset]:
    """The SHACL report on ``store`` after ``delta``: the violations that refuse it (about a
    node it touched, or new: see the module notes), and the warnings and notes about nodes it
    touched (the rest of the graph's are not news); and every violation of the new state.

    For now: every graph but the changes graph validated in full (:func:`validate_all`)."""
    from ..shacl.with_graph import only_about

    report = validate_all(store)
    focus = touched_nodes(delta)
    focus.update(r.focus for r in report.violations if violation_key(r) not in before)
    return only_about(report, focus), violations_of(report)


def validate_all(store: ox.Store) -> Report:
    """Every graph of ``store`` but the changes graph, validated against the bundled shapes."""
    from ..shacl.validation import validate

    graphs = [g for g in store.named_graphs() if g != _CHANGES]
    data = to_rdflib(store, graphs)
    defaults = list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    if defaults:
        scratch = ox.Store()
        scratch.extend(ox.Quad(q.subject, q.predicate, q.object, _PARKED_DEFAULT) for q in defaults)
        data += to_rdflib(scratch)
    return validate(data)


def violation_key(result) -> tuple[str, ...]:
    """What tells a violation from another across validations (named shapes, paths as text)."""
    return (str(result.focus), str(result.node_shape), result.path_text, str(result.value),
            str(result.constraint))


def violations_of(report: Report) -> frozenset:
    return frozenset(violation_key(r) for r in report.violations)


def touched_nodes(delta: Delta) -> set:
    """The subjects of the asserted quads a change adds or removes (rdflib terms). A node only
    referred to is not touched: what a change does to it shows as a new violation."""
    nodes = set()
    for quad in (*delta.added, *delta.removed):
        term = quad.subject
        if isinstance(term, ox.NamedNode):
            nodes.add(URIRef(term.value))
        elif isinstance(term, ox.BlankNode):
            nodes.add(BNode(term.value))
    return nodes


__all__ = ["WriteJob", "Outcome", "run_guard", "update_closure", "validate_change",
           "validate_all", "violations_of", "touched_nodes"]
