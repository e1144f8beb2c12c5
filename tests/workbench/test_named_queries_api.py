"""``/queries`` and ``/queries/<name>``: the list, typed parameters, formats, and every named
query answering with its defaults (in every format, CSV readable by Python's csv module)."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import quote

import pytest

from evawkg.graph.bundle import default_bundle
from evawkg.workbench.named_queries import load_named_queries
from evawkg.web.named_queries import editor_text

NAMES = sorted(load_named_queries(default_bundle().queries_dir))


def test_get_queries_json_lists_every_query_with_its_header(client, named_queries):
    response = client.get("/queries", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    listed = {entry["name"]: entry for entry in response.get_json()}
    assert sorted(listed) == NAMES
    for name, query in named_queries.items():
        entry = listed[name]
        assert (entry["summary"], entry["description"]) == (query.summary, query.description)
        assert [(p["name"], p["type"], p["default"]) for p in entry["parameters"]] == [
            (p.name, p.type, p.default) for p in query.parameters]


def test_get_queries_browser_gets_html_linking_each_query(client):
    response = client.get("/queries", headers={"Accept": "text/html,*/*;q=0.8"})
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "Accept" in response.vary
    for name in NAMES:
        assert f'href="/queries/{name}"' in page and f'href="/queries/{name}.csv"' in page


@pytest.mark.parametrize("name", NAMES)
def test_get_named_query_without_parameters_answers_rows_in_json(client, named_queries, name):
    response = client.get(f"/queries/{name}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["query"] == name and body["rows"], "each query answers with its defaults"
    assert body["parameters"] == {p.name: p.default for p in named_queries[name].parameters}
    assert set(body["rows"][0]) == set(body["columns"])
    assert response.headers["X-Result-Rows"] == str(len(body["rows"]))


@pytest.mark.parametrize("name", NAMES)
def test_get_named_query_csv_opens_in_csv_module_with_header(client, name):
    response = client.get(f"/queries/{name}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    columns = client.get(f"/queries/{name}").get_json()["columns"]
    assert rows[0] == columns and len(rows) == 1 + int(response.headers["X-Result-Rows"])
    assert all(len(row) == len(columns) for row in rows)


@pytest.mark.parametrize(("accept", "suffix", "media_type"), [
    (None, "", "application/json"),
    ("*/*", "", "application/json"),
    ("application/json", "", "application/json"),
    ("application/sparql-results+json", "", "application/sparql-results+json"),
    ("text/csv", "", "text/csv"),
    ("text/tab-separated-values", "", "text/tab-separated-values"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "", "text/html"),
    ("text/html", ".csv", "text/csv"),
    (None, ".tsv", "text/tab-separated-values"),
    (None, ".srj", "application/sparql-results+json"),
    ("application/json", ".html", "text/html"),
    (None, "?format=csv", "text/csv"),
])
def test_get_named_query_negotiates_by_accept_suffix_or_format(client, accept, suffix, media_type):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/queries/agency-mandate" + suffix, headers=headers)
    assert response.status_code == 200 and response.mimetype == media_type
    assert "Accept" in response.vary


def test_get_named_query_unavailable_type_returns_406_naming_the_available(client):
    response = client.get("/queries/agency-mandate", headers={"Accept": "image/png"})
    assert response.status_code == 406 and "text/csv" in response.get_data(as_text=True)


def test_get_named_query_sparql_json_is_the_standard_shape(client):
    body = json.loads(client.get("/queries/agency-mandate.srj").data)
    assert "agency" in body["head"]["vars"] and body["results"]["bindings"]


@pytest.mark.parametrize(("query_string", "named"), [
    ("from=2010-13", ["'from'", "gYearMonth", "YYYY-MM"]),
    ("agency=not%20an%20iri", ["'agency'", "type iri"]),
    ("relation=nonsense", ["'relation'", "one of"]),
    ("colour=red", ["no parameter 'colour'"]),
    ("from=2009-01&from=2010-01", ["'from'", "2 times"]),
])
def test_get_named_query_bad_parameter_returns_400_naming_it_and_its_type(client, query_string, named):
    name = {"from": "activities-in-period", "agency": "agency-mandate",
            "relation": "instrument-relations", "colour": "agency-mandate"}[query_string.split("=")[0]]
    response = client.get(f"/queries/{name}?{query_string}", headers={"Accept": "application/json"})
    body = response.get_json()
    assert response.status_code == 400 and body["error"] == "bad-parameter"
    for words in named:
        assert words in body["message"]


@pytest.mark.parametrize("suffix", ["xml", "ttl", "JSON", ""])
def test_get_named_query_with_an_unknown_format_suffix_returns_404_naming_the_formats(client, suffix):
    """``/queries/agency-activities.xml`` said only that no such query exists, as if the name
    were wrong: the message now says the suffix is the fault and lists the ones to use."""
    response = client.get(f"/queries/agency-activities.{suffix}",
                          headers={"Accept": "application/json"})
    assert response.status_code == 404
    message = response.get_json()["message"]
    assert f".{suffix} is not a format" in message and "/queries/agency-activities.csv" in message


def test_get_unknown_named_query_returns_404(client):
    response = client.get("/queries/no-such-query", headers={"Accept": "application/json"})
    assert response.status_code == 404 and "/queries" in response.get_json()["message"]


def test_get_named_query_parameter_changes_the_answer(client):
    in_2010 = client.get("/queries/activities-in-period").get_json()["rows"]
    in_2009 = client.get("/queries/activities-in-period?from=2009-01&to=2009-12").get_json()["rows"]
    assert in_2009 and in_2010 and {r["activity"] for r in in_2009} != {r["activity"] for r in in_2010}
    assert all(r["from"] == "2009-01" for r in in_2009)


def test_get_named_query_iri_parameter_takes_prefixed_name_or_full_iri(client):
    short = client.get("/queries/agency-mandate?agency=id:organization/unodc").get_json()["rows"]
    full = client.get("/queries/agency-mandate?agency="
                      + quote("https://evawkg.example.org/id/organization/unodc")).get_json()["rows"]
    assert short == full and short


def test_get_named_query_page_has_typed_form_table_and_links(client):
    response = client.get("/queries/activities-in-period?from=2009-01&to=2009-12",
                          headers={"Accept": "text/html"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="from" value="2009-01"' in page and 'type="month"' in page
    rows = client.get("/queries/activities-in-period?from=2009-01&to=2009-12").get_json()["rows"]
    assert "<table" in page and page.count("<tr>") == 1 + len(rows)
    assert f'<span id="row-count">{len(rows)}</span>' in page
    assert "/queries/activities-in-period.csv?from=2009-01&amp;to=2009-12" in page
    assert "/sparql#query=" in page


def test_get_named_query_page_bad_value_shows_the_form_with_400(client):
    response = client.get("/queries/activities-in-period.html?from=2010-13")
    assert response.status_code == 400 and "gYearMonth" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", NAMES)
def test_editor_example_of_named_query_gives_the_api_answer(client, named_queries, name):
    query = named_queries[name]
    text = editor_text(query, {p.name: p.default for p in query.parameters})
    assert "VALUES" in text or not query.parameters
    answer = client.post("/sparql", data={"query": text},
                         headers={"Accept": "application/sparql-results+json"}).get_json()
    api = client.get(f"/queries/{name}.srj").get_json()
    assert _unordered(answer) == _unordered(api)


def _unordered(results: dict) -> list:
    """Rows with GROUP_CONCAT values as sorted parts (their order is the engine's choice)."""
    return [{name: (term["type"], sorted(re.split(r"[ ,;]+", term["value"])))
             for name, term in row.items()} for row in results["results"]["bindings"]]
