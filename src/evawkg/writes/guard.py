"""The guard: a write applied to the store, the OWL 2 RL closure updated for it, the nodes it
can affect validated, and the change handed back only if no violation-level result remains.

:func:`run_guard` runs where the store lives: in a query process of the server, or on a store
the command line loaded. It never commits: it applies the write to the store, judges it, returns
an :class:`Outcome` (the delta, closure change included, and the SHACL report) or raises, and in
every case puts the store back as it found it (the working view records what it did; the
closure's change is known exactly), so the query process goes on serving. A process that
cannot put it back (a fault in the undo itself) exits at once rather than serve a changed
store: the write then fails with 503, nothing committed. The caller journals the delta
(:mod:`evawkg.writes.writer`).

The two costly steps work on the change, not the graph:

* the closure: :func:`evawkg.graph.inference.apply` (semi-naive for what is added,
  delete-and-rederive for what is removed) brings ``graph/inferred`` up to date;
* validation: the store engine (:mod:`evawkg.shacl.engine`) validates, on the store with the
  change applied, the nodes the change touches (the subjects of its asserted quads) and every
  node whose results it can change (:mod:`evawkg.shacl.reach`: nodes whose shapes read a changed
  triple, asserted or inferred, through their targets, paths, inverse paths, nested shapes or
  SPARQL patterns). A change to ``rdfs:subClassOf`` validates everything.

What refuses a write: a violation-level result about a node the change touches, or one that was
not there before the change (a change can break a node it does not touch: removing the type a
``sh:class`` of another node needs). Violations the graph already had about nodes the change
leaves alone do not block it, so curators can mend a graph one write at a time. "Was there
before" is decided by validating those few nodes again once the store is put back. The
decision is the one full validation of the states before and after, with the closure
recomputed, would give (``tests/writes/test_guard_equivalence.py``).
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..errors import GraphForbidden
from ..graph.bundle import Bundle
from ..graph.inference import INFERRED_GRAPH
from ..shacl.report import Report
from ..shacl.terms import from_rdflib, to_rdflib
from .delta import Delta, WorkingView
from .operations import Context, Operation
from .tokens import CHANGES, WriteToken, refusal

_CHANGES = ox.NamedNode(CHANGES)


@dataclass(frozen=True)
class WriteJob:
    """One write, as the guard receives it."""

    operations: tuple[Operation, ...]
    token: WriteToken
    context: Context
    infer: bool = True  # keep graph/inferred the closure of the rest
    validate: bool = True
    bundle: Bundle | None = None  # whose shapes judge the write (None: the default bundle's)


@dataclass(frozen=True)
class Outcome:
    """What a write would change, and what validation said of the result."""

    delta: Delta
    report: Report | None
    timings: dict = field(default_factory=dict)  # seconds per step
    #: how many nodes were validated (``None``: the whole graph)
    focus: int | None = None

    @property
    def conforms(self) -> bool:
        return self.report is None or self.report.conforms


class _Closure:
    """What the closure's update did, for the undo: ``None`` until it ran, or the quads it
    removed and added; ``broken`` when it failed part-way (then it is recomputed)."""

    def __init__(self):
        self.removed: list[ox.Quad] = []
        self.added: list[ox.Quad] = []
        self.broken = False


def run_guard(store: ox.Store, job: WriteJob) -> Outcome:
    """Apply ``job`` to ``store``, judge the result, and undo it (see the module notes)."""
    clock = _Clock()
    view = WorkingView(store)
    closure = _Closure()
    checked = None
    try:
        for operation in job.operations:
            operation.apply(view, job.context)
        delta = view.delta()
        clock.lap("apply")
        for name in delta.graphs():
            reason = refusal(job.token, name)
            if reason is not None:
                raise GraphForbidden(reason)
        if delta.empty:
            return Outcome(delta, None, clock.done)
        if job.infer:
            update_closure(store, delta, closure)
            delta.inferred_removed, delta.inferred_added = closure.removed, closure.added
            clock.lap("closure")
        if job.validate:
            checked = validate_change(store, delta, job.bundle)
            clock.lap("validate")
    finally:
        _undo(store, view, closure)
    if checked is None:
        return Outcome(delta, None, clock.done)
    report, focus = checked
    report = judge(store, report, touched_nodes(delta))
    clock.lap("judge")
    return Outcome(delta, report, clock.done, None if focus is None else len(focus))


def _undo(store: ox.Store, view: WorkingView, closure: _Closure) -> None:
    try:
        for quad in closure.added:
            store.remove(quad)
        store.extend(closure.removed)
        view.revert()
        if closure.broken:
            from ..graph.inference import infer

            infer(store)
    except BaseException:  # noqa: BLE001 -- a store left changed must never answer a query
        traceback.print_exc()
        os._exit(70)


class _Clock:
    """Seconds spent in each step (answered as ``Server-Timing``, read by the benchmark), and
    the CPU seconds of them all (``cpu``: what the write costs the machine, whatever else runs
    on it)."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()
        self._cpu = time.process_time()

    @property
    def done(self) -> dict[str, float]:
        self.laps["cpu"] = time.process_time() - self._cpu
        return self.laps

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now


