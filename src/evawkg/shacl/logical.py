"""The shape-based SHACL Core components: ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``
(https://www.w3.org/TR/shacl/#core-components-logical), ``sh:node``, ``sh:property`` and
``sh:qualifiedValueShape`` (https://www.w3.org/TR/shacl/#core-components-shape).

They ask whether value nodes *conform* to other shapes. The engine answers for all value nodes
of all focus nodes at once and remembers the answer per (shape, node), so a shape shared by many
focus nodes (``sh:or ( [ sh:datatype xsd:date ] … )`` on a million dates, ``sh:node`` on the same
concept) is checked once per distinct value. A node conforms when validating it against the
shape gives no result of any severity.
"""

from __future__ import annotations

from . import parameters
from .messages import show
from .results import Component
from .terms import sh


def _shapes(model, shape, parameter: str, *, lists: bool):
    found = []
    for value in model.graph.objects(shape.node, sh(parameter)):
        if lists:
            members = model.graph.items(value)
            if members is None:
                raise model.error(shape.node, f"needs an RDF list of shapes as sh:{parameter}")
            found.append([model.shape(member) for member in members])
        else:
            found.append(model.shape(value))
    return found


def _distinct_values(focus_values) -> list:
    return list(dict.fromkeys(v for values in focus_values.values() for v in values))


class NotComponent(Component):
    iri = sh("NotConstraintComponent")

    def __init__(self, model, shape):
        self.shapes = _shapes(model, shape, "not", lists=False)

    def evaluate(self, run, shape, focus_values):
        values = _distinct_values(focus_values)
        for negated in self.shapes:
            conforms = run.conforms(negated, values)
            for focus, value in self.each_value(focus_values):
                if conforms[value]:
                    yield focus, self.result(shape, focus, value, generic=lambda value=value: (
                        f"Node {show(value)} must not conform to shape {show(negated.node)}"))


class _ListComponent(Component):
    parameter: str
    wording: str

    def __init__(self, model, shape):
        self.lists = _shapes(model, shape, self.parameter, lists=True)

    def evaluate(self, run, shape, focus_values):
        values = _distinct_values(focus_values)
        for members in self.lists:
            answers = [run.conforms(member, values) for member in members]
            for focus, value in self.each_value(focus_values):
                if not self.passes(sum(1 for answer in answers if answer[value]), len(members)):
                    yield focus, self.result(shape, focus, value, generic=lambda value=value, members=members: (
                        f"Node {show(value)} must conform to {self.wording} "
                        + " , ".join(show(m.node) for m in members)))


class AndComponent(_ListComponent):
    iri, parameter, wording = sh("AndConstraintComponent"), "and", "all shapes in"

    @staticmethod
    def passes(conforming: int, members: int) -> bool:
        return conforming == members


class OrComponent(_ListComponent):
    iri, parameter, wording = sh("OrConstraintComponent"), "or", "one or more shapes in"

    @staticmethod
    def passes(conforming: int, members: int) -> bool:
        return conforming >= 1


class XoneComponent(_ListComponent):
    iri, parameter, wording = sh("XoneConstraintComponent"), "xone", "exactly one shape in"

    @staticmethod
    def passes(conforming: int, members: int) -> bool:
        return conforming == 1


class NodeComponent(Component):
    """``sh:node``: a result per value node that does not conform, with the node shape's own
    results as ``sh:detail``."""

    iri = sh("NodeConstraintComponent")

    def __init__(self, model, shape):
        self.shapes = _shapes(model, shape, "node", lists=False)

    def evaluate(self, run, shape, focus_values):
        values = _distinct_values(focus_values)
        for node_shape in self.shapes:
            results = run.nested(node_shape, values)
            for focus, value in self.each_value(focus_values):
                if results[value]:
                    yield focus, self.result(shape, focus, value, details=list(results[value]),
                                             generic=lambda: (
                                                 f"Value does not conform to Shape {show(node_shape.node)}. "
                                                 "See details for more information."))


