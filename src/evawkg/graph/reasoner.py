"""Evaluating the OWL 2 RL rules (``owl_rules``) over a pyoxigraph store, forward and backward.

The schema (:class:`~evawkg.graph.vocabulary.Vocabulary`) is joined first, in memory: each rule's
vocabulary atoms are solved once, leaving per data key (a predicate, a class, a subject) the
*entries* a data triple with that key fires, e.g. prp-dom with ``evaw:reportedBy rdfs:domain
evaw:Activity`` becomes "a triple with predicate ``evaw:reportedBy`` types its subject
``evaw:Activity``". Entries with no other data atom (domain, range, subclass, subproperty,
inverse, symmetry, equivalence: nearly all the work) run set-at-a-time on whole index reads of
the store; the rest (transitivity, sameAs, functional properties, restrictions, chains, keys)
join tuple by tuple through ``quads_for_pattern``. When the schema changes, the entries are
recompiled and the new schema triples are joined against the data (semi-naive on both sides).

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
from dataclasses import dataclass, field

import pyoxigraph as ox

from .owl_rules import (CHAIN, FIRST, HAS_KEY, INTERSECTION_OF, MEMBER, REST, RULES, SUB_CLASS_OF, THING,
                        NOTHING, TYPE, VOCABULARY_CLASSES, VOCABULARY_NAMESPACES,
                        VOCABULARY_PREDICATES, Atom, Condition, Rule, Term, Triple, is_trivial_triple,
                        is_variable, is_vocabulary, is_vocabulary_atom, list_rules, term)
from .vocabulary import Vocabulary

_LIST_STRUCTURE = frozenset((FIRST, REST, CHAIN, HAS_KEY, INTERSECTION_OF, term("owl:unionOf"),
                             term("owl:oneOf")))
_DISJOINT_WITH = term("owl:disjointWith")
_THING_OBJECT = frozenset((TYPE, SUB_CLASS_OF, term("rdfs:domain"), term("rdfs:range")))
_STATIC = tuple(rule for rule in RULES if not rule.vocabulary_only)
_SCHEMA_RULES = tuple(rule for rule in RULES if rule.vocabulary_only)

Key = tuple  # ("p", predicate) | ("t", class) | ("s", subject) | ("o", object) | ("any",)


# Matching and substituting atoms -----------------------------------------------------------------

def _unify(atom: Atom, triple: Triple, bindings: dict) -> dict | None:
    result = dict(bindings)
    for slot, value in zip(atom, triple):
        if isinstance(slot, str):  # a variable (inlined: the hottest loop of the joins)
            bound = result.get(slot)
            if bound is None:
                result[slot] = value
            elif bound != value:
                return None
        elif slot != value:
            return None
    return result


def _substitute(atom: Atom, bindings: dict) -> Atom:
    return tuple(bindings.get(slot, slot) if is_variable(slot) else slot for slot in atom)  # type: ignore


def _ground(atom: Atom, bindings: dict) -> Triple | None:
    triple = _substitute(atom, bindings)
    if any(is_variable(slot) for slot in triple):
        return None
    return triple  # type: ignore[return-value]


def _pattern(atom: Atom, bindings: dict) -> tuple:
    """The atom as a store pattern: bound variables replaced, unbound ones ``None``."""
    return tuple(bindings.get(slot) if isinstance(slot, str) else slot for slot in atom)


def _bound(atom: Atom, bindings: dict) -> float:
    score = sum(1 for slot in atom if not is_variable(slot) or slot in bindings)
    return score + (0.5 if is_vocabulary_atom(atom) else 0)


def _join_order(atoms: Iterable[Atom], bound: Iterable[str]) -> tuple[tuple[Atom, bool], ...]:
    """A join order for ``atoms`` once ``bound`` variables are known: the most bound atom next,
    the schema (in memory) before the data on a tie; each with whether it is schema."""
    left, known, order = list(atoms), set(bound), []
    while left:
        best = max(left, key=lambda atom: sum(1 for slot in atom if not is_variable(slot) or slot in known)
                   + (0.5 if is_vocabulary_atom(atom) else 0))
        left.remove(best)
        order.append((best, is_vocabulary_atom(best)))
        known.update(slot for slot in best if is_variable(slot))
    return tuple(order)


def _variables(*atoms: Atom) -> set[str]:
    return {slot for atom in atoms for slot in atom if is_variable(slot)}


def _decided(conditions: tuple[Condition, ...], bindings: dict) -> tuple[bool, tuple[Condition, ...]]:
    """Apply the conditions whose variables are all bound: (all passed, those left)."""
    left = []
    for condition in conditions:
        if condition.variables <= bindings.keys():
            if not condition.test(bindings):
                return False, ()
        else:
            left.append(condition)
    return True, tuple(left)


def _always_trivial(head: Atom) -> bool:
    """Heads trivial whatever the variables (``?x a owl:Thing``), skipped when compiling."""
    s, p, o = head
    return (o == THING and p in _THING_OBJECT) or (s == NOTHING and p == SUB_CLASS_OF)


def _drops_subject(subject: Term, predicate: Term) -> bool:
    """A derived data triple never kept: a literal subject, or typing an RDF/OWL term."""
    if isinstance(subject, ox.Literal):
        return True
    return (predicate in (TYPE, _DISJOINT_WITH) and isinstance(subject, ox.NamedNode)
            and subject.value.startswith(VOCABULARY_NAMESPACES))


def _rule_key(rule: Rule) -> tuple:
    return rule.name, rule.head, rule.body


# Compiled entries ---------------------------------------------------------------------------------

@dataclass
class Entry:
    """A rule with its vocabulary atoms solved: what a data triple matching ``atom`` yields."""

    rule: Rule
    atom: Atom
    bindings: dict
    rest: tuple[Atom, ...]
    conditions: tuple[Condition, ...]
    heads: tuple[Atom, ...]

    def __post_init__(self) -> None:
        self.order = _join_order(self.rest, _variables(self.atom) | self.bindings.keys())


@dataclass
class Plan:
    """The entries of one data key, the linear ones sorted by the shape of their conclusion
    so that a whole index read fires them as set operations."""

    subject_types: set = field(default_factory=set)   # (s p o) => s a C
    object_types: set = field(default_factory=set)    # (s p o) => o a C
    forward: set = field(default_factory=set)         # (s p o) => s P2 o
    backward: set = field(default_factory=set)        # (s p o) => o P2 s
    one_by_one: list = field(default_factory=list)    # everything else, tuple at a time

    def add(self, entry: Entry) -> None:
        s, p, o = entry.atom
        # Set-at-a-time needs the key to say all there is to check: a variable subject, and an
        # object that is the class of a type key or a second, distinct variable.
        vectorised = (not entry.rest and not entry.conditions and is_variable(s) and not is_variable(p)
                      and ((p == TYPE and not is_variable(o)) or (is_variable(o) and o != s)))
        for head in entry.heads:
            shape = None
            if vectorised:
                hs, hp, ho = head
                if hp == TYPE and not is_variable(ho) and hs == s:
                    shape = self.subject_types
                elif p != TYPE and is_variable(o):
                    if hp == TYPE and not is_variable(ho) and hs == o:
                        shape = self.object_types
                    elif not is_variable(hp) and hs == s and ho == o:
                        shape = self.forward
                    elif not is_variable(hp) and hs == o and ho == s:
                        shape = self.backward
            if shape is None:
                self.one_by_one.append(Entry(entry.rule, entry.atom, entry.bindings, entry.rest,
                                             entry.conditions, (head,)))
            elif shape is self.subject_types or shape is self.object_types:
                shape.add(head[2])
            else:
                shape.add(head[1])


@dataclass
class Tables:
    """Every entry by data key, for one version of the vocabulary."""

    version: int
    plans: dict[Key, Plan]
    list_rules: dict[tuple, Rule]
    member_pairs: set[Triple]
    #: Classes and predicates some entry concludes (whose known triples full closure indexes).
    targets: set[Term]
    #: Every rule head by what it can conclude: ("p", predicate), ("t", class), ("p", None) for
    #: a variable predicate, ("t", None) for ``?x a ?c``.
    heads: dict[tuple, list[tuple[Rule, Atom]]] = field(default_factory=dict)
    #: Join orders of rule bodies by (rule, the atom or head already bound), made on first use.
    orders: dict[tuple[int, int], tuple] = field(default_factory=dict)

    def order(self, rule: Rule, bound: Atom, rest: Iterable[Atom]) -> tuple:
        key = (id(rule), id(bound))
        found = self.orders.get(key)
        if found is None:
            found = self.orders[key] = _join_order(rest, _variables(bound))
        return found

    def heads_for(self, triple: Triple) -> list[tuple[Rule, Atom]]:
        s, p, o = triple
        found = self.heads.get(("p", p), []) + self.heads.get(("p", None), [])
        if p == TYPE:
            found += self.heads.get(("t", o), []) + self.heads.get(("t", None), [])
        return found

    @property
    def keyed_by_node(self) -> bool:
        return any(key[0] in ("s", "o", "any") for key in self.plans)


def _key(atom: Atom) -> Key:
    s, p, o = atom
    if not is_variable(p) and p != TYPE:
        return ("p", p)
    if p == TYPE:
        return ("p", TYPE) if is_variable(o) else ("t", o)
    if not is_variable(s):
        return ("s", s)
    if not is_variable(o):
        return ("o", o)
    return ("any",)


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

class _IndexedKnown:
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


class _LookedUpKnown:
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
                continue  # never kept (see _drops_subject)
            if next(iter(self.store.quads_for_pattern(s, p, o, None)), None) is None:
                fresh.append(triple)
        return fresh

    def new_types(self, klass: Term, groups: list[set]) -> set:
        return {s for s, _, _ in self._new((s, TYPE, klass) for group in groups for s in group)}

    def new_props(self, predicate: Term, groups: list[set]) -> set:
        return {(s, o) for s, _, o in self._new((s, predicate, o) for group in groups for s, o in group)}


# The reasoner -------------------------------------------------------------------------------------

class Reasoner:
    """The OWL 2 RL rules over one store, with its vocabulary in memory (see the module text)."""

    def __init__(self, store: ox.Store, graph: ox.NamedNode, vocabulary: Vocabulary, *,
                 bulk: bool, progress: Callable[[str], None] | None = None) -> None:
        self.store = store
        self.graph = graph
        self.vocabulary = vocabulary
        self.bulk = bulk
        self.known = _IndexedKnown(store) if bulk else _LookedUpKnown(store)
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
        vocabulary = self.vocabulary
        previous = self._tables
        if previous is not None and previous.version == vocabulary.version:
            return previous
        rules = {_rule_key(rule): rule for rule in list_rules(vocabulary.lists())}
        members = vocabulary.member_pairs()
        plans: dict[Key, Plan] = defaultdict(Plan)
        for rule in (*_STATIC, *rules.values()):
            self._compile(rule, plans)
        targets: set[Term] = set()
        for plan in plans.values():
            targets |= plan.subject_types | plan.object_types | plan.forward | plan.backward
            for entry in plan.one_by_one:
                for _, p, o in entry.heads:
                    targets.add(o if p == TYPE else p)
        heads: dict[tuple, list[tuple[Rule, Atom]]] = defaultdict(list)
        for rule in (*RULES, *rules.values()):
            for head in rule.head:
                p, o = head[1], head[2]
                if p == TYPE:
                    heads[("t", None if is_variable(o) else o)].append((rule, head))
                else:
                    heads[("p", None if is_variable(p) else p)].append((rule, head))
        tables = Tables(vocabulary.version, dict(plans), rules, members, targets, dict(heads))
        if previous is not None:
            self._pending_rules += [rule for key, rule in rules.items() if key not in previous.list_rules]
            self._pending_members += list(members - previous.member_pairs)
        self._tables = tables
        return tables

    def _compile(self, rule: Rule, plans: dict[Key, Plan]) -> None:
        schema = [atom for atom in rule.body if is_vocabulary_atom(atom)]
        data = [atom for atom in rule.body if not is_vocabulary_atom(atom)]
        for solution in self._solve(schema, {}, rule.conditions):
            _, conditions = _decided(rule.conditions, solution)
            heads = tuple(h for h in (_substitute(h, solution) for h in rule.head)
                          if not _always_trivial(h) and _valid_predicate(h[1]))
            for index, atom in enumerate(data):
                atom = _substitute(atom, solution)
                kept = tuple(h for h in heads if h != atom)
                if not kept:
                    continue
                rest = tuple(_substitute(a, solution) for i, a in enumerate(data) if i != index)
                plans[_key(atom)].add(Entry(rule, atom, solution, rest, conditions, kept))

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

    def _solve(self, atoms: list[Atom] | tuple[Atom, ...], bindings: dict,
               conditions: tuple[Condition, ...]) -> Iterator[dict]:
        """Every extension of ``bindings`` satisfying ``atoms`` and ``conditions`` (greedy join
        order: the most bound atom next, the schema first)."""
        passed, conditions = _decided(conditions, bindings)
        if not passed:
            return
        if not atoms:
            yield bindings
            return
        best = max(range(len(atoms)), key=lambda i: _bound(atoms[i], bindings))
        atom, rest = atoms[best], [a for i, a in enumerate(atoms) if i != best]
        for triple in self._match(_pattern(atom, bindings), atom):
            extended = _unify(atom, triple, bindings)
            if extended is not None:
                yield from self._solve(rest, extended, conditions)

    def _run(self, order: tuple, index: int, bindings: dict,
             conditions: tuple[Condition, ...]) -> Iterator[dict]:
        """Every extension of ``bindings`` through the atoms of a join ``order`` from ``index``."""
        passed, conditions = _decided(conditions, bindings)
        if not passed:
            return
        if index == len(order):
            yield bindings
            return
        atom, schema = order[index]
        pattern = _pattern(atom, bindings)
        matches = self.vocabulary.match(*pattern) if schema else self._match(pattern, atom)
        for triple in matches:
            extended = _unify(atom, triple, bindings)
            if extended is not None:
                yield from self._run(order, index + 1, extended, conditions)

    def _fire(self, entry: Entry, triple: Triple, out: Derived) -> None:
        bindings = _unify(entry.atom, triple, entry.bindings)
        if bindings is None:
            return
        for solution in self._run(entry.order, 0, bindings, entry.conditions):
            for head in entry.heads:
                ground = _ground(head, solution)
                if ground is not None and _valid_predicate(ground[1]):
                    out.add(ground)

    def _fire_rule(self, rule: Rule, atom: Atom, triple: Triple, out: Derived) -> None:
        """Join one triple standing for one atom of a rule with everything else (schema deltas)."""
        bindings = _unify(atom, triple, {})
        if bindings is None:
            return
        rest = list(rule.body)
        rest.remove(atom)
        order = self.tables().order(rule, atom, rest)
        for solution in self._run(order, 0, bindings, rule.conditions):
            for head in rule.head:
                ground = _ground(head, solution)
                if ground is None or not _valid_predicate(ground[1]):
                    continue
                if rule.vocabulary_only:
                    out.schema.append(ground)
                else:
                    out.add(ground)

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
                self._compile(rule, plans)
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
            if predicate == _DISJOINT_WITH:
                kept = {(s, o) for s, o in new if not _drops_subject(s, predicate)}
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
        before_rules = {_rule_key(r): r for r in list_rules(vocabulary.lists())}
        before_members = vocabulary.member_pairs()
        unstored = {t for t in structural if t in vocabulary.unstored}
        for triple in structural:
            vocabulary.discard(triple)
        after_rules = {_rule_key(r) for r in list_rules(vocabulary.lists())}
        after_members = vocabulary.member_pairs()
        for triple in structural:
            vocabulary.add(triple, stored=triple not in unstored)
        for key, rule in before_rules.items():
            if key not in after_rules:
                plans: dict[Key, Plan] = defaultdict(Plan)
                self._compile(rule, plans)
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
            bindings = _unify(head, triple, {})
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


def _valid_predicate(predicate) -> bool:
    return isinstance(predicate, ox.NamedNode) or (is_variable(predicate))


__all__ = ["Reasoner", "Batch", "Derived"]
