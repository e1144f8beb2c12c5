"""The ontology's HTML documentation (in the manner of pyLODE and Widoco): header facts, then
classes, object properties, datatype properties and individuals, one anchored block per term
(``/ontology#Country``), each with its label and CURIE, comment, IRI and axioms, and the number of
things of each class with a link to their index: counted as ``/index/<curie>`` counts them
(asserted and inferred types alike), so the two pages never disagree.
"""

from __future__ import annotations

import pyoxigraph as ox

from ..namespaces import PREFIXES
from ..linked_data.description import RDF_TYPE, Description, compact_iri
from ..linked_data.reader import GraphReader
from .linked_data import href, index_href
from .pages import PageBuilder

_P = PREFIXES
KINDS = [("Classes", _P["owl"] + "Class"), ("Object properties", _P["owl"] + "ObjectProperty"),
         ("Datatype properties", _P["owl"] + "DatatypeProperty"),
         ("Annotation properties", _P["owl"] + "AnnotationProperty"),
         ("Individuals", _P["owl"] + "NamedIndividual")]
AXIOMS = [("Subclass of", _P["rdfs"] + "subClassOf"), ("Equivalent to", _P["owl"] + "equivalentClass"),
          ("Subproperty of", _P["rdfs"] + "subPropertyOf"), ("Inverse of", _P["owl"] + "inverseOf"),
          ("Domain", _P["rdfs"] + "domain"), ("Range", _P["rdfs"] + "range"),
          ("Same as", _P["owl"] + "sameAs"), ("Matches", _P["skos"] + "exactMatch"),
          ("See also", _P["rdfs"] + "seeAlso")]
HEADER = [("Version", _P["owl"] + "versionInfo"), ("Version IRI", _P["owl"] + "versionIRI"),
          ("Created", _P["dcterms"] + "created"), ("Modified", _P["dcterms"] + "modified"),
          ("Licence", _P["dcterms"] + "license")]
COMMENT = ox.NamedNode(_P["rdfs"] + "comment")


def ontology_page(description: Description, describer: GraphReader, langs: list[str]) -> dict:
    builder = PageBuilder(description, langs)
    node = description.node
    classes = {s.subject for s in description.about if s.predicate == RDF_TYPE
               and s.object.value == KINDS[0][1] and isinstance(s.subject, ox.NamedNode)}
    counts = {cls.value: n for cls, n in describer.class_sizes(sorted(classes, key=str)).items()}
    sections = []
    placed: set[str] = set()
    for title, kind in KINDS:
        terms = sorted({s.subject for s in description.about if s.predicate == RDF_TYPE
                        and s.object.value == kind and isinstance(s.subject, ox.NamedNode)
                        and s.subject.value.startswith(description.iri + "#")
                        and s.subject.value not in placed}, key=lambda t: builder.label(t).lower())
        placed.update(t.value for t in terms)
        entries = [_term(term, builder, counts.get(term.value)) for term in terms]
        if entries:
            sections.append({"title": title, "id": title.lower().replace(" ", "-"), "terms": entries})
    header = [(name, [builder.term(v) for v in description.values(node, ox.NamedNode(p))])
              for name, p in HEADER]
    return {
        "iri": description.iri,
        "title": builder.label(node),
        "summary": _text(description, node, ox.NamedNode(_P["dcterms"] + "description"), langs),
        "header": [(name, values) for name, values in header if values],
        "sections": sections,
    }


def _term(term: ox.NamedNode, builder: PageBuilder, instances: int | None) -> dict:
    description = builder.description
    axioms = []
    for name, predicate in AXIOMS:
        values = [builder.term(v) for v in description.values(term, ox.NamedNode(predicate))
                  if not isinstance(v, ox.BlankNode)]
        blanks = [builder.term(v) for v in description.values(term, ox.NamedNode(predicate))
                  if isinstance(v, ox.BlankNode)]
        if values or blanks:
            axioms.append((name, values, blanks))
    types = [builder.term(t) for t in description.types(term)]
    return {
        "anchor": term.value.partition("#")[2],
        "iri": term.value,
        "curie": compact_iri(term.value),
        "label": builder.label(term),
        "comment": _text(description, term, COMMENT, builder.langs),
        "types": types,
        "axioms": axioms,
        "instances": instances,
        "index": index_href(term.value) if instances else None,
        "href": href(term.value),
    }


def _text(description: Description, subject, predicate, langs: list[str]) -> str | None:
    values = [v for v in description.values(subject, predicate) if isinstance(v, ox.Literal)]
    for language in (*langs, "en", ""):
        for value in values:
            if (value.language or "") == language:
                return value.value
    return values[0].value if values else None


__all__ = ["ontology_page"]
