"""The OWL 2 RL closure of the store, computed with SPARQL Update rules and kept in ``graph/inferred``.

Rules are those of the OWL 2 RL/RDF rule set (https://www.w3.org/TR/owl2-profiles/#OWL_2_RL,
tables 4-7 and 9), each a SPARQL 1.1 ``INSERT … WHERE``. While they run, the default graph is
their workspace (a copy of every asserted triple plus what is inferred so far); new triples are
collected in ``graph/inferred``, and the asserted graphs are never touched. Evaluation is
semi-naive and stratified (schema rules first); see :func:`infer`. Because the rules are plain
SPARQL 1.1 Update, the same closure can be computed on a remote SPARQL store.

What is left out, on purpose (see :func:`is_trivial` for the filter applied to both sides of the
owlrl comparison):

* tautologies, true of every term in every OWL interpretation: ``x owl:sameAs x`` (eq-ref),
  ``c rdfs:subClassOf c``, ``c owl:equivalentClass c``, ``c rdfs:subClassOf owl:Thing``,
  ``owl:Nothing rdfs:subClassOf c`` (scm-cls), ``p rdfs:subPropertyOf p``,
  ``p owl:equivalentProperty p`` (scm-op, scm-dp), and their consequences ``x rdf:type
  owl:Thing``, ``p rdfs:domain owl:Thing``, ``p rdfs:range owl:Thing``. They are derived during
  the fixpoint (other rules use them) and removed at the end: they would only add noise to
  analysts' queries.
* the data-independent axioms about the RDF, RDFS, OWL and XSD vocabularies themselves (cls-thing,
  cls-nothing1, prp-ap, dt-type1 and datatype disjointness): typing or disjointness statements
  whose subject is a term of those vocabularies.
* datatype reasoning on literals (dt-type2, dt-eq, dt-diff, dt-not-type): its conclusions have a
  literal as subject, which RDF 1.1 cannot state.

Consistency (``cax-dw``, ``cls-nothing2``, ``prp-irp``…): :func:`inconsistencies` runs owlrl, the
reference, and returns its error messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ..namespaces import GRAPH

#: Where inferred triples go, apart from every asserted graph.
INFERRED_GRAPH = ox.NamedNode(str(GRAPH["inferred"]))

_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD)}

#: The namespaces whose own terms' axiomatic typing the closure leaves out.
VOCABULARY_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))


@dataclass(frozen=True)
class Rule:
    """One OWL 2 RL rule: the triple patterns ``atoms`` (joined, then ``condition`` applied)
    entail the triple ``head``.

    ``full`` rules are evaluated over all triples every round; the others semi-naively, once per
    atom with that atom restricted to the previous round's new triples (a rule with a negated
    condition on derivable triples, cls-int1, cannot be). Atoms with a property path (RDF lists,
    never inferred) are never the restricted one."""

    name: str
    head: str
    atoms: tuple[str, ...]
    condition: str = ""
    full: bool = False

    @property
    def body(self) -> str:
        return " . ".join(self.atoms) + (" . " if self.atoms else "") + self.condition


def _rules(name: str, heads: list[str], atoms: str, condition: str = "", *, full: bool = False) -> list[Rule]:
    parts = tuple(atom.strip() for atom in atoms.split(" . ") if atom.strip())
    return [Rule(name, head, parts, condition, full) for head in heads]


_MEMBER = "rdf:rest*/rdf:first"

RULES: tuple[Rule, ...] = tuple(
    # Table 4: equality (eq-ref, x sameAs x for every term, is a tautology and left out).
    _rules("eq-sym", ["?y owl:sameAs ?x"], "?x owl:sameAs ?y")
    + _rules("eq-trans", ["?x owl:sameAs ?z"], "?x owl:sameAs ?y . ?y owl:sameAs ?z")
    + _rules("eq-rep-s", ["?s2 ?p ?o"], "?s owl:sameAs ?s2 . ?s ?p ?o")
    + _rules("eq-rep-p", ["?s ?p2 ?o"], "?p owl:sameAs ?p2 . ?s ?p ?o")
    + _rules("eq-rep-o", ["?s ?p ?o2"], "?o owl:sameAs ?o2 . ?s ?p ?o")
    # Table 5: properties.
    + _rules("prp-dom", ["?x a ?c"], "?p rdfs:domain ?c . ?x ?p ?y")
    + _rules("prp-rng", ["?y a ?c"], "?p rdfs:range ?c . ?x ?p ?y")
    + _rules("prp-fp", ["?y1 owl:sameAs ?y2"], "?p a owl:FunctionalProperty . ?x ?p ?y1 . ?x ?p ?y2",
             "FILTER(?y1 != ?y2)")
    + _rules("prp-ifp", ["?x1 owl:sameAs ?x2"],
             "?p a owl:InverseFunctionalProperty . ?x1 ?p ?y . ?x2 ?p ?y", "FILTER(?x1 != ?x2)")
    + _rules("prp-symp", ["?y ?p ?x"], "?p a owl:SymmetricProperty . ?x ?p ?y")
    + _rules("prp-trp", ["?x ?p ?z"], "?p a owl:TransitiveProperty . ?x ?p ?y . ?y ?p ?z")
    + _rules("prp-spo1", ["?x ?p2 ?y"], "?p1 rdfs:subPropertyOf ?p2 . ?x ?p1 ?y")
    + _rules("prp-eqp1", ["?x ?p2 ?y"], "?p1 owl:equivalentProperty ?p2 . ?x ?p1 ?y")
    + _rules("prp-eqp2", ["?x ?p1 ?y"], "?p1 owl:equivalentProperty ?p2 . ?x ?p2 ?y")
    + _rules("prp-inv1", ["?y ?p2 ?x"], "?p1 owl:inverseOf ?p2 . ?x ?p1 ?y")
    + _rules("prp-inv2", ["?y ?p1 ?x"], "?p1 owl:inverseOf ?p2 . ?x ?p2 ?y")
    # Table 6: classes.
    + _rules("cls-thing", ["owl:Thing a owl:Class"], "", full=True)
    + _rules("cls-nothing1", ["owl:Nothing a owl:Class"], "", full=True)
    + _rules("cls-int1", ["?y a ?c"], "?c owl:intersectionOf ?l . ?l rdf:first ?c1 . ?y a ?c1",
             f"FILTER NOT EXISTS {{ ?l {_MEMBER} ?ci . FILTER NOT EXISTS {{ ?y a ?ci }} }}", full=True)
    + _rules("cls-int2", ["?y a ?ci"], f"?c owl:intersectionOf ?l . ?l {_MEMBER} ?ci . ?y a ?c")
    + _rules("cls-uni", ["?y a ?c"], f"?c owl:unionOf ?l . ?l {_MEMBER} ?ci . ?y a ?ci")
    + _rules("cls-svf1", ["?u a ?x"],
             "?x owl:someValuesFrom ?y . ?x owl:onProperty ?p . ?u ?p ?v . ?v a ?y")
    + _rules("cls-svf2", ["?u a ?x"], "?x owl:someValuesFrom owl:Thing . ?x owl:onProperty ?p . ?u ?p ?v")
    + _rules("cls-avf", ["?v a ?y"], "?x owl:allValuesFrom ?y . ?x owl:onProperty ?p . ?u a ?x . ?u ?p ?v")
    + _rules("cls-hv1", ["?u ?p ?y"], "?x owl:hasValue ?y . ?x owl:onProperty ?p . ?u a ?x")
    + _rules("cls-hv2", ["?u a ?x"], "?x owl:hasValue ?y . ?x owl:onProperty ?p . ?u ?p ?y")
    # Conditions come last so that pyoxigraph joins from the (rare) restriction triples.
    + _rules("cls-maxc2", ["?y1 owl:sameAs ?y2"],
             "?x owl:maxCardinality ?n . ?x owl:onProperty ?p . ?u a ?x . ?u ?p ?y1 . ?u ?p ?y2",
             "FILTER(?n = 1 && ?y1 != ?y2)")
    + _rules("cls-maxqc3", ["?y1 owl:sameAs ?y2"],
             "?x owl:maxQualifiedCardinality ?n . ?x owl:onProperty ?p . ?x owl:onClass ?c . "
             "?u a ?x . ?u ?p ?y1 . ?u ?p ?y2 . ?y1 a ?c . ?y2 a ?c", "FILTER(?n = 1 && ?y1 != ?y2)")
    + _rules("cls-maxqc4", ["?y1 owl:sameAs ?y2"],
             "?x owl:maxQualifiedCardinality ?n . ?x owl:onProperty ?p . ?x owl:onClass owl:Thing . "
             "?u a ?x . ?u ?p ?y1 . ?u ?p ?y2", "FILTER(?n = 1 && ?y1 != ?y2)")
    + _rules("cls-oo", ["?y a ?c"], f"?c owl:oneOf ?l . ?l {_MEMBER} ?y")
    # Table 7: class axioms.
    + _rules("cax-sco", ["?x a ?c2"], "?c1 rdfs:subClassOf ?c2 . ?x a ?c1")
    + _rules("cax-eqc1", ["?x a ?c2"], "?c1 owl:equivalentClass ?c2 . ?x a ?c1")
    + _rules("cax-eqc2", ["?x a ?c1"], "?c1 owl:equivalentClass ?c2 . ?x a ?c2")
    # Table 9: schema vocabulary.
    + _rules("scm-cls", ["?c rdfs:subClassOf ?c", "?c owl:equivalentClass ?c",
                         "?c rdfs:subClassOf owl:Thing", "owl:Nothing rdfs:subClassOf ?c"], "?c a owl:Class")
    + _rules("scm-sco", ["?c1 rdfs:subClassOf ?c3"], "?c1 rdfs:subClassOf ?c2 . ?c2 rdfs:subClassOf ?c3")
    + _rules("scm-eqc1", ["?c1 rdfs:subClassOf ?c2", "?c2 rdfs:subClassOf ?c1"], "?c1 owl:equivalentClass ?c2")
    + _rules("scm-eqc2", ["?c1 owl:equivalentClass ?c2"], "?c1 rdfs:subClassOf ?c2 . ?c2 rdfs:subClassOf ?c1")
    # scm-op and scm-dp; owlrl also applies them to rdf:Property, and so do we.
    + _rules("scm-op", ["?p rdfs:subPropertyOf ?p", "?p owl:equivalentProperty ?p"], "?p a ?kind",
             "VALUES ?kind { owl:ObjectProperty owl:DatatypeProperty rdf:Property }")
    + _rules("scm-spo", ["?p1 rdfs:subPropertyOf ?p3"], "?p1 rdfs:subPropertyOf ?p2 . ?p2 rdfs:subPropertyOf ?p3")
    + _rules("scm-eqp1", ["?p1 rdfs:subPropertyOf ?p2", "?p2 rdfs:subPropertyOf ?p1"],
             "?p1 owl:equivalentProperty ?p2")
    + _rules("scm-eqp2", ["?p1 owl:equivalentProperty ?p2"],
             "?p1 rdfs:subPropertyOf ?p2 . ?p2 rdfs:subPropertyOf ?p1")
    + _rules("scm-dom1", ["?p rdfs:domain ?c2"], "?p rdfs:domain ?c1 . ?c1 rdfs:subClassOf ?c2")
    + _rules("scm-dom2", ["?p1 rdfs:domain ?c"], "?p2 rdfs:domain ?c . ?p1 rdfs:subPropertyOf ?p2")
    + _rules("scm-rng1", ["?p rdfs:range ?c2"], "?p rdfs:range ?c1 . ?c1 rdfs:subClassOf ?c2")
    + _rules("scm-rng2", ["?p1 rdfs:range ?c"], "?p2 rdfs:range ?c . ?p1 rdfs:subPropertyOf ?p2")
    + _rules("scm-hv", ["?c1 rdfs:subClassOf ?c2"],
             "?c1 owl:hasValue ?i . ?c1 owl:onProperty ?p1 . ?c2 owl:hasValue ?i . ?c2 owl:onProperty ?p2 . "
             "?p1 rdfs:subPropertyOf ?p2")
    + _rules("scm-svf1", ["?c1 rdfs:subClassOf ?c2"],
             "?c1 owl:someValuesFrom ?y1 . ?c1 owl:onProperty ?p . ?c2 owl:someValuesFrom ?y2 . "
             "?c2 owl:onProperty ?p . ?y1 rdfs:subClassOf ?y2")
    + _rules("scm-svf2", ["?c1 rdfs:subClassOf ?c2"],
             "?c1 owl:someValuesFrom ?y . ?c1 owl:onProperty ?p1 . ?c2 owl:someValuesFrom ?y . "
             "?c2 owl:onProperty ?p2 . ?p1 rdfs:subPropertyOf ?p2")
    + _rules("scm-avf1", ["?c1 rdfs:subClassOf ?c2"],
             "?c1 owl:allValuesFrom ?y1 . ?c1 owl:onProperty ?p . ?c2 owl:allValuesFrom ?y2 . "
             "?c2 owl:onProperty ?p . ?y1 rdfs:subClassOf ?y2")
    + _rules("scm-avf2", ["?c2 rdfs:subClassOf ?c1"],
             "?c1 owl:allValuesFrom ?y . ?c1 owl:onProperty ?p1 . ?c2 owl:allValuesFrom ?y . "
             "?c2 owl:onProperty ?p2 . ?p1 rdfs:subPropertyOf ?p2")
    + _rules("scm-int", ["?c rdfs:subClassOf ?ci"], f"?c owl:intersectionOf ?l . ?l {_MEMBER} ?ci")
    + _rules("scm-uni", ["?ci rdfs:subClassOf ?c"], f"?c owl:unionOf ?l . ?l {_MEMBER} ?ci")
)

# The filter of is_trivial as SPARQL (minus literal subjects, which SPARQL never inserts):
# applied to graph/inferred once the fixpoint is reached.
_TRIVIAL = (
    "(sameTerm(?s, ?o) && ?p IN (owl:sameAs, rdfs:subClassOf, owl:equivalentClass, "
    "rdfs:subPropertyOf, owl:equivalentProperty))"
    " || (?o = owl:Thing && ?p IN (rdf:type, rdfs:subClassOf, rdfs:domain, rdfs:range))"
    " || (?s = owl:Nothing && ?p = rdfs:subClassOf)"
    " || (?p IN (rdf:type, owl:disjointWith) && isIRI(?s) && ("
    + " || ".join(f'STRSTARTS(STR(?s), "{ns}")' for ns in VOCABULARY_NAMESPACES) + "))"
)


# Working graphs of the semi-naive fixpoint: the previous round's new triples, and this round's.
_DELTA_GRAPH = ox.NamedNode(str(GRAPH["inferred-delta"]))
_NEW_GRAPH = ox.NamedNode(str(GRAPH["inferred-new"]))


def infer(store: ox.Store) -> int:
    """Recompute the OWL 2 RL closure of every graph of ``store`` into :data:`INFERRED_GRAPH`.

    Returns how many triples the inferred graph holds. Triples already asserted in some graph
    are never copied into it. The store's default graph must be empty (the loaders of
    ``store.py`` never write to it): it is the rules' workspace while they run.

    The rules read one graph, the default graph holding a copy of every asserted triple plus
    what has been inferred so far (pyoxigraph checks ``FILTER NOT EXISTS`` against one graph by
    index, against a union of graphs by scanning, 40x slower). Semi-naive evaluation: the first
    round runs every rule over everything; each later round only joins the triples the round
    before added (one variant of each rule per atom), so the last, empty round is almost free."""
    working = (INFERRED_GRAPH, _DELTA_GRAPH, _NEW_GRAPH)
    for graph in working:
        if store.contains_named_graph(graph):
            store.remove_graph(graph)
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        raise ValueError("infer() needs the store's default graph empty; load triples into named graphs")
    asserted = [g for g in store.named_graphs() if g not in working]
    try:
        if asserted:
            store.update(" ; ".join(f"ADD <{g.value}> TO DEFAULT" for g in asserted))
        # Stratified: close the (small) schema first, so that instance rules start from complete
        # class and property hierarchies and later rounds see few new schema triples.
        schema = tuple(rule for rule in RULES if rule.name.startswith(("scm-", "cls-thing", "cls-nothing")))
        _fixpoint(store, schema, lists=False)
        _fixpoint(store, RULES, lists=True)
    finally:
        store.update("CLEAR SILENT DEFAULT")
        for graph in (_DELTA_GRAPH, _NEW_GRAPH):
            if store.contains_named_graph(graph):
                store.remove_graph(graph)
    inferred = f"<{INFERRED_GRAPH.value}>"
    store.update(f"DELETE {{ GRAPH {inferred} {{ ?s ?p ?o }} }} "
                 f"WHERE {{ GRAPH {inferred} {{ ?s ?p ?o }} FILTER({_TRIVIAL}) }}", prefixes=_PREFIXES)
    return _size(store)


def _fixpoint(store: ox.Store, rules: tuple[Rule, ...], *, lists: bool) -> None:
    """Run ``rules`` until a round adds nothing: the first round over everything, the later ones
    semi-naively. New triples end in :data:`INFERRED_GRAPH`; with ``lists``, property chains and
    keys are rules too."""
    first_round = [_rule_update(rule) for rule in rules]
    later_rounds = [_rule_update(rule, delta=index) for rule in rules if not rule.full
                    for index, atom in enumerate(rule.atoms) if "*" not in atom]
    later_rounds += [_rule_update(rule) for rule in rules if rule.full and rule.atoms]
    updates = first_round
    while True:
        list_rules = _list_rules(store) if lists else []
        store.update(" ;\n".join(updates + [_rule_update(rule) for rule in list_rules]),
                     prefixes=_PREFIXES)
        if next(iter(store.quads_for_pattern(None, None, None, _NEW_GRAPH)), None) is None:
            break
        store.update(f"ADD <{_NEW_GRAPH.value}> TO <{INFERRED_GRAPH.value}> ; "
                     f"DROP SILENT GRAPH <{_DELTA_GRAPH.value}> ; "
                     f"MOVE <{_NEW_GRAPH.value}> TO <{_DELTA_GRAPH.value}>")
        updates = later_rounds
    if store.contains_named_graph(_DELTA_GRAPH):
        store.remove_graph(_DELTA_GRAPH)


def _rule_update(rule: Rule, *, delta: int | None = None) -> str:
    """The SPARQL Update of ``rule`` over the workspace (the default graph); with ``delta``,
    that atom only matches the last round's new triples."""
    if delta is None:
        body = rule.body
    else:
        others = [atom for index, atom in enumerate(rule.atoms) if index != delta]
        body = " . ".join([f"GRAPH <{_DELTA_GRAPH.value}> {{ {rule.atoms[delta]} }}", *others])
        body += " . " + rule.condition
    return (f"INSERT {{ {rule.head} . GRAPH <{_NEW_GRAPH.value}> {{ {rule.head} }} }} "
            f"WHERE {{ {body} FILTER NOT EXISTS {{ {rule.head} }} }}")


