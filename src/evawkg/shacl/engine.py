"""The store engine: SHACL validation of data held in a pyoxigraph store, evaluated on the store
(https://www.w3.org/TR/shacl/), with no copy of the data into another graph library.

For each shape with targets, the focus nodes come from one SPARQL query per target (classes with
``rdfs:subClassOf*``, as SHACL's own entailment); value nodes are read through the store's
indexes, one lookup per focus node and path step; each constraint component then judges every
focus node of the shape at once (:mod:`.components`, :mod:`.logical`), and SHACL-SPARQL queries
run on the store, once for all focus nodes when they allow it (:mod:`.sparql_constraints`).
Whether a value node conforms to a nested shape is remembered per (shape, node).

:func:`validate` with ``focus`` validates only those nodes (each against the shapes that target
it): exactly the full report's results about them, at a cost that grows with their number, not
with the graph. pySHACL stays available as the reference (:mod:`evawkg.shacl.validation`); the
tests hold both engines to the same results.
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterable
from contextlib import contextmanager

import pyoxigraph as ox

from .data_graph import DataGraph, Originals
from .paths import Predicate, follow
from .report import Report
from .report_builder import ReportBuilder
from .shapes_graph import ShapesGraph
from .shapes_model import Shape, ShapesModel
from .terms import Term


class Run:
    """One validation: the data, the compiled shapes and what is known about nested shapes."""

    def __init__(self, data: DataGraph, model: ShapesModel, *, focused: bool = False):
        self.data = data
        self.model = model
        #: validating some focus nodes only: queries must cost what they cost, not the graph
        self.focused = focused
        #: ``{"shapesGraph": <graph>}`` when the shapes graph is in the dataset, else empty
        self.shapes_graph_binding: dict = {}
        self._nested: dict[Shape, dict[Term, list]] = {}

    def values(self, shape: Shape, nodes: list[Term]) -> dict[Term, list[Term]]:
        """Each focus node with its value nodes (itself for a node shape)."""
        if not shape.is_property:
            return {node: [node] for node in nodes}
        path, data = shape.path, self.data
        if isinstance(path, Predicate):
            objects, iri = data.objects, path.iri
            return {node: objects(node, iri) for node in nodes}
        return {node: follow(data, path, node) for node in nodes}

    def evaluate(self, shape: Shape, nodes: list[Term]) -> dict[Term, list]:
        """Validate ``nodes`` against ``shape``: the results, by the focus node that caused them."""
        if shape.deactivated or not nodes:
            return {}
        if len(nodes) > 1 and shape.reads_many_properties:
            self.data.describe(nodes)
        focus_values = self.values(shape, nodes)
        found: dict[Term, list] = {}
        for component in shape.components:
            for owner, raw in component.evaluate(self, shape, focus_values):
                found.setdefault(owner, []).append(raw)
        return found

    def nested(self, shape: Shape, nodes: list[Term]) -> dict[Term, list]:
        """Results of validating each of ``nodes`` against ``shape`` (remembered)."""
        memo = self._nested.setdefault(shape, {})
        missing = [node for node in nodes if node not in memo]
        if missing:
            found = self.evaluate(shape, missing)
            for node in missing:
                memo[node] = found.get(node, ())
        return memo

    def conforms(self, shape: Shape, nodes: list[Term]) -> "_Conformance":
        return _Conformance(self.nested(shape, nodes))


class _Conformance:
    """``conformance[node]``: whether ``node`` gave no result against the shape."""

    __slots__ = ("results",)

    def __init__(self, results: dict):
        self.results = results

    def __getitem__(self, node: Term) -> bool:
        return not self.results[node]


# ----------------------------------------------------------------------------- targets


def target_nodes(data: DataGraph, shape: Shape) -> list[Term]:
    """The focus nodes ``shape`` targets in ``data`` (https://www.w3.org/TR/shacl/#targets)."""
    targets = shape.targets
    found: dict[Term, None] = dict.fromkeys(targets.nodes)
    for cls in targets.classes:
        found.update(dict.fromkeys(data.instances(cls)))
    for predicate in targets.subjects_of:
        found.update(dict.fromkeys(data.subjects_of(predicate)))
    for predicate in targets.objects_of:
        found.update(dict.fromkeys(data.objects_of(predicate)))
    return list(found)


def is_target(data: DataGraph, shape: Shape, node: Term) -> bool:
    """Whether ``shape`` targets ``node`` (without listing every target)."""
    targets = shape.targets
    if node in targets.nodes:
        return True
    if any(data.is_instance(node, cls) for cls in targets.classes):
        return True
    if any(data.has_subject(node, p) for p in targets.subjects_of):
        return True
    return any(data.has_object(p, node) for p in targets.objects_of)


# ----------------------------------------------------------------------------- validating


def compile_shapes(shapes) -> ShapesModel:
    """A :class:`ShapesModel` from a :class:`ShapesGraph`, an rdflib graph or a model."""
    if isinstance(shapes, ShapesModel):
        return shapes
    if not isinstance(shapes, ShapesGraph):
        shapes = ShapesGraph.from_rdflib(shapes)
    return ShapesModel(shapes)


def validate(store: ox.Store, shapes=None, *, graphs: Iterable | None = None,
             exclude_graphs: Iterable = (), focus: Iterable[Term] | None = None,
             originals: Originals | None = None, shape_iris: Iterable | None = None,
             allow_warnings: bool = True, locate=None) -> Report:
    """Validate the data in ``store`` (the union of ``graphs``, all graphs when ``None``, less
    ``exclude_graphs``) against ``shapes`` (default: the bundled shapes; a :class:`ShapesModel`,
    :class:`ShapesGraph` or rdflib graph).

    ``focus`` restricts validation to those nodes; ``shape_iris`` to some node shapes.
    ``originals`` gives literals as written where the store changed them
    (:mod:`evawkg.shacl.loading`). A graph conforms when it has no ``sh:Violation`` (with
    ``allow_warnings``, the project's rule for its own shapes) or no result at all (SHACL's).
    ``locate(raw, result)`` may name where to look for a result.

    Raises :class:`~evawkg.shacl.shapes_model.ShapesError` (400) for shapes it cannot evaluate.
    """
    model = compile_shapes(shapes if shapes is not None else bundled_model())
    with _shapes_graph_in(store, model) as shapes_graph, _no_cycle_collection():
        exclude = [*exclude_graphs, *([shapes_graph] if shapes_graph is not None else [])]
        data = DataGraph(store, graphs, originals, exclude=exclude)
        run = Run(data, model, focused=focus is not None)
        if shapes_graph is not None:
            run.shapes_graph_binding = {"shapesGraph": shapes_graph}
        raws = _evaluate(run, model, focus, shape_iris)
        data.forget()
        return ReportBuilder(model, data, locate=locate).build(raws, allow_warnings=allow_warnings)


def _evaluate(run: Run, model: ShapesModel, focus, shape_iris) -> list:
    data = run.data
    selected = model.targeted
    if shape_iris is not None:
        selected = model.select(shape_iris)
    raws = []
    if focus is None:
        for shape in selected:
            for results in run.evaluate(shape, target_nodes(data, shape)).values():
                raws.extend(results)
    else:
        nodes = list(dict.fromkeys(focus))
        for shape in selected:
            chosen = [node for node in nodes if is_target(data, shape, node)]
            for results in run.evaluate(shape, chosen).values():
                raws.extend(results)
    return raws


@contextmanager
def _shapes_graph_in(store: ox.Store, model: ShapesModel):
    """The shapes graph as a named graph of ``store`` while validating, when a SHACL-SPARQL
    query asks for it with ``$shapesGraph`` (https://www.w3.org/TR/shacl/#shapesGraph);
    the data graph leaves it out, and it is removed again afterwards."""
    if not model.uses_shapes_graph:
        yield None
        return
    graph = ox.NamedNode(f"urn:x-evawkg:shapes-graph:{uuid.uuid4()}")
    store.extend(ox.Quad(s, p, o, graph) for s, p, o in model.graph.triples)
    try:
        yield graph
    finally:
        store.remove_graph(graph)


@contextmanager
def _no_cycle_collection():
    """Pause Python's cycle collector while validating: a validation allocates millions of
    short-lived lists and tuples (no reference cycles), and each full collection walks every
    live object (the caches of a million-triple validation among them), so the collector's
    cost grew faster than the graph."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_BUNDLED: dict[tuple, ShapesModel] = {}


def bundled_model(bundle=None) -> ShapesModel:
    """The bundle's shapes (``shapes/*.ttl``), compiled once while the files are unchanged."""
    from ..errors import BundleError
    from ..graph.bundle import default_bundle

    bundle = bundle or default_bundle()
    files = bundle.shape_files()
    if not files:
        raise BundleError(f"no shapes found in {bundle.shapes_dir}; the bundle is incomplete")
    key = tuple((str(p), p.stat().st_mtime_ns) for p in files)
    if key not in _BUNDLED:
        _BUNDLED.clear()
        try:
            _BUNDLED[key] = ShapesModel(ShapesGraph.from_files(files))
        except SyntaxError as error:
            raise BundleError(f"the bundled shapes do not parse: {error}") from error
    return _BUNDLED[key]


__all__ = ["validate", "Run", "target_nodes", "is_target", "compile_shapes", "bundled_model"]
