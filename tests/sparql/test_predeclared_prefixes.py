"""The predeclared prefixes reach pyoxigraph as the text needs them: only those it names are
passed (:func:`evawkg.sparql.answers._named_prefixes`), and a text written with codepoint escapes,
where a prefix need not be spelled out, still gets every one."""

from __future__ import annotations

import json

import pyoxigraph as ox

from evawkg.namespaces import PREFIXES
from evawkg.sparql import AnswerFormats
from evawkg.sparql.answers import QueryJob, _named_prefixes, execute

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _store() -> ox.Store:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode(RDF_TYPE),
                      ox.NamedNode("https://example.org/Thing")))
    return store


def _rows(text: str) -> int:
    answer = execute(_store(), QueryJob(text, AnswerFormats(), PREFIXES))
    return len(json.loads(answer.payload)["results"]["bindings"])


def test_only_the_prefixes_a_text_names_are_passed():
    assert set(_named_prefixes("SELECT * WHERE { ?s rdf:type ?o }", PREFIXES)) <= {"rdf", ""}
    assert "rdf" in PREFIXES and "rdfs" in PREFIXES


def test_a_predeclared_prefix_answers():
    assert _rows("SELECT * WHERE { ?s rdf:type ?o }") == 1


def test_a_prefixed_name_written_with_escapes_still_finds_its_prefix():
    # "rdf\u003Atype" is rdf:type once the escape is replaced (SPARQL 1.1 section 19.2).
    assert _rows("SELECT * WHERE { ?s rdf\\u003Atype ?o }") == 1
    assert _named_prefixes("SELECT * WHERE { ?s rdf\\u003Atype ?o }", PREFIXES) == PREFIXES