def _size(store: ox.Store) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED_GRAPH.value}> {{ ?s ?p ?o }} }}"
    return int(next(iter(store.query(query)))["n"].value)


def _list_rules(store: ox.Store) -> list[Rule]:
    """prp-spo2 (property chains) and prp-key (keys) join a list of properties whose length
    only the data says: one rule per chain or key, written out from the current graphs."""
    graphs = [ox.DefaultGraph()]
    rules = []
    query = ("SELECT ?owner ?kind ?l WHERE { ?owner ?kind ?l . "
             "VALUES ?kind { owl:propertyChainAxiom owl:hasKey } }")
    for row in store.query(query, prefixes=_PREFIXES):
        items = _list_items(store, row["l"], graphs)
        if not items or not all(isinstance(item, ox.NamedNode) for item in items):
            continue
        owner = f"<{row['owner'].value}>" if isinstance(row["owner"], ox.NamedNode) else None
        if owner is None:
            continue
        if row["kind"].value.endswith("propertyChainAxiom"):
            hops = " . ".join(f"?u{i} <{p.value}> ?u{i + 1}" for i, p in enumerate(items))
            rules.append(Rule("prp-spo2", f"?u0 {owner} ?u{len(items)}", (hops,), full=True))
        else:
            keys = " . ".join(f"?x <{p.value}> ?z{i} . ?y <{p.value}> ?z{i}" for i, p in enumerate(items))
            rules.append(Rule("prp-key", "?x owl:sameAs ?y", (f"?x a {owner} . ?y a {owner} . {keys}",),
                              "FILTER(?x != ?y)", full=True))
    return rules


