"""The rules a query meets before it runs: read-only, SERVICE allow-list, FROM, forms; and the
Settings table. No HTTP here (the core is testable without a socket)."""

from __future__ import annotations

import logging
import time

import pytest
from rdflib.plugins.sparql import prepareQuery

from evawkg.errors import (ClientError, QuerySyntaxError, QueryTooDeep, ReadOnly, ServiceRefused,
                           SettingsError)
from evawkg.namespaces import PREFIXES
from evawkg.settings import SETTINGS, Settings
from evawkg.sparql import MAX_NESTING, check_graph_iri, check_nesting, prepare_query
from evawkg.sparql.rules import nesting_depth, refuse_update, unescape_codepoints

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


def test_prepare_query_reads_a_service_nested_in_another():
    # rdflib's parser looked for each SERVICE's text by scanning the whole query again, which for
    # a nested SERVICE found the outer one again and recursed to the limit (seconds of a rules
    # process): an allowed query was refused as "nested too deeply".
    query = ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { SERVICE <http://127.0.0.1:2/> "
             "{ ?s ?p ?o } } }")
    started = time.monotonic()
    prepared = prepare_query(query, allow_service=("http://127.0.0.1:1/", "http://127.0.0.1:2/"))
    assert sorted(prepared.services) == ["http://127.0.0.1:1/", "http://127.0.0.1:2/"]
    with pytest.raises(ServiceRefused, match=r"SERVICE <http://127\.0\.0\.1:2/> is refused"):
        prepare_query(query + " ", allow_service=("http://127.0.0.1:1/",))
    assert time.monotonic() - started < 30  # generous: the point is no recursion to the limit


def test_prepare_query_logs_no_traceback_for_an_ill_typed_literal(caplog):
    # rdflib logged a warning with a traceback for each literal whose text is no value of its
    # datatype, in the server's log, for any client's query (the remote rules parse them all).
    caplog.set_level(logging.DEBUG)
    prepared = prepare_query('SELECT ("2020-13-45T99:99:99"^^<http://www.w3.org/2001/XMLSchema#'
                             'dateTime> AS ?x) ("<a>"^^<http://www.w3.org/1999/02/22-rdf-syntax-'
                             'ns#XMLLiteral> AS ?y) {}')
    assert prepared.form == "SELECT"
    assert not [record for record in caplog.records if record.name.startswith("rdflib")]


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


#: Texts the old hand-written lexer misread, each hiding a SERVICE call that pyoxigraph runs.
LEXER_BYPASSES = [
    # issue 14: "\#" is an escaped "#" in a prefixed name (PN_LOCAL_ESC), not a comment.
    f"SELECT * WHERE {{ BIND(id:x\\#y AS ?z) SERVICE <{EVIL}> {{ ?a ?b ?c }} }}",
    # SPARQL ends a comment at a carriage return too; pyparsing's comment runs to the line feed.
    f"SELECT * WHERE {{ ?s ?p ?o # comment\r SERVICE <{EVIL}> {{ ?a ?b ?c }}\n }}",
    # A codepoint escape is processed before parsing (SPARQL 1.1 section 19.2).
    f"SELECT * WHERE {{ \\u0053ERVICE <{EVIL}> {{ ?a ?b ?c }} }}",
    f"SELECT * WHERE {{ SERVICE \\u003C{EVIL}\\u003E {{ ?a ?b ?c }} }}",
]


@pytest.mark.parametrize("query", LEXER_BYPASSES)
def test_prepare_query_refuses_service_hidden_from_a_lexer(query):
    with pytest.raises(ServiceRefused) as caught:
        prepare_query(query, prefixes=PREFIXES, always_parse=False)
    assert caught.value.status == 403


def test_prepare_query_refuses_service_it_cannot_check():
    # Syntax beyond rdflib's SPARQL 1.1 (an RDF 1.2 triple term): the call cannot be checked.
    query = f"SELECT * WHERE {{ BIND(<<( <http://a> <http://b> <http://c> )>> AS ?t) SERVICE <{EVIL}> {{ }} }}"
    with pytest.raises(ServiceRefused, match="could not be checked"):
        prepare_query(query, allow_service=(EVIL,))


def test_prepare_query_fast_path_skips_the_parse_only_without_service_or_from():
    fast = prepare_query("SELECT * WHERE { ?s ?p ?o }", always_parse=False)
    assert (fast.parsed, fast.form, fast.has_dataset, fast.services) == (False, None, False, ())
    for text in ("SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }",
                 "SELECT * WHERE { ?s ?p 'from a string' }", "SELECT ?service WHERE { ?service ?p ?o }"):
        assert prepare_query(text, always_parse=False).parsed
    assert prepare_query("SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }",
                         always_parse=False).has_dataset


