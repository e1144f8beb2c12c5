"""A query the parser refuses is answered in words a person can act on: the prefix that is not
declared and how to declare it, the tokens expected without the grammar's Unicode ranges, and
the text just before the position; the same through the remote store's path, whose message the
store may have cut short."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from evawkg.errors import QuerySyntaxError
from evawkg.namespaces import PREFIXES
from evawkg.sparql import AnswerFormats
from evawkg.sparql.answers import QueryJob, execute
from evawkg.sparql.remote import positioned
from evawkg.sparql.syntax_words import explain

GRAMMAR_RANGES = ("..=", "\\u{", "['")


def refusal(text: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as caught:
        execute(ox.Store(), QueryJob(text, AnswerFormats(), PREFIXES))
    return caught.value


def test_an_undeclared_prefix_is_named_with_how_to_declare_it():
    error = refusal("SELECT * WHERE {\n  ?s a evaw:Activity ;\n     unknown:thing ?o }")
    message = error.message
    assert (error.line, error.column) == (3, 19)
    assert 'the prefix "unknown:" is not declared' in message
    assert "add PREFIX unknown: <namespace IRI> before the query" in message
    assert "this server declares activity:" in message and "the query editor at /sparql" in message
    assert not any(part in message for part in GRAMMAR_RANGES)


def test_the_expected_tokens_are_listed_without_the_grammars_character_classes():
    message = refusal("SELECT * { ?s ?p ?o").message
    assert message.startswith("query syntax error at line 1, column 20: expected ")
    assert '"}"' in message and '"."' in message and "a name" in message
    assert "(after “SELECT * { ?s ?p ?o”)" in message
    assert not any(part in message for part in GRAMMAR_RANGES)


def test_a_long_list_of_expected_tokens_is_cut_and_the_text_shown_is_the_last_characters():
    message = refusal("SELECT (COUNT(?x) AS ?n) WHERE { ?x ?p ?o } GROUP BY ?x HAVING(").message
    assert '"true", … or a digit or a name' in message
    assert "(after “?x ?p ?o } GROUP BY ?x HAVING(”)" in message  # its last 30 characters


def test_the_remote_stores_message_cut_inside_a_character_class_is_still_read():
    # Oxigraph server's words, cut at 400 characters by the gateway inside a quoted character.
    said = ("the store refused the query: error at 1:59: expected one of \",\", \".\", \"}\", "
            "['0' ..= '9' | '\\u{00B7}'], ['A' ..= 'Z' | 'a' ..= 'z' | '\\u{00C0}'..='\\u{00D")
    prologue = "PREFIX evaw: <https://evawkg.example.org/ontology#>\n"[:39]
    error = positioned(QuerySyntaxError(said), "SELECT * { ?s ?p ?o", len(prologue))
    assert (error.line, error.column) == (1, 20)
    assert error.message == ('query syntax error at line 1, column 20: the store refused the '
                             'query: expected ",", ".", "}", a digit or a name '
                             '(after “SELECT * { ?s ?p ?o”)')


def test_words_without_a_list_are_kept_and_a_position_outside_the_text_shows_nothing():
    assert explain("expected CONSTRUCT", "SELEC * {}", 1, 10, PREFIXES) == \
        "expected CONSTRUCT (after “SELEC * {”)"
    assert explain("expected CONSTRUCT", "SELEC * {}", 4, 1, PREFIXES) == "expected CONSTRUCT"
    assert explain("expected one of Prefix not found", None, None, None, {}) == \
        "a prefix is not declared: declare it with PREFIX, or write the full IRI in <…>"