def _list_items(store: ox.Store, head, graphs) -> list:
    """The members of an RDF list, in order (an empty list if it is malformed)."""
    first, rest, nil = (ox.NamedNode(str(term)) for term in (RDF.first, RDF.rest, RDF.nil))
    items, node, seen = [], head, set()
    while node != nil:
        if node in seen:
            return []
        seen.add(node)
        firsts = {q.object for g in graphs for q in store.quads_for_pattern(node, first, None, g)}
        rests = {q.object for g in graphs for q in store.quads_for_pattern(node, rest, None, g)}
        if len(firsts) != 1 or len(rests) != 1:
            return []
        items.append(firsts.pop())
        node = rests.pop()
    return items


# The reference: owlrl.

_ERROR = rdflib.Namespace("http://www.daml.org/2002/03/agents/agent-ont#")


def is_trivial(triple: tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]) -> bool:
    """Whether an entailed triple is left out of our closure (and of the owlrl comparison).

    Exactly these, each true whatever the data says or not expressible in RDF:

    1. a literal subject (owlrl's dt-type2 ``"7" rdf:type xsd:integer`` and eq-ref on literals):
       RDF 1.1 has no literal subjects, so no store can hold them;
    2. reflexive ``owl:sameAs``, ``rdfs:subClassOf``, ``owl:equivalentClass``,
       ``rdfs:subPropertyOf``, ``owl:equivalentProperty`` (eq-ref, scm-cls, scm-op, scm-dp): true
       of every term;
    3. ``?x rdf:type owl:Thing``, ``?c rdfs:subClassOf owl:Thing``, ``owl:Nothing rdfs:subClassOf
       ?c``, ``?p rdfs:domain owl:Thing``, ``?p rdfs:range owl:Thing``: true of every individual,
       class and property (scm-cls and its consequences through cax-sco, scm-dom1, scm-rng1);
    4. ``rdf:type`` or ``owl:disjointWith`` statements whose subject is an RDF, RDFS, OWL or XSD
       term: owlrl's data-independent axioms (cls-thing, cls-nothing1, prp-ap annotation
       properties, dt-type1 datatypes, datatype disjointness), which say nothing about our data.
    """
    subject, predicate, obj = triple
    if isinstance(subject, rdflib.Literal):
        return True
    if subject == obj and predicate in (OWL.sameAs, RDFS.subClassOf, OWL.equivalentClass,
                                        RDFS.subPropertyOf, OWL.equivalentProperty):
        return True
    if obj == OWL.Thing and predicate in (RDF.type, RDFS.subClassOf, RDFS.domain, RDFS.range):
        return True
    if subject == OWL.Nothing and predicate == RDFS.subClassOf:
        return True
    return (predicate in (RDF.type, OWL.disjointWith) and isinstance(subject, rdflib.URIRef)
            and str(subject).startswith(VOCABULARY_NAMESPACES))


