"""The synthetic graph generator: size, determinism, formats, and the real ontology's terms."""

from __future__ import annotations


import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from evawkg.graph.inference import INFERRED_GRAPH, infer
from evawkg.namespaces import EVAW, PREFIXES
from evawkg.graph.store import load_files
from evawkg.graph.synthetic import write_synthetic


def test_write_synthetic_writes_about_the_requested_size(tmp_path):
    for size in (5_000, 20_000):
        path = tmp_path / f"s{size}.nt"
        written = write_synthetic(path, size, seed=3)
        assert size <= written < size * 1.01
        assert len(load_files([path])) == written


def test_write_synthetic_same_seed_same_bytes_other_seed_other_graph(tmp_path):
    write_synthetic(tmp_path / "a.nt", 6_000, seed=1)
    write_synthetic(tmp_path / "b.nt", 6_000, seed=1)
    write_synthetic(tmp_path / "c.nt", 6_000, seed=2)
    assert (tmp_path / "a.nt").read_bytes() == (tmp_path / "b.nt").read_bytes()
    assert (tmp_path / "a.nt").read_bytes() != (tmp_path / "c.nt").read_bytes()


def test_write_synthetic_turtle_and_gzip_hold_the_same_graph_as_ntriples(tmp_path):
    for name in ("g.nt", "g.ttl", "g.ttl.gz"):
        write_synthetic(tmp_path / name, 5_000, seed=4)
    reference = Graph().parse(tmp_path / "g.nt", format="nt")
    assert isomorphic(Graph().parse(tmp_path / "g.ttl", format="turtle"), reference)
    assert len(load_files([tmp_path / "g.ttl.gz"])) == len(reference)


def test_write_synthetic_uses_only_terms_the_ontology_declares(tmp_path, bundle):
    write_synthetic(tmp_path / "g.nt", 5_000)
    data = Graph().parse(tmp_path / "g.nt", format="nt")
    ontology = Graph()
    for source in bundle.ontology_sources():
        ontology.parse(source.path)
    declared = set(ontology.subjects(RDF.type, None))
    used = set(data.predicates()) | set(data.objects(None, RDF.type))
    assert {term for term in used if str(term).startswith(str(EVAW))} - declared == set()


def test_write_synthetic_countries_are_inferred_inside_their_m49_ancestors(tmp_path, bundle):
    write_synthetic(tmp_path / "g.nt", 5_000)
    store = load_files([*(source.path for source in bundle.ontology_sources()), tmp_path / "g.nt"])
    infer(store)
    asked = store.query("ASK { GRAPH ?g { id:country\\/TH evaw:locatedIn id:region\\/asia , id:region\\/world } }",
                        prefixes=PREFIXES)
    assert bool(asked)
    measures = list(store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)),
                                            ox.NamedNode("http://www.w3.org/ns/prov#Activity"), INFERRED_GRAPH))
    assert len(measures) > 50


def test_write_synthetic_conforms_to_the_bundled_shapes(tmp_path):
    from evawkg.graph.store import to_rdflib
    from evawkg.shacl.validation import validate

    write_synthetic(tmp_path / "g.nt", 5_000, seed=5)
    report = validate(to_rdflib(load_files([tmp_path / "g.nt"])))
    assert report.conforms, [r.message for r in report.results if r.severity_name == "Violation"][:5]
