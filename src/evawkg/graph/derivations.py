"""The bookkeeping of a semi-naive round: the candidate conclusions it derived
(:class:`Derived`), the new triples it keeps (:class:`Batch`, the next round's delta), and what
is already known, read by whole index per class and predicate for a full closure
(:class:`IndexedKnown`) or looked up triple by triple for a change (:class:`LookedUpKnown`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from .owl_rules import TYPE, VOCABULARY_NAMESPACES, Term, Triple, is_vocabulary, term

DISJOINT_WITH = term("owl:disjointWith")


def drops_subject(subject: Term, predicate: Term) -> bool:
    """A derived data triple never kept: a literal subject, or typing an RDF/OWL term."""
    if isinstance(subject, ox.Literal):
        return True
    return (predicate in (TYPE, DISJOINT_WITH) and isinstance(subject, ox.NamedNode)
            and subject.value.startswith(VOCABULARY_NAMESPACES))


# Candidate conclusions of a round -----------------------------------------------------------------

class Derived:
    """What a round derived, grouped by class and predicate (sets, merged when committed)."""

    def __init__(self) -> None:
        self.types: dict[Term, list[set]] = defaultdict(list)
        self.props: dict[Term, list[set]] = defaultdict(list)
        self.single_types: dict[Term, set] = defaultdict(set)
        self.single_props: dict[Term, set] = defaultdict(set)
        #: Conclusions of schema-only rules, which may keep trivial schema triples.
        self.schema: list[Triple] = []

    def add(self, triple: Triple) -> None:
        s, p, o = triple
        if p == TYPE:
            self.single_types[o].add(s)
        else:
            self.single_props[p].add((s, o))

    def type_groups(self) -> Iterator[tuple[Term, list[set]]]:
        for klass in set(self.types) | set(self.single_types):
            yield klass, self.types.get(klass, []) + ([self.single_types[klass]] if klass in self.single_types else [])

    def property_groups(self) -> Iterator[tuple[Term, list[set]]]:
        for predicate in set(self.props) | set(self.single_props):
            yield predicate, (self.props.get(predicate, [])
                              + ([self.single_props[predicate]] if predicate in self.single_props else []))

    def triples(self) -> Iterator[Triple]:
        seen = set()
        for klass, groups in self.type_groups():
            for group in groups:
                for subject in group:
                    if (subject, klass) not in seen:
                        seen.add((subject, klass))
                        yield subject, TYPE, klass
        for predicate, groups in self.property_groups():
            for group in groups:
                for subject, obj in group:
                    yield subject, predicate, obj
        yield from self.schema


@dataclass
class Batch:
    """New triples of one round: the delta the next round joins."""

    types: dict[Term, set] = field(default_factory=lambda: defaultdict(set))
    props: dict[Term, set] = field(default_factory=lambda: defaultdict(set))
    schema: list[Triple] = field(default_factory=list)

    def add(self, triple: Triple) -> None:
        s, p, o = triple
        if p == TYPE:
            self.types[o].add(s)
        else:
            self.props[p].add((s, o))
        if is_vocabulary(triple):
            self.schema.append(triple)

    def __len__(self) -> int:
        return sum(map(len, self.types.values())) + sum(map(len, self.props.values()))

    def triples(self) -> Iterator[Triple]:
        for klass, subjects in self.types.items():
            for subject in subjects:
                yield subject, TYPE, klass
        for predicate, pairs in self.props.items():
            for subject, obj in pairs:
                yield subject, predicate, obj


# What is already known ----------------------------------------------------------------------------

class IndexedKnown:
    """Full closure: per class and predicate, the set of what the store holds, read once."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.types: dict[Term, set] = {}
        self.props: dict[Term, set] = {}

    def seed_types(self, klass: Term, subjects: set) -> None:
        """What an index read for round zero found, so that it is not read again."""
        self.types.setdefault(klass, set(subjects))

    def seed_props(self, predicate: Term, pairs: set) -> None:
        self.props.setdefault(predicate, set(pairs))

    def new_types(self, klass: Term, groups: list[set]) -> set:
        known = self.types.get(klass)
        if known is None:
            known = self.types[klass] = {q.subject for q in self.store.quads_for_pattern(None, TYPE, klass, None)}
        new: set = set()
        for group in groups:
            fresh = group - known
            known |= fresh
            new |= fresh
        return new

    def new_props(self, predicate: Term, groups: list[set]) -> set:
        known = self.props.get(predicate)
        if known is None:
            known = self.props[predicate] = {(q.subject, q.object) for q in
                                             self.store.quads_for_pattern(None, predicate, None, None)}
        new: set = set()
        for group in groups:
            fresh = group - known
            known |= fresh
            new |= fresh
        return new


class LookedUpKnown:
    """A change: each candidate looked up in the store (what this change added is remembered)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.seen: set[Triple] = set()

    def _new(self, triples: Iterable[Triple]) -> list[Triple]:
        fresh = []
        for triple in triples:
            if triple in self.seen:
                continue
            self.seen.add(triple)
            s, p, o = triple
            if isinstance(s, ox.Literal):
                continue  # never kept (see drops_subject)
            if next(iter(self.store.quads_for_pattern(s, p, o, None)), None) is None:
                fresh.append(triple)
        return fresh

    def new_types(self, klass: Term, groups: list[set]) -> set:
        return {s for s, _, _ in self._new((s, TYPE, klass) for group in groups for s in group)}

    def new_props(self, predicate: Term, groups: list[set]) -> set:
        return {(s, o) for s, _, o in self._new((s, predicate, o) for group in groups for s, o in group)}


__all__ = ["Derived", "Batch", "IndexedKnown", "LookedUpKnown", "drops_subject", "DISJOINT_WITH"]
