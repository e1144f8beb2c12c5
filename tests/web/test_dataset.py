"""What the endpoint serves: the dataset ``--data`` files write (named graphs and default graph
exactly, ``graph`` placing files, the union as a choice), versions of the sources and the
on-disk store reused across restarts (``--store``)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

from evawkg.errors import BundleError, SettingsError
from evawkg.graph.dataset import (MARKER, DatasetSource, SourcesChanged, dataset_source,
                                  ensure_store_directory)
from evawkg.settings import Settings
from evawkg.web import create_app
from evawkg.web.linked_data import index_href
from ..support import free_port, stop_server, wait_for

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def test_store_directory_is_built_once_and_reused_while_sources_unchanged(tmp_path, fixture_files):
    files = []
    for name in fixture_files:
        copy = tmp_path / name.rsplit("/", 1)[1]
        shutil.copy(name, copy)
        files.append(str(copy))
    messages: list[str] = []
    source = DatasetSource(files=tuple(files))
    built = ensure_store_directory(source, tmp_path / "store", messages.append)
    assert (tmp_path / "store" / MARKER).exists() and any("wrote" in m for m in messages)
    assert len(built.open()) == 23
    messages.clear()
    reused = ensure_store_directory(source, tmp_path / "store", messages.append)
    assert reused.store_dir == built.store_dir and any("reusing" in m for m in messages)
    with open(files[0], "a", encoding="utf-8") as stream:
        stream.write("<https://evawkg.example.org/id/x> <http://www.w3.org/2000/01/rdf-schema#label> \"x\" .\n")
    messages.clear()
    rebuilt = ensure_store_directory(source, tmp_path / "store", messages.append)
    assert any("changed" in m for m in messages) and len(rebuilt.open()) == 24


def test_store_directory_refuses_a_foreign_non_empty_directory(tmp_path, fixture_files):
    (tmp_path / "precious.txt").write_text("not a store")
    with pytest.raises(BundleError, match="holds no evawkg store"):
        ensure_store_directory(DatasetSource(files=fixture_files), tmp_path, lambda m: None)
    assert (tmp_path / "precious.txt").exists()


def test_store_directory_in_a_directory_this_user_may_not_write_is_refused_before_reading(
        tmp_path, fixture_files, monkeypatch):
    # pyoxigraph's OSError ("While mkdir if missing: …/store.building") was a traceback, after the
    # sources had been read. Root may write anywhere, so the refusal is simulated.
    import os

    read: list[str] = []
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(SettingsError, match=f"may not write in {tmp_path}"):
        ensure_store_directory(DatasetSource(files=fixture_files), tmp_path / "store", read.append)
    assert read == [] and not (tmp_path / "store").exists()


def test_version_changes_with_inference_switch_and_files(fixture_files):
    assert (DatasetSource(files=fixture_files).version()
            != DatasetSource(files=fixture_files[:1]).version())
    assert DatasetSource(infer=True).version() != DatasetSource(infer=False).version()


# --- --data serves the dataset its files write ----------------------------------------------------

EX = "http://example.org/"
#: A dataset with a default graph and two named graphs (one sharing a subject with the default).
DATASET_TRIG = f"""@prefix ex: <{EX}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:d1 a ex:Thing ; rdfs:label "in the default graph" .
ex:g1 {{ ex:a ex:p ex:b . ex:d1 ex:p "also named" . }}
ex:g2 {{ ex:c ex:p ex:d . }}
"""
DEFAULT = {(EX + "d1", RDF_TYPE, EX + "Thing"), (EX + "d1", RDFS_LABEL, "in the default graph")}
NAMED = {(EX + "g1", EX + "a", EX + "p", EX + "b"), (EX + "g1", EX + "d1", EX + "p", "also named"),
         (EX + "g2", EX + "c", EX + "p", EX + "d")}


def _rows(client, query: str) -> set[tuple[str, ...]]:
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data
    body = response.get_json(force=True)
    names = body["head"]["vars"]
    return {tuple(row[name]["value"] for name in names) for row in body["results"]["bindings"]}


@pytest.fixture(scope="module", params=[False, True], ids=["no-union", "union"])
def dataset_app(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("dataset") / "dataset.trig"
    path.write_text(DATASET_TRIG, encoding="utf-8")
    application = create_app(Settings(data=(str(path),), default_graph_as_union=request.param,
                                      max_concurrent_queries=1))
    application.extensions["evawkg"].service.wait_ready(60)
    yield application, request.param
    application.extensions["evawkg.validation"].close()
    application.extensions["evawkg"].service.close()


def test_trig_dataset_named_graphs_are_exactly_those_written(dataset_app):
    application, _ = dataset_app
    client = application.test_client()
    assert _rows(client, "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }") == NAMED
    assert _rows(client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }") == {(EX + "g1",), (EX + "g2",)}


def test_trig_dataset_default_graph_is_its_own_or_the_union_as_chosen(dataset_app):
    application, union = dataset_app
    client = application.test_client()
    default = _rows(client, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    expected = DEFAULT | ({quad[1:] for quad in NAMED} if union else set())
    assert default == expected
    health = client.get("/healthz").get_json()
    assert health["quads"] == len(DEFAULT) + len(NAMED) and health["graphs"] == 2


def test_linked_data_reads_the_default_graph_too(dataset_app):
    application, _ = dataset_app
    client = application.test_client()
    classes = client.get("/index/", headers={"Accept": "text/html"})
    assert classes.status_code == 200 and EX + "Thing" in classes.get_data(as_text=True)
    void = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    triples = [line for line in void.get_data(as_text=True).splitlines()
               if "<http://rdfs.org/ns/void#triples>" in line and ".well-known/void#dataset" in line]
    assert triples and f'"{len(DEFAULT) + len(NAMED)}"' in triples[0]



def test_index_of_a_class_of_no_predeclared_namespace_is_reached_by_its_link(dataset_app):
    """The index linked such a class as ``/index/http://example.org/Thing``, a path the
    ``/index/<curie>`` route (no slashes) never matched: a 404, so its instances could not be
    browsed; a ``#`` in the IRI was cut off as a fragment besides."""
    application, _ = dataset_app
    client = application.test_client()
    (thing,) = [entry for entry in client.get("/index/?format=json").get_json()["classes"]
                if entry["iri"] == EX + "Thing"]
    page = client.get(thing["href"], query_string={"format": "json"})
    assert page.status_code == 200, page.data
    assert [entry["iri"] for entry in page.get_json()["instances"]] == [EX + "d1"]
    html = client.get("/index/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f'href="{thing["href"]}"' in html
    assert index_href("http://example.org/ns#Widget") == "/index/http://example.org/ns%23Widget"
    hashed = client.get(index_href("http://example.org/ns#Widget"))
    assert hashed.status_code == 404 and "ns#Widget" in hashed.get_data(as_text=True)

def test_graph_setting_places_each_file(tmp_path):
    (tmp_path / "a.ttl").write_text(f"<{EX}a> <{EX}p> 1 .", encoding="utf-8")
    (tmp_path / "b.nt").write_text(f"<{EX}b> <{EX}p> \"2\" .\n", encoding="utf-8")
    (tmp_path / "c.trig").write_text(f"<{EX}c> <{EX}p> 3 . <{EX}n> {{ <{EX}c> <{EX}p> 4 }}",
                                     encoding="utf-8")
    files = tuple(str(tmp_path / name) for name in ("a.ttl", "b.nt", "c.trig"))

    def placed(**settings) -> set[tuple[str, str]]:
        store = dataset_source(Settings(data=files, **settings)).open()
        return {(q.object.value, q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else "")
                for q in store}

    assert placed() == {("1", ""), ("2", ""), ("3", ""), ("4", EX + "n")}
    assert placed(graph=(EX + "g",)) == {("1", EX + "g"), ("2", EX + "g"), ("3", EX + "g"),
                                         ("4", EX + "n")}
    assert placed(graph=(EX + "ga", "default", EX + "gc")) == {
        ("1", EX + "ga"), ("2", ""), ("3", EX + "gc"), ("4", EX + "n")}


@pytest.mark.parametrize("data, graph, message", [
    ((), ("http://example.org/g",), "give --data"),
    (("a.ttl", "b.ttl", "c.ttl"), ("http://e/1", "http://e/2"), "one per --data file"),
    (("a.ttl",), ("relative/graph",), "neither an absolute IRI"),
    (("a.ttl",), ("http://e/a b",), "neither an absolute IRI"),
])
def test_graph_setting_that_matches_no_file_or_is_no_iri_is_refused(data, graph, message):
    with pytest.raises(SettingsError, match=message):
        Settings(data=data, graph=graph)


def test_graph_setting_reads_from_the_environment(tmp_path):
    settings = Settings.from_environment({"EVAWKG_DATA": "a.ttl,b.trig",
                                          "EVAWKG_GRAPH": "http://e/a,default"})
    assert settings.graph == ("http://e/a", "default")
    assert dataset_source(settings).graphs == ("http://e/a", "")


def test_version_changes_with_where_files_go(fixture_files):
    assert (DatasetSource(files=fixture_files).version()
            != DatasetSource(files=fixture_files, graphs=("http://e/g", "")).version())


def test_a_source_changed_after_start_is_refused_not_served_under_the_old_version(tmp_path,
                                                                                  fixture_files):
    """The version is worked out once, at start; a loader started later (its process was
    killed) reads the files again, and must not serve other bytes under that version."""
    files = []
    for name in fixture_files:
        files.append(str(shutil.copy(name, tmp_path)))
    source = dataset_source(Settings(data=tuple(files), infer=False)).pinned()
    assert source.known_version and len(source.open()) > 0  # unchanged: loads
    with open(files[0], "a", encoding="utf-8") as stream:
        stream.write("\n<https://evawkg.example.org/id/new> a <https://evawkg.example.org/ontology#Thing> .\n")
    with pytest.raises(SourcesChanged) as refused:
        source.open()
    assert refused.value.status == 503
    assert files[0] in refused.value.message and "restart evawkg serve" in refused.value.message


def test_a_live_server_whose_loader_restarts_on_changed_files_answers_503_saying_why(tmp_path,
                                                                                     fixture_files):
    files = [str(shutil.copy(name, tmp_path)) for name in fixture_files]
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "evawkg.web.command", "--port", str(port), "--log-level", "warning",
         "--no-infer", *[arg for path in files for arg in ("--data", path)]],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    def count(n: int) -> str:  # a text of its own each time: no answer from memory
        return base + "/sparql?" + urllib.parse.urlencode(
            {"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} # {n}", "format": "csv"})

    try:
        wait_for(base + "/healthz")
        with urllib.request.urlopen(count(0), timeout=30) as answer:
            before = answer.read()
        with open(files[0], "a", encoding="utf-8") as stream:
            stream.write("\n<https://evawkg.example.org/id/new> a "
                         "<https://evawkg.example.org/ontology#Thing> .\n")
        with urllib.request.urlopen(base + "/healthz", timeout=30) as answer:
            loader = json.loads(answer.read())["pools"]["query"]["pid"]
        os.kill(loader, signal.SIGKILL)
        deadline, seen, n = time.monotonic() + 30, None, 0
        while time.monotonic() < deadline:
            n += 1
            try:
                with urllib.request.urlopen(count(n), timeout=30) as answer:
                    assert answer.read() == before  # the old loader's processes, if any left
            except urllib.error.HTTPError as error:
                seen = (error.code, error.read().decode())
                if "changed since the server started" in seen[1]:
                    break
            time.sleep(0.1)
        assert seen is not None and seen[0] == 503, seen
        assert "changed since the server started" in seen[1] and "restart" in seen[1], seen
    finally:
        stop_server(process)
