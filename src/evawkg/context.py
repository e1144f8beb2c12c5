"""The project's JSON-LD context, generated from the ontology and versioned with it, and the
compaction of graphs with it (JSON-LD 1.1, https://www.w3.org/TR/json-ld11/).

The context is built from the bundled ontology file, never from the served data: every
predeclared prefix (:data:`evawkg.namespaces.PREFIXES`), ``id``/``type`` for ``@id``/``@type``,
one term per ontology class and property (object properties typed ``@id``, datatype properties
with their one ``rdfs:range`` datatype), and short names for the common SKOS, RDFS, DCTERMS and
PROV terms when no ontology term takes the name. Names are ASCII and collision-free, so the same
ontology version always gives the same context; its URL carries that version
(``/context/v<owl:versionInfo>.jsonld``).

Compaction uses rdflib's JSON-LD serializer with the context given inline (so nothing is ever
fetched), then embeds every blank node referenced once into the node that references it (the
shape JSON-LD framing's ``@embed`` gives) and puts the described resource first.
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
from .namespaces import EVAW, ONTOLOGY_IRI, PREFIXES

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
    context.update({prefix: namespace for prefix, namespace in sorted(PREFIXES.items())})
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


def compact(triples: list[ox.Triple], *, context_url: str | None = None, first: str | None = None,
            bundle: Bundle | None = None) -> bytes:
    """``triples`` as compacted JSON-LD: the context referenced by ``context_url`` (inline when
    ``None``), blank nodes referenced once embedded, the node ``first`` at the head."""
    context = build_context(bundle)
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    document = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    nodes = document.get("@graph")
    if nodes is None:
        nodes = [{k: v for k, v in document.items() if k != "@context"}] if len(document) > 1 else []
    nodes = _embed_blank_nodes(nodes)
    nodes.sort(key=lambda node: (_id(node) != first, str(_id(node) or "")))
    result = {"@context": context_url if context_url else context, "@graph": nodes}
    return (json.dumps(result, ensure_ascii=False, indent=2) + "\n").encode()


def _id(node: dict) -> str | None:
    return node.get("@id", node.get("id"))


def _is_reference(value: dict) -> bool:
    return len(value) == 1 and isinstance(_id(value), str)


def _embed_blank_nodes(nodes: list[dict]) -> list[dict]:
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
    embedded: set[str] = set()

    def embed(value, trail: frozenset):
        if isinstance(value, dict):
            if _is_reference(value) and _id(value) in embeddable and _id(value) not in trail:
                identifier = _id(value)
                embedded.add(identifier)
                inner = {k: embed(v, trail | {identifier}) for k, v in blank[identifier].items()
                         if k not in ("@id", "id")}
                return inner or value
            return {k: embed(v, trail) for k, v in value.items()}
        if isinstance(value, list):
            return [embed(item, trail) for item in value]
        return value

    result = [embed(node, frozenset({_id(node)})) for node in nodes]
    return [node for node in result if _id(node) not in embedded]


__all__ = ["build_context", "context_document", "context_path", "ontology_version", "compact"]
