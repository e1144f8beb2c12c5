"""The project's JSON-LD context, generated from the ontology and versioned with it, and the
compaction of graphs with it (JSON-LD 1.1, https://www.w3.org/TR/json-ld11/).

The context is built from the bundled ontology file, never from the served data: every
predeclared prefix (:data:`evawkg.namespaces.PREFIXES`; a kind of resource named like a property,
such as ``topic``, leaves the name to the property), ``id``/``type`` for ``@id``/``@type``,
one term per ontology class and property (object properties typed ``@id``, datatype properties
with their one ``rdfs:range`` datatype), and short names for the common SKOS, RDFS, DCTERMS and
PROV terms when no ontology term takes the name. Names are ASCII and collision-free, so the same
ontology version always gives the same context; its URL carries that version
(``/context/v<owl:versionInfo>.jsonld``).

:func:`compact` is the one JSON-LD writer of the project: ``/sparql`` answers (with the prefixes
as context), linked-data pages (with this context), dumps and validation reports all use it. It
writes RDF straight into compacted form for the kind of context the project makes (prefixes, and
terms with an ``@id``, an optional ``@type`` coercion and an optional ``@language`` container),
choosing per value the term whose definition fits it, as JSON-LD's term selection does, and a
compact IRI otherwise; literals keep their lexical form (never turned into JSON numbers). Every
blank node referenced once is embedded where it is referenced (the shape JSON-LD framing's
``@embed`` gives) and the described resource comes first. It runs in linear time over the
triples, so a million-triple dump is written in seconds; tests prove each output parses back,
with its context, to a graph isomorphic to the input.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .bundle import Bundle, default_bundle
from ..errors import NotAcceptable
from ..namespaces import EVAW, ID_KINDS, ONTOLOGY_IRI, PREFIXES

#: Terms of other vocabularies given short names (name → (IRI, term definition extras)).
_COMMON: dict[str, tuple[str, dict]] = {
    "label": (str(RDFS.label), {"@container": "@language"}),
    "comment": (str(RDFS.comment), {"@container": "@language"}),
    "seeAlso": (str(RDFS.seeAlso), {"@type": "@id"}),
    "isDefinedBy": (str(RDFS.isDefinedBy), {"@type": "@id"}),
    "subClassOf": (str(RDFS.subClassOf), {"@type": "@id"}),
    "subPropertyOf": (str(RDFS.subPropertyOf), {"@type": "@id"}),
    "domain": (str(RDFS.domain), {"@type": "@id"}),
    "range": (str(RDFS.range), {"@type": "@id"}),
    "prefLabel": (PREFIXES["skos"] + "prefLabel", {"@container": "@language"}),
    "altLabel": (PREFIXES["skos"] + "altLabel", {}),
    "notation": (PREFIXES["skos"] + "notation", {}),
    "note": (PREFIXES["skos"] + "note", {}),
    "inScheme": (PREFIXES["skos"] + "inScheme", {"@type": "@id"}),
    "broader": (PREFIXES["skos"] + "broader", {"@type": "@id"}),
    "narrower": (PREFIXES["skos"] + "narrower", {"@type": "@id"}),
    "exactMatch": (PREFIXES["skos"] + "exactMatch", {"@type": "@id"}),
    "title": (PREFIXES["dcterms"] + "title", {}),
    "description": (PREFIXES["dcterms"] + "description", {}),
    "source": (PREFIXES["dcterms"] + "source", {"@type": "@id"}),
    "license": (PREFIXES["dcterms"] + "license", {"@type": "@id"}),
    "wasAssociatedWith": (PREFIXES["prov"] + "wasAssociatedWith", {"@type": "@id"}),
    "qualifiedAssociation": (PREFIXES["prov"] + "qualifiedAssociation", {}),
    "agent": (PREFIXES["prov"] + "agent", {"@type": "@id"}),
    "hadRole": (PREFIXES["prov"] + "hadRole", {"@type": "@id"}),
    "atLocation": (PREFIXES["prov"] + "atLocation", {"@type": "@id"}),
}

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def ontology_path(bundle: Bundle | None = None) -> Path:
    return (bundle or default_bundle()).ontology_dir / "evawkg.ttl"


@lru_cache(maxsize=4)
def _ontology(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(path, format="turtle")


def ontology_version(bundle: Bundle | None = None) -> str:
    """The ontology's ``owl:versionInfo`` (``0.1.0``)."""
    graph = _ontology(ontology_path(bundle))
    version = graph.value(rdflib.URIRef(ONTOLOGY_IRI), OWL.versionInfo)
    return str(version) if version is not None else "0"


