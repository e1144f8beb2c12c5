"""The data graph the engine validates: some graphs of a pyoxigraph store, read in place.

Nothing is copied out of the store. Value nodes are found through the store's own indexes
(``quads_for_pattern``), targets and SHACL-SPARQL constraints by SPARQL queries on the store;
a triple held in two named graphs counts once (SHACL's data graph is a set of triples).

The store keeps *values*, not lexical forms, for the XSD datatypes it knows: ``"01"^^xsd:integer``
reads back as ``"1"``, and ``"300"^^xsd:byte`` as ``"300"^^xsd:integer``, which would hide an
ill-typed literal from ``sh:datatype``. Data read by :mod:`evawkg.shacl.loading` therefore carries
:class:`Originals`, the literals as written for the few triples the store changed, and every
value read here is given back as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from .terms import RDF_TYPE, RDFS_SUBCLASS_OF, Term


#: How many nodes' descriptions :meth:`DataGraph.describe` keeps (about 25 triples each).
DESCRIBED_NODES = 200_000
_NONE: list = []


@dataclass
class Originals:
    """Literals as written, for the triples whose object the store holds in another form:
    ``(subject, predicate, stored object) -> objects as written``."""

    by_triple: dict[tuple, tuple[ox.Literal, ...]] = field(default_factory=dict)
    subjects: set = field(default_factory=set)
    #: stored literal -> the forms written for it anywhere (for SPARQL results, which carry no triple)
    by_term: dict[ox.Literal, set] = field(default_factory=dict)

    def add(self, subject, predicate, stored: ox.Literal, written: tuple[ox.Literal, ...]) -> None:
        self.by_triple[(subject, predicate, stored)] = written
        self.subjects.add(subject)
        self.by_term.setdefault(stored, set()).update(written)

    def __bool__(self) -> bool:
        return bool(self.by_triple)

    def written(self, term: Term) -> Term:
        """``term`` as written when the data wrote exactly one form of it, else unchanged."""
        forms = self.by_term.get(term) if isinstance(term, ox.Literal) else None
        if forms and len(forms) == 1:
            return next(iter(forms))
        return term


class DataGraph:
    """``graphs`` of ``store`` (all of its graphs, the default graph included, when ``None``),
    or all of its graphs but ``exclude`` (read as all graphs, the excluded ones' quads dropped:
    one index lookup instead of one per graph)."""

    def __init__(self, store: ox.Store, graphs: Iterable[ox.NamedNode | str] | None = None,
                 originals: Originals | None = None, *, exclude: Iterable[ox.NamedNode] = ()):
        self.store = store
        self.graphs = None if graphs is None else [
            g if isinstance(g, (ox.NamedNode, ox.DefaultGraph)) else ox.NamedNode(str(g)) for g in graphs]
        self._exclude = frozenset(exclude)
        if self._exclude and self.graphs is None:
            self.graphs = [ox.DefaultGraph(), *(g for g in store.named_graphs() if g not in self._exclude)]
            self._patterns = [None]
        else:
            self._exclude = frozenset()
            self._patterns = [None] if self.graphs is None else self.graphs
        self.originals = originals or Originals()
        self._single = len(self._patterns) == 1 and not self._exclude
        self._single_graph = self._patterns[0] if self._single else None
        self._has_originals = bool(self.originals)
        self._described: dict[Term, dict] = {}
        self._subclasses: dict[Term, frozenset] = {}
        self._types: dict[Term, frozenset] = {}

    # -------------------------------------------------------------- triples

    def _quads(self, subject, predicate, obj):
        exclude = self._exclude
        for graph in self._patterns:
            if exclude:
                yield from (q for q in self.store.quads_for_pattern(subject, predicate, obj, graph)
                            if q.graph_name not in exclude)
            else:
                yield from self.store.quads_for_pattern(subject, predicate, obj, graph)

    def forget(self) -> None:
        """Drop what was read ahead (:meth:`describe`) and the class memberships remembered."""
        self._described.clear()
        self._types.clear()

    def describe(self, nodes: Iterable[Term]) -> None:
        """Read every triple of ``nodes`` in one store lookup each, for the many property shapes
        that will each ask for one of their properties (one lookup per node instead of one per
        node and property). Remembered until :data:`DESCRIBED_NODES` nodes are."""
        described = self._described
        if len(described) > DESCRIBED_NODES:
            described.clear()
        store, skip = self.store, self.originals.subjects if self._has_originals else ()
        exclude = self._exclude
        for node in nodes:
            if node in described or node.__class__ is ox.Literal or node in skip:
                continue
            by_predicate: dict = {}
            for graph in self._patterns:
                for quad in store.quads_for_pattern(node, None, None, graph):
                    if exclude and quad.graph_name in exclude:
                        continue
                    values = by_predicate.get(quad.predicate)
                    if values is None:
                        by_predicate[quad.predicate] = {quad.object: None}
                    else:
                        values[quad.object] = None
            described[node] = {p: list(values) for p, values in by_predicate.items()}

    def objects(self, subject: Term, predicate: ox.NamedNode) -> list[Term]:
        # The hottest call of a validation (once per focus node and path step): kept lean.
        description = self._described.get(subject)
        if description is not None:
            return description.get(predicate, _NONE)
        if subject.__class__ is ox.Literal:
            return []
        if self._single:
            values = [q.object for q in self.store.quads_for_pattern(subject, predicate, None, self._single_graph)]
        else:
            values = [q.object for q in self._quads(subject, predicate, None)]
        if len(values) > 1:
            values = list(dict.fromkeys(values))
        if self._has_originals and subject in self.originals.subjects:
            by_triple = self.originals.by_triple
            values = list(dict.fromkeys(
                written for value in values
                for written in by_triple.get((subject, predicate, value), (value,))))
        return values

    def subjects(self, predicate: ox.NamedNode, obj: Term) -> list[Term]:
        if self._single:
            values = [q.subject for q in self.store.quads_for_pattern(None, predicate, obj, self._single_graph)]
        else:
            values = [q.subject for q in self._quads(None, predicate, obj)]
        return list(dict.fromkeys(values)) if len(values) > 1 else values

    def predicate_objects(self, subject: Term) -> list[tuple[ox.NamedNode, Term]]:
        if isinstance(subject, ox.Literal):
            return []
        pairs = dict.fromkeys((q.predicate, q.object) for q in self._quads(subject, None, None))
        if self.originals and subject in self.originals.subjects:
            by_triple = self.originals.by_triple
            pairs = dict.fromkeys(
                (p, written) for p, o in pairs for written in by_triple.get((subject, p, o), (o,)))
        return list(pairs)

    def has_subject(self, subject: Term, predicate: ox.NamedNode) -> bool:
        if isinstance(subject, ox.Literal):
            return False
        return any(True for _ in self._quads(subject, predicate, None))

    def has_object(self, predicate: ox.NamedNode, obj: Term) -> bool:
        return any(True for _ in self._quads(None, predicate, obj))

    def subjects_of(self, predicate: ox.NamedNode) -> set[Term]:
        return {q.subject for q in self._quads(None, predicate, None)}

    def objects_of(self, predicate: ox.NamedNode) -> set[Term]:
        objects = set()
        written = self.originals.by_triple if self.originals else None
        for q in self._quads(None, predicate, None):
            if written and isinstance(q.object, ox.Literal):
                objects.update(written.get((q.subject, predicate, q.object), (q.object,)))
            else:
                objects.add(q.object)
        return objects

    # -------------------------------------------------------------- classes

    def subclasses(self, cls: Term) -> frozenset:
        """``cls`` and every class ``rdfs:subClassOf*`` it in the data graph."""
        found = self._subclasses.get(cls)
        if found is None:
            found = {cls}
            frontier = [cls]
            while frontier:
                following = []
                for current in frontier:
                    for sub in self.subjects(RDFS_SUBCLASS_OF, current):
                        if sub not in found:
                            found.add(sub)
                            following.append(sub)
                frontier = following
            found = self._subclasses[cls] = frozenset(found)
        return found

    def is_instance(self, node: Term, cls: Term) -> bool:
        """Whether ``node`` is a SHACL instance of ``cls``: typed with it or a subclass."""
        if node.__class__ is ox.Literal:
            return False
        types = self._types.get(node)
        if types is None:
            if len(self._types) > 500_000:
                self._types.clear()
            types = self._types[node] = frozenset(self.objects(node, RDF_TYPE))
        if not types:
            return False
        classes = self._subclasses.get(cls) or self.subclasses(cls)
        return not types.isdisjoint(classes)

    def instances(self, cls: Term) -> set[Term]:
        """Every SHACL instance of ``cls``: one index scan of ``rdf:type`` per class in
        ``rdfs:subClassOf*`` (a third cheaper than the same as one SPARQL query, at 100k and at
        1M triples alike, docs/benchmarks.md)."""
        subjects = self.subjects
        return {s for c in self.subclasses(cls) for s in subjects(RDF_TYPE, c)}

    # -------------------------------------------------------------- SPARQL

    def query(self, text: str, substitutions: dict | None = None):
        """Run SPARQL on the data graph (the union of its graphs as the default graph)."""
        options = {"substitutions": substitutions} if substitutions else {}
        if self.graphs is None:
            return self.store.query(text, use_default_graph_as_union=True, **options)
        return self.store.query(text, default_graph=self.graphs, **options)

    def written(self, term: Term) -> Term:
        return self.originals.written(term) if self.originals else term


__all__ = ["DataGraph", "Originals"]
