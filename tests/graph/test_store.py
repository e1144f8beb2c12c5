"""Loading RDF into the pyoxigraph store: formats, named graphs, positioned errors, no network."""

from __future__ import annotations

import socket
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from evawkg.graph.bundle import Bundle
from evawkg.errors import UnknownFormat, UnparsableInput
from evawkg.graph.inference import INFERRED_GRAPH
from evawkg.namespaces import GRAPH
from evawkg.graph.store import (bundle_version, count_triples, load_bundle, load_dataset,
                                load_files, to_rdflib)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "store"
ACTIVITY = URIRef("https://evawkg.example.org/id/activity/training-2011")


def graph_names(store: ox.Store) -> set[str]:
    return {g.value for g in store.named_graphs()}


@pytest.fixture(scope="module")
def expected() -> Graph:
    return Graph().parse(FIXTURES / "sample.ttl")


@pytest.mark.parametrize("name", ["sample.ttl", "sample.nt", "sample.nt.gz", "sample.rdf", "sample.jsonld"])
def test_load_files_triple_formats_go_to_a_graph_named_after_the_file(name, expected):
    store = load_files([FIXTURES / name])
    assert graph_names(store) == {str(GRAPH["sample"])}
    assert isomorphic(to_rdflib(store), expected)


@pytest.mark.parametrize("name", ["sample.nq", "sample.trig"])
def test_load_files_quad_formats_keep_their_named_graphs(name, expected):
    store = load_files([FIXTURES / name])
    assert graph_names(store) == {str(GRAPH["activities"])}
    assert isomorphic(to_rdflib(store, [str(GRAPH["activities"])]), expected)


def test_load_files_quad_format_default_graph_triples_go_to_the_file_graph(tmp_path):
    path = tmp_path / "mixed.trig"
    path.write_text("<http://e/g> { <http://e/a> <http://e/p> 1 } <http://e/b> <http://e/p> 2 .")
    store = load_files([path])
    assert graph_names(store) == {"http://e/g", str(GRAPH["mixed"])}
    assert not list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_load_dataset_keeps_a_quad_file_as_written(tmp_path):
    path = tmp_path / "mixed.trig"
    path.write_text("<http://e/g> { <http://e/a> <http://e/p> 1 } <http://e/b> <http://e/p> 2 .")
    store = load_dataset([(path, None)])
    assert graph_names(store) == {"http://e/g"}
    default = list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert [q.subject.value for q in default] == ["http://e/b"]


