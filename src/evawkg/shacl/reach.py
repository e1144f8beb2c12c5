"""Which focus nodes a change to the data can affect: what the guard of a write validates
(:mod:`evawkg.writes.guard`), instead of the whole graph.

Validating a focus node against a shape reads triples along *access paths* from it: the
shape's targets (``rdf:type`` of the node for ``sh:targetClass``, its outgoing or incoming
``p`` for ``sh:targetSubjectsOf`` / ``sh:targetObjectsOf``), the shape's ``sh:path`` step by
step, then from each value node what its constraints read (``rdf:type`` for ``sh:class``, every
outgoing triple for ``sh:closed``, the focus node's ``p`` for ``sh:equals``/``sh:disjoint``/
``sh:lessThan``, and, for ``sh:node``, ``sh:property``, ``sh:not``, ``sh:and``/``sh:or``/
``sh:xone`` and ``sh:qualifiedValueShape`` (siblings included), the nested shape's own access
paths from the value node); a SHACL-SPARQL constraint reads its query's triple patterns, joined
to ``$this`` through its variables. Each access is compiled here, once per shapes model, as a
*prefix* (a path from the focus node, or none) and a *leaf*: one triple read forward
(``(x, p, ?)``) or backward (``(?, p, x)``) at the prefix's end, ``p`` possibly any predicate.

A focus node's results can differ between two states of the data only if one of its walks, in
one state or the other, reads a triple the change added or removed. Take the first such triple
along the walk: the triples before it are unchanged, so they are in the state after the change
too, and walking the prefix *backwards* from that triple's end there finds the focus node.
:meth:`Reach.focus_nodes` does exactly that for every changed triple (asserted and inferred)
and every access whose leaf it matches: a superset of the nodes whose results can change, and
usually a handful. For a SPARQL query the same holds with the prefix taken along one spanning
tree of its patterns from ``$this``.

Where the reads are not known, the answer errs on the side of validating more:

* a change to ``rdfs:subClassOf`` changes what ``sh:targetClass`` and ``sh:class`` mean for every
  node: :meth:`Reach.focus_nodes` answers ``None`` (validate everything);
* a shape whose reads cannot be bounded (a SPARQL-based constraint component, a query with a
  sub-select or a pattern not joined to ``$this``, a component this module does not know) is
  *opaque*: every node it targets is validated after any change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from .components import (DatatypeComponent, HasValueComponent, InComponent, LanguageInComponent,
                         MaxCountComponent, MinCountComponent, NodeKindComponent, PatternComponent,
                         UniqueLangComponent, ClassComponent, ClosedComponent, _LengthComponent,
                         _RangeComponent)
from .data_graph import DataGraph
from .logical import (NodeComponent, NotComponent, PropertyComponent, QualifiedValueShapeComponent,
                      _ListComponent)
from .paths import Alternative, Inverse, Path, Predicate, Repeat, Sequence
from .property_pairs import _PairComponent
from .shapes_model import Shape, ShapesModel
from .sparql_constraints import SparqlConstraintComponent
from .terms import RDF_TYPE, RDFS_SUBCLASS_OF, Term


@dataclass(frozen=True)
class AnyPredicate:
    """A path step over any predicate (a SPARQL variable predicate, a negated property set)."""


ANY = AnyPredicate()
Step = Path | AnyPredicate

#: Components that read nothing but the value nodes the path already gave.
_VALUE_ONLY = (DatatypeComponent, NodeKindComponent, MinCountComponent, MaxCountComponent,
               _RangeComponent, _LengthComponent, PatternComponent, LanguageInComponent,
               UniqueLangComponent, HasValueComponent, InComponent)


@dataclass(frozen=True)
class Access:
    """A triple read at the end of ``prefix`` (``None``: at the focus node): ``predicate``
    (``None``: any) forward from the node or backward into it."""

    prefix: Step | None
    predicate: ox.NamedNode | None
    forward: bool


class Opaque(Exception):
    """A shape whose reads cannot be bounded (see the module notes)."""


def then(first: Step | None, second: Step | None) -> Step | None:
    """The path ``first`` then ``second`` (either may be empty)."""
    if first is None:
        return second
    if second is None:
        return first
    steps = [*(first.steps if isinstance(first, Sequence) else (first,)),
             *(second.steps if isinstance(second, Sequence) else (second,))]
    return Sequence(tuple(steps))


def inverse(path: Step) -> Step:
    """``^path`` with the inversion pushed down to the predicates."""
    if isinstance(path, Predicate) or isinstance(path, AnyPredicate):
        return Inverse(path)
    if isinstance(path, Inverse):
        return path.path
    if isinstance(path, Sequence):
        return Sequence(tuple(inverse(step) for step in reversed(path.steps)))
    if isinstance(path, Alternative):
        return Alternative(tuple(inverse(option) for option in path.options))
    return Repeat(inverse(path.path), path.operator)


def path_accesses(path: Step, prefix: Step | None = None) -> set[Access]:
    """The triples a walk along ``path`` reads, each with the part of the walk before it."""
    if isinstance(path, Predicate):
        return {Access(prefix, path.iri, True)}
    if isinstance(path, AnyPredicate):
        return {Access(prefix, None, True)}
    if isinstance(path, Inverse):
        inner = path.path
        if isinstance(inner, Predicate):
            return {Access(prefix, inner.iri, False)}
        if isinstance(inner, AnyPredicate):
            return {Access(prefix, None, False)}
        return path_accesses(inverse(inner), prefix)
    if isinstance(path, Sequence):
        found: set[Access] = set()
        walked = prefix
        for step in path.steps:
            found |= path_accesses(step, walked)
            walked = then(walked, step)
        return found
    if isinstance(path, Alternative):
        return set().union(*(path_accesses(option, prefix) for option in path.options))
    # Repeat: the leaf is read in some repetition, after any number of whole ones ("?": none).
    before = prefix if path.operator == "?" else then(prefix, Repeat(path.path, "*"))
    return path_accesses(path.path, before)


# ----------------------------------------------------------------------------- shapes


class Reach:
    """What every targeted shape of ``model`` reads (see the module notes)."""

    def __init__(self, model: ShapesModel):
        self.model = model
        self._relative: dict[Shape, frozenset[Access]] = {}
        #: predicate (``None``: any) -> accesses of some targeted shape with that leaf
        self.by_predicate: dict[ox.NamedNode | None, set[Access]] = {}
        #: targeted shapes validated on every change (their reads are unknown)
        self.opaque: list[Shape] = []
        for shape in model.targeted:
            if shape.deactivated:
                continue
            try:
                accesses = set(self.accesses(shape))
            except Opaque:
                self.opaque.append(shape)
                continue
            targets = shape.targets
            if targets.classes:
                accesses.add(Access(None, RDF_TYPE, True))
            accesses.update(Access(None, p, True) for p in targets.subjects_of)
            accesses.update(Access(None, p, False) for p in targets.objects_of)
            for access in accesses:
                self.by_predicate.setdefault(access.predicate, set()).add(access)

    def accesses(self, shape: Shape) -> frozenset[Access]:
        """What validating a node against ``shape`` reads, relative to that node."""
        known = self._relative.get(shape)
        if known is None:
            known = self._relative[shape] = frozenset(self._compile(shape))
        return known

    def _compile(self, shape: Shape) -> set[Access]:
        if shape.deactivated:
            return set()
        value = shape.path if shape.is_property else None
        found = path_accesses(shape.path) if shape.is_property else set()
        for component in shape.components:
            if isinstance(component, _VALUE_ONLY):
                continue
            if isinstance(component, ClassComponent):
                found.add(Access(value, RDF_TYPE, True))
            elif isinstance(component, ClosedComponent):
                found.add(Access(value, None, True))
            elif isinstance(component, _PairComponent):
                found.update(Access(None, p, True) for p in component.properties)
            elif isinstance(component, (NodeComponent, NotComponent, PropertyComponent)):
                found |= self._nested(component.shapes, value)
            elif isinstance(component, _ListComponent):
                found |= self._nested([s for members in component.lists for s in members], value)
            elif isinstance(component, QualifiedValueShapeComponent):
                nested = [s for v in component.value_shapes
                          for s in (v, *component._siblings(v))]
                found |= self._nested(nested, value)
            elif isinstance(component, SparqlConstraintComponent):
                for _, query, _ in component.constraints:
                    found |= sparql_accesses(query.text({})[0])
            else:
                raise Opaque(shape.name)
        return found

    def _nested(self, shapes: Iterable[Shape], value: Step | None) -> set[Access]:
        return {Access(then(value, a.prefix), a.predicate, a.forward)
                for shape in shapes for a in self.accesses(shape)}

    # ------------------------------------------------------------------------- a change

    def focus_nodes(self, data: DataGraph, changed: Iterable[tuple]) -> set[Term] | None:
        """Every node whose results against some shape can differ after ``changed`` triples
        (``(s, p, o)``, added or removed) on ``data``, the state after the change; ``None``
        when the change reaches the class hierarchy (validate everything)."""
        found: set[Term] = set()
        by_predicate, anywhere = self.by_predicate, self.by_predicate.get(None, ())
        walked: set[tuple] = set()
        for subject, predicate, obj in changed:
            if predicate == RDFS_SUBCLASS_OF:
                return None
            for access in (*by_predicate.get(predicate, ()), *anywhere):
                start = subject if access.forward else obj
                if access.prefix is None:
                    found.add(start)
                elif (access.prefix, start) not in walked:
                    walked.add((access.prefix, start))
                    found.update(walk(data, inverse(access.prefix), start))
        if self.opaque:
            from .engine import target_nodes

            for shape in self.opaque:
                found.update(target_nodes(data, shape))
        return found


_REACHES: dict[int, tuple[ShapesModel, Reach]] = {}


def reach_of(model: ShapesModel) -> Reach:
    """The :class:`Reach` of ``model``, compiled once per model."""
    known = _REACHES.get(id(model))
    if known is None or known[0] is not model:
        _REACHES.clear()
        known = _REACHES[id(model)] = (model, Reach(model))
    return known[1]


# ----------------------------------------------------------------------------- walking


def walk(data: DataGraph, path: Step, node: Term) -> set[Term]:
    """The nodes ``path`` reaches from ``node`` in ``data`` (any-predicate steps included)."""
    if isinstance(path, Predicate):
        return set(data.objects(node, path.iri))
    if isinstance(path, AnyPredicate):
        if isinstance(node, ox.Literal):
            return set()
        return {q.object for q in data.store.quads_for_pattern(node, None, None, None)}
    if isinstance(path, Inverse):
        inner = path.path
        if isinstance(inner, Predicate):
            return set(data.subjects(inner.iri, node))
        if isinstance(inner, AnyPredicate):
            return {q.subject for q in data.store.quads_for_pattern(None, None, node, None)}
        return walk(data, inverse(inner), node)
    if isinstance(path, Sequence):
        current = {node}
        for step in path.steps:
            current = {v for n in current for v in walk(data, step, n)}
            if not current:
                break
        return current
    if isinstance(path, Alternative):
        return {v for option in path.options for v in walk(data, option, node)}
    reached = {node} if path.operator in ("*", "?") else set()
    frontier = [node]
    while frontier:
        following = []
        for current in frontier:
            for value in walk(data, path.path, current):
                if value not in reached:
                    reached.add(value)
                    following.append(value)
        frontier = following if path.operator != "?" else []
    return reached


# ----------------------------------------------------------------------------- SPARQL


def sparql_accesses(text: str) -> set[Access]:
    """What a SHACL-SPARQL SELECT reads, relative to ``$this`` (see the module notes).

    Raises :class:`Opaque` for a query whose reads cannot be joined to ``$this``."""
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.term import BNode, Variable

    try:
        algebra = prepareQuery(text).algebra
    except Exception as problem:  # noqa: BLE001 -- an unreadable query is simply opaque
        raise Opaque(str(problem)) from None
    patterns: list[tuple] = []
    projections = [0]
    _collect(algebra, patterns, projections)
    if projections[0] > 1:
        raise Opaque("a sub-select")  # its variables are scoped apart from the outer ones
    joinable = (Variable, BNode)
    reached: dict = {Variable("this"): None}
    found: set[Access] = set()
    pending = list(patterns)
    progress = True
    while pending and progress:
        progress = False
        for pattern in list(pending):
            subject, predicate, obj = pattern
            step = _step(predicate)
            if subject in reached:
                prefix, path, other = reached[subject], step, obj
            elif obj in reached:
                prefix, path, other = reached[obj], inverse(step), subject
            else:
                continue
            found |= path_accesses(path, prefix)
            if isinstance(other, joinable) and other not in reached:
                reached[other] = then(prefix, path)
            pending.remove(pattern)
            progress = True
    if pending:
        raise Opaque("a pattern not joined to $this")
    return found


def _collect(node, patterns: list, projections: list) -> None:
    """The triple patterns anywhere in an rdflib algebra tree (FILTER EXISTS included)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "Project":
            projections[0] += 1
        if node.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS") and \
                getattr(node.get("graph"), "name", None) == "GroupGraphPatternSub":
            # rdflib leaves the pattern of a FILTER (NOT) EXISTS as parsed: translate it here
            from rdflib.plugins.sparql.algebra import translateGroupGraphPattern

            _collect(translateGroupGraphPattern(node["graph"]), patterns, projections)
            return
        if node.name == "BGP":
            patterns.extend(node.get("triples") or ())
        for value in node.values():
            _collect(value, patterns, projections)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _collect(value, patterns, projections)


def _step(predicate) -> Step:
    """An rdflib predicate or property path as a path of this module."""
    from rdflib import paths
    from rdflib.term import URIRef

    if isinstance(predicate, URIRef):
        return Predicate(ox.NamedNode(str(predicate)))
    if isinstance(predicate, paths.InvPath):
        return inverse(_step(predicate.arg))
    if isinstance(predicate, paths.SequencePath):
        return Sequence(tuple(_step(arg) for arg in predicate.args))
    if isinstance(predicate, paths.AlternativePath):
        return Alternative(tuple(_step(arg) for arg in predicate.args))
    if isinstance(predicate, paths.MulPath):
        return Repeat(_step(predicate.path), predicate.mod)
    # a variable, or a negated property set (it may hold inverse members): any triple, both ways
    return Alternative((ANY, Inverse(ANY)))


__all__ = ["Reach", "Access", "reach_of", "path_accesses", "sparql_accesses", "walk", "ANY"]
