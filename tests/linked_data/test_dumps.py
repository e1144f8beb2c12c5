"""Dumps: every file parses back to the graph it claims, checksums hold, output is deterministic."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from evawkg.linked_data.dumps import (CHECKSUMS, INFERRED_TURTLE, JSON_LD, MANIFEST, NQUADS_GZ, NTRIPLES_GZ,
                           TURTLE, VERSION, export_dumps)
from evawkg.graph.inference import INFERRED_GRAPH, infer
from evawkg.namespaces import GRAPH
from evawkg.graph.store import load_files, to_rdflib

FIXTURES = Path(__file__).parents[1] / "fixtures" / "store"
SOURCES = [FIXTURES / "ontology.ttl", FIXTURES / "data.ttl"]


def fixture_store():
    store = load_files(SOURCES)
    infer(store)
    return store


@pytest.fixture(scope="module")
def dumps(tmp_path_factory):
    store = fixture_store()
    directory = tmp_path_factory.mktemp("dumps")
    paths = export_dumps(store, directory, version="test-version")
    return store, directory, paths


def asserted_graph(store) -> Graph:
    return to_rdflib(store, [g for g in store.named_graphs() if g != INFERRED_GRAPH])


def test_export_dumps_writes_every_file_checksums_last(dumps):
    _, directory, paths = dumps
    assert [p.name for p in paths] == [TURTLE, NTRIPLES_GZ, JSON_LD, INFERRED_TURTLE, NQUADS_GZ,
                                       VERSION, MANIFEST, CHECKSUMS]
    assert all(p.parent == directory for p in paths)


def test_export_dumps_checksums_match_files(dumps):
    _, directory, paths = dumps
    lines = (directory / CHECKSUMS).read_text().splitlines()
    assert len(lines) == len(paths) - 1
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest


# rdflib's JSON-LD and N-Quads parsers use its own deprecated ConjunctiveGraph API internally.
RDFLIB_DEPRECATIONS = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")


@RDFLIB_DEPRECATIONS
@pytest.mark.parametrize("name, rdflib_format", [(TURTLE, "turtle"), (JSON_LD, "json-ld")])
def test_export_dumps_asserted_dump_is_the_asserted_graph(dumps, name, rdflib_format):
    store, directory, _ = dumps
    parsed = Graph().parse(directory / name, format=rdflib_format)
    assert isomorphic(parsed, asserted_graph(store))


def test_export_dumps_ntriples_gz_is_the_asserted_graph(dumps):
    store, directory, _ = dumps
    parsed = Graph().parse(data=gzip.decompress((directory / NTRIPLES_GZ).read_bytes()).decode(), format="nt")
    assert isomorphic(parsed, asserted_graph(store))


def test_export_dumps_inferred_dump_is_the_inferred_graph_alone(dumps):
    store, directory, _ = dumps
    inferred = to_rdflib(store, [INFERRED_GRAPH])
    alone = Graph().parse(directory / INFERRED_TURTLE, format="turtle")
    assert len(alone) == len(inferred) > 0
    # Inferred triples mention the ontology's blank nodes (restrictions); the dumps share blank
    # node labels, so the two files read as one document give back asserted plus inferred.
    both = (directory / TURTLE).read_text() + (directory / INFERRED_TURTLE).read_text()
    assert isomorphic(Graph().parse(data=both, format="turtle"), inferred + asserted_graph(store))


@RDFLIB_DEPRECATIONS
def test_export_dumps_nquads_keeps_every_named_graph(dumps):
    store, directory, _ = dumps
    dataset = Dataset()
    dataset.parse(data=gzip.decompress((directory / NQUADS_GZ).read_bytes()).decode(), format="nquads")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == {str(GRAPH["ontology"]), str(GRAPH["data"]), INFERRED_GRAPH.value}
    assert sum(len(g) for g in dataset.graphs()) == len(store)


def test_export_dumps_manifest_and_version(dumps):
    store, directory, _ = dumps
    assert (directory / VERSION).read_text() == "test-version\n"
    manifest = json.loads((directory / MANIFEST).read_text())
    assert manifest["version"] == "test-version"
    assert manifest["triples"]["quads"] == len(store)
    assert manifest["triples"]["inferred"] == len(to_rdflib(store, [INFERRED_GRAPH]))
    assert manifest["files"][TURTLE]["sha256"] == hashlib.sha256((directory / TURTLE).read_bytes()).hexdigest()


def test_export_dumps_same_data_gives_identical_bytes(tmp_path):
    first = export_dumps(fixture_store(), tmp_path / "a")
    second = export_dumps(fixture_store(), tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    # A fresh process (other hash seeds, other blank node ids) writes the same bytes too.
    script = ("import sys; from pathlib import Path; from evawkg.graph.store import load_files; "
              "from evawkg.graph.inference import infer; from evawkg.linked_data.dumps import export_dumps; "
              "s = load_files([Path(p) for p in sys.argv[2:]]); infer(s); export_dumps(s, sys.argv[1])")
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "c"), *map(str, SOURCES)], check=True)
    assert [p.read_bytes() for p in first] == [(tmp_path / "c" / p.name).read_bytes() for p in first]


def test_export_dumps_default_version_is_a_hash_of_the_asserted_data(tmp_path):
    store = fixture_store()
    export_dumps(store, tmp_path)
    version = (tmp_path / VERSION).read_text().strip()
    assert len(version) == 16 and int(version, 16) >= 0