@pytest.mark.parametrize("name", ["sample.ttl", "sample.nt.gz", "sample.rdf"])
def test_load_dataset_triple_file_fills_the_default_graph_or_the_graph_named(name, expected):
    store = load_dataset([(FIXTURES / name, None)])
    assert graph_names(store) == set() and isomorphic(to_rdflib(store), expected)
    named = load_dataset([(FIXTURES / name, "http://e/g")])
    assert graph_names(named) == {"http://e/g"}
    assert not list(named.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_load_dataset_graph_of_a_quad_file_takes_only_its_default_graph(tmp_path):
    path = tmp_path / "mixed.nq"
    path.write_text("<http://e/a> <http://e/p> \"1\" <http://e/g> .\n<http://e/b> <http://e/p> \"2\" .\n")
    store = load_dataset([(path, "http://e/h")])
    assert {(q.subject.value, q.graph_name.value) for q in store} == {("http://e/a", "http://e/g"),
                                                                      ("http://e/b", "http://e/h")}


def test_load_dataset_checks_every_extension_before_parsing(tmp_path):
    (tmp_path / "good.ttl").write_text("<http://e/a> <http://e/p> 1 .")
    with pytest.raises(UnknownFormat):
        load_dataset([(tmp_path / "good.ttl", None), (tmp_path / "bad.unknown", None)])


def test_count_triples_counts_the_default_graph_too(tmp_path):
    path = tmp_path / "mixed.trig"
    path.write_text("<http://e/g> { <http://e/a> <http://e/p> 1 } <http://e/b> <http://e/p> 2 .")
    store = load_dataset([(path, None)])
    assert count_triples(store) == 2 and count_triples(store, "http://e/g") == 1


def test_load_files_same_stem_twice_gets_distinct_graphs(expected):
    store = load_files([FIXTURES / "sample.ttl", FIXTURES / "sample.nt"])
    assert graph_names(store) == {str(GRAPH["sample"]), str(GRAPH["sample-2"])}
    # Blank nodes of different files stay distinct.
    assert len(store) == 2 * len(expected)


def test_load_files_input_format_overrides_extension(tmp_path, expected):
    path = tmp_path / "data.txt"
    path.write_bytes((FIXTURES / "sample.ttl").read_bytes())
    with pytest.raises(UnknownFormat):
        load_files([path])
    assert isomorphic(to_rdflib(load_files([path], input_format="turtle")), expected)


@pytest.mark.parametrize("name, text, line, column", [
    ("bad.ttl", "@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:a ex:b \"open\n", 3, 11),
    ("bad.nt", "<http://e/a> <http://e/b> <http://e/c> .\n<http://e/a> <http://e/b> bad .\n", 2, 27),
    ("bad.jsonld", '{\n  "@id": "http://e/a",\n  "http://e/p": [1,]\n}', 3, 20),
    ("bad.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
                '<rdf:Description>\n</rdf:Descriptio></rdf:RDF>', 4, 3),
])
def test_load_files_syntax_error_names_file_line_and_column(tmp_path, name, text, line, column):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(UnparsableInput) as caught:
        load_files([path])
    error = caught.value
    assert (error.source, error.line, error.column) == (str(path), line, column)
    assert error.message.startswith(f"{path}:{line}:{column}: ")
    assert error.status == 400


@pytest.mark.parametrize("name", ["sample.ttl", "sample.nt", "sample.nt.gz", "sample.rdf",
                                  "sample.jsonld", "sample.trig", "sample.nq"])
def test_load_files_skip_an_editors_byte_order_mark(tmp_path, name, expected):
    import gzip

    data = (FIXTURES / name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.compress(b"\xef\xbb\xbf" + gzip.decompress(data))
    else:
        data = b"\xef\xbb\xbf" + data
    path = tmp_path / name
    path.write_bytes(data)
    store = load_files([path])
    assert isomorphic(to_rdflib(store, sorted(graph_names(store))), expected)


def test_load_files_missing_file_is_unparsable_input(tmp_path):
    with pytest.raises(UnparsableInput, match="cannot read"):
        load_files([tmp_path / "absent.ttl"])


@pytest.fixture()
def canary():
    """A loopback socket nobody should ever connect to."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    with pytest.raises(TimeoutError):
        server.accept()
    server.close()


def test_load_files_never_fetches_remote_jsonld_context(tmp_path, canary):
    path = tmp_path / "remote.jsonld"
    path.write_text('{"@context": "%scontext.jsonld", "@id": "http://e/a", "name": "x"}' % canary)
    with pytest.raises(UnparsableInput, match="never fetched"):
        load_files([path])


def test_load_files_never_resolves_rdfxml_external_entities(tmp_path, canary):
    path = tmp_path / "entity.rdf"
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY ext SYSTEM "{canary}x">]>\n'
                    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
                    '<rdf:Description rdf:about="http://e/a"><e:p>&ext;</e:p></rdf:Description></rdf:RDF>')
    with pytest.raises(UnparsableInput):
        load_files([path])


def test_to_rdflib_plain_literals_have_no_xsd_string_datatype():
    graph = to_rdflib(load_files([FIXTURES / "sample.ttl"]))
    assert (ACTIVITY, URIRef("https://evawkg.example.org/ontology#note"), Literal("plain string")) in graph


def test_to_rdflib_numeric_literals_are_canonicalised_by_pyoxigraph(tmp_path):
    path = tmp_path / "n.ttl"
    path.write_text("<http://e/a> <http://e/p> 007 .")
    graph = to_rdflib(load_files([path]))
    assert list(graph.objects()) == [Literal(7)]
    assert str(next(graph.objects())) == "7"


def make_bundle(root: Path) -> Bundle:
    (root / "ontology").mkdir()
    (root / "data").mkdir()
    (root / "ontology" / "evawkg.ttl").write_bytes((FIXTURES / "ontology.ttl").read_bytes())
    (root / "data" / "activities.ttl").write_bytes((FIXTURES / "data.ttl").read_bytes())
    return Bundle(root)


def test_load_bundle_fills_one_graph_per_source_and_inferred(tmp_path):
    store = load_bundle(make_bundle(tmp_path))
    assert graph_names(store) == {str(GRAPH["ontology"]), str(GRAPH["activities"]), INFERRED_GRAPH.value}
    assert isomorphic(to_rdflib(store, [str(GRAPH["activities"])]), Graph().parse(FIXTURES / "data.ttl"))


def test_load_bundle_without_inference_has_no_inferred_graph(tmp_path):
    store = load_bundle(make_bundle(tmp_path), infer=False)
    assert INFERRED_GRAPH not in set(store.named_graphs())


def test_bundle_version_changes_with_a_source(tmp_path):
    bundle = make_bundle(tmp_path)
    before = bundle_version(bundle)
    assert before == bundle_version(bundle)
    with (tmp_path / "data" / "activities.ttl").open("a") as stream:
        stream.write("\n# edited\n")
    assert bundle_version(bundle) != before


def test_load_bundle_real_checkout_parses_every_source(bundle):
    store = load_bundle(bundle, infer=False)
    assert graph_names(store) == {source.graph for source in bundle.sources()}
