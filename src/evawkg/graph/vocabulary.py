"""The schema part of the graph in memory: every triple the OWL 2 RL rules read as vocabulary
(``owl_rules.is_vocabulary``), indexed by predicate, then subject and object.

It is small (the ontology's axioms, a few thousand triples) however large the data, so the
reasoner joins it in Python and reads only the data from the store. It also holds the trivial
schema triples the closure derives but never stores (``c rdfs:subClassOf c``…), and answers the
list pseudo-predicate ``owl_rules.MEMBER``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pyoxigraph as ox

from .owl_rules import (CHAIN, FIRST, HAS_KEY, INTERSECTION_OF, MEMBER, NIL, REST, TYPE,
                        VOCABULARY_CLASSES, VOCABULARY_PREDICATES, Term, Triple)

_LIST_KINDS = (CHAIN, HAS_KEY, INTERSECTION_OF)


class Vocabulary:
    """Schema triples, each ``stored`` in the store or kept here only (the trivial ones)."""

    def __init__(self) -> None:
        self._forward: dict[Term, dict[Term, set[Term]]] = defaultdict(lambda: defaultdict(set))
        self._backward: dict[Term, dict[Term, set[Term]]] = defaultdict(lambda: defaultdict(set))
        self.unstored: set[Triple] = set()
        self._unstored_by_predicate: dict[Term, set[Triple]] = defaultdict(set)
        #: Bumped on every change: the reasoner recompiles its tables when it moves.
        self.version = 0
        self._members: dict[Term, set[Term]] | None = None

    @classmethod
    def from_store(cls, store: ox.Store) -> Vocabulary:
        """The schema triples of every graph of ``store`` (one index read per vocabulary term)."""
        vocabulary = cls()
        for predicate in VOCABULARY_PREDICATES:
            for quad in store.quads_for_pattern(None, predicate, None, None):
                vocabulary.add((quad.subject, predicate, quad.object))
        for klass in VOCABULARY_CLASSES:
            for quad in store.quads_for_pattern(None, TYPE, klass, None):
                vocabulary.add((quad.subject, TYPE, klass))
        return vocabulary

    def __contains__(self, triple: Triple) -> bool:
        s, p, o = triple
        by_subject = self._forward.get(p)
        return by_subject is not None and o in by_subject.get(s, ())

    def __len__(self) -> int:
        return sum(len(objects) for by_subject in self._forward.values() for objects in by_subject.values())

    def triples(self) -> Iterator[Triple]:
        for p, by_subject in self._forward.items():
            for s, objects in by_subject.items():
                for o in objects:
                    yield s, p, o

    def add(self, triple: Triple, *, stored: bool = True) -> bool:
        """Add a triple; whether it was new."""
        if triple in self:
            return False
        s, p, o = triple
        self._forward[p][s].add(o)
        self._backward[p][o].add(s)
        if not stored:
            self.unstored.add(triple)
            self._unstored_by_predicate[p].add(triple)
        self._changed(p)
        return True

    def discard(self, triple: Triple) -> bool:
        """Remove a triple; whether it was there."""
        if triple not in self:
            return False
        s, p, o = triple
        self._forward[p][s].discard(o)
        self._backward[p][o].discard(s)
        self.unstored.discard(triple)
        self._unstored_by_predicate[p].discard(triple)
        self._changed(p)
        return True

    def _changed(self, predicate: Term) -> None:
        self.version += 1
        if predicate in (FIRST, REST):
            self._members = None

    def match(self, s: Term | None, p: Term, o: Term | None) -> Iterator[Triple]:
        """The triples matching a pattern whose predicate is given (``None``: any term)."""
        if p == MEMBER:
            yield from self._match_members(s, o)
            return
        if s is not None:
            objects = self._forward.get(p, {}).get(s, ())
            if o is not None:
                if o in objects:
                    yield s, p, o
            else:
                for obj in tuple(objects):
                    yield s, p, obj
        elif o is not None:
            for subject in tuple(self._backward.get(p, {}).get(o, ())):
                yield subject, p, o
        else:
            for subject, objects in tuple(self._forward.get(p, {}).items()):
                for obj in tuple(objects):
                    yield subject, p, obj

    def match_unstored(self, s: Term | None, p: Term | None, o: Term | None) -> Iterator[Triple]:
        """The unstored (trivial) triples matching a pattern, for joins that read the store."""
        if not self.unstored:
            return
        candidates = self.unstored if p is None else self._unstored_by_predicate.get(p, ())
        for triple in tuple(candidates):
            if (s is None or triple[0] == s) and (o is None or triple[2] == o):
                yield triple

    # RDF lists --------------------------------------------------------------------------------

    def _match_members(self, head: Term | None, member: Term | None) -> Iterator[Triple]:
        members = self.members()
        if head is not None:
            found = members.get(head, ())
            for item in ([member] if member is not None and member in found else
                         [] if member is not None else tuple(found)):
                yield head, MEMBER, item
            return
        for list_head, found in members.items():
            if member is None:
                for item in tuple(found):
                    yield list_head, MEMBER, item
            elif member in found:
                yield list_head, MEMBER, member

    def members(self) -> dict[Term, set[Term]]:
        """Every list node's members, as the SPARQL path ``rdf:rest*/rdf:first`` finds them."""
        if self._members is None:
            firsts, rests = self._forward.get(FIRST, {}), self._forward.get(REST, {})
            members: dict[Term, set[Term]] = {}
            for node in set(firsts) | set(rests):
                found, seen, frontier = set(), set(), [node]
                while frontier:
                    current = frontier.pop()
                    if current in seen:
                        continue
                    seen.add(current)
                    found |= firsts.get(current, set())
                    frontier.extend(rests.get(current, ()))
                if found:
                    members[node] = found
            self._members = members
        return self._members

    def member_pairs(self) -> set[Triple]:
        return {(head, MEMBER, item) for head, items in self.members().items() for item in items}

    def ordered_list(self, head: Term) -> list[Term]:
        """The members of a well-formed RDF list in order (empty if it is malformed)."""
        firsts, rests = self._forward.get(FIRST, {}), self._forward.get(REST, {})
        items, node, seen = [], head, set()
        while node != NIL:
            if node in seen or len(firsts.get(node, ())) != 1 or len(rests.get(node, ())) != 1:
                return []
            seen.add(node)
            items.append(next(iter(firsts[node])))
            node = next(iter(rests[node]))
        return items

    def lists(self) -> list[tuple[Term, ox.NamedNode, list[Term]]]:
        """Property chains, keys and intersections: ``(owner, kind, members)`` each."""
        found = []
        for kind in _LIST_KINDS:
            for owner, heads in self._forward.get(kind, {}).items():
                for head in heads:
                    found.append((owner, kind, self.ordered_list(head)))
        return found


__all__ = ["Vocabulary"]
