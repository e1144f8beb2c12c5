"""Evaluating the OWL 2 RL rules (``owl_rules``) over a pyoxigraph store, forward and backward.

The schema (:class:`~evawkg.graph.vocabulary.Vocabulary`) is joined first, in memory, into
entries per data key (``rule_tables``). Entries with no other data atom (domain, range,
subclass, subproperty, inverse, symmetry, equivalence: nearly all the work) run set-at-a-time
on whole index reads of the store; the rest (transitivity, sameAs, functional properties,
restrictions, chains, keys) join tuple by tuple through ``quads_for_pattern``. When the schema
changes, the entries are recompiled and the new schema triples are joined against the data
(semi-naive on both sides).

:class:`Reasoner` is used three ways by ``inference``: the whole closure (:meth:`close_vocabulary`
then :meth:`propagate_all`), insertion from a change (:meth:`propagate`), and the two halves of
delete-and-rederive (:meth:`overdelete`, :meth:`derivable`).

What a derived triple becomes (see ``inference`` for the trivial ones):

* written to the inferred graph, unless some graph already holds it;
* schema triples also join the vocabulary; trivial schema triples (``c rdfs:subClassOf c``) stay
  in the vocabulary only, and only when a schema-only rule derives them (the vocabulary's own
  closure recomputes those, so a later change finds them again);
* other trivial triples (``x rdf:type owl:Thing``…) are dropped, not used as premises: they only
  lead to more trivial triples unless the ontology subclasses ``owl:Thing`` or the like.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox

from .derivations import DISJOINT_WITH, Batch, Derived, IndexedKnown, LookedUpKnown, drops_subject
from .owl_rules import (CHAIN, FIRST, HAS_KEY, INTERSECTION_OF, REST, RULES, THING, TYPE,
                        VOCABULARY_CLASSES, VOCABULARY_NAMESPACES, VOCABULARY_PREDICATES, Atom,
                        Condition, Rule, Term, Triple, is_trivial_triple, is_vocabulary,
                        is_vocabulary_atom, list_rules, term)
from .rule_tables import (Entry, Key, Plan, Tables, compile_rule, compile_tables, decided, ground, pattern,
                          rule_key, unify, valid_predicate)
from .vocabulary import Vocabulary

_LIST_STRUCTURE = frozenset((FIRST, REST, CHAIN, HAS_KEY, INTERSECTION_OF, term("owl:unionOf"),
                             term("owl:oneOf")))
_SCHEMA_RULES = tuple(rule for rule in RULES if rule.vocabulary_only)


class Reasoner:
    """The OWL 2 RL rules over one store, with its vocabulary in memory (see the module text)."""

    def __init__(self, store: ox.Store, graph: ox.NamedNode, vocabulary: Vocabulary, *,
                 bulk: bool, progress: Callable[[str], None] | None = None) -> None:
        self.store = store
        self.graph = graph
        self.vocabulary = vocabulary
        self.bulk = bulk
        self.known = IndexedKnown(store) if bulk else LookedUpKnown(store)
        self.progress = progress
        self._tables: Tables | None = None
        #: List rules and list memberships not yet joined with the data (the schema grew).
        self._pending_rules: list[Rule] = []
        self._pending_members: list[Triple] = []
        #: Triples the joins also see (the removed ones, while over-deleting).
        self._extra: set[Triple] = set()
        self.written: list[Triple] = []
        #: How many triples were written to the inferred graph.
        self.count = 0
        self.rounds = 0

    # Tables -----------------------------------------------------------------------------------

    def tables(self) -> Tables:
        """The entries for the vocabulary as it is now (recompiled when it changed; list rules
        and memberships it gained wait to be joined with everything)."""
        previous = self._tables
        if previous is not None and previous.version == self.vocabulary.version:
            return previous
        tables = compile_tables(self.vocabulary)
        if previous is not None:
            self._pending_rules += [rule for key, rule in tables.list_rules.items()
                                    if key not in previous.list_rules]
            self._pending_members += list(tables.member_pairs - previous.member_pairs)
        self._tables = tables
        return tables

    # Joins ------------------------------------------------------------------------------------

    def _match(self, pattern: tuple, atom: Atom) -> Iterator[Triple]:
        s, p, o = pattern
        if isinstance(s, ox.Literal) or (p is not None and not isinstance(p, ox.NamedNode)):
            return
        if is_vocabulary_atom(atom):
            yield from self.vocabulary.match(s, p, o)
            return
        for quad in self.store.quads_for_pattern(s, p, o, None):
            yield quad.subject, quad.predicate, quad.object
        yield from self.vocabulary.match_unstored(s, p, o)
        for triple in self._extra:
            if ((s is None or triple[0] == s) and (p is None or triple[1] == p)
                    and (o is None or triple[2] == o)):
                yield triple

    def _run(self, order: tuple, index: int, bindings: dict,
             conditions: tuple[Condition, ...]) -> Iterator[dict]:
        """Every extension of ``bindings`` through the atoms of a join ``order`` from ``index``."""
        passed, conditions = decided(conditions, bindings)
        if not passed:
            return
        if index == len(order):
            yield bindings
            return
        atom, schema = order[index]
        wanted = pattern(atom, bindings)
        matches = self.vocabulary.match(*wanted) if schema else self._match(wanted, atom)
        for triple in matches:
            extended = unify(atom, triple, bindings)
            if extended is not None:
                yield from self._run(order, index + 1, extended, conditions)

    def _fire(self, entry: Entry, triple: Triple, out: Derived) -> None:
        bindings = unify(entry.atom, triple, entry.bindings)
        if bindings is None:
            return
        for solution in self._run(entry.order, 0, bindings, entry.conditions):
            for head in entry.heads:
                triple = ground(head, solution)
                if triple is not None and valid_predicate(triple[1]):
                    out.add(triple)

    def _fire_rule(self, rule: Rule, atom: Atom, triple: Triple, out: Derived) -> None:
        """Join one triple standing for one atom of a rule with everything else (schema deltas)."""
        bindings = unify(atom, triple, {})
        if bindings is None:
            return
        rest = list(rule.body)
        rest.remove(atom)
        order = self.tables().order(rule, atom, rest)
        for solution in self._run(order, 0, bindings, rule.conditions):
            for head in rule.head:
                concluded = ground(head, solution)
                if concluded is None or not valid_predicate(concluded[1]):
                    continue
                if rule.vocabulary_only:
                    out.schema.append(concluded)
                else:
                    out.add(concluded)

    # Set-at-a-time firing ---------------------------------------------------------------------

    def _fire_pairs(self, plan: Plan, predicate: Term, pairs, out: Derived) -> None:
        if plan.subject_types:
            subjects = {s for s, _ in pairs}
            for klass in plan.subject_types:
                out.types[klass].append(subjects)
        if plan.object_types:
            objects = {o for _, o in pairs if not isinstance(o, ox.Literal)}
            for klass in plan.object_types:
                out.types[klass].append(objects)
        if plan.forward:
            pair_set = pairs if isinstance(pairs, set) else set(pairs)
            for target in plan.forward:
                out.props[target].append(pair_set)
        if plan.backward:
            reverse = {(o, s) for s, o in pairs if not isinstance(o, ox.Literal)}
            for target in plan.backward:
                out.props[target].append(reverse)
        for entry in plan.one_by_one:
            for s, o in pairs:
                self._fire(entry, (s, predicate, o), out)

    def _fire_ends(self, plan: Plan, quads: Iterable[ox.Quad], out: Derived) -> None:
        if plan.subject_types and plan.object_types:
            subjects, objects = set(), set()
            for quad in quads:
                subjects.add(quad.subject)
                objects.add(quad.object)
        elif plan.subject_types:
            subjects, objects = {q.subject for q in quads}, set()
        else:
            subjects, objects = set(), {q.object for q in quads}
        objects = {o for o in objects if not isinstance(o, ox.Literal)}
        for klass in plan.subject_types:
            out.types[klass].append(subjects)
        for klass in plan.object_types:
            out.types[klass].append(objects)

    def _fire_subjects(self, plan: Plan, klass: Term, subjects: set, out: Derived) -> None:
        for target in plan.subject_types:
            out.types[target].append(subjects)
        for entry in plan.one_by_one:
            for s in subjects:
                self._fire(entry, (s, TYPE, klass), out)

    def _fire_triples(self, plan: Plan, triples: Iterable[Triple], out: Derived) -> None:
        for entry in plan.one_by_one:
            for triple in triples:
                self._fire(entry, triple, out)

    # Rounds -----------------------------------------------------------------------------------

    def derive(self, batch: Batch, out: Derived) -> None:
        """One semi-naive round: everything ``batch`` (already in the store and vocabulary)
        entails with what is known."""
        tables = self.tables()
        plans = tables.plans
        for klass, subjects in batch.types.items():
            plan = plans.get(("t", klass))
            if plan is not None:
                self._fire_subjects(plan, klass, subjects, out)
        for predicate, pairs in batch.props.items():
            plan = plans.get(("p", predicate))
            if plan is not None:
                self._fire_pairs(plan, predicate, pairs, out)
        type_plan = plans.get(("p", TYPE))
        if type_plan is not None and batch.types:
            self._fire_pairs(type_plan, TYPE, {(s, k) for k, ss in batch.types.items() for s in ss}, out)
        if tables.keyed_by_node:
            for triple in batch.triples():
                for key in (("s", triple[0]), ("o", triple[2]), ("any",)):
                    plan = plans.get(key)
                    if plan is not None:
                        self._fire_triples(plan, (triple,), out)
        for triple in batch.schema:
            self._schema_delta(triple, out, _ALL)
        self._join_pending(out)

    def _join_pending(self, out: Derived) -> None:
        """New list rules run over everything; new list memberships join as schema deltas."""
        self.tables()
        while self._pending_rules or self._pending_members:
            rules, self._pending_rules = self._pending_rules, []
            members, self._pending_members = self._pending_members, []
            for rule in rules:
                plans: dict[Key, Plan] = defaultdict(Plan)
                compile_rule(rule, plans, self.vocabulary)
                self._fire_everything(plans, out)
            for triple in members:
                self._schema_delta(triple, out, _ALL)

    def _schema_delta(self, triple: Triple, out: Derived, rules: str) -> None:
        """Join a new (or removed) schema triple, standing for each vocabulary atom it matches."""
        candidates = _SCHEMA_RULES if rules == _SCHEMA else (*RULES, *self.tables().list_rules.values())
        s, p, o = triple
        for rule in candidates:
            for atom in rule.body:
                if atom[1] == p and is_vocabulary_atom(atom) and (p != TYPE or atom[2] == o):
                    self._fire_rule(rule, atom, triple, out)

    def _fire_everything(self, plans: dict[Key, Plan], out: Derived) -> None:
        """Round zero: every entry over every matching triple of the store (one index read per key)."""
        store = self.store
        targets = self.tables().targets
        for key, plan in plans.items():
            kind = key[0]
            if kind == "t":
                klass = key[1]
                subjects = {q.subject for q in store.quads_for_pattern(None, TYPE, klass, None)}
                subjects |= {t[0] for t in self.vocabulary.match_unstored(None, TYPE, klass)}
                if self.bulk and klass in targets:
                    self.known.seed_types(klass, subjects)
                self._fire_subjects(plan, klass, subjects, out)
            elif kind == "p":
                predicate = key[1]
                seed = self.bulk and predicate in targets
                extra = {(t[0], t[2]) for t in self.vocabulary.match_unstored(None, predicate, None)}
                quads = store.quads_for_pattern(None, predicate, None, None)
                if seed or plan.forward or plan.backward or plan.one_by_one or extra:
                    pairs = {(q.subject, q.object) for q in quads} | extra
                    if seed:
                        self.known.seed_props(predicate, pairs)
                    self._fire_pairs(plan, predicate, pairs, out)
                else:
                    # Only the subjects or the objects are needed: read no more than that.
                    self._fire_ends(plan, quads, out)
            else:
                pattern = {"s": (key[-1], None, None), "o": (None, None, key[-1]), "any": (None, None, None)}[kind]
                triples = [(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(*pattern, None)]
                triples += list(self.vocabulary.match_unstored(*pattern))
                self._fire_triples(plan, triples, out)

    def commit(self, out: Derived) -> Batch:
        """Keep what is new of a round's conclusions: write it, add schema to the vocabulary;
        the batch of what was new."""
        batch = Batch()
        quads: list[ox.Quad] = []
        graph = self.graph
        schema = []
        for triple in out.schema:
            if is_vocabulary(triple):
                schema.append(triple)
            else:
                out.add(triple)  # a schema-only rule concluding data (cls-oo): as any data
        for klass, groups in out.type_groups():
            if klass in VOCABULARY_CLASSES:
                for group in groups:
                    for subject in group:
                        self._commit_schema((subject, TYPE, klass), False, batch, quads)
                continue
            if klass == THING:
                continue
            new = self.known.new_types(klass, groups)
            kept = {s for s in new if not (isinstance(s, ox.NamedNode) and s.value.startswith(VOCABULARY_NAMESPACES))
                    and not isinstance(s, ox.Literal)}
            if kept:
                batch.types[klass] |= kept
                quads.extend(ox.Quad(s, TYPE, klass, graph) for s in kept)
        for predicate, groups in out.property_groups():
            if predicate in VOCABULARY_PREDICATES:
                for group in groups:
                    for s, o in group:
                        self._commit_schema((s, predicate, o), False, batch, quads)
                continue
            new = self.known.new_props(predicate, groups)
            if predicate == DISJOINT_WITH:
                kept = {(s, o) for s, o in new if not drops_subject(s, predicate)}
            else:
                kept = {(s, o) for s, o in new if not isinstance(s, ox.Literal)}
            if kept:
                batch.props[predicate] |= kept
                quads.extend(ox.Quad(s, predicate, o, graph) for s, o in kept)
        for triple in schema:
            self._commit_schema(triple, True, batch, quads)
        self._write(quads)
        return batch

    def _commit_schema(self, triple: Triple, schema_rule: bool, batch: Batch, quads: list) -> None:
        s, p, o = triple
        if isinstance(s, ox.Literal):
            return
        trivial = is_trivial_triple(s, p, o)
        if (trivial and not schema_rule) or triple in self.vocabulary:
            return
        stored = not trivial
        if stored and next(iter(self.store.quads_for_pattern(s, p, o, None)), None) is not None:
            # Already in some graph (asserted), though not yet in the vocabulary.
            self.vocabulary.add(triple)
            return
        if self.vocabulary.add(triple, stored=stored):
            batch.add(triple)
            if stored:
                quads.append(ox.Quad(s, p, o, self.graph))

    def _write(self, quads: list[ox.Quad]) -> None:
        if not quads:
            return
        self.count += len(quads)
        if self.bulk:
            self.store.bulk_extend(quads)
        else:
            self.store.extend(quads)
            self.written.extend(q.triple for q in quads)

    # The three uses ---------------------------------------------------------------------------

    def close_vocabulary(self) -> None:
        """Close the schema under the schema-only rules (before any data is joined)."""
        members = self.vocabulary.member_pairs()
        batch = Batch(schema=[*self.vocabulary.triples(), *members])
        while batch.schema:
            out = Derived()
            for triple in batch.schema:
                self._schema_delta(triple, out, _SCHEMA)
            batch = self.commit(out)
            if any(t[1] in (FIRST, REST) for t in batch.schema):
                now = self.vocabulary.member_pairs()
                batch.schema += list(now - members)
                members = now

    def propagate_all(self) -> None:
        """The closure of the whole store: round zero over every index, then semi-naively."""
        tables = self.tables()
        out = Derived()
        self._fire_everything(tables.plans, out)
        self.propagate(self.commit(out))

    def propagate(self, batch: Batch) -> None:
        """Semi-naive rounds from ``batch`` (already stored) until nothing is new."""
        while len(batch) or batch.schema or self._pending_rules or self._pending_members:
            self.rounds += 1
            if self.progress is not None:
                self.progress(f"round {self.rounds}, {self.count:,} triples inferred so far, "
                              f"joining the last {len(batch):,}")
            out = Derived()
            self.derive(batch, out)
            batch = self.commit(out)

    def overdelete(self, removed: set[Triple]) -> set[Triple]:
        """Delete-and-rederive, first half: every stored or schema triple with a derivation
        that uses a removed one, transitively (joined against the old state: the removed
        triples are still seen). The store and vocabulary are not changed."""
        self._extra = set(removed)
        deleted = set(removed)
        frontier = list(removed)
        try:
            while frontier:
                batch = Batch()
                for triple in frontier:
                    batch.add(triple)
                out = Derived()
                self.derive(batch, out)
                self._vanished_lists(batch.schema, out)
                frontier = []
                for triple in out.triples():
                    if triple not in deleted and self._deletable(triple):
                        deleted.add(triple)
                        frontier.append(triple)
        finally:
            self._extra = set()
        return deleted

    def _vanished_lists(self, schema: list[Triple], out: Derived) -> None:
        """List rules and memberships that go when list triples go: joined like removed schema."""
        structural = [t for t in schema if t[1] in _LIST_STRUCTURE and t in self.vocabulary]
        if not structural:
            return
        vocabulary = self.vocabulary
        before_rules = {rule_key(r): r for r in list_rules(vocabulary.lists())}
        before_members = vocabulary.member_pairs()
        unstored = {t for t in structural if t in vocabulary.unstored}
        for triple in structural:
            vocabulary.discard(triple)
        after_rules = {rule_key(r) for r in list_rules(vocabulary.lists())}
        after_members = vocabulary.member_pairs()
        for triple in structural:
            vocabulary.add(triple, stored=triple not in unstored)
        for key, rule in before_rules.items():
            if key not in after_rules:
                plans: dict[Key, Plan] = defaultdict(Plan)
                compile_rule(rule, plans, self.vocabulary)
                self._fire_everything(plans, out)
        for triple in before_members - after_members:
            self._schema_delta(triple, out, _ALL)

    def _deletable(self, triple: Triple) -> bool:
        """Whether a triple is in the old closure and not asserted (so over-deletion takes it)."""
        s, p, o = triple
        if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
            return False
        if is_vocabulary(triple):
            if triple not in self.vocabulary:
                return False
            if triple in self.vocabulary.unstored:
                return True
        return ox.Quad(s, p, o, self.graph) in self.store

    def derivable(self, triple: Triple) -> bool:
        """Whether one rule derives ``triple`` from what the store and vocabulary hold now."""
        trivial = is_trivial_triple(*triple)
        tables = self.tables()
        for rule, head in tables.heads_for(triple):
            if trivial and not rule.vocabulary_only:
                continue
            bindings = unify(head, triple, {})
            if bindings is None:
                continue
            for _ in self._run(tables.order(rule, head, rule.body), 0, bindings, rule.conditions):
                return True
        return False

    def adopt(self, tables: Tables) -> None:
        """Use tables compiled earlier for the same vocabulary (a cache across changes)."""
        tables.version = self.vocabulary.version
        self._tables = tables


_ALL, _SCHEMA = "all", "schema"


__all__ = ["Reasoner", "Batch", "Derived"]
