"""Real clients against a live server on loopback: rdflib dereferencing an IRI path with no
hints; the VoID description (terms of the VoID vocabulary, counts equal to the store) and the
dumps it links, downloaded and parsed."""

from __future__ import annotations

import gzip
import hashlib
import json
import urllib.request

import pyoxigraph as ox
import pytest
import rdflib

from evawkg.graph.inference import INFERRED_GRAPH
from evawkg.linked_data.void import statistics

BASE = "https://evawkg.example.org/"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")

#: Every term of the VoID vocabulary (https://www.w3.org/TR/void/, http://rdfs.org/ns/void#).
VOID_CLASSES = {"Dataset", "Linkset", "TechnicalFeature", "DatasetDescription"}
VOID_PROPERTIES = {"class", "classes", "classPartition", "dataDump", "distinctObjects",
                   "distinctSubjects", "documents", "entities", "exampleResource", "feature",
                   "inDataset", "linkPredicate", "objectsTarget", "openSearchDescription",
                   "properties", "property", "propertyPartition", "rootResource", "sparqlEndpoint",
                   "subjectsTarget", "subset", "target", "triples", "uriLookupEndpoint",
                   "uriRegexPattern", "uriSpace", "vocabulary"}
VOID_COUNTS = {"triples", "entities", "classes", "properties", "distinctSubjects",
               "distinctObjects", "documents"}


def test_rdflib_dereferences_resource_iri_path_with_no_hints(live_base):
    graph = rdflib.Graph()
    graph.parse(live_base + "/id/country/TH")
    th = rdflib.URIRef(BASE + "id/country/TH")
    assert (th, rdflib.RDF.type, rdflib.URIRef(BASE + "ontology#Country")) in graph
    assert graph.value(th, rdflib.URIRef(BASE + "ontology#iso3166Alpha3")) == rdflib.Literal("THA")
    assert len(graph) > 30


def test_rdflib_dereferences_ontology_and_term(live_base):
    graph = rdflib.Graph().parse(live_base + "/ontology")
    country = rdflib.URIRef(BASE + "ontology#Country")
    assert (rdflib.URIRef(BASE + "ontology"), rdflib.RDF.type, rdflib.OWL.Ontology) in graph
    assert (country, rdflib.RDF.type, rdflib.OWL.Class) in graph
    assert graph.value(country, rdflib.RDFS.label) is not None


@pytest.mark.parametrize("accept", ["text/turtle", "application/rdf+xml", "application/n-triples"])
def test_rdflib_follows_a_link_from_a_fetched_description(live_base, accept):
    request = urllib.request.Request(live_base + "/id/country/TH", headers={"Accept": accept})
    with urllib.request.urlopen(request) as response:
        assert response.headers["Content-Type"].startswith(accept)
        assert response.headers["Content-Location"].startswith("/id/country/TH.")


@pytest.fixture(scope="module")
def void_graph(live_base) -> rdflib.Graph:
    return rdflib.Graph().parse(live_base + "/.well-known/void", format="turtle")


def test_void_uses_only_terms_of_the_void_vocabulary(void_graph):
    for term in set(void_graph.predicates()) | set(void_graph.objects(None, rdflib.RDF.type)):
        if str(term).startswith(str(VOID)):
            local = str(term)[len(str(VOID)):]
            assert local in VOID_PROPERTIES | VOID_CLASSES, f"void:{local} is not a VoID term"
    for predicate, value in void_graph.predicate_objects():
        if str(predicate)[len(str(VOID)):] in VOID_COUNTS and str(predicate).startswith(str(VOID)):
            assert value.datatype == rdflib.XSD.integer and int(value) >= 0
    for partition in void_graph.objects(None, VOID.classPartition):
        assert len(list(void_graph.objects(partition, VOID["class"]))) == 1
    for partition in void_graph.objects(None, VOID.propertyPartition):
        assert len(list(void_graph.objects(partition, VOID.property))) == 1


def test_void_counts_match_the_store(void_graph, store):
    dataset = rdflib.URIRef(BASE + ".well-known/void#dataset")
    assert (dataset, rdflib.RDF.type, VOID.Dataset) in void_graph
    counts = statistics(store, BASE)
    for name, value in counts.items():
        assert int(void_graph.value(dataset, VOID[name])) == value, name
    asserted = {q.triple for q in store.quads_for_pattern(None, None, None, None)
                if q.graph_name != INFERRED_GRAPH}
    assert counts["triples"] == len(asserted)
    assert counts["distinctSubjects"] == len({t.subject for t in asserted})
    classes = {row: n for row, n in ((void_graph.value(p, VOID["class"]), int(void_graph.value(p, VOID.entities)))
                                     for p in void_graph.objects(dataset, VOID.classPartition))}
    countries = {t.subject for t in asserted if t.predicate.value == str(rdflib.RDF.type)
                 and t.object == ox.NamedNode(BASE + "ontology#Country")}
    assert classes[rdflib.URIRef(BASE + "ontology#Country")] == len(countries)
    for graph in void_graph.objects(dataset, VOID.subset):
        expected = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(str(graph))))
        assert int(void_graph.value(graph, VOID.triples)) == expected
    assert void_graph.value(dataset, VOID.sparqlEndpoint) == rdflib.URIRef(BASE + "sparql")
    assert void_graph.value(dataset, DCTERMS.license) is not None
    assert len(list(void_graph.objects(dataset, DCTERMS.source))) >= 3


def local(live_base: str, iri: rdflib.term.Node) -> str:
    return live_base + "/" + str(iri)[len(BASE):]


def test_void_dumps_download_parse_and_match_counts(live_base, void_graph):
    dataset = rdflib.URIRef(BASE + ".well-known/void#dataset")
    triples = int(void_graph.value(dataset, VOID.triples))
    dumps = sorted(void_graph.objects(dataset, VOID.dataDump))
    assert {str(d).rsplit("/", 1)[1] for d in dumps} == {"evawkg.ttl", "evawkg.nt.gz", "evawkg.jsonld"}
    with urllib.request.urlopen(live_base + "/dumps/SHA256SUMS") as response:
        sums = dict(reversed(line.split("  ")) for line in response.read().decode().splitlines())
    formats = {"evawkg.ttl": ox.RdfFormat.TURTLE, "evawkg.nt.gz": ox.RdfFormat.N_TRIPLES,
               "evawkg.jsonld": ox.RdfFormat.JSON_LD}
    for dump in dumps:
        name = str(dump).rsplit("/", 1)[1]
        with urllib.request.urlopen(local(live_base, dump)) as response:
            data = response.read()
            assert response.headers["ETag"].strip('"') == sums[name]
        assert hashlib.sha256(data).hexdigest() == sums[name]
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        parsed = {q.triple for q in ox.parse(data, formats[name])}
        assert len(parsed) == triples, name


def test_dumps_listing_shows_version_and_checksums(live_base):
    request = urllib.request.Request(live_base + "/dumps/", headers={"Accept": "application/json"})
    with urllib.request.urlopen(request) as response:
        manifest = json.load(response)
    with urllib.request.urlopen(live_base + "/dumps/") as response:
        page = response.read().decode()
    assert manifest["version"] in page
    for name, entry in manifest["files"].items():
        assert name in page and entry["sha256"] in page
