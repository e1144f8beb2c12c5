"""RDF terms as the store engine holds them: pyoxigraph terms inside, rdflib terms in the report.

The engine works on pyoxigraph terms (hashable, cheap, what the store returns) and converts only
what a report shows to rdflib, the model :mod:`evawkg.shacl.report` and every rendering use.
Literals are converted *as written*: rdflib would otherwise normalise ``"01"^^xsd:integer`` to
``"1"`` and log a traceback for every ill-typed literal such as ``"300"^^xsd:byte``.
"""

from __future__ import annotations

import logging
import re
import warnings
from contextlib import contextmanager

import pyoxigraph as ox
import rdflib

SH_NS = "http://www.w3.org/ns/shacl#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
OWL_NS = "http://www.w3.org/2002/07/owl#"


def sh(name: str) -> ox.NamedNode:
    return ox.NamedNode(SH_NS + name)


RDF_TYPE = ox.NamedNode(RDF_NS + "type")
RDF_FIRST = ox.NamedNode(RDF_NS + "first")
RDF_REST = ox.NamedNode(RDF_NS + "rest")
RDF_NIL = ox.NamedNode(RDF_NS + "nil")
RDF_LANG_STRING = ox.NamedNode(RDF_NS + "langString")
RDFS_SUBCLASS_OF = ox.NamedNode(RDFS_NS + "subClassOf")
RDFS_CLASS = ox.NamedNode(RDFS_NS + "Class")
OWL_IMPORTS = ox.NamedNode(OWL_NS + "imports")
OWL_ONTOLOGY = ox.NamedNode(OWL_NS + "Ontology")
XSD_STRING = ox.NamedNode(XSD_NS + "string")
XSD_BOOLEAN = ox.NamedNode(XSD_NS + "boolean")
XSD_INTEGER = ox.NamedNode(XSD_NS + "integer")
TRUE = ox.Literal("true", datatype=XSD_BOOLEAN)

Term = ox.NamedNode | ox.BlankNode | ox.Literal

_XSD_STRING_IRI = XSD_NS + "string"
_rdflib_cache: dict[Term, rdflib.term.Node] = {}


def to_rdflib(term: Term | None) -> rdflib.term.Node | None:
    """``term`` as rdflib has it, lexical form kept as written (a blank node keeps its id)."""
    if term is None:
        return None
    node = _rdflib_cache.get(term)
    if node is None:
        if isinstance(term, ox.NamedNode):
            node = rdflib.URIRef(term.value)
        elif isinstance(term, ox.BlankNode):
            node = rdflib.BNode(term.value)
        elif term.language:
            node = rdflib.Literal(term.value, lang=term.language, normalize=False)
        elif term.datatype.value == _XSD_STRING_IRI:
            # RDF 1.1: a simple literal is an xsd:string; rdflib keeps them apart, so drop it.
            node = rdflib.Literal(term.value, normalize=False)
        else:
            with quiet_rdflib():
                node = rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value),
                                      normalize=False)
            if not _plain_form_is_written(term):
                # rdflib's Turtle writer prints booleans, decimals and doubles bare from their
                # value ("5"^^xsd:decimal as 5.0, "none"^^xsd:boolean as none, which does not
                # even parse); without a value it quotes the lexical form as written.
                node._value = None
        if len(_rdflib_cache) > 200_000:
            _rdflib_cache.clear()
        _rdflib_cache[term] = node
    return node


def from_rdflib(node: rdflib.term.Node) -> Term:
    """An rdflib term as a pyoxigraph term (lexical form as rdflib holds it)."""
    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, rdflib.Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise TypeError(f"cannot use {node!r} as an RDF term")


_PLAIN_CHECKED = {XSD_NS + "boolean", XSD_NS + "decimal", XSD_NS + "double"}
_PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+")


def _plain_form_is_written(term: ox.Literal) -> bool:
    datatype = term.datatype.value
    if datatype not in _PLAIN_CHECKED:
        return True
    if datatype == XSD_NS + "boolean":
        return term.value in ("true", "false")
    if datatype == XSD_NS + "decimal":
        return bool(_PLAIN_DECIMAL.fullmatch(term.value))
    return False


@contextmanager
def quiet_rdflib():
    """rdflib logs a traceback (and warns) for each literal whose lexical form does not fit its
    datatype; an ill-typed literal is something a report names, not a fault of this process."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def is_literal(term) -> bool:
    return isinstance(term, ox.Literal)


def is_iri(term) -> bool:
    return isinstance(term, ox.NamedNode)


def is_blank(term) -> bool:
    return isinstance(term, ox.BlankNode)


def lexical(term: Term) -> str:
    """What SPARQL's ``STR`` gives: an IRI, a literal's lexical form, a blank node's id."""
    return term.value


__all__ = ["Term", "to_rdflib", "from_rdflib", "quiet_rdflib", "sh", "lexical", "is_literal",
           "is_iri", "is_blank"]
