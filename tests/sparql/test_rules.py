"""The rules a query meets before it runs: read-only, SERVICE allow-list, FROM, forms; and the
Settings table. No HTTP here (the core is testable without a socket)."""

from __future__ import annotations

import pytest
from rdflib.plugins.sparql import prepareQuery

from evawkg.errors import ReadOnly, ServiceRefused, SettingsError
from evawkg.namespaces import PREFIXES
from evawkg.settings import SETTINGS, Settings
from evawkg.sparql import prepare_query

EVIL = "http://127.0.0.1:9/sparql"

#: Spellings of a SERVICE call that must all be found (each is a real call for rdflib too).
SERVICE_CALLS = [
    f"SELECT * WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"select * where {{ service <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ SeRvIcE SILENT <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?a ?b ?c .SERVICE<{EVIL}>{{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ # SERVICE in a comment, then a real one\n SERVICE\n<{EVIL}> {{ ?s ?p ?o }} }}",
    "PREFIX e: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    "BASE <http://127.0.0.1:9/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    f"SELECT * WHERE {{ OPTIONAL {{ {{ SELECT ?s WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }} }} }}",
    f"SELECT * WHERE {{ FILTER(?a<?b) SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/\\u0073parql> { ?s ?p ?o } }",
    f"ASK {{ ?x ?y \"a string with SERVICE in it\" . SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
]

#: Queries that mention "service" without calling one.
NOT_SERVICE_CALLS = [
    "SELECT * WHERE { ?service ?p ?o }",
    "SELECT * WHERE { ?s ?p \"SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o }\" }",
    "SELECT * WHERE { ?s ?p '''multi\nline SERVICE <http://127.0.0.1:9/>''' }",
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o } # SERVICE <http://127.0.0.1:9/>",
    "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:p ?o }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:service ?o }",
    "SELECT * WHERE { ?s ?p \"x\"@service }",
]


@pytest.mark.parametrize("query", SERVICE_CALLS)
def test_prepare_query_service_spellings_are_refused(query):
    assert _rdflib_service_calls(query), "the fixture should be a real SERVICE call"
    with pytest.raises(ServiceRefused) as caught:
        prepare_query(query, prefixes=PREFIXES)
    assert caught.value.status == 403
    assert "127.0.0.1:9" in caught.value.message


@pytest.mark.parametrize("query", NOT_SERVICE_CALLS)
def test_prepare_query_service_word_without_call_is_allowed(query):
    assert not _rdflib_service_calls(query)
    assert prepare_query(query, prefixes=PREFIXES).services == ()


def test_prepare_query_service_with_variable_endpoint_is_refused():
    with pytest.raises(ServiceRefused, match="variable"):
        prepare_query("SELECT * WHERE { BIND(<http://x/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
                      allow_service=("http://x/",))


def test_prepare_query_allow_listed_service_passes_resolved():
    query = "PREFIX e: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }"
    prepared = prepare_query(query, allow_service=(EVIL,))
    assert prepared.services == (EVIL,)
    with pytest.raises(ServiceRefused, match="allowed endpoints: http://other/"):
        prepare_query(query, allow_service=("http://other/",))


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "PREFIX ex: <http://example.org/>\n delete where { ?s ex:p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "load silent <http://127.0.0.1:9/data.ttl> INTO GRAPH <http://g>",
    "CLEAR ALL", "DROP GRAPH <http://g>", "CREATE GRAPH <http://g>",
    "COPY <http://a> TO <http://b>", "MOVE DEFAULT TO <http://b>", "ADD <http://a> TO <http://b>",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "# a comment first\nBASE <http://example.org/> INSERT DATA { <a> <b> <c> }",
])
def test_prepare_query_update_is_read_only(update):
    with pytest.raises(ReadOnly) as caught:
        prepare_query(update)
    assert caught.value.status == 403 and "read-only" in caught.value.message


@pytest.mark.parametrize(("query", "form", "kind", "dataset"), [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT", "results", False),
    ("prefix ex: <http://e/> ask { ?s ex:p ?o }", "ASK", "results", False),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT", "graph", False),
    ("DESCRIBE <http://e/a>", "DESCRIBE", "graph", False),
    ("SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }", "SELECT", "results", True),
    ("SELECT * FROM NAMED <http://e/g> WHERE { GRAPH ?g { ?s ?p ?o } }", "SELECT", "results", True),
    ("SELEC * WHERE {}", None, "results", False),
])
def test_prepare_query_reads_form_and_dataset(query, form, kind, dataset):
    prepared = prepare_query(query)
    assert (prepared.form, prepared.kind, prepared.has_dataset) == (form, kind, dataset)


def _rdflib_service_calls(query: str) -> list:
    """SERVICE nodes of rdflib's algebra (the independent reading of the same query)."""
    found = []

    def walk(node):
        if hasattr(node, "name") and node.name == "ServiceGraphPattern":
            found.append(node)
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(prepareQuery(query, initNs=PREFIXES).algebra)
    return found


def test_settings_table_declares_every_field_once_with_help():
    names = [setting.name for setting in SETTINGS]
    assert len(names) == len(set(names))
    defaults = Settings()
    for setting in SETTINGS:
        assert getattr(defaults, setting.name) == setting.default
        assert setting.help.endswith((".", ")"))
    assert (defaults.host, defaults.port, defaults.query_timeout) == ("127.0.0.1", 8080, 30.0)
    assert defaults.allow_service == () and defaults.default_graph_as_union is True


def test_settings_from_environment_then_overrides():
    settings = Settings.from_environment(
        {"EVAWKG_PORT": "9000", "EVAWKG_ALLOW_SERVICE": "http://a/, http://b/",
         "EVAWKG_INFER": "no", "EVAWKG_QUERY_TIMEOUT": "2.5"}, port=9001, threads=None)
    assert settings.port == 9001 and settings.threads == 8
    assert settings.allow_service == ("http://a/", "http://b/")
    assert settings.infer is False and settings.query_timeout == 2.5


@pytest.mark.parametrize(("environment", "message"), [
    ({"EVAWKG_PORT": "eighty"}, "EVAWKG_PORT"),
    ({"EVAWKG_PORT": "70000"}, "port"),
    ({"EVAWKG_QUERY_TIMEOUT": "0"}, "query_timeout"),
    ({"EVAWKG_INFER": "maybe"}, "EVAWKG_INFER"),
])
def test_settings_from_environment_bad_value_names_it(environment, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_environment(environment)


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        Settings().port = 1  # type: ignore[misc]
