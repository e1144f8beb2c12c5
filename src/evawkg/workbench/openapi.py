"""The OpenAPI 3.1 description of the named-query API, generated from the queries' headers
(OpenAPI 3.1.0, https://spec.openapis.org/oas/v3.1.0; its schemas are JSON Schema 2020-12).

One ``GET /queries/<name>`` operation per named query: its summary, description and tags come
from the ``#+`` header, each parameter is a query-string parameter with a JSON Schema that says
exactly what :meth:`evawkg.workbench.named_queries.Parameter.to_term` accepts (so a value the schema allows is
never refused, and one it forbids is a 400), with the header's default and example. Answers are
listed with every media type the server writes; errors share one schema (the body
:mod:`evawkg.web.errors` writes for every status).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import __version__
from .named_queries import TYPE_HINTS, NamedQuery, Parameter

#: Answers of ``/queries/<name>``, in the order ``Accept: */*`` is served.
ANSWER_MEDIA_TYPES = ("application/json", "application/sparql-results+json", "text/csv",
                      "text/tab-separated-values", "text/html")

#: Error bodies, in the order ``Accept: */*`` is served (see :mod:`evawkg.web.errors`).
ERROR_MEDIA_TYPES = ("text/plain", "application/json", "text/html")

#: What each error status of a named query means.
ERROR_STATUSES = {
    "400": "A parameter is unknown or its value is not of its type; the message names it.",
    "406": "None of the media types in Accept is available.",
    "422": "The answer has more rows than the server's cap.",
    "429": "Every query process is busy; retry after Retry-After seconds.",
    "503": "The query passed its time limit, or the graph is still loading.",
}

# Schemas equal to what Parameter.to_term accepts. IRIs: a scheme (or one of our prefixes)
# and characters an IRI may hold; no '#' (the prefixes end in one), no authority ('//') and no
# '%' escapes, which the IRI parser checks further than a pattern can.
_IRI = r"^[A-Za-z][A-Za-z0-9+.\-]*:(?!//)[A-Za-z0-9._~!$&'()*+,;=:@/?\-]*$"
_SCHEMAS: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "pattern": _IRI},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "string", "pattern": r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"},
    "date": {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    "gYearMonth": {"type": "string", "pattern": r"^[0-9]{4}-(?:0[1-9]|1[0-2])$"},
    "boolean": {"type": "boolean"},
}


def _typed(parameter: Parameter, value: str) -> Any:
    if parameter.type == "integer":
        return int(value)
    if parameter.type == "boolean":
        return value == "true"
    return value


def parameter_schema(parameter: Parameter) -> dict[str, Any]:
    """The JSON Schema of one parameter's value."""
    schema = dict(_SCHEMAS[parameter.type])
    if parameter.enum:
        schema = {"type": "string", "enum": list(parameter.enum)}
    if parameter.default is not None:
        schema["default"] = _typed(parameter, parameter.default)
    if parameter.example is not None:
        schema["examples"] = [_typed(parameter, parameter.example)]
    return schema


def parameter_object(parameter: Parameter) -> dict[str, Any]:
    example = parameter.example if parameter.example is not None else parameter.default
    description = f"{parameter.description} Type {parameter.type}: {TYPE_HINTS[parameter.type]}."
    found = {"name": parameter.name, "in": "query", "required": False,
             "description": description, "schema": parameter_schema(parameter)}
    if example is not None:
        found["example"] = _typed(parameter, example)
    return found


def _answers() -> dict[str, Any]:
    return {
        "application/json": {"schema": {"$ref": "#/components/schemas/Answer"}},
        "application/sparql-results+json": {"schema": {"$ref": "#/components/schemas/SparqlResults"}},
        "text/csv": {"schema": {"type": "string"}},
        "text/tab-separated-values": {"schema": {"type": "string"}},
        "text/html": {"schema": {"type": "string"}},
    }