def context_path(version: str) -> str:
    """The path the context of ``version`` is served at, relative to the server root."""
    return f"context/v{version}.jsonld"


def build_context(bundle: Bundle | None = None) -> dict:
    """The ``@context`` object (without the ``{"@context": …}`` wrapper)."""
    return json.loads(_context_text(ontology_path(bundle)))


@lru_cache(maxsize=4)
def _context_text(path: Path) -> str:
    graph = _ontology(path)
    context: dict = {"@version": 1.1, "id": "@id", "type": "@type"}
    kinds = {prefix: PREFIXES[prefix] for prefix in ID_KINDS}
    context.update({prefix: namespace for prefix, namespace in sorted(PREFIXES.items())
                    if prefix not in kinds})
    terms: dict[str, dict | str] = {}
    namespace = str(EVAW)
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in sorted(set(graph.subjects(RDF.type, kind))):
            iri = str(term)
            name = iri[len(namespace):] if iri.startswith(namespace) else ""
            if not _NAME.fullmatch(name) or name in context:
                continue
            compact = "evaw:" + name
            if kind == OWL.Class:
                terms[name] = compact
            elif kind == OWL.ObjectProperty:
                terms[name] = {"@id": compact, "@type": "@id"}
            else:
                ranges = [r for r in graph.objects(term, RDFS.range) if isinstance(r, rdflib.URIRef)]
                datatype = str(ranges[0]) if len(ranges) == 1 else ""
                if datatype.startswith(str(XSD)) and datatype != str(XSD.string):
                    terms[name] = {"@id": compact, "@type": "xsd:" + datatype[len(str(XSD)):]}
                else:
                    terms[name] = {"@id": compact}
    for name, (iri, extras) in _COMMON.items():
        if name not in terms and name not in context:
            terms[name] = {"@id": _compact(iri), **extras}
    # A key is a term or a prefix, not both: where a kind of resource is named like a property
    # (topic, status, qualifier, approach, indicator), the property keeps the short name and those
    # resources compact as id:topic/… (a JSON-LD compact IRI may hold a slash).
    context.update({prefix: namespace for prefix, namespace in sorted(kinds.items())
                    if prefix not in terms})
    context.update(dict(sorted(terms.items())))
    return json.dumps(context, ensure_ascii=False)


def _compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def context_document(bundle: Bundle | None = None) -> bytes:
    """The served context file: ``{"@context": {…}}``, pretty-printed."""
    return (json.dumps({"@context": build_context(bundle)}, ensure_ascii=False, indent=2)
            + "\n").encode()


RDF_TYPE = str(RDF.type)
XSD_STRING = str(XSD.string)


def prefix_context(prefixes: dict[str, str]) -> dict:
    """A context made of prefixes only (``/sparql`` answers, validation reports)."""
    return dict(prefixes)


