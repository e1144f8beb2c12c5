"""The SPARQL Service Description of the endpoint, with VoID sizes of its graphs.

SPARQL 1.1 Service Description: https://www.w3.org/TR/sparql11-service-description/ ;
VoID: https://www.w3.org/TR/void/. Built as pyoxigraph triples, serialised like any
CONSTRUCT answer (so Turtle, JSON-LD and the other graph formats all work).
"""

from __future__ import annotations

from urllib.parse import urljoin

import pyoxigraph as ox

from .service import GRAPH_FORMATS, RESULT_FORMATS, DatasetDescription

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
RDFS_SEE_ALSO = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
#: Where the server publishes the dataset's VoID description (RFC 8615 well-known URI, VoID §7.2).
VOID_PATH = "/.well-known/void"

#: Prefixes the description is written with.
PREFIXES = {"sd": SD, "void": VOID, "dcterms": "http://purl.org/dc/terms/",
            "formats": "http://www.w3.org/ns/formats/"}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


def describe_service(endpoint: str, dataset: DatasetDescription) -> list[ox.Triple]:
    """The description of the endpoint at ``endpoint`` serving ``dataset``."""
    service = ox.NamedNode(endpoint + "#service")
    default_dataset = ox.BlankNode("dataset")
    default_graph = ox.BlankNode("defaultGraph")
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, DCTERMS_TITLE, ox.Literal("evawkg SPARQL endpoint (read-only)", language="en")),
        ox.Triple(service, _sd("defaultDataset"), default_dataset),
        ox.Triple(default_dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(default_dataset, _sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, _sd("Graph")),
        ox.Triple(default_graph, ox.NamedNode(VOID + "triples"), _integer(dataset.triples)),
        ox.Triple(service, RDFS_SEE_ALSO, ox.NamedNode(urljoin(endpoint, VOID_PATH))),
    ]
    if dataset.default_graph_as_union:
        triples.append(ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")))
    for fmt in RESULT_FORMATS + GRAPH_FORMATS:
        triples.append(ox.Triple(service, _sd("resultFormat"), ox.NamedNode(fmt.w3c_iri)))
    for number, graph in enumerate(dataset.graphs):
        named = ox.BlankNode(f"namedGraph{number}")
        described = ox.BlankNode(f"graph{number}")
        triples += [
            ox.Triple(default_dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(graph.name)),
            ox.Triple(named, _sd("graph"), described),
            ox.Triple(described, RDF_TYPE, _sd("Graph")),
            ox.Triple(described, ox.NamedNode(VOID + "triples"), _integer(graph.triples)),
        ]
    return triples


__all__ = ["describe_service", "PREFIXES"]