def test_prepare_query_runs_the_unescaped_text():
    prepared = prepare_query('SELECT ?x WHERE { BIND("caf\\u00E9 \\U0001F600" AS ?x) }')
    assert prepared.text == 'SELECT ?x WHERE { BIND("café 😀" AS ?x) }'


@pytest.mark.parametrize(("text", "message"), [
    ('SELECT * WHERE { BIND("\\u005Cu0041" AS ?x) }', "leaves another one"),
    ('SELECT * WHERE { BIND("\\u005C\\u0075\\u0030\\u0030\\u0034\\u0031" AS ?x) }', "leaves another one"),
    ('SELECT * WHERE { BIND("\\uD800" AS ?x) }', "no Unicode character"),
    ('SELECT * WHERE { BIND("\\U00110000" AS ?x) }', "no Unicode character"),
])
def test_unescape_codepoints_refuses_what_two_parsers_would_read_apart(text, message):
    with pytest.raises(QuerySyntaxError, match=message):
        unescape_codepoints(text)


def test_allow_listed_service_with_escaped_prefixed_name_resolves_like_pyoxigraph():
    query = "PREFIX h: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE h:a\\.b { ?s ?p ?o } }"
    assert prepare_query(query, allow_service=("http://127.0.0.1:9/a.b",)).services == (
        "http://127.0.0.1:9/a.b",)


def test_refuse_update_names_the_operation_and_lets_queries_pass():
    with pytest.raises(ReadOnly, match=r"\(LOAD\)"):
        refuse_update("LOAD <http://127.0.0.1:9/data.ttl>")
    refuse_update("SELECT * WHERE { ?s ?p ?o }")
    refuse_update("SELEC nonsense")


@pytest.mark.parametrize(("text", "depth"), [
    ("SELECT * WHERE { ?s ?p ?o }", 1),
    ("SELECT * WHERE { FILTER((1)) OPTIONAL { [ <http://p> ?o ] } }", 3),
    ("}}} {", 1),
    ("}}} ((( ) (", 3),
    ("", 0),
])
def test_nesting_depth_counts_brackets(text, depth):
    assert nesting_depth(text) == depth


def test_check_nesting_refuses_deep_queries_in_linear_time():
    deep = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    with pytest.raises(QueryTooDeep, match=r"query nested too deeply \(depth 5000; at most 256\)") as caught:
        check_nesting(deep)
    assert caught.value.status == 400
    check_nesting("SELECT * WHERE { FILTER(" + "(" * (MAX_NESTING - 2) + "1" + ")" * (MAX_NESTING - 2) + ") }")
    huge = "(" * 1_000_000
    started = time.thread_time()
    with pytest.raises(QueryTooDeep):
        check_nesting(huge)
    check_nesting("()" * 500_000)
    assert time.thread_time() - started < 0.5


@pytest.mark.parametrize("value", ["relative/graph", "", "http://a b/", "http://e/<x>"])
def test_check_graph_iri_refuses_what_is_not_an_absolute_iri(value):
    with pytest.raises(ClientError, match="default-graph-uri") as caught:
        check_graph_iri(value, "default-graph-uri")
    assert caught.value.status == 400


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


def test_prepare_query_parses_a_text_once(monkeypatch):
    from evawkg.sparql import rules

    calls = []
    real = rules._parse_query
    monkeypatch.setattr(rules, "_parse_query", lambda *args: calls.append(1) or real(*args))
    text = "SELECT ?from WHERE { ?from ?p ?o } # test_prepare_query_parses_a_text_once"
    first = prepare_query(text, prefixes=PREFIXES, always_parse=False)
    again = prepare_query(text, prefixes=PREFIXES, always_parse=False)
    assert first == again and first.parsed and len(calls) == 1
    other = prepare_query(text, prefixes=PREFIXES, allow_service=("http://e/",), always_parse=False)
    assert other.parsed and len(calls) == 2  # another allow-list is another answer
    big = text + " " * rules.CACHED_TEXT_CHARS
    prepare_query(big, prefixes=PREFIXES, always_parse=False)
    prepare_query(big, prefixes=PREFIXES, always_parse=False)
    assert len(calls) == 4  # a long text is not kept
