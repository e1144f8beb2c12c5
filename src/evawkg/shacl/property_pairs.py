"""SHACL Core's property pair constraint components
(https://www.w3.org/TR/shacl/#core-components-property-pairs): the value nodes compared with the
values of another property of the same focus node, as sets (``sh:equals``, ``sh:disjoint``) or
by SPARQL's ``<``/``<=`` (``sh:lessThan``, ``sh:lessThanOrEquals``; values that cannot be
compared are violations).
"""

from __future__ import annotations

import pyoxigraph as ox

from . import parameters
from .literals import compare
from .messages import show
from .results import Component
from .terms import sh


class _PairComponent(Component):
    parameter: str
    property_only = False

    def __init__(self, model, shape):
        if self.property_only:
            parameters.property_only(model, shape, self.parameter)
        self.properties = model.graph.objects(shape.node, sh(self.parameter))
        for prop in self.properties:
            if not isinstance(prop, ox.NamedNode):
                raise model.error(shape.node, f"has sh:{self.parameter} {show(prop)}; it must be "
                                  "the IRI of a property")

    def _message(self, focus, prop, value, operator: str):
        return lambda: f"Value of {show(focus)}->{show(prop)} {operator} {show(value)}"


class EqualsComponent(_PairComponent):
    iri, parameter = sh("EqualsConstraintComponent"), "equals"

    def evaluate(self, run, shape, focus_values):
        for prop in self.properties:
            for focus, values in focus_values.items():
                others = run.data.objects(focus, prop)
                other_set, value_set = set(others), set(values)
                for value in [v for v in values if v not in other_set] + [o for o in others if o not in value_set]:
                    yield focus, self.result(shape, focus, value,
                                             generic=self._message(focus, prop, value, "!="))


class DisjointComponent(_PairComponent):
    iri, parameter = sh("DisjointConstraintComponent"), "disjoint"

    def evaluate(self, run, shape, focus_values):
        for prop in self.properties:
            for focus, values in focus_values.items():
                others = set(run.data.objects(focus, prop))
                for value in values:
                    if value in others:
                        yield focus, self.result(shape, focus, value,
                                                 generic=self._message(focus, prop, value, "=="))


class LessThanComponent(_PairComponent):
    iri, parameter, property_only = sh("LessThanConstraintComponent"), "lessThan", True
    allows_equal = False

    def evaluate(self, run, shape, focus_values):
        operator = "<" if self.allows_equal else "<="
        for prop in self.properties:
            for focus, values in focus_values.items():
                others = run.data.objects(focus, prop) if values else ()
                for value in values:
                    for other in others:
                        order = compare(value, other)
                        if order is None or order > 0 or (order == 0 and not self.allows_equal):
                            yield focus, self.result(shape, focus, value, generic=self._message(
                                focus, prop, value, operator))


class LessThanOrEqualsComponent(LessThanComponent):
    iri, parameter = sh("LessThanOrEqualsConstraintComponent"), "lessThanOrEquals"
    allows_equal = True


PAIRS = {
    sh("equals"): EqualsComponent, sh("disjoint"): DisjointComponent,
    sh("lessThan"): LessThanComponent, sh("lessThanOrEquals"): LessThanOrEqualsComponent,
}

__all__ = ["PAIRS"]
