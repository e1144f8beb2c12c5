"""The OWL 2 RL/RDF rules as data: triple patterns over variables and constants, the vocabulary
they read, and which entailments are trivial.

Rules are those of https://www.w3.org/TR/owl2-profiles/#OWL_2_RL, tables 4-7 and 9 (see
``inference.py`` for what is left out and why). A rule is a conjunction of body atoms, optional
conditions, and head atoms; ``graph/reasoner.py`` evaluates them over the store's indexes.

Atoms split in two kinds, which decides how they are evaluated:

* *vocabulary* atoms, whose predicate is an OWL/RDFS term the rules name (``rdfs:subClassOf``,
  ``owl:inverseOf``…) or which type something with an OWL class the rules name
  (``?p a owl:TransitiveProperty``): the schema. Few, held in memory and joined first.
* *instance* atoms, everything else (``?x ?p ?y``, ``?x a ?c``): the data. Millions, read from the
  store's indexes by the predicate, class, subject or object the schema part binds.

RDF lists (``owl:intersectionOf`` and the like) are read through one pseudo-predicate,
:data:`MEMBER` (``rdf:rest*/rdf:first``); rules over whole lists (property chains, keys,
intersections) are written out per list from the current vocabulary by :func:`list_rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import OWL, RDF, RDFS, XSD

Term = ox.NamedNode | ox.BlankNode | ox.Literal
#: A variable is a string starting with ``?``; anything else in an atom is a constant term.
Slot = str | Term
Atom = tuple[Slot, Slot, Slot]
Triple = tuple[Term, Term, Term]
Bindings = Mapping[str, Term]

_NAMESPACES = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD)}


def term(curie: str) -> ox.NamedNode:
    prefix, local = curie.split(":", 1)
    return ox.NamedNode(_NAMESPACES[prefix] + local)


TYPE = term("rdf:type")
FIRST, REST, NIL = term("rdf:first"), term("rdf:rest"), term("rdf:nil")
SAME_AS = term("owl:sameAs")
SUB_CLASS_OF, SUB_PROPERTY_OF = term("rdfs:subClassOf"), term("rdfs:subPropertyOf")
THING, NOTHING = term("owl:Thing"), term("owl:Nothing")
CHAIN, HAS_KEY, INTERSECTION_OF = term("owl:propertyChainAxiom"), term("owl:hasKey"), term("owl:intersectionOf")
#: ``?l MEMBER ?x``: ``x`` is a member of the RDF list ``l`` (``rdf:rest*/rdf:first``).
MEMBER = ox.NamedNode("urn:evawkg:reasoner:list-member")

#: The namespaces whose own terms' axiomatic typing the closure leaves out.
VOCABULARY_NAMESPACES = tuple(_NAMESPACES[p] for p in ("rdf", "rdfs", "owl", "xsd"))

_REFLEXIVE = frozenset(term(c) for c in ("owl:sameAs", "rdfs:subClassOf", "owl:equivalentClass",
                                         "rdfs:subPropertyOf", "owl:equivalentProperty"))
_THING_OBJECT = frozenset(term(c) for c in ("rdf:type", "rdfs:subClassOf", "rdfs:domain", "rdfs:range"))
_VOCABULARY_TYPING = frozenset((TYPE, term("owl:disjointWith")))


def is_variable(slot: Slot) -> bool:
    return isinstance(slot, str)


@dataclass(frozen=True)
class Condition:
    """A test of bound variables (``FILTER`` in the SPARQL of the rule tables)."""

    variables: frozenset[str]
    test: Callable[[Bindings], bool]


@dataclass(frozen=True)
class Rule:
    """``body`` (joined, then ``conditions`` applied) entails every atom of ``head``."""

    name: str
    head: tuple[Atom, ...]
    body: tuple[Atom, ...]
    conditions: tuple[Condition, ...] = ()

    @property
    def vocabulary_only(self) -> bool:
        """Whether the rule reads the schema alone (its conclusions are recomputed with the
        vocabulary; only they may keep trivial triples, see :func:`is_trivial`)."""
        return all(is_vocabulary_atom(atom) for atom in self.body)


def _atom(text: str) -> Atom:
    parts = text.split()
    if len(parts) != 3:
        raise ValueError(f"an atom has three parts: {text!r}")
    special = {"a": TYPE, MEMBER.value: MEMBER}
    return tuple(part if part.startswith("?") else special.get(part) or term(part)
                 for part in parts)  # type: ignore[return-value]


def _atoms(text: str) -> tuple[Atom, ...]:
    return tuple(_atom(part) for part in text.split(" . ") if part.strip())


def _different(first: str, second: str) -> Condition:
    return Condition(frozenset((first, second)), lambda b: b[first] != b[second])


def _is_one(variable: str) -> Condition:
    def test(bindings: Bindings) -> bool:
        value = bindings[variable]
        try:
            return isinstance(value, ox.Literal) and int(value.value) == 1
        except ValueError:
            return False
    return Condition(frozenset((variable,)), test)


def _rule(name: str, heads: str, body: str, *conditions: Condition) -> Rule:
    return Rule(name, _atoms(heads), _atoms(body), conditions)


RULES: tuple[Rule, ...] = (
    # Table 4: equality (eq-ref, x sameAs x for every term, is a tautology and left out).
    _rule("eq-sym", "?y owl:sameAs ?x", "?x owl:sameAs ?y"),
    _rule("eq-trans", "?x owl:sameAs ?z", "?x owl:sameAs ?y . ?y owl:sameAs ?z"),
    _rule("eq-rep-s", "?s2 ?p ?o", "?s owl:sameAs ?s2 . ?s ?p ?o"),
    _rule("eq-rep-p", "?s ?p2 ?o", "?p owl:sameAs ?p2 . ?s ?p ?o"),
    _rule("eq-rep-o", "?s ?p ?o2", "?o owl:sameAs ?o2 . ?s ?p ?o"),
    # Table 5: properties.
    _rule("prp-dom", "?x a ?c", "?p rdfs:domain ?c . ?x ?p ?y"),
    _rule("prp-rng", "?y a ?c", "?p rdfs:range ?c . ?x ?p ?y"),
    _rule("prp-fp", "?y1 owl:sameAs ?y2", "?p a owl:FunctionalProperty . ?x ?p ?y1 . ?x ?p ?y2",
          _different("?y1", "?y2")),
    _rule("prp-ifp", "?x1 owl:sameAs ?x2", "?p a owl:InverseFunctionalProperty . ?x1 ?p ?y . ?x2 ?p ?y",
          _different("?x1", "?x2")),
    _rule("prp-symp", "?y ?p ?x", "?p a owl:SymmetricProperty . ?x ?p ?y"),
    _rule("prp-trp", "?x ?p ?z", "?p a owl:TransitiveProperty . ?x ?p ?y . ?y ?p ?z"),
    _rule("prp-spo1", "?x ?p2 ?y", "?p1 rdfs:subPropertyOf ?p2 . ?x ?p1 ?y"),
    _rule("prp-eqp1", "?x ?p2 ?y", "?p1 owl:equivalentProperty ?p2 . ?x ?p1 ?y"),
    _rule("prp-eqp2", "?x ?p1 ?y", "?p1 owl:equivalentProperty ?p2 . ?x ?p2 ?y"),
    _rule("prp-inv1", "?y ?p2 ?x", "?p1 owl:inverseOf ?p2 . ?x ?p1 ?y"),
    _rule("prp-inv2", "?y ?p1 ?x", "?p1 owl:inverseOf ?p2 . ?x ?p2 ?y"),
    # Table 6: classes (cls-int1, over a whole list, is written out per list by list_rules).
    _rule("cls-thing", "owl:Thing a owl:Class", ""),
    _rule("cls-nothing1", "owl:Nothing a owl:Class", ""),
    _rule("cls-int2", "?y a ?ci", f"?c owl:intersectionOf ?l . ?l {MEMBER.value} ?ci . ?y a ?c"),
    _rule("cls-uni", "?y a ?c", f"?c owl:unionOf ?l . ?l {MEMBER.value} ?ci . ?y a ?ci"),
    _rule("cls-svf1", "?u a ?x", "?x owl:someValuesFrom ?y . ?x owl:onProperty ?p . ?u ?p ?v . ?v a ?y"),
    _rule("cls-svf2", "?u a ?x", "?x owl:someValuesFrom owl:Thing . ?x owl:onProperty ?p . ?u ?p ?v"),
    _rule("cls-avf", "?v a ?y", "?x owl:allValuesFrom ?y . ?x owl:onProperty ?p . ?u a ?x . ?u ?p ?v"),
    _rule("cls-hv1", "?u ?p ?y", "?x owl:hasValue ?y . ?x owl:onProperty ?p . ?u a ?x"),
    _rule("cls-hv2", "?u a ?x", "?x owl:hasValue ?y . ?x owl:onProperty ?p . ?u ?p ?y"),
    _rule("cls-maxc2", "?y1 owl:sameAs ?y2",
          "?x owl:maxCardinality ?n . ?x owl:onProperty ?p . ?u a ?x . ?u ?p ?y1 . ?u ?p ?y2",
          _is_one("?n"), _different("?y1", "?y2")),
    _rule("cls-maxqc3", "?y1 owl:sameAs ?y2",
          "?x owl:maxQualifiedCardinality ?n . ?x owl:onProperty ?p . ?x owl:onClass ?c . "
          "?u a ?x . ?u ?p ?y1 . ?y1 a ?c . ?u ?p ?y2 . ?y2 a ?c",
          _is_one("?n"), _different("?y1", "?y2")),
    _rule("cls-maxqc4", "?y1 owl:sameAs ?y2",
          "?x owl:maxQualifiedCardinality ?n . ?x owl:onProperty ?p . ?x owl:onClass owl:Thing . "
          "?u a ?x . ?u ?p ?y1 . ?u ?p ?y2", _is_one("?n"), _different("?y1", "?y2")),
    _rule("cls-oo", "?y a ?c", f"?c owl:oneOf ?l . ?l {MEMBER.value} ?y"),
    # Table 7: class axioms.
    _rule("cax-sco", "?x a ?c2", "?c1 rdfs:subClassOf ?c2 . ?x a ?c1"),
    _rule("cax-eqc1", "?x a ?c2", "?c1 owl:equivalentClass ?c2 . ?x a ?c1"),
    _rule("cax-eqc2", "?x a ?c1", "?c1 owl:equivalentClass ?c2 . ?x a ?c2"),
    # Table 9: schema vocabulary.
    _rule("scm-cls", "?c rdfs:subClassOf ?c . ?c owl:equivalentClass ?c . ?c rdfs:subClassOf owl:Thing . "
          "owl:Nothing rdfs:subClassOf ?c", "?c a owl:Class"),
    _rule("scm-sco", "?c1 rdfs:subClassOf ?c3", "?c1 rdfs:subClassOf ?c2 . ?c2 rdfs:subClassOf ?c3"),
    _rule("scm-eqc1", "?c1 rdfs:subClassOf ?c2 . ?c2 rdfs:subClassOf ?c1", "?c1 owl:equivalentClass ?c2"),
    _rule("scm-eqc2", "?c1 owl:equivalentClass ?c2", "?c1 rdfs:subClassOf ?c2 . ?c2 rdfs:subClassOf ?c1"),
    # scm-op and scm-dp; owlrl also applies them to rdf:Property, and so do we.
    *(_rule("scm-op", "?p rdfs:subPropertyOf ?p . ?p owl:equivalentProperty ?p", f"?p a {kind}")
      for kind in ("owl:ObjectProperty", "owl:DatatypeProperty", "rdf:Property")),
    _rule("scm-spo", "?p1 rdfs:subPropertyOf ?p3", "?p1 rdfs:subPropertyOf ?p2 . ?p2 rdfs:subPropertyOf ?p3"),
    _rule("scm-eqp1", "?p1 rdfs:subPropertyOf ?p2 . ?p2 rdfs:subPropertyOf ?p1", "?p1 owl:equivalentProperty ?p2"),
    _rule("scm-eqp2", "?p1 owl:equivalentProperty ?p2", "?p1 rdfs:subPropertyOf ?p2 . ?p2 rdfs:subPropertyOf ?p1"),
    _rule("scm-dom1", "?p rdfs:domain ?c2", "?p rdfs:domain ?c1 . ?c1 rdfs:subClassOf ?c2"),
    _rule("scm-dom2", "?p1 rdfs:domain ?c", "?p2 rdfs:domain ?c . ?p1 rdfs:subPropertyOf ?p2"),
    _rule("scm-rng1", "?p rdfs:range ?c2", "?p rdfs:range ?c1 . ?c1 rdfs:subClassOf ?c2"),
    _rule("scm-rng2", "?p1 rdfs:range ?c", "?p2 rdfs:range ?c . ?p1 rdfs:subPropertyOf ?p2"),
    _rule("scm-hv", "?c1 rdfs:subClassOf ?c2",
          "?c1 owl:hasValue ?i . ?c1 owl:onProperty ?p1 . ?c2 owl:hasValue ?i . ?c2 owl:onProperty ?p2 . "
          "?p1 rdfs:subPropertyOf ?p2"),
    _rule("scm-svf1", "?c1 rdfs:subClassOf ?c2",
          "?c1 owl:someValuesFrom ?y1 . ?c1 owl:onProperty ?p . ?c2 owl:someValuesFrom ?y2 . "
          "?c2 owl:onProperty ?p . ?y1 rdfs:subClassOf ?y2"),
    _rule("scm-svf2", "?c1 rdfs:subClassOf ?c2",
          "?c1 owl:someValuesFrom ?y . ?c1 owl:onProperty ?p1 . ?c2 owl:someValuesFrom ?y . "
          "?c2 owl:onProperty ?p2 . ?p1 rdfs:subPropertyOf ?p2"),
    _rule("scm-avf1", "?c1 rdfs:subClassOf ?c2",
          "?c1 owl:allValuesFrom ?y1 . ?c1 owl:onProperty ?p . ?c2 owl:allValuesFrom ?y2 . "
          "?c2 owl:onProperty ?p . ?y1 rdfs:subClassOf ?y2"),
    _rule("scm-avf2", "?c2 rdfs:subClassOf ?c1",
          "?c1 owl:allValuesFrom ?y . ?c1 owl:onProperty ?p1 . ?c2 owl:allValuesFrom ?y . "
          "?c2 owl:onProperty ?p2 . ?p1 rdfs:subPropertyOf ?p2"),
    _rule("scm-int", "?c rdfs:subClassOf ?ci", f"?c owl:intersectionOf ?l . ?l {MEMBER.value} ?ci"),
    _rule("scm-uni", "?ci rdfs:subClassOf ?c", f"?c owl:unionOf ?l . ?l {MEMBER.value} ?ci"),
)


def _constants(position: int, *, typed: bool) -> frozenset[ox.NamedNode]:
    found = set()
    for rule in RULES:
        for atom in rule.body:
            if typed and atom[1] == TYPE and not is_variable(atom[2]):
                found.add(atom[2])
            elif not typed and not is_variable(atom[1]) and atom[1] != TYPE:
                found.add(atom[position])
    return frozenset(found)


#: Predicates of the schema: those the rules name (and the list vocabulary).
VOCABULARY_PREDICATES = _constants(1, typed=False) | {FIRST, REST, CHAIN, HAS_KEY}
#: Classes whose members are schema (``?p a owl:TransitiveProperty``).
VOCABULARY_CLASSES = _constants(2, typed=True)


def is_vocabulary(triple: Triple) -> bool:
    """Whether a triple is schema (kept in memory by the reasoner)."""
    predicate = triple[1]
    return predicate in VOCABULARY_PREDICATES or (predicate == TYPE and triple[2] in VOCABULARY_CLASSES)


def is_vocabulary_atom(atom: Atom) -> bool:
    predicate = atom[1]
    if is_variable(predicate):
        return False
    return predicate in VOCABULARY_PREDICATES or (predicate == TYPE and not is_variable(atom[2])
                                                 and atom[2] in VOCABULARY_CLASSES)


def is_trivial_triple(subject: Term, predicate: Term, obj: Term) -> bool:
    """Whether an entailment is one the closure leaves out (``inference.is_trivial``, on
    pyoxigraph terms): a literal subject, a reflexive equivalence or subsumption, something about
    ``owl:Thing``/``owl:Nothing`` true of everything, or typing an RDF/RDFS/OWL/XSD term."""
    if isinstance(subject, ox.Literal):
        return True
    if subject == obj and predicate in _REFLEXIVE:
        return True
    if obj == THING and predicate in _THING_OBJECT:
        return True
    if subject == NOTHING and predicate == SUB_CLASS_OF:
        return True
    return (predicate in _VOCABULARY_TYPING and isinstance(subject, ox.NamedNode)
            and subject.value.startswith(VOCABULARY_NAMESPACES))


def list_rules(lists: Iterable[tuple[Term, ox.NamedNode, list[Term]]]) -> list[Rule]:
    """prp-spo2 (property chains), prp-key (keys) and cls-int1 (intersections) for the lists of
    the vocabulary, each given as ``(owner, owl:propertyChainAxiom | owl:hasKey |
    owl:intersectionOf, members)``; lists of anything but IRIs are skipped (owlrl does too)."""
    rules = []
    for owner, kind, items in lists:
        if not items:
            continue
        if kind == INTERSECTION_OF:
            # Members may be anonymous classes (restrictions); the owner too.
            if not any(isinstance(item, ox.Literal) for item in items) and not isinstance(owner, ox.Literal):
                rules.append(Rule("cls-int1", (("?y", TYPE, owner),),
                                  tuple(("?y", TYPE, item) for item in items)))
            continue
        if not isinstance(owner, ox.NamedNode) or not all(isinstance(i, ox.NamedNode) for i in items):
            continue
        if kind == CHAIN:
            body = tuple((f"?u{i}", item, f"?u{i + 1}") for i, item in enumerate(items))
            rules.append(Rule("prp-spo2", (("?u0", owner, f"?u{len(items)}"),), body))
        elif kind == HAS_KEY:
            body = [("?x", TYPE, owner), ("?y", TYPE, owner)]
            for i, item in enumerate(items):
                body += [("?x", item, f"?z{i}"), ("?y", item, f"?z{i}")]
            rules.append(Rule("prp-key", (("?x", SAME_AS, "?y"),), tuple(body), (_different("?x", "?y"),)))
    return rules


__all__ = ["RULES", "Rule", "Condition", "MEMBER", "TYPE", "VOCABULARY_PREDICATES", "VOCABULARY_CLASSES",
           "VOCABULARY_NAMESPACES", "is_vocabulary", "is_vocabulary_atom", "is_trivial_triple",
           "is_variable", "list_rules", "term"]
