"""Every named query of the bundle, with its defaults, gives the same answer through the server on
Oxigraph server and on Virtuoso as on the embedded store.

"The same" is row for row as RDF terms, in any row order, with one allowance: the order of the
values inside a ``GROUP_CONCAT``, which SPARQL leaves to the engine (each store reads its indexes
in its own order), so a concatenated text is compared as its multiset of words. No named query
is excused on any store: the rewrites that got Virtuoso 7.2 there are listed in
docs/deployment.md.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from evawkg.graph.bundle import default_bundle
from evawkg.graph.store import load_bundle
from evawkg.workbench.named_queries import load_named_queries
from evawkg.workbench.tables import run_named_query

QUERIES = sorted(load_named_queries(default_bundle().queries_dir))


def _term(cell: dict) -> tuple:
    value = cell["value"]
    if cell["type"] == "literal" and (" " in value or "," in value):
        value = tuple(sorted(Counter(re.split(r"[,\s]+", value.strip())).elements()))
    return cell["type"], value, cell.get("datatype"), (cell.get("xml:lang") or "").lower()


def rows_of(payload: bytes) -> Counter:
    document = json.loads(payload)
    if "boolean" in document:
        return Counter([document["boolean"]])
    return Counter(tuple(sorted((name, _term(cell)) for name, cell in binding.items()))
                   for binding in document["results"]["bindings"])


@pytest.fixture(scope="module")
def embedded_answers(bundle):
    from evawkg.sparql.answers import _write_solutions

    store = load_bundle(bundle)
    named = load_named_queries(bundle.queries_dir)
    return {name: rows_of(_write_solutions(query.run(store), "json", 0)[0])
            for name, query in named.items()}


@pytest.fixture(scope="module")
def remote_service(stores, backend):
    from evawkg.sparql.remote import RemoteSparqlService

    store = stores.get(backend, "bundle")
    service = RemoteSparqlService(store.settings(query_timeout=20.0, max_concurrent_queries=2,
                                                 queue_wait=10.0))
    assert service.wait_ready(60), service.health()
    yield service
    service.close()


@pytest.mark.parametrize("name", QUERIES)
def test_named_query_answers_as_on_the_embedded_store(backend, remote_service,
                                                      embedded_answers, bundle, name):
    query = load_named_queries(bundle.queries_dir)[name]
    answer = run_named_query(remote_service, query, {}, timeout=20.0)
    assert rows_of(answer.payload) == embedded_answers[name]
