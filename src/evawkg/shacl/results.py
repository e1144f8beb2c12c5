"""What a constraint component reports before it becomes a :class:`~evawkg.shacl.report.Result`:
a :class:`Raw` result in pyoxigraph terms, with what its message needs, and the base class
every component of the store engine derives from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from .terms import Term


@dataclass(slots=True, eq=False)
class Raw:
    """One validation result as a component finds it (https://www.w3.org/TR/shacl/#results)."""

    focus: Term
    shape: object  # evawkg.shacl.shapes_model.Shape
    component: ox.NamedNode
    value: Term | None = None
    #: the result path when it is not the shape's own (sh:closed, SPARQL ?path)
    path: object = None
    path_given: bool = False
    source_constraint: Term | None = None
    #: messages of the constraint itself (a SPARQL constraint's or validator's sh:message)
    extra_messages: tuple = ()
    #: template variables for {$this}/{?value} substitution (SPARQL-based results only)
    bindings: dict | None = None
    #: the default message when neither the shape nor the constraint has one
    generic: Callable[[], str] | None = None
    details: list = field(default_factory=list)


FocusValues = dict  # focus node -> list of value nodes


class Component:
    """A constraint component bound to one shape. ``evaluate`` gets every focus node with its
    value nodes at once (so that lookups can be batched) and yields ``(owner, Raw)``: ``owner``
    is the focus node whose validation produced the result (for ``sh:property`` the result's own
    focus is a value node of the owner)."""

    #: the component's IRI (sh:MinCountConstraintComponent…)
    iri: ox.NamedNode

    def evaluate(self, run, shape, focus_values: FocusValues) -> Iterable[tuple[Term, Raw]]:
        raise NotImplementedError

    def result(self, shape, focus: Term, value: Term | None = None, **extra) -> Raw:
        return Raw(focus=focus, shape=shape, component=self.iri, value=value, **extra)

    def each_value(self, focus_values: FocusValues) -> Iterator[tuple[Term, Term]]:
        for focus, values in focus_values.items():
            for value in values:
                yield focus, value


__all__ = ["Raw", "Component", "FocusValues"]
