"""Ontology lint: every term of our namespace is declared, labelled and defined, and nothing
undeclared is used.

SHACL checks instance data; this checks the vocabulary itself, in the manner of the OWL 2
declaration rules (https://www.w3.org/TR/owl2-syntax/#Entity_Declarations_and_Typing) and the
W3C ORG / PROV-O documentation conventions (a label, a definition and ``rdfs:isDefinedBy`` on
every term), plus an ontology header with a version IRI, version and licence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from ..namespaces import EVAW, ONTOLOGY_IRI

#: The declarations that make a term of ours known (OWL 2 entity declarations).
DECLARATION_TYPES: tuple[URIRef, ...] = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                                         OWL.AnnotationProperty, OWL.NamedIndividual)
_PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
#: Predicates whose object is a class (``rdfs:range`` of a datatype property is an ``xsd:`` type).
_CLASS_POSITIONS = {RDF.type, RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith, RDFS.domain,
                    RDFS.range}
_HEADER = ((OWL.versionIRI, "owl:versionIRI"), (OWL.versionInfo, "owl:versionInfo"),
           (DCTERMS.license, "dcterms:license"))


@dataclass(frozen=True, order=True)
class Problem:
    """One lint finding: the term at fault (``None`` for the header) and how to fix it."""

    term: URIRef | None
    message: str

    def __str__(self) -> str:
        return f"{_name(self.term)}: {self.message}" if self.term is not None else self.message


def _name(term: URIRef) -> str:
    text = str(term)
    return "evaw:" + text[len(str(EVAW)):] if text.startswith(str(EVAW)) else f"<{text}>"


def _ours(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(str(EVAW))


def _graphs_triples(graphs: Iterable[Graph]):
    for graph in graphs:
        yield from graph.triples((None, None, None))


def lint_ontology(ontology: Graph, data: Graph) -> list[Problem]:
    """Problems with the ontology as the data uses it, sorted by term; empty when clean."""
    problems: list[Problem] = []
    problems += _header_problems(ontology)

    declared: dict[URIRef, set[URIRef]] = {}
    for term, kind in ontology.subject_objects(RDF.type):
        if _ours(term) and kind in DECLARATION_TYPES:
            declared.setdefault(term, set()).add(kind)

    used_as_predicate: set[URIRef] = set()
    used_as_class: set[URIRef] = set()
    used: set[URIRef] = set()
    for s, p, o in _graphs_triples((ontology, data)):
        for term in (s, p, o):
            if _ours(term):
                used.add(term)
        if _ours(p):
            used_as_predicate.add(p)
        if p in _CLASS_POSITIONS and _ours(o):
            used_as_class.add(o)

    for term in sorted(used - set(declared)):
        problems.append(Problem(term, "is used but not declared in the ontology; declare it "
                                "(a owl:Class, owl:ObjectProperty, owl:DatatypeProperty, "
                                "owl:AnnotationProperty or owl:NamedIndividual) or fix the "
                                "spelling where it is used"))
    for term in sorted(used_as_predicate & set(declared)):
        if not declared[term] & _PROPERTY_TYPES:
            problems.append(Problem(term, "is used as a predicate but is not declared a property; "
                                    "declare it an owl:ObjectProperty, owl:DatatypeProperty or "
                                    "owl:AnnotationProperty"))
    for term in sorted(used_as_class & set(declared)):
        if OWL.Class not in declared[term]:
            problems.append(Problem(term, "is used as a class (object of rdf:type, "
                                    "rdfs:subClassOf, rdfs:domain or rdfs:range) but is not declared an owl:Class; declare it"))

    for term in sorted(declared):
        problems += _documentation_problems(ontology, term)
    return sorted(problems, key=lambda p: (str(p.term or ""), p.message))


def _header_problems(ontology: Graph) -> list[Problem]:
    headers = sorted(ontology.subjects(RDF.type, OWL.Ontology))
    if not headers:
        return [Problem(None, f"the ontology has no header: add <{ONTOLOGY_IRI}> a owl:Ontology "
                        "with owl:versionIRI, owl:versionInfo and dcterms:license")]
    problems = []
    if URIRef(ONTOLOGY_IRI) not in headers:
        problems.append(Problem(None, f"the ontology header is {', '.join(map(str, headers))}; "
                                f"name it <{ONTOLOGY_IRI}> as docs/architecture.md says"))
    for header in headers:
        for predicate, name in _HEADER:
            if ontology.value(header, predicate) is None:
                problems.append(Problem(URIRef(header), f"the ontology header lacks {name}; add it"))
    return problems


def _documentation_problems(ontology: Graph, term: URIRef) -> list[Problem]:
    problems = []
    labels = [label for label in ontology.objects(term, RDFS.label) if isinstance(label, Literal)]
    if not any(label.language == "en" for label in labels):
        problems.append(Problem(term, "has no English rdfs:label; add one such as "
                                f'rdfs:label "{_name(term)[5:]}"@en'))
    if not any(isinstance(c, Literal) and str(c).strip() for c in ontology.objects(term, RDFS.comment)):
        problems.append(Problem(term, "has no rdfs:comment; add a definition in full sentences "
                                "with a usage note"))
    defined_by = set(ontology.objects(term, RDFS.isDefinedBy))
    if not defined_by:
        problems.append(Problem(term, f"has no rdfs:isDefinedBy; add rdfs:isDefinedBy <{ONTOLOGY_IRI}>"))
    elif URIRef(ONTOLOGY_IRI) not in defined_by:
        problems.append(Problem(term, f"rdfs:isDefinedBy should be <{ONTOLOGY_IRI}>, the ontology "
                                "that declares it"))
    return problems