class _Terms:
    """The term definitions of a context, indexed by the IRI they stand for."""

    def __init__(self, context: dict, absolute_ids: bool = False):
        self.absolute_ids = absolute_ids
        prefixes = {}
        self.by_iri: dict[str, tuple[str, dict]] = {}
        for name, value in context.items():
            if name.startswith("@"):
                continue
            if isinstance(value, str):
                if value.startswith("@"):
                    continue  # a keyword alias
                if ":" in name or not value.endswith(("/", "#", ":", "?", "[", "]", "@")):
                    self.by_iri.setdefault(self._expand(value, context), (name, {}))
                else:
                    prefixes[name] = value
            elif isinstance(value, dict) and isinstance(value.get("@id"), str):
                definition = dict(value)
                self.by_iri.setdefault(self._expand(definition["@id"], context), (name, definition))
        for name, (term, definition) in list(self.by_iri.items()):
            coerced = definition.get("@type")
            if coerced and coerced not in ("@id", "@vocab"):
                definition["@type"] = self._expand(coerced, context)
        # Longest namespace first, so ``id:`` loses to a longer, more specific prefix.
        self.prefixes = sorted(prefixes.items(), key=lambda item: len(item[1]), reverse=True)

    @staticmethod
    def _expand(value: str, context: dict) -> str:
        prefix, colon, local = value.partition(":")
        target = context.get(prefix) if colon else None
        if isinstance(target, str) and not local.startswith("//"):
            return target + local
        return value

    def iri(self, value: str) -> str:
        """``value`` as a compact IRI (``prefix:local``) where a prefix fits, else as it is."""
        for prefix, namespace in self.prefixes:
            if value.startswith(namespace) and len(value) > len(namespace):
                local = value[len(namespace):]
                if not local.startswith("//"):
                    return f"{prefix}:{local}"
        return value

    def node(self, value: str) -> str:
        """A node's ``@id`` or a reference to it: absolute when so asked (links a reader can
        follow as they are), else a compact IRI."""
        return value if self.absolute_ids else self.iri(value)

    def vocabulary(self, value: str) -> str:
        """A type IRI: its term when the context defines one (types expand like vocabulary
        terms), else a compact IRI."""
        term = self.by_iri.get(value)
        return term[0] if term is not None else self.iri(value)


def _literal_value(literal: ox.Literal, terms: _Terms) -> dict:
    value: dict = {"@value": literal.value}
    if literal.language:
        value["@language"] = literal.language
        direction = getattr(literal, "direction", None)
        if direction is not None:
            value["@direction"] = str(direction.value if hasattr(direction, "value") else direction)
    elif literal.datatype.value != XSD_STRING:
        value["@type"] = terms.iri(literal.datatype.value)
    return value


def _place(node: dict, predicate: str, obj, terms: _Terms) -> None:
    """Add ``obj`` to ``node`` under the key whose term fits it (the compact IRI otherwise)."""
    term = terms.by_iri.get(predicate)
    if term is not None:
        name, definition = term
        coercion, container = definition.get("@type"), definition.get("@container")
        if container == "@language":
            if isinstance(obj, ox.Literal) and obj.language and not getattr(obj, "direction", None):
                by_language = node.setdefault(name, {})
                by_language.setdefault(obj.language, []).append(obj.value)
                return
        else:
            node.setdefault(name, []).append(_value(obj, terms, coercion))
            return
    node.setdefault(terms.iri(predicate), []).append(_value(obj, terms, None))


def _value(obj, terms: _Terms, coercion: str | None):
    if isinstance(obj, ox.NamedNode):
        return terms.node(obj.value) if coercion == "@id" else {"@id": terms.node(obj.value)}
    if isinstance(obj, ox.BlankNode):
        return {"@id": "_:" + obj.value}  # an object, so it can be embedded
    if isinstance(obj, ox.Literal):
        if obj.language or getattr(obj, "direction", None):
            return _literal_value(obj, terms)
        datatype = obj.datatype.value
        if coercion is None and datatype == XSD_STRING:
            return obj.value
        if coercion is not None and coercion == datatype:
            return obj.value
        return _literal_value(obj, terms)
    raise NotAcceptable("JSON-LD 1.1 cannot write RDF 1.2 triple terms (<<( s p o )>>) and this "
                        "graph holds some; ask for Turtle, TriG, N-Triples or N-Quads")


def _subject_id(subject, terms: _Terms) -> str:
    return "_:" + subject.value if isinstance(subject, ox.BlankNode) else terms.node(subject.value)