class PropertyComponent(Component):
    """``sh:property``: the property shape's results for each value node, as they are."""

    iri = sh("PropertyConstraintComponent")

    def __init__(self, model, shape):
        self.shapes = _shapes(model, shape, "property", lists=False)
        for prop in self.shapes:
            if not prop.is_property:
                raise model.error(shape.node, f"has sh:property {prop.name}, which has no sh:path")

    def evaluate(self, run, shape, focus_values):
        if shape.is_property:
            values = _distinct_values(focus_values)
        else:
            values = list(focus_values)
        for prop in self.shapes:
            results = run.evaluate(prop, values)
            if not results:
                continue
            for focus, value in self.each_value(focus_values):
                for raw in results.get(value, ()):
                    yield focus, raw


class QualifiedValueShapeComponent(Component):
    """``sh:qualifiedValueShape`` with ``sh:qualifiedMinCount``/``sh:qualifiedMaxCount`` and
    ``sh:qualifiedValueShapesDisjoint`` (sibling shapes: the other qualified value shapes of the
    property shapes of the shapes that have this one as ``sh:property``)."""

    iri = sh("QualifiedValueShapeConstraintComponent")

    def __init__(self, model, shape):
        self.applies = shape.is_property  # ignored on node shapes, as pySHACL does
        if not self.applies:
            return
        graph = model.graph
        self.model, self.shape = model, shape
        self.value_shapes = _shapes(model, shape, "qualifiedValueShape", lists=False)
        self.min = self._count(model, shape, "qualifiedMinCount")
        self.max = self._count(model, shape, "qualifiedMaxCount")
        if self.min is None and self.max is None:
            raise model.error(shape.node, "has sh:qualifiedValueShape without sh:qualifiedMinCount "
                              "or sh:qualifiedMaxCount")
        disjoint = graph.objects(shape.node, sh("qualifiedValueShapesDisjoint"))
        self.disjoint = any(d.value in ("true", "1") for d in disjoint if hasattr(d, "datatype"))

    @staticmethod
    def _count(model, shape, parameter: str) -> int | None:
        if not model.graph.objects(shape.node, sh(parameter)):
            return None
        return parameters.count(model, shape, sh(parameter))

    def _siblings(self, value_shape):
        if not self.disjoint:
            return []
        graph, found = self.model.graph, {}
        for parent in graph.subjects(sh("property"), self.shape.node):
            for sibling_property in graph.objects(parent, sh("property")):
                for sibling in graph.objects(sibling_property, sh("qualifiedValueShape")):
                    if sibling != value_shape.node:
                        found[sibling] = None
        return [self.model.shape(node) for node in found]

    def evaluate(self, run, shape, focus_values):
        values = _distinct_values(focus_values)
        for value_shape in self.value_shapes:
            conforms = run.conforms(value_shape, values)
            siblings = [run.conforms(s, values) for s in self._siblings(value_shape)]
            for focus, focus_value_list in focus_values.items():
                count = sum(1 for v in focus_value_list
                            if conforms[v] and not any(sibling[v] for sibling in siblings))
                if self.max is not None and count > self.max:
                    yield focus, self.result(shape, focus, generic=self._message(value_shape),
                                             component=sh("QualifiedMaxCountConstraintComponent"))
                if self.min is not None and count < self.min:
                    yield focus, self.result(shape, focus, generic=self._message(value_shape),
                                             component=sh("QualifiedMinCountConstraintComponent"))

    def result(self, shape, focus, value=None, component=None, **extra):
        raw = super().result(shape, focus, value, **extra)
        raw.component = component
        return raw

    def _message(self, value_shape):
        counts = (f" MinCount {self.min}" if self.min is not None else "") + (
            f" MaxCount {self.max}" if self.max is not None else "")
        return lambda: f"Focus node does not conform to shape{counts}: {show(value_shape.node)}"


LOGICAL = {
    sh("not"): NotComponent, sh("and"): AndComponent, sh("or"): OrComponent,
    sh("xone"): XoneComponent, sh("node"): NodeComponent, sh("property"): PropertyComponent,
    sh("qualifiedValueShape"): QualifiedValueShapeComponent,
}

__all__ = ["LOGICAL"]
