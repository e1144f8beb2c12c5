"""``/openapi.json``: generated from the query headers, answering as it says. schemathesis
generates requests from the description and checks every response against it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_headers_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from evawkg.graph.bundle import default_bundle
from evawkg.workbench.openapi import parameter_schema
from evawkg.workbench.named_queries import load_named_queries

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def document(app):
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_openapi_has_one_operation_per_named_query(document, named_queries):
    assert document["openapi"] == "3.1.0"
    operations = {item["get"]["operationId"]: path for path, item in document["paths"].items()}
    assert {name: f"/queries/{name}" for name in named_queries} == {
        name: path for name, path in operations.items() if name != "list-queries"}


def test_openapi_parameters_carry_type_default_example_and_description(document, named_queries):
    for name, query in named_queries.items():
        operation = document["paths"][f"/queries/{name}"]["get"]
        assert operation["summary"] == query.summary and operation["tags"] == list(query.tags)
        by_name = {p["name"]: p for p in operation["parameters"]}
        assert list(by_name) == [p.name for p in query.parameters]
        for parameter in query.parameters:
            documented = by_name[parameter.name]
            assert documented["in"] == "query" and documented["required"] is False
            assert documented["schema"] == parameter_schema(parameter)
            assert str(documented["schema"]["default"]) == parameter.default
            assert parameter.description in documented["description"]
            assert "example" in documented


def test_openapi_responses_name_media_types_and_error_schema(document):
    operation = document["paths"]["/queries/agency-mandate"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {
        "application/json", "application/sparql-results+json", "text/csv",
        "text/tab-separated-values", "text/html"}
    error = operation["responses"]["400"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}
    assert document["components"]["schemas"]["Error"]["required"] == ["error", "status", "message"]


def test_every_documented_operation_answers_200_with_its_defaults(client, document):
    for path in document["paths"]:
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 200, path
        assert response.get_json(), path


def test_api_page_shows_every_operation_and_its_parameters(client, document):
    page = client.get("/api").get_data(as_text=True)
    for path, item in document["paths"].items():
        assert f"GET {path}" in page and f'id="{item["get"]["operationId"]}"' in page
        for parameter in item["get"].get("parameters", []):
            assert f"<code>{parameter['name']}</code>" in page


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


# schemathesis' pytest plugin does not run under this pytest; its Python API does.
PATHS = ["/queries"] + [f"/queries/{name}" for name in
                        sorted(load_named_queries(default_bundle().queries_dir))]


@pytest.mark.parametrize("path", PATHS)
def test_api_answers_as_its_openapi_description_says(api_schema, path):
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy())
    @hypothesis_settings(max_examples=30, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))
    def check(case):
        # Through WSGI nothing undoes gzip, so ask for none (a real client decompresses).
        case.call_and_validate(headers={"Accept-Encoding": "identity"}, checks=CHECKS)

    check()