def _errors() -> dict[str, Any]:
    content = {media_type: {"schema": {"$ref": "#/components/schemas/Error"}
                            if media_type == "application/json" else {"type": "string"}}
               for media_type in ERROR_MEDIA_TYPES}
    return {status: {"description": text, "content": content}
            for status, text in ERROR_STATUSES.items()}


def operation(query: NamedQuery) -> dict[str, Any]:
    """The OpenAPI operation answering ``query``."""
    return {
        "operationId": query.name,
        "summary": query.summary,
        "description": query.description,
        "tags": list(query.tags),
        "parameters": [parameter_object(parameter) for parameter in query.parameters],
        "responses": {
            "200": {"description": "The answer, one row per solution.",
                    "headers": {"X-Result-Rows": {"description": "Rows in the answer.",
                                                  "schema": {"type": "string", "pattern": "^[0-9]+$"}}},
                    "content": _answers()},
            **_errors(),
        },
    }


COMPONENTS: dict[str, Any] = {
    "schemas": {
        "Error": {
            "type": "object", "required": ["error", "status", "message"],
            "properties": {"error": {"type": "string", "description": "A short code, e.g. bad-parameter."},
                           "status": {"type": "integer"},
                           "message": {"type": "string", "description": "What went wrong and how to fix it."},
                           "line": {"type": "integer"}, "column": {"type": "integer"}},
        },
        "Answer": {
            "type": "object", "required": ["query", "parameters", "columns", "rows"],
            "properties": {
                "query": {"type": "string"},
                "parameters": {"type": "object", "additionalProperties": {"type": "string"}},
                "columns": {"type": "array", "items": {"type": "string"}},
                "rows": {"type": "array", "items": {"type": "object", "additionalProperties":
                                                    {"type": ["string", "null"]}}},
            },
        },
        "SparqlResults": {
            "type": "object", "required": ["head"],
            "properties": {"head": {"type": "object"}, "results": {"type": "object"},
                           "boolean": {"type": "boolean"}},
        },
        "QueryListing": {
            "type": "array",
            "items": {"type": "object", "required": ["name", "summary", "description", "parameters"],
                      "properties": {"name": {"type": "string"}, "summary": {"type": "string"},
                                     "description": {"type": "string"},
                                     "tags": {"type": "array", "items": {"type": "string"}},
                                     "url": {"type": "string"},
                                     "parameters": {"type": "array", "items": {"type": "object"}}}},
        },
    },
}


def openapi_document(queries: Iterable[NamedQuery], *, server_url: str = "/") -> dict[str, Any]:
    """The whole OpenAPI 3.1 document for ``queries``."""
    queries = sorted(queries, key=lambda q: q.name)
    paths: dict[str, Any] = {
        "/queries": {"get": {
            "operationId": "list-queries", "summary": "Every named query",
            "description": "Name, summary, description and typed parameters of each named query.",
            "tags": ["catalogue"],
            "responses": {"200": {"description": "The named queries.", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/QueryListing"}},
                "text/html": {"schema": {"type": "string"}}}},
                "406": _errors()["406"]},
        }},
    }
    for query in queries:
        paths[f"/queries/{query.name}"] = {"get": operation(query)}
    tags = sorted({tag for query in queries for tag in query.tags} | {"catalogue"})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "evawkg named queries",
            "version": __version__,
            "summary": "Questions about UN work to end violence against women, answered as data.",
            "description": ("Each operation runs one named SPARQL query of the evawkg knowledge "
                            "graph (queries/*.rq) with typed parameters; every parameter has a "
                            "default, so each answers with none given. Ask for JSON, CSV, TSV, "
                            "SPARQL JSON or an HTML table by Accept, or add .json, .csv, .tsv, "
                            ".srj or .html to the path."),
            "license": {"name": "CC BY 4.0 (data), MIT (code)",
                        "url": "https://creativecommons.org/licenses/by/4.0/"},
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": COMPONENTS,
    }


__all__ = ["openapi_document", "operation", "parameter_schema", "ANSWER_MEDIA_TYPES",
           "ERROR_MEDIA_TYPES"]
