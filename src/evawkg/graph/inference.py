"""The OWL 2 RL closure of the store, kept in ``graph/inferred``, computed whole or kept current
under change.

Rules are those of the OWL 2 RL/RDF rule set (https://www.w3.org/TR/owl2-profiles/#OWL_2_RL,
tables 4-7 and 9), written as data in ``owl_rules`` and evaluated by ``reasoner`` over the
store's indexes: the schema joined in memory, the data read a predicate or a class at a time
(semi-naive, set-at-a-time for the rules that need no data join). The asserted graphs (every
graph but ``graph/inferred``, the default graph included) are never touched.

* :func:`infer` computes the closure from scratch;
* :func:`apply` brings it up to date after the asserted graphs changed: semi-naive from the added
  triples, delete-and-rederive (DRed: over-delete what a removed triple supported, put back what
  still has a derivation, then insert) for the removed ones.

What is left out, on purpose (see :func:`is_trivial` for the filter applied to both sides of the
owlrl comparison):

* tautologies, true of every term in every OWL interpretation: ``x owl:sameAs x`` (eq-ref),
  ``c rdfs:subClassOf c``, ``c owl:equivalentClass c``, ``c rdfs:subClassOf owl:Thing``,
  ``owl:Nothing rdfs:subClassOf c`` (scm-cls), ``p rdfs:subPropertyOf p``,
  ``p owl:equivalentProperty p`` (scm-op, scm-dp), and their consequences ``x rdf:type
  owl:Thing``, ``p rdfs:domain owl:Thing``, ``p rdfs:range owl:Thing``. The schema ones are
  derived in memory (other schema rules use them); none is stored: they would only add noise to
  analysts' queries. ``x rdf:type owl:Thing`` is not used as a premise either; it leads to
  nothing but more trivial triples unless an ontology puts ``owl:Thing`` below another class.
* the data-independent axioms about the RDF, RDFS, OWL and XSD vocabularies themselves (cls-thing,
  cls-nothing1, prp-ap, dt-type1 and datatype disjointness): typing or disjointness statements
  whose subject is a term of those vocabularies.
* datatype reasoning on literals (dt-type2, dt-eq, dt-diff, dt-not-type): its conclusions have a
  literal as subject, which RDF 1.1 cannot state.

Consistency (``cax-dw``, ``cls-nothing2``, ``prp-irp``…): :func:`inconsistencies` runs owlrl, the
reference, and returns its error messages.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from ..namespaces import GRAPH
from .owl_rules import VOCABULARY_NAMESPACES, Triple, is_vocabulary
from .progress import Reporter, Task, rate
from .reasoner import Derived, Reasoner
from .vocabulary import Vocabulary

#: Where inferred triples go, apart from every asserted graph.
INFERRED_GRAPH = ox.NamedNode(str(GRAPH["inferred"]))

#: Working graphs of earlier versions, dropped if a store on disk still has them.
_LEGACY_GRAPHS = (ox.NamedNode(str(GRAPH["inferred-delta"])), ox.NamedNode(str(GRAPH["inferred-new"])))

Progress = Reporter | Callable[[str], None]


def infer(store: ox.Store, *, progress: Progress | None = None) -> int:
    """Recompute the OWL 2 RL closure of every graph of ``store`` into :data:`INFERRED_GRAPH`.

    Returns how many triples the inferred graph holds. Triples already asserted in some graph
    are never copied into it. When it takes long, ``progress`` is told how far each round got
    and, at the end, how many triples were inferred how fast."""
    task = Task(progress, "inferring the OWL 2 RL closure") if progress is not None else None
    for graph in (INFERRED_GRAPH, *_LEGACY_GRAPHS):
        if store.contains_named_graph(graph):
            store.remove_graph(graph)
    vocabulary = Vocabulary.from_store(store)
    reasoner = Reasoner(store, INFERRED_GRAPH, vocabulary, bulk=True,
                        progress=task.update if task is not None else None)
    collecting = gc.isenabled()
    # Millions of short-lived tuples and sets: the cyclic collector would rescan them all
    # again and again (a third of the time at 1M triples) and finds no cycle among them.
    gc.disable()
    try:
        reasoner.close_vocabulary()
        reasoner.propagate_all()
    finally:
        if collecting:
            gc.enable()
    _remember(vocabulary, reasoner)
    if task is not None:
        task.finish(f"inferred the OWL 2 RL closure: {rate(reasoner.count, task.elapsed, 'triples')} "
                    f"({reasoner.rounds} rounds)")
    return reasoner.count


@dataclass(frozen=True)
class InferenceChange:
    """What a change did to :data:`INFERRED_GRAPH`: triples it gained and lost."""

    added: frozenset[ox.Triple]
    removed: frozenset[ox.Triple]


def apply(store: ox.Store, added: Iterable[ox.Triple | ox.Quad] = (),
          removed: Iterable[ox.Triple | ox.Quad] = ()) -> InferenceChange:
    """Update :data:`INFERRED_GRAPH` after the asserted graphs changed.

    The store held the closure before the change (as :func:`infer` or :func:`apply` leave it),
    and the change is already made: ``added`` are triples now asserted that were not,
    ``removed`` triples no longer asserted in any graph (quads are read as their triples; one
    still asserted in another graph, or an added one no graph holds, is ignored).

    Additions are joined semi-naively with what is known. Removals are delete-and-rederive:
    everything inferred that has a derivation using a removed triple is taken out (joined
    against the state before the change), then what still has a derivation from what is left
    is put back and joined like an addition. Schema changes go the same way (a new
    ``rdfs:subClassOf`` is joined with the data it applies to)."""
    added = list(added)
    added_quads = {item for item in added if isinstance(item, ox.Quad)}
    # A quad adding a triple another graph asserted already adds nothing: taking it as new would
    # make the schema "before the change" lack it, and deletions be judged against that schema.
    added_triples = {t for t in map(_triple, added) if _asserted(store, t)
                     and not _asserted_beside(store, t, added_quads)}
    removed_triples = {t for t in map(_triple, removed) if not _asserted(store, t)}
    promoted = {t for t in added_triples if ox.Quad(*t, INFERRED_GRAPH) in store}
    for triple in promoted:
        store.remove(ox.Quad(*triple, INFERRED_GRAPH))
    new = added_triples - promoted
    vocabulary, healed, tables = _vocabulary_before(store, new, removed_triples)
    reasoner = Reasoner(store, INFERRED_GRAPH, vocabulary, bulk=False)
    if tables is not None:
        reasoner.adopt(tables)
    reasoner.tables()  # the schema before the change: what it adds is joined as new
    taken: set[Triple] = set()
    back = Derived()
    if removed_triples:
        deleted = reasoner.overdelete(removed_triples)
        for triple in deleted:
            quad = ox.Quad(*triple, INFERRED_GRAPH)
            if quad in store:
                store.remove(quad)
                taken.add(triple)
            vocabulary.discard(triple)
        for triple in deleted:
            if reasoner.derivable(triple):
                if is_vocabulary(triple):
                    back.schema.append(triple)
                else:
                    back.add(triple)
    batch = reasoner.commit(back)
    for triple in (*new, *healed):
        if is_vocabulary(triple):
            vocabulary.add(triple)
        batch.add(triple)
    reasoner.propagate(batch)
    _remember(vocabulary, reasoner)
    written = {tuple(t) for t in map(_triple, reasoner.written)}
    return InferenceChange(
        added=frozenset(ox.Triple(*t) for t in written - taken),
        removed=frozenset(ox.Triple(*t) for t in (taken - written) | promoted))


def _triple(item: ox.Triple | ox.Quad | tuple) -> Triple:
    if isinstance(item, (ox.Triple, ox.Quad)):
        return item.subject, item.predicate, item.object
    return tuple(item)  # type: ignore[return-value]


def _asserted(store: ox.Store, triple: Triple) -> bool:
    return any(quad.graph_name != INFERRED_GRAPH for quad in store.quads_for_pattern(*triple, None))


def _asserted_beside(store: ox.Store, triple: Triple, added: set) -> bool:
    """Whether a graph other than the change's own added quads asserts ``triple`` (so it was
    asserted before the change). Only quads can tell: for triples, nothing is beside."""
    if not added:
        return False
    return any(quad.graph_name != INFERRED_GRAPH and quad not in added
               for quad in store.quads_for_pattern(*triple, None))


# The schema's closure and the reasoner's tables compiled from it, per schema: a change to the
# data alone finds them here instead of recomputing them (~100 ms for the bundled ontology).
_CLOSURES: dict[frozenset, tuple[frozenset, object]] = {}
_CLOSURES_KEPT = 4


def _remember(vocabulary: Vocabulary, reasoner: Reasoner) -> None:
    stored = frozenset(t for t in vocabulary.triples() if t not in vocabulary.unstored)
    tables = reasoner.tables()
    _CLOSURES.pop(stored, None)
    _CLOSURES[stored] = (frozenset(vocabulary.unstored), tables)
    while len(_CLOSURES) > _CLOSURES_KEPT:
        del _CLOSURES[next(iter(_CLOSURES))]


def _vocabulary_before(store: ox.Store, added: set[Triple], removed: set[Triple]):
    """The schema as it was before the change, closed; any schema triple the closure found
    missing from the store (then written: the store was not closed); the reasoner's tables for
    that schema if they are known."""
    vocabulary = Vocabulary.from_store(store)
    for triple in added:
        vocabulary.discard(triple)
    for triple in removed:
        if is_vocabulary(triple):
            vocabulary.add(triple)
    key = frozenset(vocabulary.triples())
    cached = _CLOSURES.get(key)
    if cached is not None:
        unstored, tables = cached
        for triple in unstored:
            vocabulary.add(triple, stored=False)
        return vocabulary, [], tables
    reasoner = Reasoner(store, INFERRED_GRAPH, vocabulary, bulk=False)
    reasoner.close_vocabulary()
    return vocabulary, [_triple(t) for t in reasoner.written], None


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
