"""The shapes graph as the engine reads it: a small in-memory triple index over pyoxigraph terms.

Shapes graphs are small (the bundle's is about 3,000 triples), and reading one must keep its
literals as written: SHACL activates ``sh:uniqueLang`` only for the literal ``true``, and
``"1"^^xsd:boolean`` is another literal (W3C test core/property/uniqueLang-002). rdflib and the
pyoxigraph store both normalise ``"1"`` to ``"true"``; pyoxigraph's parser does not. So shapes
files are parsed with :func:`pyoxigraph.parse` into this index, and an rdflib graph handed in by a
caller is converted term by term. ``owl:imports`` is data here, never a reason to fetch anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
import rdflib

from .terms import RDF_FIRST, RDF_NIL, RDF_REST, Term, from_rdflib


class ShapesGraph:
    """Triples indexed by subject and by (predicate, object), plus the rdflib view reports need
    (paths and blank-node shapes are copied from it into report graphs)."""

    def __init__(self, triples: Iterable[tuple[Term, ox.NamedNode, Term]],
                 namespaces: dict[str, str] | None = None):
        self._spo: dict[Term, dict[ox.NamedNode, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self._pos: dict[ox.NamedNode, dict[Term, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.triples: list[tuple[Term, ox.NamedNode, Term]] = []
        seen = set()
        for triple in triples:
            if triple in seen:
                continue
            seen.add(triple)
            s, p, o = triple
            self._spo[s][p].append(o)
            self._pos[p][o].append(s)
            self.triples.append(triple)
        self.namespaces = dict(namespaces or {})
        self._rdflib: rdflib.Graph | None = None

    @classmethod
    def from_rdflib(cls, graph: rdflib.Graph) -> ShapesGraph:
        cache: dict = {}

        def convert(node):
            term = cache.get(node)
            if term is None:
                term = cache[node] = from_rdflib(node)
            return term

        if getattr(graph, "context_aware", False):
            source = ((s, p, o) for s, p, o, _ in graph.quads((None, None, None, None)))
        else:
            source = iter(graph)
        triples = [(convert(s), convert(p), convert(o)) for s, p, o in source]
        namespaces = {prefix: str(namespace) for prefix, namespace in graph.namespaces()}
        return cls(triples, namespaces)

    @classmethod
    def from_quads(cls, quads: Iterable[ox.Quad], namespaces: dict[str, str] | None = None) -> ShapesGraph:
        return cls(((q.subject, q.predicate, q.object) for q in quads), namespaces)

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> ShapesGraph:
        """Parse Turtle (or any format named by the extension) files; blank nodes are renamed so
        that two files' ``_:b0`` stay apart."""
        from ..graph.formats import format_for_path

        quads: list[ox.Quad] = []
        namespaces: dict[str, str] = {}
        for path in paths:
            fmt = format_for_path(Path(path))
            parser = ox.parse(path=str(path), format=fmt.oxigraph,
                              base_iri=Path(path).resolve().as_uri(), rename_blank_nodes=True)
            quads.extend(parser)
            namespaces.update(getattr(parser, "prefixes", {}) or {})
        return cls.from_quads(quads, namespaces)

    # -------------------------------------------------------------- reading

    def objects(self, subject: Term, predicate: ox.NamedNode) -> list[Term]:
        by_predicate = self._spo.get(subject)
        if by_predicate is None:
            return []
        return by_predicate.get(predicate, [])

    def value(self, subject: Term, predicate: ox.NamedNode) -> Term | None:
        values = self.objects(subject, predicate)
        return values[0] if values else None

    def subjects(self, predicate: ox.NamedNode, obj: Term | None = None) -> list[Term]:
        by_object = self._pos.get(predicate)
        if by_object is None:
            return []
        if obj is None:
            return list(dict.fromkeys(s for subjects in by_object.values() for s in subjects))
        return by_object.get(obj, [])

    def predicates(self, subject: Term) -> list[ox.NamedNode]:
        return list(self._spo.get(subject, {}))

    def predicate_objects(self, subject: Term) -> Iterator[tuple[ox.NamedNode, Term]]:
        for predicate, values in self._spo.get(subject, {}).items():
            for value in values:
                yield predicate, value

    def has(self, subject: Term, predicate: ox.NamedNode, obj: Term) -> bool:
        return obj in self.objects(subject, predicate)

    def items(self, head: Term) -> list[Term] | None:
        """The members of the RDF list starting at ``head``, or ``None`` if it is not a
        well-formed list (a missing ``rdf:first``/``rdf:rest``, a cycle)."""
        members, seen, node = [], set(), head
        while node != RDF_NIL:
            if node in seen:
                return None
            seen.add(node)
            first, rest = self.objects(node, RDF_FIRST), self.objects(node, RDF_REST)
            if len(first) != 1 or len(rest) != 1:
                return None
            members.append(first[0])
            node = rest[0]
        return members

    def short(self, term: Term) -> str:
        """``term`` with the shapes' own prefixes, else the project's (``ex:S``, ``shapes:X``)."""
        from .report import short_term
        from .terms import to_rdflib

        if isinstance(term, ox.NamedNode):
            best = max((ns for ns in self.namespaces.values() if ns and term.value.startswith(ns)),
                       key=len, default=None)
            local = term.value[len(best):] if best else ""
            if best and local and all(c.isalnum() or c in "_-." for c in local):
                prefix = next(p for p, ns in self.namespaces.items() if ns == best)
                from .report import REPORT_PREFIXES

                if prefix not in REPORT_PREFIXES or REPORT_PREFIXES[prefix] == best:
                    return f"{prefix}:{local}"
        return short_term(to_rdflib(term))

    def rdflib_graph(self) -> rdflib.Graph:
        """The same triples as an rdflib graph (built once), to copy paths and blank-node shapes
        into report graphs as pySHACL does."""
        if self._rdflib is None:
            from .terms import to_rdflib

            graph = rdflib.Graph()
            for prefix, namespace in self.namespaces.items():
                graph.bind(prefix, namespace, override=False)
            graph.addN((to_rdflib(s), to_rdflib(p), to_rdflib(o), graph) for s, p, o in self.triples)
            self._rdflib = graph
        return self._rdflib

    def __len__(self) -> int:
        return len(self.triples)


__all__ = ["ShapesGraph"]
