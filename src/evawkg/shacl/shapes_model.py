"""Shapes compiled for the store engine: each shape's targets, path, severity, messages and
constraint components, read once from the shapes graph (https://www.w3.org/TR/shacl/#shapes).

A node is a shape when it is a SHACL instance of ``sh:NodeShape`` or ``sh:PropertyShape``, has a
target, or is the value of a shape-expecting parameter (``sh:node``, ``sh:property``,
``sh:qualifiedValueShape``, ``sh:not``, members of ``sh:and``/``sh:or``/``sh:xone``); it is a
property shape when it has ``sh:path``. Shapes that cannot be evaluated (a malformed ``sh:path``,
a parameter of the wrong kind, a SPARQL constraint that does not parse, a shape that refers back
to itself, which SHACL leaves undefined) raise :class:`ShapesError` naming the shape: a
validation never passes silently because a shape was skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from .components import CORE
from .logical import LOGICAL
from .property_pairs import PAIRS
from .paths import Path, PathError, parse_path
from .shapes_checks import ShapesError, check_shapes_graph, declared_shapes, describe
from .shapes_graph import ShapesGraph
from .sparql_constraints import SparqlConstraintComponent, applicable_custom_components, custom_components
from .terms import (RDF_TYPE, RDFS_CLASS, RDFS_SUBCLASS_OF, TRUE, XSD_BOOLEAN, Term, sh,
                    to_rdflib)


SH_PATH, SH_PROPERTY = sh("path"), sh("property")
SH_TARGET_NODE, SH_TARGET_CLASS = sh("targetNode"), sh("targetClass")
SH_TARGET_SUBJECTS_OF, SH_TARGET_OBJECTS_OF = sh("targetSubjectsOf"), sh("targetObjectsOf")
SH_SEVERITY, SH_MESSAGE, SH_DEACTIVATED = sh("severity"), sh("message"), sh("deactivated")
SH_VIOLATION = sh("Violation")


@dataclass(frozen=True)
class Targets:
    """A shape's target declarations (https://www.w3.org/TR/shacl/#targets); implicit class
    targets are among ``classes``."""

    nodes: tuple[Term, ...] = ()
    classes: tuple[Term, ...] = ()
    subjects_of: tuple[ox.NamedNode, ...] = ()
    objects_of: tuple[ox.NamedNode, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.nodes or self.classes or self.subjects_of or self.objects_of)


@dataclass(eq=False)
class Shape:
    """One shape, ready to evaluate."""

    node: Term
    name: str
    is_property: bool
    path: Path | None
    path_node: Term | None
    severity: Term
    messages: tuple[ox.Literal, ...]
    deactivated: bool
    targets: Targets
    components: list = field(default_factory=list)
    reads_many_properties: bool = False

    def __repr__(self) -> str:
        return f"<Shape {self.name}>"


class ShapesModel:
    """Every shape of a shapes graph, compiled on first use and checked for recursion."""

    def __init__(self, graph: ShapesGraph):
        self.graph = graph
        check_shapes_graph(graph)  # nesting, lists, paths: what both engines need bounded
        #: whether some SPARQL query names $shapesGraph (set while compiling)
        self.uses_shapes_graph = False
        self.shapes: dict[Term, Shape] = {}
        self._compiling: list[Term] = []
        self.custom_components = custom_components(self)
        self.targeted: list[Shape] = []
        for node in declared_shapes(graph):
            shape = self.shape(node)
            if shape.targets:
                self.targeted.append(shape)
        #: property shape -> the node shape declaring it with sh:property (Result.node_shape)
        self.owners = {value: owner for owner, _, value in
                       ((s, p, o) for s, p, o in graph.triples if p == SH_PROPERTY)}

    # -------------------------------------------------------------- compiling

    def shape(self, node: Term) -> Shape:
        """The compiled shape at ``node`` (any node a shape-expecting parameter names)."""
        shape = self.shapes.get(node)
        if shape is not None:
            return shape
        if node in self._compiling:
            cycle = self._compiling[self._compiling.index(node):] + [node]
            raise ShapesError(f"shape {self.describe(node)} refers back to itself ("
                              + " → ".join(self.describe(n, bare=True) for n in cycle)
                              + "); SHACL leaves recursive shapes undefined, so they cannot be "
                              "evaluated: break the cycle")
        if isinstance(node, ox.Literal):
            raise ShapesError(f"the literal {node} is used as a shape; shapes are IRIs or blank "
                              "nodes")
        self._compiling.append(node)
        try:
            shape = self._compile(node)
        finally:
            self._compiling.pop()
        self.shapes[node] = shape
        return shape

    def _compile(self, node: Term) -> Shape:
        graph = self.graph
        path_nodes = graph.objects(node, SH_PATH)
        path = path_node = None
        if len(path_nodes) > 1:
            raise self.error(node, "has more than one sh:path; a property shape has exactly one")
        if path_nodes:
            path_node = path_nodes[0]
            try:
                path = parse_path(graph, path_node)
            except PathError as problem:
                raise self.error(node, f"has a malformed sh:path: {problem}") from None
        severity = graph.value(node, SH_SEVERITY) or SH_VIOLATION
        deactivated = graph.objects(node, SH_DEACTIVATED)
        is_deactivated = any(d == TRUE or (isinstance(d, ox.Literal) and d.datatype == XSD_BOOLEAN
                                           and d.value == "1") for d in deactivated)
        messages = tuple(m for m in graph.objects(node, SH_MESSAGE) if isinstance(m, ox.Literal))
        shape = Shape(node=node, name=self.describe(node), is_property=path is not None,
                      path=path, path_node=path_node, severity=severity, messages=messages,
                      deactivated=is_deactivated, targets=self._targets(node))
        if not is_deactivated:
            shape.components = compile_components(self, shape)
            shape.reads_many_properties = self._reads_many_properties(shape)
        return shape

    def _reads_many_properties(self, shape: Shape) -> bool:
        """Whether validating a focus node reads several of its properties (property shapes
        whose paths start with a predicate): then its triples are read in one lookup."""
        from .paths import Predicate, Sequence

        firsts = set()
        for node in self.graph.objects(shape.node, SH_PROPERTY):
            path = self.shape(node).path
            if isinstance(path, Sequence):
                path = path.steps[0]
            if isinstance(path, Predicate):
                firsts.add(path.iri)
        return len(firsts) >= 3

    def _targets(self, node: Term) -> Targets:
        graph = self.graph
        classes = list(graph.objects(node, SH_TARGET_CLASS))
        # Implicit class target: a shape that is also an rdfs:Class (or a subclass of it).
        class_types = {RDFS_CLASS, *graph.subjects(RDFS_SUBCLASS_OF, RDFS_CLASS)}
        if any(t in class_types for t in graph.objects(node, RDF_TYPE)) and node not in classes:
            classes.append(node)
        for predicate in (SH_TARGET_SUBJECTS_OF, SH_TARGET_OBJECTS_OF):
            for value in graph.objects(node, predicate):
                if not isinstance(value, ox.NamedNode):
                    raise self.error(node, f"has {to_rdflib(predicate).n3()} {value}, which is not "
                                     "an IRI of a property")
        return Targets(nodes=tuple(graph.objects(node, SH_TARGET_NODE)), classes=tuple(classes),
                       subjects_of=tuple(graph.objects(node, SH_TARGET_SUBJECTS_OF)),
                       objects_of=tuple(graph.objects(node, SH_TARGET_OBJECTS_OF)))

    # -------------------------------------------------------------- naming

    def describe(self, node: Term, *, bare: bool = False) -> str:
        """How an error or report names a shape: its prefixed IRI, or for a blank node the
        shape that declares it and its path (``shapes:ActivityShape → [sh:path evaw:topic]``;
        with ``bare``, only the blank node's part)."""
        return describe(self.graph, node, bare=bare or len(self._compiling) >= 50)

    def error(self, node: Term, problem: str) -> ShapesError:
        return ShapesError(f"shape {self.describe(node)} {problem}")

    def select(self, nodes: Iterable[Term]) -> list[Shape]:
        """The targeted shapes among ``nodes`` (node shapes chosen by name)."""
        chosen = set(nodes)
        return [shape for shape in self.targeted if shape.node in chosen]


def compile_components(model, shape) -> list:
    """The constraint components ``shape`` declares, in the order its parameters appear."""
    table = {**CORE, **PAIRS, **LOGICAL, sh("sparql"): SparqlConstraintComponent}
    components: list = []
    seen = set()
    for predicate in model.graph.predicates(shape.node):
        kind = table.get(predicate)
        if kind is None or kind in seen:
            continue
        seen.add(kind)
        component = kind(model, shape)
        if getattr(component, "applies", True):
            components.append(component)
    components.extend(applicable_custom_components(model, shape))
    return components


__all__ = ["ShapesError", "Shape", "ShapesModel", "Targets", "compile_components"]
