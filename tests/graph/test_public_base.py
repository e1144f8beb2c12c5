"""The one rule between the canonical and the public base: applied to IRIs (terms, IRI tokens of
a query, IRI fields of SPARQL TSV), never to the text of literals, strings or comments."""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest

from evawkg.graph.public_base import PublicBase
from evawkg.sparql.query_text import rewrite_iris

CANONICAL = "https://evawkg.example.org/"
PUBLIC = "http://127.0.0.1:8080/"
IRIS = PublicBase(CANONICAL, PUBLIC)


def test_iris_map_both_ways_and_others_pass():
    assert IRIS.iri_out(CANONICAL + "id/country/TH") == PUBLIC + "id/country/TH"
    assert IRIS.iri_in(PUBLIC + "id/country/TH") == CANONICAL + "id/country/TH"
    assert IRIS.iri_in(CANONICAL + "id/country/TH") == CANONICAL + "id/country/TH"
    assert IRIS.iri_out("http://www.w3.org/ns/prov#agent") == "http://www.w3.org/ns/prov#agent"
    assert PublicBase(CANONICAL, CANONICAL).identity


def test_mapping_is_idempotent_when_the_public_base_lies_under_the_canonical_one():
    nested = PublicBase(CANONICAL, CANONICAL + "mirror/")
    once = nested.iri_out(CANONICAL + "id/x")
    assert once == CANONICAL + "mirror/id/x" and nested.iri_out(once) == once


def test_terms_map_iris_and_datatypes_but_not_literal_text():
    literal = ox.Literal(CANONICAL + "id/x")
    typed = ox.Literal("7", datatype=ox.NamedNode(CANONICAL + "ontology#code"))
    assert IRIS.term_out(literal) == literal
    assert IRIS.term_out(typed) == ox.Literal("7", datatype=ox.NamedNode(PUBLIC + "ontology#code"))
    assert IRIS.term_out(ox.Literal("x", language="en")) == ox.Literal("x", language="en")
    assert IRIS.term_out(ox.BlankNode("b")) == ox.BlankNode("b")
    quad = ox.Quad(ox.NamedNode(CANONICAL + "a"), ox.NamedNode(CANONICAL + "p"), literal,
                   ox.NamedNode(CANONICAL + "graph/g"))
    assert IRIS.quad_out(quad) == ox.Quad(ox.NamedNode(PUBLIC + "a"), ox.NamedNode(PUBLIC + "p"),
                                          literal, ox.NamedNode(PUBLIC + "graph/g"))


def test_tsv_maps_iri_fields_and_datatypes_never_literal_text():
    tsv = (f'?s\t?text\t?typed\n<{CANONICAL}a>\t"<{CANONICAL}b> \\"^^<{CANONICAL}c>"\t'
           f'"1"^^<{CANONICAL}ontology#n>\n<{CANONICAL}d>\t"x"@en\t_:b\n').encode()
    mapped = IRIS.tsv_out(tsv).decode()
    assert mapped == (f'?s\t?text\t?typed\n<{PUBLIC}a>\t"<{CANONICAL}b> \\"^^<{CANONICAL}c>"\t'
                      f'"1"^^<{PUBLIC}ontology#n>\n<{PUBLIC}d>\t"x"@en\t_:b\n')
    # What pyoxigraph reads back is what was meant.
    [first, second] = list(ox.parse_query_results(mapped.encode(), format=ox.QueryResultsFormat.TSV))
    assert first["s"] == ox.NamedNode(PUBLIC + "a")
    assert first["text"] == ox.Literal(f'<{CANONICAL}b> "^^<{CANONICAL}c>')


def test_tsv_maps_the_iris_inside_triple_terms_never_their_literal_text():
    text = f'x <{CANONICAL}c> "^^<{CANONICAL}d> )>> y'
    inner = ox.Triple(ox.NamedNode(CANONICAL + "e"), ox.NamedNode(CANONICAL + "q"),
                      ox.Literal("7", datatype=ox.NamedNode(CANONICAL + "dt")))
    store = ox.Store()
    for value in (ox.Triple(ox.NamedNode(CANONICAL + "b"), ox.NamedNode(CANONICAL + "q"),
                            ox.Literal(text)),
                  ox.Triple(ox.BlankNode("n"), ox.NamedNode(CANONICAL + "q"), inner),
                  ox.Triple(ox.NamedNode(CANONICAL + "b"), ox.NamedNode(CANONICAL + "q"),
                            ox.Literal(text, language="en"))):
        store.add(ox.Quad(ox.NamedNode(CANONICAL + "a"), ox.NamedNode(CANONICAL + "p"), value))
    tsv = store.query("SELECT ?o WHERE { ?s ?p ?o }").serialize(format=ox.QueryResultsFormat.TSV)
    assert tsv.count(b"<<(") == 4  # pyoxigraph writes RDF 1.2 triple terms so, nested too
    mapped = IRIS.tsv_out(tsv)
    read = {solution["o"]
            for solution in ox.parse_query_results(mapped, format=ox.QueryResultsFormat.TSV)}
    expected = {IRIS.term_out(quad.object) for quad in store}
    assert read == expected
    # The literal text was kept, its IRI-like parts under the canonical base too.
    assert ox.Literal(text) in {term.object for term in read if isinstance(term.object, ox.Literal)}


def test_query_iris_are_rewritten_outside_strings_and_comments_only():
    query = (f'PREFIX c: <{PUBLIC}id/country/>\nSELECT * WHERE {{ <{PUBLIC}id/x> ?p "<{PUBLIC}id/y>", '
             f"'''<{PUBLIC}id/z>''' }} # <{PUBLIC}id/comment>\n")
    assert rewrite_iris(query, IRIS.iri_in) == (
        f'PREFIX c: <{CANONICAL}id/country/>\nSELECT * WHERE {{ <{CANONICAL}id/x> ?p "<{PUBLIC}id/y>", '
        f"'''<{PUBLIC}id/z>''' }} # <{PUBLIC}id/comment>\n")
    # A less-than sign is no IRI.
    assert rewrite_iris("FILTER(?a<?b && ?b>?c)", IRIS.iri_in) == "FILTER(?a<?b && ?b>?c)"


@pytest.mark.parametrize("text", ["'" * 200_000, "\\'" * 100_000, "<" * 200_000, "'''" * 60_000,
                                  "SELECT * WHERE { ?s ?p '" + "\\'" * 100_000 + " }"])
def test_reading_a_query_costs_linear_time(text):
    started = time.process_time()
    rewrite_iris(text, IRIS.iri_in)
    # A quadratic reading of 200,000 characters takes minutes; linear, a fraction of a second.
    assert time.process_time() - started < 5.0
