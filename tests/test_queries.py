"""Named queries: header parsing, typed binding, and each bundled query's answer on the real data."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest

from evawkg.errors import EvawError, ParameterError, QueryHeaderError, QuerySyntaxError
from evawkg.namespaces import ID, PREFIXES
from evawkg.queries import (
    PARAMETER_TYPES,
    NamedQuery,
    has_header,
    load_named_queries,
    load_named_query,
    parse_named_query,
    run,
    run_sparql,
)

FIXTURES = Path(__file__).parent / "fixtures" / "queries"
XSD = "http://www.w3.org/2001/XMLSchema#"


# --- header parsing -------------------------------------------------------------------------

def test_load_named_queries_good_fixtures_reads_every_header_field():
    queries = load_named_queries(FIXTURES / "good")
    assert sorted(queries) == ["no-params", "typed-sample"]
    sample = queries["typed-sample"]
    assert isinstance(sample, NamedQuery)
    assert sample.summary == "A sample with one parameter of each type"
    assert sample.description == "Echoes its parameters, so the tests can see how each is bound."
    assert sample.tags == ("test",)
    assert sample.form == "SELECT"
    assert [p.name for p in sample.parameters] == ["thing", "text", "count", "share", "day",
                                                   "month", "flag", "order"]
    assert {p.type for p in sample.parameters} == set(PARAMETER_TYPES)
    month = sample.parameter("month")
    assert (month.default, month.example, month.description) == ("2009-10", "2010-02", "A month.")
    # YAML reads 1993-12-20 as a date and true as a bool: the header keeps the text a user types.
    assert sample.parameter("day").default == "1993-12-20"
    assert sample.parameter("flag").default == "true"
    assert sample.parameter("order").enum == ("asc", "desc")
    assert queries["no-params"].parameters == ()
    assert queries["no-params"].tags == ("test", "statistics")


def test_named_query_is_frozen():
    query = load_named_query(FIXTURES / "good" / "no-params.rq")
    with pytest.raises(AttributeError):
        query.summary = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(("fixture", "problem"), [
    ("no-header.rq", "no '#+' header"),
    ("bad-yaml.rq", "bad-yaml.rq:3: header is not valid YAML"),
    ("not-mapping.rq", "header must be a YAML mapping"),
    ("unknown-key.rq", "unknown header key(s) endpoint"),
    ("missing-summary.rq", "needs a non-empty 'summary'"),
    ("missing-tags.rq", "needs 'tags'"),
    ("bad-type.rq", "parameter 'share': type must be one of iri, string"),
    ("unused-param.rq", "parameter 'country' is not used: the query has no ?country"),
    ("bad-default.rq", "parameter 'count': default 'many' is not a whole number"),
    ("syntax-error.rq", "syntax-error.rq:5:1: query does not parse"),
    ("unprojected-param.rq", "project every parameter"),
    ("duplicate-key.rq", "duplicate-key.rq:2: header is not valid YAML: key 'summary' is given twice"),
    ("default-not-in-enum.rq", "default 'sideways' is not one of its enum values"),
    ("Bad_Name.rq", "name 'Bad_Name' is not kebab-case"),
    ("missing-param-description.rq", "parameter 'o' needs a 'description'"),
])
def test_load_named_query_malformed_raises_header_error_naming_file_and_problem(fixture, problem):
    with pytest.raises(QueryHeaderError) as caught:
        load_named_query(FIXTURES / "malformed" / fixture)
    assert fixture in caught.value.message
    assert problem in caught.value.message


def test_load_named_queries_directory_with_a_malformed_file_raises():
    with pytest.raises(QueryHeaderError, match="malformed"):
        load_named_queries(FIXTURES / "malformed")


def test_has_header_tells_named_from_plain_sparql():
    assert has_header((FIXTURES / "good" / "no-params.rq").read_text())
    assert not has_header("# a comment\nSELECT * {}")


# --- typed binding --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample() -> NamedQuery:
    return load_named_query(FIXTURES / "good" / "typed-sample.rq")


def test_bind_no_values_applies_every_default_as_a_typed_term(sample):
    bound = {variable.value: term for variable, term in sample.bind({}).items()}
    assert bound["thing"] == pyoxigraph.NamedNode(str(ID["organization/unodc"]))
    assert bound["text"] == pyoxigraph.Literal("violence")
    assert bound["count"] == pyoxigraph.Literal("138", datatype=pyoxigraph.NamedNode(XSD + "integer"))
    assert bound["share"] == pyoxigraph.Literal("0.5", datatype=pyoxigraph.NamedNode(XSD + "decimal"))
    assert bound["day"] == pyoxigraph.Literal("1993-12-20", datatype=pyoxigraph.NamedNode(XSD + "date"))
    assert bound["month"] == pyoxigraph.Literal("2009-10", datatype=pyoxigraph.NamedNode(XSD + "gYearMonth"))
    assert bound["flag"] == pyoxigraph.Literal("true", datatype=pyoxigraph.NamedNode(XSD + "boolean"))


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("thing", "https://example.org/x", pyoxigraph.NamedNode("https://example.org/x")),
    ("thing", "id:country/NA", pyoxigraph.NamedNode(str(ID["country/NA"]))),
    ("thing", "evaw:Activity", pyoxigraph.NamedNode(PREFIXES["evaw"] + "Activity")),
    ("text", "  spaces kept ", pyoxigraph.Literal("  spaces kept ")),
    ("text", '"} . ?s ?p ?o {', pyoxigraph.Literal('"} . ?s ?p ?o {')),
    ("count", "+007", pyoxigraph.Literal("7", datatype=pyoxigraph.NamedNode(XSD + "integer"))),
    ("share", "1.50", pyoxigraph.Literal("1.50", datatype=pyoxigraph.NamedNode(XSD + "decimal"))),
    ("day", "2010-12-21", pyoxigraph.Literal("2010-12-21", datatype=pyoxigraph.NamedNode(XSD + "date"))),
    ("month", "2013-03", pyoxigraph.Literal("2013-03", datatype=pyoxigraph.NamedNode(XSD + "gYearMonth"))),
    ("flag", "0", pyoxigraph.Literal("false", datatype=pyoxigraph.NamedNode(XSD + "boolean"))),
    ("order", "desc", pyoxigraph.Literal("desc")),
])
def test_bind_value_becomes_term_of_declared_type(sample, name, value, expected):
    assert sample.bind({name: value})[pyoxigraph.Variable(name)] == expected


@pytest.mark.parametrize(("name", "value", "expected_type"), [
    ("thing", "not an iri", "iri"),
    ("thing", "", "iri"),
    ("count", "12.5", "integer"),
    ("count", "many", "integer"),
    ("share", "1e3", "decimal"),
    ("day", "2010-02-30", "date"),
    ("day", "20 Dec 1993", "date"),
    ("month", "2009-13", "gYearMonth"),
    ("month", "Oct 2009", "gYearMonth"),
    ("flag", "yes", "boolean"),
])
def test_bind_wrong_type_raises_parameter_error_naming_parameter_and_type(sample, name, value, expected_type):
    with pytest.raises(ParameterError) as caught:
        sample.bind({name: value})
    assert f"parameter {name!r}" in caught.value.message
    assert f"(type {expected_type})" in caught.value.message
    assert caught.value.status == 400


def test_bind_value_outside_enum_raises_parameter_error(sample):
    with pytest.raises(ParameterError, match="'order' must be one of asc, desc"):
        sample.bind({"order": "sideways"})


def test_bind_unknown_parameter_raises_parameter_error_listing_known_ones(sample):
    with pytest.raises(ParameterError, match="has no parameter 'agency'.*thing, text, count"):
        sample.bind({"agency": "id:organization/unodc"})


def test_bind_required_parameter_missing_raises_parameter_error():
    query = parse_named_query(
        "#+ summary: s\n#+ description: d\n#+ tags: [t]\n#+ params:\n"
        "#+   o: {type: string, description: a value}\nSELECT ?o WHERE { ?s ?p ?o }", name="needs-o")
    assert query.parameter("o").required
    with pytest.raises(ParameterError, match="needs parameter 'o'"):
        query.bind({})


def test_run_binds_parameters_as_terms_never_as_text(sample):
    store = pyoxigraph.Store()
    injection = '"} . ?s ?p ?o {'
    [row] = list(sample.run(store, {"text": injection, "count": "5"}))
    assert row["text"] == pyoxigraph.Literal(injection)
    assert row["count"] == pyoxigraph.Literal("5", datatype=pyoxigraph.NamedNode(XSD + "integer"))


def test_run_sparql_uses_predeclared_prefixes_and_graph_union():
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(pyoxigraph.NamedNode(str(ID["activity/a"])),
                              pyoxigraph.NamedNode(PREFIXES["rdf"] + "type"),
                              pyoxigraph.NamedNode(PREFIXES["evaw"] + "Activity"),
                              pyoxigraph.NamedNode("https://evawkg.example.org/graph/activities")))
    rows = list(run_sparql(store, "SELECT ?a WHERE { ?a a evaw:Activity }"))
    assert [row["a"].value for row in rows] == [str(ID["activity/a"])]


def test_run_sparql_bad_syntax_raises_query_syntax_error_with_parser_position():
    with pytest.raises(QuerySyntaxError, match="error at 1:"):
        run_sparql(pyoxigraph.Store(), "SELECT ?s WHERE { ?s ?p }")


def test_run_sparql_unknown_prefix_raises_query_syntax_error():
    with pytest.raises(QuerySyntaxError):
        run_sparql(pyoxigraph.Store(), "SELECT ?s WHERE { ?s nope:p ?o }")


def test_run_substituting_unprojected_variable_raises_evaw_error():
    with pytest.raises(EvawError, match="query failed"):
        run(pyoxigraph.Store(), "SELECT ?s WHERE { ?s ?p ?o }",
            {pyoxigraph.Variable("o"): pyoxigraph.Literal("x")})