def update_closure(store: ox.Store, delta: Delta, closure: _Closure | None = None
                   ) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Bring graph/inferred up to date with ``delta`` (already applied to ``store``, whose
    closure was current before it); returns the quads it lost and gained (and records them in
    ``closure`` for the undo). A failure part-way marks ``closure`` broken: the undo then
    recomputes the closure whole."""
    from ..graph.inference import apply

    closure = closure if closure is not None else _Closure()
    try:
        change = apply(store, delta.added, delta.removed)
    except BaseException:
        closure.broken = True
        raise
    closure.removed = sorted((ox.Quad(*t, INFERRED_GRAPH) for t in change.removed), key=str)
    closure.added = sorted((ox.Quad(*t, INFERRED_GRAPH) for t in change.added), key=str)
    return closure.removed, closure.added


def changed_triples(delta: Delta) -> set[tuple]:
    """The triples of the data graph a change can have added or removed (asserted and
    inferred)."""
    return {(q.subject, q.predicate, q.object)
            for q in (*delta.added, *delta.removed, *delta.inferred_added, *delta.inferred_removed)
            if q.graph_name != _CHANGES}


def validate_change(store: ox.Store, delta: Delta,
                    bundle: Bundle | None = None) -> tuple[Report, set | None]:
    """The store engine's report, on ``store`` after ``delta``, against ``bundle``'s shapes
    (default: the default bundle's), about every node ``delta`` can affect (and the nodes it
    touches), with those nodes (``None``: the whole graph was)."""
    from ..shacl.data_graph import DataGraph
    from ..shacl.engine import bundled_model, validate
    from ..shacl.reach import reach_of

    model = bundled_model(bundle)
    data = DataGraph(store, None, exclude=[_CHANGES])
    focus = reach_of(model).focus_nodes(data, changed_triples(delta))
    if focus is not None:
        focus |= {from_rdflib(node) for node in touched_nodes(delta)}
    return validate(store, model, exclude_graphs=[_CHANGES], focus=focus), focus


def judge(store: ox.Store, report: Report, touched: set) -> Report:
    """What of ``report`` (the state after the change) refuses or is news, with ``store`` back
    in the state before it: every result about a touched node, and the violations about other
    nodes that validating them before the change does not give."""
    from ..shacl.engine import validate
    from ..shacl.report_subset import only_about

    suspects = {r.focus for r in report.violations if r.focus not in touched}
    news = set()
    if suspects:
        before = validate(store, exclude_graphs=[_CHANGES],
                          focus=[from_rdflib(node) for node in suspects])
        known = {violation_key(r) for r in before.violations}
        news = {r.focus for r in report.violations
                if r.focus in suspects and violation_key(r) not in known}
    return only_about(report, touched | news)


def violation_key(result) -> tuple[str, ...]:
    """What tells a violation from another across validations (named shapes, paths as text)."""
    return (str(result.focus), str(result.node_shape), result.path_text, str(result.value),
            str(result.constraint))


def touched_nodes(delta: Delta) -> set:
    """The subjects of the asserted quads a change adds or removes (rdflib terms). A node only
    referred to is not touched: what a change does to it shows as a new violation."""
    return {to_rdflib(quad.subject) for quad in (*delta.added, *delta.removed)}


__all__ = ["WriteJob", "Outcome", "run_guard", "update_closure", "validate_change", "judge",
           "changed_triples", "violation_key", "touched_nodes"]
