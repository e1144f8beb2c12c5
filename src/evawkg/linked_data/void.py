"""The VoID description of the dataset (Describing Linked Datasets, https://www.w3.org/TR/void/).

One ``void:Dataset``, ``{BASE}.well-known/void#dataset``, counted from the store itself:
``void:triples`` (distinct asserted triples: the lines of the N-Triples dump), ``void:entities``
(IRIs in ``void:uriSpace`` ``{BASE}id/`` that are subjects), distinct subjects and objects,
classes and properties with a ``void:classPartition`` / ``void:propertyPartition`` each, and one
``void:subset`` per named graph (``graph/inferred`` among them, marked as derived). It links the
SPARQL endpoint, the dumps (``void:dataDump``), the vocabularies used, the licence and the sources
the data's own dataset records cite.
"""

from __future__ import annotations

import pyoxigraph as ox

from ..graph.inference import INFERRED_GRAPH
from ..graph.public_base import PublicBase
from ..namespaces import PREFIXES

VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
FORMATS = "http://www.w3.org/ns/formats/"

#: The dumps a VoID ``void:dataDump`` names (file names of :mod:`evawkg.linked_data.dumps`).
DUMP_FILES = ("evawkg.ttl", "evawkg.nt.gz", "evawkg.jsonld")

#: Every ``void:`` term this module writes (the tests check each is in the VoID vocabulary).
PREFIXES_VOID = {"void": VOID, "dcterms": DCTERMS, "xsd": XSD, "formats": FORMATS,
                 "prov": PREFIXES["prov"]}

#: Asserted statements: the default graph's and every named graph's but the inferred one.
_ASSERTED = (f"{{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {INFERRED_GRAPH}) }}")


def _void(name: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + name)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


def _count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)


def statistics(store: ox.Store, base_iri: str) -> dict:
    """The counts VoID states (asserted triples only; the inferred graph is its own subset)."""
    distinct = f"SELECT DISTINCT ?s ?p ?o WHERE {{ {_ASSERTED} }}"
    space = base_iri + "id/"
    return {
        "triples": _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {distinct} }}"),
        "entities": _count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { "
                           f"{_ASSERTED} FILTER(isIRI(?s) && STRSTARTS(STR(?s), {_string(space)})) }}"),
        "distinctSubjects": _count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {_ASSERTED} }}"),
        "distinctObjects": _count(store, f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {_ASSERTED} }}"),
        "properties": _count(store, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {_ASSERTED} }}"),
        "classes": _count(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { "
                          f"{_ASSERTED} FILTER(?p = {RDF_TYPE}) }}"),
    }


def _string(text: str) -> str:
    return ox.Literal(text).__str__()


def describe_dataset(store: ox.Store, base_iri: str, *, version: str,
                     public_base: str | None = None) -> list[ox.Triple]:
    """The VoID triples of ``store``, whose IRIs are under ``base_iri``, data version
    ``version``; with ``public_base``, every IRI under ``base_iri`` (the dataset's own, its
    endpoint and dumps, the classes, graphs and sources counted) is published under it, and so
    is ``void:uriSpace``, a literal that names where the IRIs live."""
    iris = PublicBase(base_iri, public_base or base_iri)
    return [iris.triple_out(triple) if triple.predicate != _void("uriSpace") else
            ox.Triple(iris.term_out(triple.subject), triple.predicate,
                      ox.Literal(iris.iri_out(triple.object.value)))
            for triple in _describe(store, base_iri, version)]


def _describe(store: ox.Store, base_iri: str, version: str) -> list[ox.Triple]:
    dataset = ox.NamedNode(base_iri + ".well-known/void#dataset")
    triples: list[ox.Triple] = []

    def add(subject, predicate: str, value) -> None:
        triples.append(ox.Triple(subject, ox.NamedNode(predicate), value))

    add(dataset, RDF_TYPE.value, _void("Dataset"))
    add(dataset, DCTERMS + "title", ox.Literal("evawkg: the UN system's work to end violence "
                                               "against women", language="en"))
    add(dataset, DCTERMS + "description", ox.Literal(
        "A linked-data knowledge graph of UN activities, mandates, instruments and places "
        "concerning violence against women, with its OWL 2 RL closure.", language="en"))
    add(dataset, DCTERMS + "license", ox.NamedNode(LICENSE))
    add(dataset, DCTERMS + "hasVersion", ox.Literal(version))
    add(dataset, VOID + "uriSpace", ox.Literal(base_iri + "id/"))
    add(dataset, VOID + "sparqlEndpoint", ox.NamedNode(base_iri + "sparql"))
    add(dataset, VOID + "rootResource", ox.NamedNode(base_iri + "ontology"))
    for name in DUMP_FILES:
        add(dataset, VOID + "dataDump", ox.NamedNode(base_iri + "dumps/" + name))
    for name in ("Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        add(dataset, VOID + "feature", ox.NamedNode(FORMATS + name))
    for name, value in statistics(store, base_iri).items():
        add(dataset, VOID + name, _integer(value))
    example = ox.NamedNode(base_iri + "id/organization/unodc")
    if next(store.quads_for_pattern(example, None, None, None), None) is not None:
        add(dataset, VOID + "exampleResource", example)
    for row in store.query("SELECT DISTINCT ?source WHERE { ?d a void:Dataset ; dcterms:source "
                           "?source FILTER(isIRI(?source)) } ORDER BY ?source",
                           prefixes=PREFIXES, use_default_graph_as_union=True):
        add(dataset, DCTERMS + "source", row["source"])
    used = {row["p"].value for row in store.query(f"SELECT DISTINCT ?p WHERE {{ {_ASSERTED} }}")}
    for namespace in sorted(set(PREFIXES.values())):
        if any(p.startswith(namespace) for p in used):
            add(dataset, VOID + "vocabulary", ox.NamedNode(namespace))
    _partitions(store, dataset, triples, add)
    _graphs(store, dataset, add)
    return triples


def _partitions(store: ox.Store, dataset, triples: list, add) -> None:
    classes = store.query(f"SELECT ?o (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {_ASSERTED} "
                          f"FILTER(?p = {RDF_TYPE}) }} GROUP BY ?o ORDER BY ?o")
    for number, row in enumerate(classes):
        partition = ox.BlankNode(f"class{number}")
        add(dataset, VOID + "classPartition", partition)
        add(partition, VOID + "class", row["o"])
        add(partition, VOID + "entities", _integer(int(row["n"].value)))
    properties = store.query(f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o "
                             f"WHERE {{ {_ASSERTED} }} }} GROUP BY ?p ORDER BY ?p")
    for number, row in enumerate(properties):
        partition = ox.BlankNode(f"property{number}")
        add(dataset, VOID + "propertyPartition", partition)
        add(partition, VOID + "property", row["p"])
        add(partition, VOID + "triples", _integer(int(row["n"].value)))


def _graphs(store: ox.Store, dataset, add) -> None:
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                       "GROUP BY ?g ORDER BY ?g")
    for row in rows:
        graph = row["g"]
        add(dataset, VOID + "subset", graph)
        add(graph, RDF_TYPE.value, _void("Dataset"))
        add(graph, VOID + "triples", _integer(int(row["n"].value)))
        if graph == INFERRED_GRAPH:
            add(graph, DCTERMS + "description", ox.Literal(
                "Triples entailed by the OWL 2 RL rules from every other graph; asserted nowhere.",
                language="en"))
            add(graph, PREFIXES["prov"] + "wasDerivedFrom", dataset)


__all__ = ["describe_dataset", "statistics", "DUMP_FILES", "PREFIXES_VOID"]