def owlrl_reason(graph: rdflib.Graph) -> tuple[rdflib.Graph, list[str]]:
    """Run owlrl's OWL 2 RL closure (``OWLRL_Semantics``, no axiomatic triples) on a copy of
    ``graph``; return what it added and its inconsistency messages."""
    import owlrl

    closed = rdflib.Graph()
    for triple in graph:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closed)
    errors = [str(message) for message in closed.objects(None, _ERROR.error)]
    error_nodes = set(closed.subjects(RDF.type, _ERROR.ErrorMessage))
    added = rdflib.Graph()
    for triple in closed:
        if triple not in graph and triple[0] not in error_nodes:
            added.add(triple)
    return added, errors


def owlrl_entailments(graph: rdflib.Graph) -> rdflib.Graph:
    """What owlrl's OWL 2 RL closure adds to ``graph`` (the reference our rules are tested against)."""
    return owlrl_reason(graph)[0]


def inconsistencies(graph: rdflib.Graph) -> list[str]:
    """owlrl's OWL 2 RL inconsistency messages for ``graph`` (empty when it is consistent):
    disjoint classes sharing a member, owl:Nothing members, irreflexive, asymmetric or disjoint
    properties misused, sameAs contradicting differentFrom, and so on."""
    return owlrl_reason(graph)[1]