def _sorted_values(values):
    if isinstance(values, dict):  # a language map
        return {language: texts[0] if len(texts) == 1 else sorted(texts)
                for language, texts in sorted(values.items())}
    ordered = sorted(values, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return ordered[0] if len(ordered) == 1 else ordered


def compact(triples, context: dict, *, context_ref: str | None = None, first: str | None = None,
            absolute_ids: bool = False, indent: int | None = 2) -> bytes:
    """``triples`` (pyoxigraph triples, or an rdflib graph) as compacted JSON-LD under
    ``context``, which the document names by ``context_ref`` (a URL) or carries inline: blank
    nodes referenced once embedded, the node ``first`` (an IRI) at the head. Keys and types use
    the context's terms and prefixes; node identifiers too, unless ``absolute_ids`` (linked
    data: every ``@id`` a link as it is)."""
    if isinstance(triples, rdflib.Graph):
        triples = [quad.triple for quad in ox.parse(
            triples.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)]
    terms = _Terms(context, absolute_ids)
    nodes: dict[str, dict] = {}
    for triple in triples:
        subject = _subject_id(triple.subject, terms)
        node = nodes.get(subject)
        if node is None:
            node = nodes[subject] = {"@id": subject}
        predicate, obj = triple.predicate.value, triple.object
        if predicate == RDF_TYPE and isinstance(obj, (ox.NamedNode, ox.BlankNode)):
            kind = "_:" + obj.value if isinstance(obj, ox.BlankNode) else terms.vocabulary(obj.value)
            node.setdefault("@type", []).append(kind)
        else:
            _place(node, predicate, obj, terms)
    graph = []
    for node in nodes.values():
        ordered = {"@id": node["@id"]}
        if "@type" in node:
            ordered["@type"] = _sorted_values(node["@type"])
        for key in sorted(k for k in node if not k.startswith("@")):
            ordered[key] = _sorted_values(node[key])
        graph.append(ordered)
    graph = _embed_blank_nodes(graph)
    head = terms.node(first) if first else None
    graph.sort(key=lambda node: (_id(node) != head, str(_id(node) or "")))
    document = {"@context": context_ref if context_ref else context, "@graph": graph}
    return (json.dumps(document, ensure_ascii=False, indent=indent) + "\n").encode()


def _id(node: dict) -> str | None:
    return node.get("@id", node.get("id"))


def _is_reference(value: dict) -> bool:
    return len(value) == 1 and isinstance(_id(value), str)


#: How deep blank nodes are embedded in one another: a longer chain continues from a node of the
#: graph's top level (the output stays the same graph), and neither writing nor reading the
#: document recurses past what Python's stack and json allow.
MAX_EMBED_DEPTH = 64


def _embed_blank_nodes(nodes: list[dict]) -> list[dict]:
    """``nodes`` with every blank node referenced exactly once embedded where it is referenced.

    Each node is placed once: as a top-level node or embedded in its one referrer. Nodes that
    cannot be embedded (IRIs, blank nodes referenced never or twice) are the roots, taken first;
    blank nodes still unplaced after them (a cycle of blank nodes each referenced once, or the
    rest of a chain deeper than :data:`MAX_EMBED_DEPTH`) become roots in turn, so no node is
    lost and a cycle keeps one node, with its ``@id``, at the top level."""
    blank = {_id(node): node for node in nodes if str(_id(node) or "").startswith("_:")}
    counts: dict[str, int] = {}

    def count(value) -> None:
        if isinstance(value, dict):
            if _is_reference(value) and _id(value) in blank:
                counts[_id(value)] = counts.get(_id(value), 0) + 1
            for item in value.values():
                count(item)
        elif isinstance(value, list):
            for item in value:
                count(item)

    for node in nodes:
        count({k: v for k, v in node.items() if k not in ("@id", "id")})
    embeddable = {identifier for identifier, n in counts.items() if n == 1}
    placed: set[str] = set()

    def embed(value, depth: int):
        if isinstance(value, dict):
            identifier = _id(value)
            if (_is_reference(value) and identifier in embeddable and identifier not in placed
                    and depth < MAX_EMBED_DEPTH):
                placed.add(identifier)
                inner = {k: embed(v, depth + 1) for k, v in blank[identifier].items()
                         if k not in ("@id", "id")}
                return inner or value
            return {k: embed(v, depth) for k, v in value.items()}
        if isinstance(value, list):
            return [embed(item, depth) for item in value]
        return value

    roots = []
    for node in ([node for node in nodes if _id(node) not in embeddable]
                 + [node for node in nodes if _id(node) in embeddable]):
        if _id(node) in placed:
            continue
        placed.add(_id(node))
        roots.append(embed(node, 0))
    return roots


__all__ = ["build_context", "context_document", "context_path", "ontology_version", "compact",
           "prefix_context"]
