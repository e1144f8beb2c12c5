"""``SELECT *`` gives its columns in the order the query writes them (pyoxigraph alone sorts
them by name: ``SELECT * { ?s ?p ?o }`` was ``o,p,s``); what is in scope stays pyoxigraph's
decision; explicit projections, ``COUNT(*)`` and a ``*`` in a comment or string are untouched."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest

from evawkg.namespaces import PREFIXES
from evawkg.sparql import AnswerFormats
from evawkg.sparql.answers import QueryJob, execute
from evawkg.sparql.projection import as_written
from evawkg.sparql.service import RESULT_FORMATS

EX = "http://example.org/"


def _store() -> ox.Store:
    store = ox.Store()
    for s, p, o in (("a", "p", "b"), ("b", "p", "c"), ("a", "label", "x")):
        store.add(ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(EX + p), ox.NamedNode(EX + o)))
    return store


def columns(text: str, format_name: str = "json") -> list[str]:
    formats = AnswerFormats(results=next(f for f in RESULT_FORMATS if f.name == format_name))
    payload = execute(_store(), QueryJob(text, formats, PREFIXES)).payload.decode()
    if format_name == "csv":
        return next(csv.reader(io.StringIO(payload)))
    return json.loads(payload)["head"]["vars"]


@pytest.mark.parametrize(("text", "expected"), [
    ("SELECT * { ?s ?p ?o }", ["s", "p", "o"]),
    ("select distinct*{ ?s ?p ?o }", ["s", "p", "o"]),
    ("SELECT * WHERE { ?thing ?p ?o OPTIONAL { ?thing <http://example.org/label> ?label } "
     "BIND(1 AS ?one) }", ["thing", "p", "o", "label", "one"]),
    # in scope is pyoxigraph's decision: MINUS's own variables are not
    ("SELECT * { ?s ?p ?o MINUS { ?s ?q ?z } }", ["s", "p", "o"]),
    ("SELECT * { { SELECT ?b ?a WHERE { ?a ?p ?b } } ?b ?q ?c }", ["b", "a", "q", "c"]),
    ("# SELECT * { ?z ?y ?x }\nSELECT ?o ?s { ?s ?p ?o }", ["o", "s"]),
    ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", ["n"]),
    ('SELECT ?o ?s { ?s ?p ?o FILTER(?o != "SELECT *") }', ["o", "s"]),
])
def test_select_star_columns_follow_the_text(text, expected):
    assert columns(text) == expected


def test_csv_header_of_select_star_is_as_written():
    assert columns("SELECT * { ?subject ?predicate ?object }", "csv") == [
        "subject", "predicate", "object"]


def test_texts_that_need_nothing_are_returned_as_they_are():
    for text in ("SELECT ?o ?s { ?s ?p ?o }", "ASK { ?s ?p ?o }", "SELECT * {}",
                 "CONSTRUCT WHERE { ?s ?p ?o }", "SELECT * { ?s ?p ?o } GROUP BY ?s",
                 "SELECT * { ?a ?b ?c }",  # already in order
                 # never parsed here: pyoxigraph would call the endpoint a second time
                 "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"):
        assert as_written(text, PREFIXES, None) == text
    assert as_written("SELECT * { ?s ?p ?o }", PREFIXES, None) == "SELECT ?s ?p ?o { ?s ?p ?o }"
