"""The OWL 2 RL rules compiled against the schema: what a data triple fires.

Each rule's vocabulary atoms are solved once, in memory, leaving per data key (a predicate, a
class, a subject or an object) the *entries* a data triple with that key fires: prp-dom with
``evaw:reportedBy rdfs:domain evaw:Activity`` becomes "a triple with predicate
``evaw:reportedBy`` types its subject ``evaw:Activity``". A :class:`Plan` sorts a key's entries
by the shape of their conclusion, so that those needing no other data (domain, range, subclass,
subproperty, inverse, symmetry, equivalence) run as set operations on a whole index read; the
others keep a join order for the data atoms left.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from .owl_rules import (RULES, SUB_CLASS_OF, THING, NOTHING, TYPE, Atom, Condition, Rule, Term, Triple,
                        is_variable, is_vocabulary_atom, list_rules, term)
from .vocabulary import Vocabulary

_THING_OBJECT = frozenset((TYPE, SUB_CLASS_OF, term("rdfs:domain"), term("rdfs:range")))
#: Rules with data atoms (the schema-only ones never fire on data).
DATA_RULES = tuple(rule for rule in RULES if not rule.vocabulary_only)

Key = tuple  # ("p", predicate) | ("t", class) | ("s", subject) | ("o", object) | ("any",)


# Matching and substituting atoms -----------------------------------------------------------------

def unify(atom: Atom, triple: Triple, bindings: dict) -> dict | None:
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


def substitute(atom: Atom, bindings: dict) -> Atom:
    return tuple(bindings.get(slot, slot) if is_variable(slot) else slot for slot in atom)  # type: ignore


def ground(atom: Atom, bindings: dict) -> Triple | None:
    triple = substitute(atom, bindings)
    if any(is_variable(slot) for slot in triple):
        return None
    return triple  # type: ignore[return-value]


def pattern(atom: Atom, bindings: dict) -> tuple:
    """The atom as a store pattern: bound variables replaced, unbound ones ``None``."""
    return tuple(bindings.get(slot) if isinstance(slot, str) else slot for slot in atom)


def join_order(atoms: Iterable[Atom], bound: Iterable[str]) -> tuple[tuple[Atom, bool], ...]:
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


def decided(conditions: tuple[Condition, ...], bindings: dict) -> tuple[bool, tuple[Condition, ...]]:
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


def rule_key(rule: Rule) -> tuple:
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
        self.order = join_order(self.rest, _variables(self.atom) | self.bindings.keys())


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
            found = self.orders[key] = join_order(rest, _variables(bound))
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


def valid_predicate(predicate) -> bool:
    """A variable, or a term that can be a predicate (an IRI)."""
    return isinstance(predicate, ox.NamedNode) or is_variable(predicate)


def solve_schema(vocabulary: Vocabulary, atoms: list[Atom], bindings: dict,
                 conditions: tuple[Condition, ...]) -> Iterator[dict]:
    """Every extension of ``bindings`` satisfying the schema ``atoms`` and the conditions
    they decide (greedy join order: the most bound atom next)."""
    passed, conditions = decided(conditions, bindings)
    if not passed:
        return
    if not atoms:
        yield bindings
        return
    best = max(range(len(atoms)), key=lambda i: sum(1 for slot in atoms[i] if not is_variable(slot)
                                                     or slot in bindings))
    atom, rest = atoms[best], [a for i, a in enumerate(atoms) if i != best]
    for triple in vocabulary.match(*pattern(atom, bindings)):
        extended = unify(atom, triple, bindings)
        if extended is not None:
            yield from solve_schema(vocabulary, rest, extended, conditions)


def compile_rule(rule: Rule, plans: dict[Key, Plan], vocabulary: Vocabulary) -> None:
    """Add a rule's entries, one per solution of its schema atoms and data atom, to ``plans``."""
    schema = [atom for atom in rule.body if is_vocabulary_atom(atom)]
    data = [atom for atom in rule.body if not is_vocabulary_atom(atom)]
    for solution in solve_schema(vocabulary, schema, {}, rule.conditions):
        _, conditions = decided(rule.conditions, solution)
        heads = tuple(h for h in (substitute(h, solution) for h in rule.head)
                      if not _always_trivial(h) and valid_predicate(h[1]))
        for index, atom in enumerate(data):
            atom = substitute(atom, solution)
            kept = tuple(h for h in heads if h != atom)
            if not kept:
                continue
            rest = tuple(substitute(a, solution) for i, a in enumerate(data) if i != index)
            plans[_key(atom)].add(Entry(rule, atom, solution, rest, conditions, kept))


def compile_tables(vocabulary: Vocabulary) -> Tables:
    """Every rule's entries for the vocabulary as it is, and the index of rule heads."""
    rules = {rule_key(rule): rule for rule in list_rules(vocabulary.lists())}
    plans: dict[Key, Plan] = defaultdict(Plan)
    for rule in (*DATA_RULES, *rules.values()):
        compile_rule(rule, plans, vocabulary)
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
    return Tables(vocabulary.version, dict(plans), rules, vocabulary.member_pairs(), targets, dict(heads))


__all__ = ["Entry", "Plan", "Tables", "Key", "compile_rule", "compile_tables", "unify", "substitute",
           "ground", "pattern", "join_order", "decided", "rule_key", "valid_predicate"]
